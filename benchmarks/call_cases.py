"""The calls whose per-call cost the overhead benchmarks time (call_overhead.py and
test_call_overhead.py): every method and keyword form of fastact's ops on a few float32 elements,
NumPy's ufuncs for scale (``np.add(x, y)`` is the yardstick), and PyTorch when installed."""

from __future__ import annotations

import numpy as np

import fastact as fa
from fastact._peers import torch_module

#: the reference call: fastact's calls should cost at most this plus 0.2 µs
YARDSTICK = "np.add(x, y)"


def call_cases(n: int) -> list[tuple[str, object]]:
    """(label, zero-argument callable) pairs on n-element float32 arrays."""
    x = np.linspace(-3.0, 3.0, n, dtype=np.float32)
    g = np.linspace(1.0, 2.0, n, dtype=np.float32)
    y = fa.tanh(x)
    out = np.empty_like(x)
    b = np.linspace(-0.5, 0.5, n, dtype=np.float32)
    logits = np.linspace(-2.0, 2.0, 40, dtype=np.float32).reshape(4, 10)
    target = np.array([1, 0, 9, 3])
    alpha = np.float32(0.2)
    cases = [
        (YARDSTICK, lambda: np.add(x, g)),
        ("np.tanh(x)", lambda: np.tanh(x)),
        ("fa.relu(x)", lambda: fa.relu(x)),
        ("fa.tanh(x)", lambda: fa.tanh(x)),
        ("fa.relu(x, out=o)", lambda: fa.relu(x, out=out)),
        ("fa.elu(x, alpha=0.5)", lambda: fa.elu(x, alpha=0.5)),
        ("fa.gelu(x, bias=b)", lambda: fa.gelu(x, bias=b)),
        ("fa.tanh.derivative(x)", lambda: fa.tanh.derivative(x)),
        ("fa.tanh.backward(g, x)", lambda: fa.tanh.backward(g, x)),
        ("fa.tanh.backward(g, y=y)", lambda: fa.tanh.backward(g, y=y)),
        ("fa.tanh.value_and_derivative(x)", lambda: fa.tanh.value_and_derivative(x)),
        ("fa.softmax(x)", lambda: fa.softmax(x)),
        ("fa.softmax(x, axis=0)", lambda: fa.softmax(x, axis=0)),
        ("fa.swiglu(x)", lambda: fa.swiglu(x)),
        ("fa.prelu(x, alpha)", lambda: fa.prelu(x, alpha)),
        ("fa.cross_entropy(logits (4, 10), t)", lambda: fa.cross_entropy(logits, target)),
    ]
    torch = torch_module()
    if torch is not None:
        xt = torch.from_numpy(x)
        cases += [("torch.relu(t)", lambda: torch.relu(xt)), ("torch.tanh(t)", lambda: torch.tanh(xt)),
                  ("torch.softmax(t, -1)", lambda: torch.softmax(xt, -1))]
    return cases
