"""``python -m fastact bench``: ns/element of every op, fastact against its NumPy reference formula.

Each figure is the best of several repeats of a loop long enough (>= 20 ms) for the timer, on
one array of ``size`` elements that stays in cache between calls. "fastact out=" writes into a
preallocated array (the kernel's own speed); "fastact" allocates its result, as the NumPy
formula does. The copy floor is ``np.copyto`` on the same arrays: what moving the bytes costs.
"""

from __future__ import annotations

import platform
import time

import numpy as np

from . import cpu_info


def ns_per_element(fn, n: int, min_time: float = 0.02, repeats: int = 5) -> float:
    fn()  # warm up: page in the output, load caches
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time:
            break
        number *= 2
    best = elapsed
    for _ in range(repeats - 1):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, time.perf_counter() - t0)
    return best / number / n * 1e9


def _calls(op, mode: str, x: np.ndarray, g: np.ndarray, out: np.ndarray):
    """(fastact with out=, fastact allocating, NumPy reference) for one op and mode."""
    if mode == "forward":
        return (lambda: op(x, out=out)), (lambda: op(x)), (lambda: op.reference(x))
    if mode == "derivative":
        return (lambda: op.derivative(x, out=out)), (lambda: op.derivative(x)), (lambda: op.reference_derivative(x))
    return (
        (lambda: op.backward(g, x, out=out)),
        (lambda: op.backward(g, x)),
        (lambda: g * op.reference_derivative(x)),
    )


def run_bench(ops, size: int, dtypes, modes) -> int:
    info = cpu_info()
    print(f"fastact {info['isa']}, {info['threads']} thread(s), {platform.processor() or platform.machine()}, "
          f"NumPy {np.__version__}; {size} elements; ns/element, best of 5")
    print("numpy ref = the float64 NumPy formula in fastact.reference (what the accuracy tests compare with)\n")
    header = f"{'op':<12} {'mode':<11} {'dtype':<8} {'fastact out=':>12} {'fastact':>8} {'numpy ref':>10} {'speed-up':>9}"
    rng = np.random.default_rng(0)
    for dtype in dtypes:
        x = (rng.standard_normal(size) * 3).astype(dtype)
        g = rng.standard_normal(size).astype(dtype)
        out = np.empty_like(x)
        floor = ns_per_element(lambda: np.copyto(out, x), size)
        print(f"{dtype}: copy floor (np.copyto) {floor:.3f} ns/element")
        print(header)
        print("-" * len(header))
        for op in ops:
            name = op.label
            for mode in modes:
                with_out, allocating, numpy_ref = _calls(op, mode, x, g, out)
                t_out = ns_per_element(with_out, size)
                t_alloc = ns_per_element(allocating, size)
                t_ref = ns_per_element(numpy_ref, size)
                print(f"{name:<12} {mode:<11} {dtype:<8} {t_out:12.3f} {t_alloc:8.3f} {t_ref:10.3f} "
                      f"{t_ref / t_alloc:8.1f}x", flush=True)
        print()
    return 0
