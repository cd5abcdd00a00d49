"""Helpers for the tests: inputs that reach every code path, and the contract's checks."""

import threading

import numpy as np

import fastact as fa
from fastact import accuracy

MODES = ["forward", "derivative"]


def backward_x(op, g, x=None, **kwargs):
    """The gradient with respect to x: backward's result, or its first item for an op with a
    learnable parameter (which also returns that parameter's gradient)."""
    r = op.backward(g, x, **kwargs)
    return r[0] if op.spec.learnable else r


def evaluate(op, kind, x, **params):
    return op(x, **params) if kind == "forward" else op.derivative(x, **params)


def reference(op, kind, x, wide=np.float64, **params):
    """The reference of one op and kind, with parameters rounded to x's dtype (as the kernels
    round them), evaluated in ``wide`` precision."""
    fn = op.reference if kind == "forward" else op.reference_derivative
    return fn(np.asarray(x).astype(wide), dtype=np.asarray(x).dtype, **params)


def float32_bit_sweep(stride=4099):
    """About a million float32 values spread over every binade of both signs, plus the edges."""
    bits = np.arange(0, 1 << 32, stride, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    return np.concatenate([x[~np.isnan(x)], special_values(np.float32)])


def float64_sweep(n=200_000, seed=0):
    """float64 values with uniformly random exponents over the range where the ops do something
    (|x| from 2^-1074 to 2^10) plus the full range's edges."""
    rng = np.random.default_rng(seed)
    mag = np.ldexp(rng.uniform(1, 2, n), rng.integers(-1074, 11, n))
    x = np.where(rng.integers(0, 2, n) == 1, mag, -mag)
    return np.concatenate([x, special_values(np.float64)])


def special_values(dtype):
    """Zeros, infinities, extremes, subnormals, and the points where the kernels switch regime."""
    info = np.finfo(dtype)
    base = [0.0, -0.0, np.inf, -np.inf, info.max, -info.max, info.tiny, -info.tiny,
            info.smallest_subnormal, -info.smallest_subnormal, info.tiny / 2, -info.tiny / 2,
            1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 6.0, 0.5625, -0.5625, 9.0, 9.1, 19.1, 19.5,
            16.6355, -16.6355, 87.3365, -87.3365, 88.72, -88.72, 103.97, -103.97, 708.4, -708.4,
            709.78, -709.78, 745.2, -745.2, 1e-8, -1e-8, 1e30, -1e30]
    with np.errstate(over="ignore"):
        x = np.array(base, dtype=np.float64).astype(dtype)
        return np.concatenate([x, np.nextafter(x, dtype(np.inf)), np.nextafter(x, dtype(-np.inf))])


def longdouble_is_wider():
    return np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant + 8


def assert_within_contract(op, kind, x, y, max_ulp, **params):
    """y = op's ``kind`` at x meets the contract: max_ulp where the result is normal, flush
    tolerance where it is subnormal, NaN/inf exactly."""
    wide = np.longdouble if (y.dtype == np.float64 and longdouble_is_wider()) else np.float64
    ref = reference(op, kind, x, wide=wide, **params)
    bad = accuracy.violations(y, ref, max_ulp, accuracy.abs_tolerance(op.spec, kind, y.dtype))
    if bad.any():
        err = accuracy.ulp_error(y, ref)
        i = np.flatnonzero(bad)[:5]
        raise AssertionError(
            f"{op.name} {kind} {y.dtype}: {bad.sum()} of {bad.size} values break the {max_ulp} ULP contract; "
            f"x={x[i].tolist()} got={y[i].tolist()} ref={ref[i].astype(np.float64).tolist()} ulp={err[i].tolist()}"
        )


def numeric_gradient(f, x, h=1e-6):
    """Central differences of the scalar function f at every element of the float64 array x."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad


def failures_under_threads(check, threads=8, repeats=5):
    """Runs ``check()`` ``repeats`` times on each of ``threads`` Python threads at once; returns how
    many of those calls returned False."""
    failures = []

    def work():
        for _ in range(repeats):
            if not check():
                failures.append(1)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return len(failures)


def unaligned(values):
    """A C-contiguous copy of ``values`` at an odd address (NumPy marks it not aligned)."""
    raw = np.zeros(values.nbytes + 1, np.uint8)
    view = np.frombuffer(raw.data, dtype=values.dtype, count=values.size, offset=1).reshape(values.shape)
    view.flags.writeable = True
    view[...] = values
    assert not view.flags.aligned and view.flags.c_contiguous
    return view
