"""The GLU family: split x into halves (a, b) along ``axis`` and gate one with an activation of
the other, forward and backward in one pass each (cpp/src/gated_op.cpp, with the kernel_loops.h gated loops):

    glu(x)    = a * sigmoid(b)    (PyTorch's convention: the second half is the gate)
    swiglu(x) = silu(a) * b       (the FFN activation of current large language models)
    geglu(x)  = gelu(a) * b       (approximate="none" | "tanh", as gelu)
    reglu(x)  = relu(a) * b

A C-contiguous x viewed as (outer, 2, half) has both halves of each outer index as contiguous
runs, so no half is copied. ``backward(g, x, axis=-1)`` returns the gradient with respect to x
(x's shape): the gate half g * value * f'(gate), the value half g * f(gate).
"""

from __future__ import annotations

import inspect
import numpy as np

from . import _core
from ._by_name import ByName


class Gated(ByName, _core.GatedOp):
    """A gated linear unit; see the module docstring (``help(fastact._glu)``). Calls and
    ``backward`` are the core type's (cpp/src/gated_op.cpp)."""

    def __init__(self, name: str, activation, gate_first: bool, formula: str):
        self.name = self.__name__ = self.__qualname__ = name
        self._activation = activation
        self._gate_first = gate_first
        self.formula = formula
        self._configure(name, activation, gate_first)

    def __repr__(self) -> str:
        return f"<fastact gated unit {self.name}(x, axis=-1)>"

    def reference(self, x, axis=-1, **params):
        """float64 NumPy reference: the activation's reference on one half times the other."""
        xa = np.asarray(x, dtype=np.float64)
        first, second = np.split(xa, 2, axis=axis)
        gate, value = (first, second) if self._gate_first else (second, first)
        return self._activation.reference(gate, **params) * value


def make(activation, name: str, gate_first: bool, formula: str, example: str) -> Gated:
    doc = f"""{name}(x) = {formula}, with (a, b) the two halves of x along ``axis``.

    x is split into halves (a, b) along ``axis`` (its size there must be even); the result has
    that axis halved. ``{name}.backward(g, x, axis=-1)`` returns the gradient with respect to x, in
    one pass. Accuracy: the activation's (README) and one rounding for the product.

    Example
    -------
{example}
    """
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter(p.name, keyword, default=p.default) for p in activation.spec.params]
    x = inspect.Parameter("x", inspect.Parameter.POSITIONAL_ONLY)
    axis = inspect.Parameter("axis", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=-1)
    call = inspect.Signature([x, axis, inspect.Parameter("out", keyword, default=None), *params])
    cls = type(name, (Gated,), {"__doc__": doc, "__module__": "fastact", "__signature__": call})
    listed = "".join(f", {p.name}={p.default!r}" for p in activation.spec.params)
    text = f"backward($self, g, x, /, axis=-1{', *' + listed if listed else ''})\n--\n\n{_core.GatedOp.backward.__doc__}"
    cls.backward = _core.op_method(cls, "backward", text)
    return cls(name, activation, gate_first, formula)
