"""softmax and log_softmax along any axis, with their backward passes from the saved output.

The compiled kernels (cpp/src/rowwise/) view a C-contiguous array as (outer, len, inner) and
reduce along the middle axis: along rows when ``axis`` is the last one, across columns (vectors
of adjacent columns, a stride apart) otherwise, so no axis needs a transposed copy. Input that
is not C-contiguous is copied once into C order first.
"""

from __future__ import annotations

import math

import numpy as np

from . import _core, reference
from ._activation import _finish
from ._validation import as_input, check_out, normalize_axis, promoted_pair

SOFTMAX, LOG_SOFTMAX = 0, 1  # bindings.cpp RowKind
_NATIVE = (np.dtype(np.float32), np.dtype(np.float64))


def _dims(shape: tuple, axis: int) -> tuple:
    """(outer, len, inner) of a C-contiguous array of ``shape`` reduced along ``axis``."""
    outer = math.prod(shape[:axis])
    inner = math.prod(shape[axis + 1:])
    return outer, shape[axis], inner


def _run(kernel, inputs: tuple, rdt: np.dtype, out):
    """``kernel(*inputs, destination)`` into ``out`` when the core can write there directly
    (C-contiguous, the compute dtype, no partial overlap), else into a fresh array."""
    if out is not None:
        check_out(out, inputs[0].shape, rdt)
        if out.dtype == inputs[0].dtype and kernel(*inputs, out):
            return out
    inputs = tuple(np.ascontiguousarray(a) for a in inputs)
    result = np.empty_like(inputs[0], order="C")
    kernel(*inputs, result)
    if out is None:
        return _finish(result, rdt)
    np.copyto(out, result, casting="same_kind")
    return out


class _RowOp:
    name: str
    _kind: int

    def __repr__(self) -> str:
        return f"<fastact row-wise op {self.name}(x, axis=-1)>"

    def _axis(self, a: np.ndarray, axis) -> tuple:
        """The array as at least 1-d (a 0-d input is a row of one) and the normalised axis."""
        a1 = a.reshape(1) if a.ndim == 0 else a
        return a1, normalize_axis(axis, a1.ndim, self.name)

    def _forward(self, x, axis, safe, out):
        if out is None and type(x) is np.ndarray and x.ndim and x.dtype in _NATIVE and type(axis) is int \
                and -x.ndim <= axis < x.ndim:  # the common call, straight to the core
            shape, ax = x.shape, axis % x.ndim
            y = np.empty_like(x)
            if _core.rowwise(self._kind, x, y, math.prod(shape[:ax]), shape[ax], math.prod(shape[ax + 1:]), safe):
                return y
        xa, rdt = as_input(x, "x")
        x1, ax = self._axis(xa, axis)
        dims = _dims(x1.shape, ax)
        out1 = None if out is None else (out.reshape(1) if xa.ndim == 0 and isinstance(out, np.ndarray) else out)
        if out1 is not None:
            check_out(out, xa.shape, rdt)
        r = _run(lambda xi, dst: _core.rowwise(self._kind, xi, dst, *dims, safe), (x1,), rdt, out1)
        return out if out is not None else (r.reshape(())[()] if xa.ndim == 0 else r)

    def backward(self, g, y, axis=-1, *, out=None):
        """The vector-Jacobian product from the saved output ``y`` (same shape as ``g``)."""
        ga, ya, rdt = promoted_pair(g, y, "g", "y")
        g1, _ = self._axis(ga, axis)
        y1, ax = self._axis(ya, axis)
        dims = _dims(y1.shape, ax)
        out1 = None if out is None else (out.reshape(1) if ya.ndim == 0 and isinstance(out, np.ndarray) else out)
        if out1 is not None:
            check_out(out, ya.shape, rdt)
        r = _run(lambda gi, yi, dst: _core.rowwise_backward(self._kind, gi, yi, dst, *dims), (g1, y1), rdt, out1)
        return out if out is not None else (r.reshape(())[()] if ya.ndim == 0 else r)


class Softmax(_RowOp):
    """softmax(x, axis=-1, *, safe=False, out=None): exp(x - max) / sum(exp(x - max)) along ``axis``.

    Stable for every finite input (shifted by the maximum along the axis, never overflowing),
    within 4 ULP per element (float32; 8 for float64) where the result is a normal number. Any
    shape and axis; float32/float64 natively (float16 via float32, integers via float64).

    Special rows: NaN anywhere gives a NaN row; a row of -inf only gives NaN (as PyTorch), or
    zeros with ``safe=True``; where +inf appears, the k entries equal to +inf get 1/k each and
    the others 0 (the limit as those entries grow).

    ``softmax.backward(g, y, axis=-1)`` = y * (g - sum(g * y)), from the saved output.

    Example
    -------
    >>> fa.softmax(np.array([2.0, 1.0, 0.1])).round(3)
    array([0.659, 0.242, 0.099])
    """

    name = "softmax"
    _kind = SOFTMAX

    def __call__(self, x, axis=-1, *, safe=False, out=None):
        if not isinstance(safe, (bool, np.bool_)):
            raise TypeError(f"softmax: safe must be a bool, got {type(safe).__name__}")
        return self._forward(x, axis, bool(safe), out)

    def reference(self, x, axis=-1, safe=False):
        """The float64 NumPy reference (``fastact.reference.softmax``)."""
        return reference.softmax(x, axis, safe)

    def reference_backward(self, g, y, axis=-1):
        return reference.softmax_backward(g, y, axis)


class LogSoftmax(_RowOp):
    """log_softmax(x, axis=-1, *, out=None): (x - max) - log(sum(exp(x - max))) along ``axis``.

    Never log(softmax(x)): entries far below the maximum keep their value instead of becoming
    -inf. Absolute error <= 4 * 2^-24 * max(1, |y|) in float32 (8 * 2^-53 * max(1, |y|) in
    float64). Special rows as softmax: NaN -> NaN row; -inf only -> NaN; k entries of +inf ->
    -log k there, -inf elsewhere.

    ``log_softmax.backward(g, y, axis=-1)`` = g - exp(y) * sum(g), from the saved output.

    Example
    -------
    >>> y = fa.log_softmax(np.array([2.0, 1.0, 0.5, 0.1]))
    >>> round(float(-y[0]), 4)     # cross-entropy against class 0
    0.5542
    """

    name = "log_softmax"
    _kind = LOG_SOFTMAX

    def __call__(self, x, axis=-1, *, out=None):
        return self._forward(x, axis, False, out)

    def reference(self, x, axis=-1):
        """The float64 NumPy reference (``fastact.reference.log_softmax``)."""
        return reference.log_softmax(x, axis)

    def reference_backward(self, g, y, axis=-1):
        return reference.log_softmax_backward(g, y, axis)
