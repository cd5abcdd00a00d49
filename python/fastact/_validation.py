"""Argument checking and coercion, shared by every op: NumPy's conventions, clear errors.

The compiled core accepts only float32/float64 buffers that are contiguous in the same
order; everything a user may pass is brought to that form here, without ever writing to
the caller's arrays (unless one of them is ``out``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

FLOAT16 = np.dtype(np.float16)
FLOAT32 = np.dtype(np.float32)
FLOAT64 = np.dtype(np.float64)


def as_input(value, name: str) -> tuple[np.ndarray, np.dtype]:
    """Returns ``(array, result_dtype)``: the array in the dtype the kernels compute in, and the
    dtype the caller gets back. float32/float64 stay as they are; float16 computes in float32 and
    returns float16; bool and integers promote to float64 (as ``np.tanh`` does)."""
    if isinstance(value, np.ndarray):
        a = value
    else:
        try:
            a = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name}: cannot be converted to an array ({exc})") from None
    dt = a.dtype
    if dt == FLOAT32 or dt == FLOAT64:
        return a, dt
    if dt == FLOAT16:
        return a.astype(FLOAT32), FLOAT16
    if dt.kind in "biu":
        return a.astype(FLOAT64), FLOAT64
    hint = " (cast it to float64 first)" if dt.kind == "f" else ""
    raise TypeError(
        f"{name}: expected real numbers (a float16/32/64, integer or bool array), got dtype {dt}{hint}"
    )


def compute_dtype(result_dtype: np.dtype) -> np.dtype:
    return FLOAT32 if result_dtype == FLOAT16 else result_dtype


def same_order(*arrays: np.ndarray) -> bool:
    """True when every array is contiguous in one common order (all C or all Fortran), so element
    i of each sits at offset i of its buffer."""
    return all(a.flags.c_contiguous for a in arrays) or all(a.flags.f_contiguous for a in arrays)


def contiguous(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays themselves when they share a contiguous order, else C-ordered copies."""
    if same_order(*arrays):
        return arrays
    return tuple(np.ascontiguousarray(a) for a in arrays)


def check_out(out, shape: tuple, dtype: np.dtype, name: str = "out") -> np.ndarray:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name}: expected a numpy.ndarray, got {type(out).__name__}")
    if out.dtype != dtype:
        raise TypeError(f"{name}: dtype is {out.dtype}, but the result is {dtype}")
    if out.shape != shape:
        raise ValueError(f"{name}: shape is {out.shape}, but the result has shape {shape}")
    if not out.flags.writeable:
        raise ValueError(f"{name}: array is read-only")
    return out


def writable_directly(out: np.ndarray, inputs: tuple[np.ndarray, ...]) -> bool:
    """Whether the kernel may write straight into ``out``: same dtype and order as the inputs
    (checked by the caller for dtype) and, if it overlaps an input, overlapping it exactly
    (in place), never partially (a shifted view would read values already overwritten)."""
    if not same_order(out, *inputs):
        return False
    for a in inputs:
        if np.may_share_memory(out, a) and not _same_view(out, a):
            return False
    return True


def _same_view(a: np.ndarray, b: np.ndarray) -> bool:
    return (
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and a.strides == b.strides
        and a.shape == b.shape
    )


def check_same_shape(g: np.ndarray, x: np.ndarray, gname: str, xname: str) -> None:
    if g.shape != x.shape:
        raise ValueError(
            f"{gname} and {xname} must have the same shape (no broadcasting), got {g.shape} and {x.shape}"
        )


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
