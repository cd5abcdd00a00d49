"""Measuring accuracy in ULP, as docs/numerics.md defines it, and the contract's bounds.

    ulp error of a result y = |y - ref| / spacing(dtype(ref)),   ref in float64 (or longdouble)

Only results that are normal numbers are measured in ULP; where the reference is in the
subnormal range (or 0) a result may be flushed, and is checked by absolute error < the smallest
normal. NaN must match NaN, and infinities must match exactly.

``python -m fastact check`` runs :func:`sweep_float32` over every op; the tests use
:func:`ulp_error` and :func:`violations` directly.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterator, Optional

import numpy as np

#: (forward, derivative) bounds in ULP per dtype, from docs/numerics.md.
BOUNDS = {
    np.dtype(np.float32): (2.0, 4.0),
    np.dtype(np.float64): (4.0, 8.0),
}


def bound(spec, kind: str, dtype) -> float:
    """The contract's ULP bound for an op's forward or derivative in a dtype (0 for exact ops)."""
    if spec.exact:
        return 0.0
    forward, derivative = BOUNDS[np.dtype(dtype)]
    return forward if kind == "forward" else derivative


def abs_tolerance(spec, kind: str, dtype) -> float:
    """Absolute error allowed besides the ULP bound: for a derivative with an interior zero,
    2^-p * max|f'| (p = 24 for float32, 53 for float64), the docs/numerics.md carve-out; else 0."""
    if kind == "forward" or spec.peak_derivative is None:
        return 0.0
    return float(np.finfo(dtype).epsneg) * spec.peak_derivative


def ulp_error(y, ref) -> np.ndarray:
    """Elementwise error of ``y`` (float32/float64) against a wider reference, in ULP of y's dtype.
    0 where both are NaN or equal (infinities included); inf where exactly one is NaN or where the
    reference is infinite and y is not (or the reverse)."""
    y = np.asarray(y)
    ref = np.asarray(ref)
    wide = ref.dtype if ref.dtype == np.longdouble else np.dtype(np.float64)
    ref = ref.astype(wide)
    yw = y.astype(wide)
    with np.errstate(all="ignore"):
        spacing = np.spacing(np.abs(ref).astype(y.dtype)).astype(wide)
        err = np.abs(yw - ref) / spacing
    err = np.where(np.isfinite(err), err, np.inf).astype(np.float64)
    y_nan, ref_nan = np.isnan(yw), np.isnan(ref)
    err[(yw == ref) | (y_nan & ref_nan)] = 0.0
    err[y_nan != ref_nan] = np.inf
    return err


def normal_result(ref, dtype) -> np.ndarray:
    """Where the reference is a normal number of ``dtype``, from the smallest normal up to the
    largest finite value (where ULP bounds apply)."""
    info = np.finfo(dtype)
    a = np.abs(np.asarray(ref))
    return (a >= info.tiny) & (a <= info.max)


def violations(y, ref, max_ulp: float, abs_tol: float = 0.0) -> np.ndarray:
    """Mask of the elements that break the contract: above ``max_ulp`` where the result is normal
    (unless within ``abs_tol``); off by 2^-126 (float32) / 2^-1022 (float64) or more where it is
    subnormal or zero; any NaN or infinity mismatch."""
    return _measure(np.asarray(y), np.asarray(ref), max_ulp, abs_tol)[2]


def _measure(y: np.ndarray, ref: np.ndarray, max_ulp: float, abs_tol: float = 0.0):
    """(ulp error, normal-result mask, violation mask) in one pass over the arrays."""
    err = ulp_error(y, ref)
    normal = normal_result(ref, y.dtype)
    wide = ref.dtype if ref.dtype == np.longdouble else np.dtype(np.float64)
    with np.errstate(all="ignore"):
        abs_err = np.abs(y.astype(wide) - ref.astype(wide))
    info = np.finfo(y.dtype)
    small_ok = abs_err < info.tiny
    over = (err > max_ulp) & ~(abs_err <= abs_tol)
    # A finite reference beyond the largest float must come out as +-inf or +-max, same sign.
    overflow = np.isfinite(ref) & (np.abs(ref) > info.max)
    overflow_ok = (np.abs(y) >= info.max) & (np.signbit(y) == np.signbit(ref))
    finite_ref = np.isfinite(ref)
    bad = np.where(
        overflow, ~overflow_ok, np.where(finite_ref, np.where(normal, over, ~small_ok), err > 0)
    )
    return err, normal, bad


@dataclasses.dataclass
class Stats:
    """Running statistics of ULP errors over the normal results of a sweep."""

    max_ulp: float = 0.0
    worst_x: float = float("nan")
    total: float = 0.0
    count: int = 0
    violations: int = 0

    @property
    def mean_ulp(self) -> float:
        return self.total / self.count if self.count else 0.0

    def add(self, x, y, ref, max_ulp: float, abs_tol: float = 0.0) -> None:
        y, ref = np.asarray(y), np.asarray(ref)
        if max_ulp == 0:  # exact ops: equality of the rounded reference, a much cheaper pass
            with np.errstate(over="ignore"):
                expected = ref.astype(y.dtype)
            bad = ~((y == expected) | (np.isnan(y) & np.isnan(expected)))
            self.count += int(y.size)
            self.violations += int(bad.sum())
            if bad.any():
                self.add_measured(x[bad], y[bad], ref[bad], max_ulp)
            return
        self.add_measured(x, y, ref, max_ulp, abs_tol)

    def add_measured(self, x, y, ref, max_ulp: float, abs_tol: float = 0.0) -> None:
        err, normal, bad = _measure(y, ref, max_ulp, abs_tol)
        # Where the carve-out applies, report the error the carve-out leaves (ULP over it).
        if abs_tol:
            err = np.where(bad | (err <= max_ulp), err, 0.0)
        measured = np.where(normal, err, 0.0)
        if measured.size:
            i = int(np.argmax(measured))
            if measured[i] > self.max_ulp:
                self.max_ulp, self.worst_x = float(measured[i]), float(np.asarray(x)[i])
        self.total += float(measured.sum())
        if max_ulp != 0:
            self.count += int(normal.sum())
            self.violations += int(bad.sum())


def float32_inputs(exhaustive: bool, chunk: int = 1 << 22, stride: int = 251) -> Iterator[np.ndarray]:
    """Float32 inputs as bit patterns: all 2^32 of them (``exhaustive``), or every ``stride``-th
    pattern (17 million values, spread over every binade of both signs). NaNs are skipped:
    each is its own test case elsewhere."""
    step = 1 if exhaustive else stride
    total = 1 << 32
    span = chunk * step
    for start in range(0, total, span):
        bits = np.arange(start, min(start + span, total), step, dtype=np.uint64).astype(np.uint32)
        x = bits.view(np.float32)
        yield x[~np.isnan(x)]


def sweep_float32(
    op,
    kind: str,
    exhaustive: bool = False,
    progress: Optional[Callable[[float], None]] = None,
) -> Stats:
    """ULP statistics of one op's ``kind`` ('forward' or 'derivative') in float32 against its
    float64 reference, over a dense (or exhaustive) sweep of float32 bit patterns."""
    fn, ref_fn = (op, op.reference) if kind == "forward" else (op.derivative, op.reference_derivative)
    limit = bound(op.spec, kind, np.float32)
    tol = abs_tolerance(op.spec, kind, np.float32)
    stats = Stats()
    n_chunks = (1 << 32) // ((1 << 22) * (1 if exhaustive else 251)) + 1
    for i, x in enumerate(float32_inputs(exhaustive)):
        stats.add(x, fn(x), ref_fn(x.astype(np.float64), dtype=np.float32), limit, tol)
        if progress is not None:
            progress(min(1.0, (i + 1) / n_chunks))
    return stats
