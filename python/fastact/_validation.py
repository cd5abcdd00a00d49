"""Argument conversion for the losses, which are composed in Python from the core's ops: NumPy's
conventions and clear errors, as the core's own normaliser gives them (cpp/src/numpy_arrays.h).
Never writes to the caller's arrays.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# numpy.exceptions (NumPy >= 1.25) holds it; older NumPy has it at the top level.
AxisError = getattr(getattr(np, "exceptions", np), "AxisError")

FLOAT16 = np.dtype(np.float16)
FLOAT32 = np.dtype(np.float32)
FLOAT64 = np.dtype(np.float64)


def is_bfloat16(dt: np.dtype) -> bool:
    """ml_dtypes' bfloat16 (the dtype PyTorch and JAX exchange): computed in float32, returned as
    bfloat16. Recognised without importing ml_dtypes, which stays optional."""
    return dt.kind == "V" and dt.itemsize == 2 and dt.type.__name__ == "bfloat16" and dt.type.__module__ == "ml_dtypes"


def as_input(value, name: str) -> tuple[np.ndarray, np.dtype]:
    """Returns ``(array, result_dtype)``: the array in the dtype the kernels compute in, and the
    dtype the caller gets back. float32/float64 stay as they are; float16 computes in float32 and
    returns float16 (bfloat16 likewise); bool and integers promote to float64 (as ``np.tanh`` does)."""
    if isinstance(value, np.ndarray):
        a = value
    else:
        try:
            a = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name}: cannot be converted to an array ({exc})") from None
    dt = a.dtype
    if dt is FLOAT32 or dt is FLOAT64 or dt == FLOAT32 or dt == FLOAT64:
        return a, dt
    if dt.kind in "fiu" and not dt.isnative:  # big-endian data: same values, native order
        return as_input(a.astype(dt.newbyteorder("=")), name)
    if dt == FLOAT16:
        return cast_to(a, FLOAT32), FLOAT16
    if is_bfloat16(dt):
        return cast_to(a, FLOAT32), dt
    if dt.kind in "biu":
        return a.astype(FLOAT64), FLOAT64
    hint = " (cast it to float64 first)" if dt.kind == "f" else ""
    raise TypeError(
        f"{name}: expected real numbers (a float16/32/64, bfloat16, integer or bool array), got dtype {dt}{hint}"
    )


def cast_to(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``a.astype(dtype, copy=False)``, by the core's vector conversions where one side is
    float16/bfloat16 and the other float32 (the same round-to-nearest-even bits as NumPy's and
    ml_dtypes' casts, which are many times slower for subnormal float16 results)."""
    from . import _core

    src, dst = a.dtype, np.dtype(dtype)
    if src == dst:
        return a
    sixteen = lambda d: d == FLOAT16 or is_bfloat16(d)  # noqa: E731
    if not ((src == FLOAT32 and sixteen(dst)) or (sixteen(src) and dst == FLOAT32)) or not src.isnative:
        with np.errstate(over="ignore", invalid="ignore"):  # inf and NaN convert as they are, silently
            return a.astype(dst)
    if type(a) is not np.ndarray or not a.flags.c_contiguous:
        a = np.array(a, order="C", subok=False)
    out = np.empty(a.shape, dst)
    _core.convert16(a, out)
    return out


def real_param(value, owner: str, name: str, finite: bool) -> float:
    """A scalar parameter as a Python float, or a TypeError/ValueError naming it."""
    if isinstance(value, (bool, np.bool_)) or not (
        isinstance(value, numbers.Real) or (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")
    ):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if math.isnan(v):
        raise ValueError(f"{owner}: {name} must not be NaN")
    if finite and math.isinf(v):
        raise ValueError(f"{owner}: {name} must be finite, got {v}")
    return v


def normalize_axis(axis, ndim: int, owner: str) -> int:
    """``axis`` as a non-negative index into ``ndim`` dimensions; a TypeError for a non-integer,
    NumPy's AxisError (a ValueError and an IndexError) for one out of range."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{owner}: axis must be an int, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise AxisError(int(axis), ndim, owner)
    return int(axis) % ndim
