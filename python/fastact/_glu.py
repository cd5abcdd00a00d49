"""The GLU family: split x into halves (a, b) along ``axis`` and gate one with an activation of
the other, forward and backward in one pass each (cpp/src/kernel_loops.h gated_forward/backward):

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
import math

import numpy as np

from . import _core
from ._by_name import ByName
from ._validation import (as_input, call_arguments, check_out, copy_out, finish, compute_dtype, normalize_axis, public_call,
                          unexpected_keyword)


class Gated(ByName):
    """A gated linear unit; see the module docstring (``help(fastact._glu)``)."""

    def __init__(self, name: str, activation, gate_first: bool, formula: str):
        self.name = self.__name__ = self.__qualname__ = name
        self._activation = activation
        self._gate_first = gate_first
        self.formula = formula

    def _kernel_params(self, params: dict, method: str = "") -> tuple:
        """The activation's kernel and parameters; errors name this unit's call, not the activation's."""
        names = self._activation._param_names
        for name in params:
            if name not in names:
                raise unexpected_keyword(public_call(self.name, method), name, ("axis", "out", *names))
        return self._activation._kernel_params(params, method, self.name)

    def __repr__(self) -> str:
        return f"<fastact gated unit {self.name}(x, axis=-1)>"

    def _split(self, xa: np.ndarray, axis):
        if xa.ndim == 0:
            raise ValueError(f"{self.name}: x must have at least one axis to split")
        ax = normalize_axis(axis, xa.ndim, self.name)
        size = xa.shape[ax]
        if size % 2:
            raise ValueError(f"{self.name}: x has {size} elements along axis {axis}; an even size is needed to split it in halves")
        outer = math.prod(xa.shape[:ax])
        half = (size // 2) * math.prod(xa.shape[ax + 1:])
        out_shape = xa.shape[:ax] + (size // 2,) + xa.shape[ax + 1:]
        return ax, outer, half, out_shape

    def __call__(self, *args, out=None, **params):
        x, axis = call_arguments(self.name, "", args, params, ("x", "axis"), (-1,), positional_only=1)
        op_id, a, b = self._kernel_params(params)
        xa, rdt = as_input(x, "x")
        _, outer, half, shape = self._split(xa, axis)
        xa = np.ascontiguousarray(xa)
        y = np.empty(shape, dtype=xa.dtype)
        _core.gated_forward(op_id, xa, y, outer, half, self._gate_first, a, b)
        if out is None:
            return finish(y, rdt)
        check_out(out, shape, rdt)
        copy_out(out, y)
        return out

    def backward(self, *args, **params):
        """The gradient with respect to x (x's shape), from the upstream gradient g (the output's shape)."""
        g, x, axis = call_arguments(self.name, "backward", args, params, ("g", "x", "axis"), (-1,), positional_only=2)
        op_id, a, b = self._kernel_params(params, "backward")
        xa, x_rdt = as_input(x, "x")
        ga, g_rdt = as_input(g, "g")
        _, outer, half, shape = self._split(xa, axis)
        if ga.shape != shape:
            raise ValueError(f"g must have the output's shape {shape} (x {xa.shape} halved along axis {axis}), got {ga.shape}")
        rdt = x_rdt if x_rdt == g_rdt else np.promote_types(x_rdt, g_rdt)
        cdt = compute_dtype(rdt)
        xa = np.ascontiguousarray(xa, dtype=cdt)
        ga = np.ascontiguousarray(ga, dtype=cdt)
        gx = np.empty(xa.shape, dtype=cdt)
        _core.gated_backward(op_id, ga, xa, gx, outer, half, self._gate_first, a, b)
        return finish(gx, rdt)

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
    keyword, positional = inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_ONLY
    params = [inspect.Parameter(p.name, keyword, default=p.default) for p in activation.spec.params]
    x, g = inspect.Parameter("x", positional), inspect.Parameter("g", positional)
    axis = inspect.Parameter("axis", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=-1)

    def backward(self, *args, **params):
        return Gated.backward(self, *args, **params)

    backward.__doc__ = Gated.backward.__doc__
    backward.__signature__ = inspect.Signature([inspect.Parameter("self", positional), g, x, axis, *params])
    call = inspect.Signature([x, axis, inspect.Parameter("out", keyword, default=None), *params])
    cls = type(name, (Gated,), {"__doc__": doc, "__module__": "fastact", "__signature__": call, "backward": backward})
    return cls(name, activation, gate_first, formula)
