"""softmax, log_softmax, softmin and logsumexp along any axis, with their backward passes.

The compiled kernels (cpp/src/rowwise/) view a C-contiguous array as (outer, len, inner) and
reduce along the middle axis: along rows when ``axis`` is the last one, across columns (vectors
of adjacent columns, a stride apart) otherwise, so no axis needs a transposed copy. Input that
is not C-contiguous is copied once into C order first. Every call is the core type's
(cpp/src/row_op.cpp).
"""

from __future__ import annotations

import inspect

import numpy as np

from . import _core, _interop, reference
from ._by_name import ByName
from ._real_input import real_array


class _RowOp(ByName, _core.RowOp):
    """Calling the op and ``backward`` are the core type's (cpp/src/row_op.cpp), which parses the
    arguments, normalises the input and runs the kernels."""

    name: str

    def __init__(self):
        super().__init__()
        self._configure(_core.ROW_KINDS[self.name])

    def __repr__(self) -> str:
        return f"<fastact row-wise op {self.name}(x, axis=-1)>"


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
    __signature__ = inspect.signature(lambda x, /, axis=-1, *, safe=False, out=None: None)

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
    __signature__ = inspect.signature(lambda x, /, axis=-1, *, out=None: None)

    def reference(self, x, axis=-1):
        """The float64 NumPy reference (``fastact.reference.log_softmax``)."""
        return reference.log_softmax(x, axis)

    def reference_backward(self, g, y, axis=-1):
        return reference.log_softmax_backward(g, y, axis)


def _negated(x):
    """-x, for softmin: NumPy input (lists, integers and bools as float64, as softmax reads them)
    negated into a new array; other libraries' arrays by their own negation, which keeps them
    lazy (Dask) or differentiable (PyTorch, JAX)."""
    if isinstance(x, np.ndarray) or np.isscalar(x) or isinstance(x, (list, tuple)):
        a = np.asarray(x)
        if a.dtype.kind in "biu":
            a = a.astype(np.float64)
        return np.negative(a) if a.dtype.kind == "f" or a.dtype.name == "bfloat16" else a
    return -x


class Softmin(ByName):
    """softmin(x) = softmax(-x) along ``axis``: exp(min - x) / sum(exp(min - x)), the weights
    of the smallest entries (``torch.nn.functional.softmin``). Computed as softmax of the negated
    input (negation is exact, so the accuracy and the special rows are softmax's, mirrored: a row
    of +inf only gives NaN, or zeros with ``safe=True``; k entries equal to -inf get 1/k each).
    Costs one more pass than softmax (the negation).

    ``softmin.backward(g, y, axis=-1)`` = -y * (g - sum(g * y)), from the saved output.

    Example
    -------
    >>> fa.softmin(np.array([2.0, 1.0, 0.1])).round(3)
    array([0.096, 0.261, 0.643])
    """

    name = "softmin"
    __signature__ = inspect.signature(lambda x, /, axis=-1, *, safe=False, out=None: None)

    def __repr__(self) -> str:
        return "<fastact row-wise op softmin(x, axis=-1)>"

    def __call__(self, x, /, axis=-1, *, safe=False, out=None):
        from . import softmax

        return softmax(_negated(x), axis, safe=safe, out=out)

    def backward(self, g, y, /, axis=-1, *, out=None):
        """The gradient with respect to x: -softmax.backward(g, y, axis), from the saved output."""
        from . import softmax

        if out is not None and not isinstance(out, np.ndarray):
            raise TypeError(f"softmin.backward: out= must be a NumPy array, got {type(out).__name__}")
        gx = softmax.backward(g, y, axis, out=out)
        if isinstance(gx, np.ndarray):
            return np.negative(gx, out=gx)
        return -gx

    def reference(self, x, axis=-1, safe=False):
        """The float64 NumPy reference: ``fastact.reference.softmax`` of -x."""
        return reference.softmax(-np.asarray(x, dtype=np.float64), axis, safe)

    def reference_backward(self, g, y, axis=-1):
        return -reference.softmax_backward(g, y, axis)


class LogSumExp(ByName):
    """logsumexp(x) = log(sum(exp(x))) along ``axis`` (an int, a tuple of ints, or None for every
    element), computed as m + log(sum(exp(x - m))), m the maximum, in float64 and rounded once
    to x's dtype (over one axis or all of x, in one pass of the C++ core, threaded as softmax is):
    no overflow, no underflow to -inf while any term is representable. A row of
    -inf gives -inf, a row with +inf gives +inf, NaN gives NaN (``scipy.special.logsumexp``,
    ``torch.logsumexp``, ``jax.nn.logsumexp``). ``keepdims`` keeps the reduced axes as length 1.

    ``logsumexp.backward(g, x, axis=-1, keepdims=False)`` = g * softmax(x) along the axis (g
    broadcast back over it; over one axis or all of x, softmax's kernel times g in the compute
    type, in the core, so within softmax's bound plus one rounding).

    Example
    -------
    >>> round(float(fa.logsumexp(np.array([1000.0, 1000.0]))), 4)
    1000.6931
    """

    name = "logsumexp"
    __signature__ = inspect.signature(lambda x, /, axis=-1, keepdims=False: None)

    def __repr__(self) -> str:
        return "<fastact row-wise op logsumexp(x, axis=-1, keepdims=False)>"

    def __call__(self, x, /, axis=-1, keepdims=False):
        r = _interop.call(self, "call", (x,), {"axis": axis, "keepdims": keepdims})
        if r is not NotImplemented:
            return r
        a, dtype, axis = self._prepare(x, axis, keepdims)
        if _in_core_format(dtype) and (axis is None or len(axis) == 1):
            # One axis (or every element, as one row): the core's row kernel, in double.
            r = _core.logsumexp(a.reshape(-1), 0) if axis is None else _core.logsumexp(a, axis[0])
            if keepdims:
                r = r.reshape((1,) * a.ndim) if axis is None else np.expand_dims(r, axis[0])
        else:  # several axes at once, or a dtype the core does not take: NumPy in float64
            shift, e = self._shifted_exp(a.astype(np.float64), axis)
            with np.errstate(divide="ignore"):
                r = shift + np.log(np.sum(e, axis=axis, keepdims=True))
            if not keepdims:
                r = np.squeeze(r, axis=axis) if axis is not None else r.reshape(())
        return r.astype(dtype)[()] if r.ndim == 0 else r.astype(dtype)

    def backward(self, g, x, /, axis=-1, keepdims=False):
        """The gradient with respect to x: g * softmax(x) along ``axis`` (g has the result's shape)."""
        r = _interop.call(self, "backward", (g, x), {"axis": axis, "keepdims": keepdims})
        if r is not NotImplemented:
            return r
        a, dtype, axis = self._prepare(x, axis, keepdims)
        reduced = tuple(1 if axis is None or i in axis else n for i, n in enumerate(a.shape))
        if not keepdims:
            reduced = tuple(n for i, n in enumerate(a.shape) if axis is not None and i not in axis)
        ga = np.asarray(g, dtype=np.float64)
        if ga.shape != reduced:
            raise ValueError(f"logsumexp.backward: g must have the result's shape {reduced}, got {ga.shape}")
        if _in_core_format(dtype) and (axis is None or len(axis) == 1):
            # softmax's kernel for the weights (its 4 ULP), each group times its g in the compute
            # type, in the core (16-bit rows a block at a time): one more rounding
            gc = np.ascontiguousarray(ga).reshape(-1)
            if axis is None:
                return _core.logsumexp_backward(gc, a.reshape(-1), 0).reshape(a.shape)
            return _core.logsumexp_backward(gc, a, axis[0])
        if not keepdims and axis is not None:
            ga = np.expand_dims(ga, axis)
        _, e = self._shifted_exp(a.astype(np.float64), axis)
        with np.errstate(invalid="ignore"):
            weights = e / np.sum(e, axis=axis, keepdims=True)
        return (ga * weights).astype(dtype)

    @staticmethod
    def _shifted_exp(a, axis):
        """The shift m (the maximum along axis, 0 for rows whose maximum is +-inf or NaN, so that
        exp(x) itself gives their limit) and exp(a - m)."""
        m = np.max(a, axis=axis, keepdims=True) if a.size else np.zeros((1,) * a.ndim)
        shift = np.where(np.isfinite(m), m, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            return shift, np.exp(a - shift)

    @staticmethod
    def _prepare(x, axis, keepdims):
        """x as an array, the result's dtype, and axis as a tuple of non-negative ints (or None)."""
        a = real_array(x, "logsumexp", "x")
        if not isinstance(keepdims, (bool, np.bool_)):
            raise TypeError(f"logsumexp: keepdims must be a bool, got {type(keepdims).__name__}")
        if type(axis) is int and a.ndim > 1:  # the common call: one axis of a batch
            return a, a.dtype, (_normalize_axis(axis, a.ndim),)
        if axis is not None:
            axes = axis if isinstance(axis, tuple) else (axis,)
            for ax in axes:
                if isinstance(ax, bool) or not isinstance(ax, (int, np.integer)):
                    raise TypeError(f"logsumexp: axis must be an int, a tuple of ints or None, got {axis!r}")
            axis = tuple(_normalize_axis(ax, a.ndim) for ax in axes)
            if len(set(axis)) != len(axis):
                raise ValueError(f"logsumexp: axis {axis!r} repeats an axis")
            if a.ndim and sorted(axis) == list(range(a.ndim)):
                axis = None  # every axis: one row of every element, the same steps as axis=None
        return a, a.dtype, axis

    def reference(self, x, axis=-1, keepdims=False):
        """The NumPy reference (``fastact.reference.logsumexp``): float64, or longdouble for a
        longdouble x."""
        return reference.logsumexp(x, axis, keepdims)


#: the dtypes fastact's kernels take (16-bit ones computed in float32); bfloat16 by name, as
#: ml_dtypes is optional (dtype.name costs microseconds: only dtypes not in the set ask it)
_CORE_DTYPES = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))


def _in_core_format(dtype) -> bool:
    return dtype in _CORE_DTYPES or dtype.name == "bfloat16"


def _normalize_axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim
