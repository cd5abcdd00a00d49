"""PReLU: leaky ReLU with a learnable slope per channel.

    prelu(x, alpha, axis=1) = x where x > 0, alpha[c] * x elsewhere (c = the index along ``axis``)

``alpha`` is one value per channel (shape ``(x.shape[axis],)``) or a scalar (one slope for all).
``backward(g, x, alpha, axis=1)`` returns ``(gx, galpha)``: gx = g * prelu'(x), and galpha, of
alpha's shape, sums g * x over the elements where x <= 0, on every axis but the channel axis
(accumulated in float64). prelu'(0) = alpha (as leaky_relu, as PyTorch). Exact, like leaky_relu:
alpha is rounded to x's dtype. It runs the leaky_relu kernels once per channel block.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from . import _core, reference
from ._by_name import ByName
from ._validation import (as_input, call_arguments, check_out, copy_out, finish, check_same_shape, compute_dtype, normalize_axis,
                          public_call, unexpected_keyword)

FORWARD, DERIVATIVE, BACKWARD = 0, 1, 3


class PReLU(ByName):
    """prelu(x) = x where x > 0, alpha[c] * x elsewhere: leaky ReLU with one learnable slope per
    channel c (the index along ``axis``; a scalar alpha is one slope for all).

    Example
    -------
    >>> x = np.array([[-1.0, 2.0], [-3.0, -4.0]])
    >>> fa.prelu(x, np.array([0.1, 0.2]), axis=1)
    array([[-0.1,  2. ],
           [-0.3, -0.8]])
    >>> gx, galpha = fa.prelu.backward(np.ones_like(x), x, np.array([0.1, 0.2]), axis=1)
    >>> galpha
    array([-4., -4.])
    """

    name = "prelu"

    def __repr__(self) -> str:
        return "<fastact activation prelu(x, alpha, axis=1)>"

    @staticmethod
    def _prepare(x, alpha, axis, g=None):
        xa, rdt = as_input(x, "x")
        cdt = xa.dtype
        if g is not None:
            ga, g_rdt = as_input(g, "g")
            check_same_shape(ga, xa, "g", "x")
            rdt = rdt if rdt == g_rdt else np.promote_types(rdt, g_rdt)
            cdt = compute_dtype(rdt)
            ga = np.ascontiguousarray(ga, dtype=cdt)
        else:
            ga = None
        xa = np.ascontiguousarray(xa, dtype=cdt)
        al = np.asarray(alpha)
        if al.dtype.kind not in "biuf" or al.dtype.itemsize > 8:
            raise TypeError(f"prelu: alpha must be real numbers, got dtype {al.dtype}")
        if np.isnan(al).any() or np.isinf(al).any():
            raise ValueError("prelu: alpha must be finite")
        scalar_alpha = al.ndim == 0
        if scalar_alpha and axis != 1:  # an axis given with one slope for all: still a real axis
            normalize_axis(axis, max(xa.ndim, 1), "prelu")
        if scalar_alpha:
            channels_axis, outer, channels, inner = None, 1, 1, xa.size
        else:
            if al.ndim != 1:
                raise ValueError(f"prelu: alpha must be a scalar or 1-d (one per channel), got shape {al.shape}")
            if xa.ndim == 0:
                raise ValueError("prelu: a per-channel alpha needs an x with a channel axis")
            channels_axis = normalize_axis(axis, xa.ndim, "prelu")
            channels = xa.shape[channels_axis]
            if al.shape[0] != channels:
                raise ValueError(
                    f"prelu: alpha has {al.shape[0]} values but x has {channels} channels along axis {axis}"
                )
            outer = math.prod(xa.shape[:channels_axis])
            inner = math.prod(xa.shape[channels_axis + 1:])
        al_k = np.ascontiguousarray(np.reshape(al, -1), dtype=cdt)
        return xa, ga, al_k, rdt, channels_axis, (outer, channels, inner), scalar_alpha

    @staticmethod
    def _kernel(kind, xa, ga, al, dims, out=None):
        result = np.empty_like(xa) if out is None else out
        _core.prelu(kind, xa, xa if ga is None else ga, al, result, *dims)
        return result

    def _finish_out(self, result, rdt, out):
        if out is None:
            return finish(result, rdt)
        check_out(out, result.shape, rdt)
        copy_out(out, result)
        return out

    __signature__ = inspect.signature(lambda x, /, alpha=0.25, axis=1, *, out=None: None)

    def _arguments(self, method: str, args: tuple, kwargs: dict, names: tuple) -> list:
        """The arrays positional-only, alpha and axis either way (defaults 0.25, 1); a wrong call is
        CPython's TypeError for ``prelu()`` / ``prelu.<method>()``."""
        values = call_arguments(self.name, method, args, kwargs, names, (0.25, 1), positional_only=len(names) - 2)
        if kwargs:
            raise unexpected_keyword(public_call(self.name, method), sorted(kwargs)[0], names[-2:])
        return values

    def __call__(self, *args, out=None, **kwargs):
        x, alpha, axis = self._arguments("", args, kwargs, ("x", "alpha", "axis"))
        xa, _, al, rdt, _, dims, _ = self._prepare(x, alpha, axis)
        return self._finish_out(self._kernel(FORWARD, xa, None, al, dims), rdt, out)

    def derivative(self, *args, out=None, **kwargs):
        """derivative(x, /, alpha=0.25, axis=1, *, out=None): prelu'(x), 1 where x > 0, alpha[c] elsewhere."""
        x, alpha, axis = self._arguments("derivative", args, kwargs, ("x", "alpha", "axis"))
        xa, _, al, rdt, _, dims, _ = self._prepare(x, alpha, axis)
        return self._finish_out(self._kernel(DERIVATIVE, xa, None, al, dims), rdt, out)

    def backward(self, *args, **kwargs):
        """backward(g, x, /, alpha=0.25, axis=1): (gx, galpha), g * prelu'(x) and the sum of g * x
        over x <= 0 per channel."""
        g, x, alpha, axis = self._arguments("backward", args, kwargs, ("g", "x", "alpha", "axis"))
        xa, ga, al, rdt, channels_axis, dims, scalar_alpha = self._prepare(x, alpha, axis, g)
        gx = self._kernel(BACKWARD, xa, ga, al, dims)
        contrib = np.where(xa <= 0, ga.astype(np.float64) * xa, 0.0)
        if scalar_alpha:
            galpha = np.asarray(contrib.sum())
        else:
            others = tuple(i for i in range(xa.ndim) if i != channels_axis)
            galpha = contrib.sum(axis=others)
        return finish(gx, rdt), finish(galpha.astype(rdt), rdt)

    def reference(self, x, alpha=0.25, axis=1):
        """The float64 NumPy reference."""
        return reference.prelu(x, alpha, axis)

    def reference_derivative(self, x, alpha=0.25, axis=1):
        return reference.prelu_derivative(x, alpha, axis)


# What inspect.signature reports for the methods, which parse their arguments themselves.
PReLU.derivative.__signature__ = inspect.signature(lambda self, x, /, alpha=0.25, axis=1, *, out=None: None)
PReLU.backward.__signature__ = inspect.signature(lambda self, g, x, /, alpha=0.25, axis=1: None)
