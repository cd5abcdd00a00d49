"""Bias fused into an elementwise op: ``f(x, bias=b)`` is f(x + b) with b broadcast along the last
axis (one value per feature, as after ``z = x @ W``), computed in one pass without materialising
x + b. The sum is rounded once to the result dtype, exactly as NumPy's ``x + b`` would be, so the
result equals ``f(x + b)`` bit for bit; ``backward(g, x, bias=b)`` also returns the bias gradient
(the column sums of g * f'(x + b), accumulated in float64)."""

from __future__ import annotations

import numpy as np

from ._validation import as_input, check_out, check_same_shape, compute_dtype


def prepare(x, bias, g=None, xname: str = "x"):
    """(x, bias, g) as C-contiguous arrays of one compute dtype, the result dtype, and
    (rows, cols) of x viewed as 2-d with its last axis as the columns."""
    xa, rdt = as_input(x, xname)
    ba, b_rdt = as_input(bias, "bias")
    if xa.ndim == 0:
        raise ValueError("bias: needs an x with at least one axis (bias runs along the last one)")
    cols = xa.shape[-1]
    if ba.ndim > 1 or (ba.ndim == 1 and ba.shape[0] != cols):
        raise ValueError(
            f"bias: expected a scalar or one value per feature (shape ({cols},)) for x of shape {xa.shape}, "
            f"got shape {ba.shape}"
        )
    if not isinstance(bias, (int, float)) or isinstance(bias, bool):  # Python numbers are weak, as in x + 0.5
        rdt = np.promote_types(rdt, b_rdt)
    ga = None
    if g is not None:
        ga, g_rdt = as_input(g, "g")
        check_same_shape(ga, xa, "g", xname)
        rdt = np.promote_types(rdt, g_rdt)
    cdt = compute_dtype(rdt)
    xa = np.ascontiguousarray(xa, dtype=cdt)
    ba = np.full(cols, ba, dtype=cdt) if ba.ndim == 0 else np.ascontiguousarray(ba, dtype=cdt)
    if ga is not None:
        ga = np.ascontiguousarray(ga, dtype=cdt)
    rows = xa.size // cols if cols else 0
    return xa, ba, ga, rdt, (rows, cols)


def destination(out, shape: tuple, cdt: np.dtype, rdt: np.dtype):
    """Where the kernel writes: ``out`` itself when it is C-contiguous in the compute dtype, else a
    fresh array (copied into ``out`` afterwards by the caller)."""
    if out is not None:
        check_out(out, shape, rdt)
        if out.dtype == cdt and out.flags.c_contiguous:
            return out
    return np.empty(shape, dtype=cdt)
