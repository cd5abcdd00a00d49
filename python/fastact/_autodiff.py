"""One op call as a node of another library's automatic differentiation (fastact.torch,
fastact.jax): which arguments are arrays to differentiate, and the forward and backward passes on
NumPy arrays through fastact's own ``backward`` methods. The wrappers only move arrays in and out.
"""
from __future__ import annotations

import inspect

import numpy as np

from ._interop import op_name


class Plan:
    """``op(*args, **kwargs)`` bound to the op's signature: ``array_names`` are the arguments
    ``is_array`` picks (in order), ``static`` every other one (None and ``out`` dropped)."""

    def __init__(self, op, args: tuple, kwargs: dict, is_array):
        import fastact as fa

        self.fa = fa
        self.op = op
        self.name = op_name(op)
        if kwargs.get("out") is not None:
            raise TypeError(f"{self.name}: out= cannot be used when differentiating (autograd needs new "
                            "outputs); call it without out=, or under torch.no_grad()")
        bound = inspect.signature(op).bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = {k: v for k, v in bound.arguments.items() if k != "out" and v is not None}
        self.static = {k: v for k, v in arguments.items() if not is_array(v)}
        self.array_names = [k for k, v in arguments.items() if is_array(v)]
        self.arrays = [arguments[k] for k in self.array_names]
        # ops whose backward needs only the output save it instead of the input
        self.from_output = isinstance(op, (fa.Softmax, fa.LogSoftmax, fa.Softmin)) or (
            isinstance(op, fa.Activation) and op.has_output_backward and self.array_names == ["x"]
            and op.spec.learnable is None)

    def forward(self, arrays: dict):
        op = self.op
        if isinstance(op, self.fa.Activation):
            learnable = op.spec.learnable
            arrays = {k: (float(v) if k == learnable else v) for k, v in arrays.items()}
        rest = {k: v for k, v in {**self.static, **arrays}.items() if k != "x"}
        return op(arrays["x"], **rest) if "x" in arrays else op(**rest)  # x is positional-only

    def backward(self, a: dict, g: np.ndarray, y) -> dict:
        """The gradient of each array argument that has one (x, bias, a learnable parameter,
        prelu's alpha, a loss's logits), by name, given the upstream gradient ``g`` and the saved
        output ``y`` (when ``from_output``) or the saved arrays ``a``."""
        fa, op, s = self.fa, self.op, dict(self.static)
        if isinstance(op, fa.Activation):
            learnable = op.spec.learnable
            if learnable in a:
                s[learnable] = float(a[learnable])
            if "bias" in a:
                s["bias"] = a["bias"]
            r = op.backward(g, y=y, **s) if y is not None else op.backward(g, a["x"], **s)
            r = list(r) if isinstance(r, tuple) else [r]
            grads = {"x": r.pop(0)}
            if learnable is not None:
                grads[learnable] = r.pop(0)
            if "bias" in a:
                grads["bias"] = r.pop(0)
            return grads
        if isinstance(op, (fa.Softmax, fa.LogSoftmax, fa.Softmin)):
            return {"x": op.backward(g, y, axis=s.get("axis", -1))}
        if isinstance(op, fa.LogSumExp):
            return {"x": op.backward(g, a["x"], axis=s.get("axis", -1), keepdims=s.get("keepdims", False))}
        if isinstance(op, fa.Gated):
            params = {k: v for k, v in s.items() if k != "axis"}
            return {"x": op.backward(g, a["x"], axis=s.get("axis", -1), **params)}
        if isinstance(op, fa.PReLU):
            gx, galpha = op.backward(g, a["x"], a.get("alpha", s.get("alpha", 0.25)), axis=s.get("axis", 1))
            return {"x": gx, "alpha": galpha}
        # a loss: the gradient of its first argument only (logits, log-probabilities or
        # probabilities; targets and class weights are data)
        first = next(iter(inspect.signature(op).parameters))
        kw = {**s, **{k: v for k, v in a.items() if k != first}}
        return {first: op.backward(a[first], g=g[()] if np.ndim(g) == 0 else g, **kw)}


def function_of(op, apply, library: str):
    """``op`` as a function of ``library``'s arrays, ``apply(op, args, kwargs)`` doing the call:
    named, documented and with the op's signature less ``out=``."""
    def f(*args, **kwargs):
        return apply(op, args, kwargs)

    signature = inspect.signature(op)
    f.__name__ = f.__qualname__ = op.name
    f.__doc__ = f"fastact.{op.name} on {library} arrays, differentiable by fastact's backward pass.\n\n{op.__doc__ or ''}"
    f.__signature__ = signature.replace(parameters=[p for p in signature.parameters.values() if p.name != "out"])
    return f
