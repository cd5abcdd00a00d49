"""softmax and log_softmax along any axis, with their backward passes from the saved output.

The compiled kernels (cpp/src/rowwise/) view a C-contiguous array as (outer, len, inner) and
reduce along the middle axis: along rows when ``axis`` is the last one, across columns (vectors
of adjacent columns, a stride apart) otherwise, so no axis needs a transposed copy. Input that
is not C-contiguous is copied once into C order first.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from . import _core, reference
from ._by_name import ByName
from ._validation import as_input, call_arguments, check_out, normalize_axis, promoted_pair, run_into

SOFTMAX, LOG_SOFTMAX = 0, 1  # bindings.cpp RowKind


def _dims(shape: tuple, axis: int) -> tuple:
    """(outer, len, inner) of a C-contiguous array of ``shape`` reduced along ``axis``."""
    return math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1:])


class _RowOp(ByName, _core.RowOpBase):
    """Calling the op and ``backward`` are the C base class's (cpp/src/row_op_object.cpp): it runs
    the common calls (C-contiguous float32/float64 ndarrays, an int axis or none) itself and hands
    every other call to ``_call`` and ``_backward``."""

    name: str
    _kind: int

    def __init__(self):
        super().__init__()
        self._set_fast_path(self._kind)

    def __repr__(self) -> str:
        return f"<fastact row-wise op {self.name}(x, axis=-1)>"

    def _apply(self, call, arrays: tuple, axis, rdt, out):
        """``call(dims, *arrays, destination)`` with dims = (outer, len, inner) for ``axis``, through
        the elementwise ops' out=/copy handling (_validation.run_into). A 0-d input is a row of one."""
        zero_d = arrays[0].ndim == 0
        if zero_d:
            if out is not None:
                check_out(out, (), rdt)
            arrays = tuple(a.reshape(1) for a in arrays)
        dims = _dims(arrays[0].shape, normalize_axis(axis, arrays[0].ndim, self.name))
        dst = out.reshape(1) if zero_d and out is not None else out
        r = run_into(lambda *io: call(dims, *io), arrays, rdt, dst)
        if out is not None:
            return out
        return r.reshape(())[()] if zero_d else r

    def _arguments(self, method: str, args: tuple, kwargs: dict, names: tuple) -> list:
        """``call_arguments`` for ``self.name`` + ``.method``: the last name is the axis (default -1);
        any keyword left over is a TypeError."""
        values = call_arguments(self.name, method, args, kwargs, names, (-1,), positional_only=len(names) - 1)
        if kwargs:
            call = f"{self.name}{'.' + method if method else ''}()"
            raise TypeError(f"{call} got an unexpected keyword argument {sorted(kwargs)[0]!r}")
        return values

    def _forward(self, x, axis, safe, out):
        xa, rdt = as_input(x, "x")
        return self._apply(lambda dims, xi, dst: _core.rowwise(self._kind, xi, dst, *dims, safe), (xa,), axis, rdt,
                           out)

    def _backward(self, *args, out=None, **kwargs):
        """``backward`` (the C base class's, documented there) when its fast path does not take the call."""
        g, y, axis = self._arguments("backward", args, kwargs, ("g", "y", "axis"))
        ga, ya, rdt = promoted_pair(g, y, "g", "y")
        return self._apply(lambda dims, gi, yi, dst: _core.rowwise_backward(self._kind, gi, yi, dst, *dims),
                           (ga, ya), axis, rdt, out)


class Softmax(_RowOp):
    """softmax(x) = exp(x - max) / sum(exp(x - max)) along ``axis`` (max: the maximum along it).

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
    __signature__ = inspect.signature(lambda x, /, axis=-1, *, safe=False, out=None: None)

    def _call(self, *args, safe=False, out=None, **kwargs):
        """softmax(x, axis=-1, *, safe=False, out=None), when the C fast path does not take the call."""
        x, axis = self._arguments("", args, kwargs, ("x", "axis"))
        if not isinstance(safe, (bool, np.bool_)):
            raise TypeError(f"softmax: safe must be a bool, got {type(safe).__name__}")
        return self._forward(x, axis, bool(safe), out)

    def reference(self, x, axis=-1, safe=False):
        """The float64 NumPy reference (``fastact.reference.softmax``)."""
        return reference.softmax(x, axis, safe)

    def reference_backward(self, g, y, axis=-1):
        return reference.softmax_backward(g, y, axis)


class LogSoftmax(_RowOp):
    """log_softmax(x) = (x - max) - log(sum(exp(x - max))) along ``axis``.

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
    __signature__ = inspect.signature(lambda x, /, axis=-1, *, out=None: None)

    def _call(self, *args, out=None, **kwargs):
        """log_softmax(x, axis=-1, *, out=None), when the C fast path does not take the call."""
        x, axis = self._arguments("", args, kwargs, ("x", "axis"))
        return self._forward(x, axis, False, out)

    def reference(self, x, axis=-1):
        """The float64 NumPy reference (``fastact.reference.log_softmax``)."""
        return reference.log_softmax(x, axis)

    def reference_backward(self, g, y, axis=-1):
        return reference.log_softmax_backward(g, y, axis)
