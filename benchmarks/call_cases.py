"""The calls whose per-call cost the overhead benchmarks time (call_overhead.py and
test_call_overhead.py): fastact's entry points, NumPy ufuncs, and PyTorch when installed."""

from __future__ import annotations

import numpy as np

import fastact as fa
from fastact._peers import torch_module


def call_cases(n: int) -> list[tuple[str, object]]:
    """(label, zero-argument callable) pairs on n-element float64 arrays."""
    x = np.linspace(-3.0, 3.0, n)
    g = np.linspace(1.0, 2.0, n)
    out = np.empty_like(x)
    cases = [
        ("fa.relu(x)", lambda: fa.relu(x)),
        ("fa.tanh(x)", lambda: fa.tanh(x)),
        ("fa.relu(x, out=o)", lambda: fa.relu(x, out=out)),
        ("fa.tanh.derivative(x)", lambda: fa.tanh.derivative(x)),
        ("fa.tanh.backward(g, x)", lambda: fa.tanh.backward(g, x)),
        ("fa.tanh.value_and_derivative(x)", lambda: fa.tanh.value_and_derivative(x)),
        ("fa.softmax(x)", lambda: fa.softmax(x)),
        ("fa.elu(x, alpha=0.5)  [Python path]", lambda: fa.elu(x, alpha=0.5)),
        ("np.tanh(x)", lambda: np.tanh(x)),
        ("np.maximum(x, 0)", lambda: np.maximum(x, 0)),
        ("np.tanh(x, out=o)", lambda: np.tanh(x, out=out)),
    ]
    torch = torch_module()
    if torch is not None:
        xt = torch.from_numpy(x)
        cases += [("torch.relu(t)", lambda: torch.relu(xt)), ("torch.tanh(t)", lambda: torch.tanh(xt)),
                  ("torch.softmax(t, -1)", lambda: torch.softmax(xt, -1))]
    return cases
