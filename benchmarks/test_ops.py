"""pytest-benchmark suite: every op x {forward, derivative, backward} x {1K, 1M} x {float32, float64},
fastact (writing into a preallocated out=) against the NumPy reference formula in the same group.

    pip install ".[bench]"
    pytest benchmarks --benchmark-group-by=group --benchmark-columns=min,median,ops

Figures are per call; divide by the size for ns/element (``python -m fastact bench`` prints that).
"""

import numpy as np
import pytest

import fastact as fa

# One thread, like the peers (PyTorch is set to one; benchmarks/threads_table.py measures threads).
fa.set_num_threads(1)

SIZES = {"1K": 1 << 10, "1M": 1 << 20}
MODES = ["forward", "derivative", "backward"]


def _arrays(size, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(SIZES[size]) * 3).astype(dtype)
    g = rng.standard_normal(SIZES[size]).astype(dtype)
    return x, g, np.empty_like(x)


def _group(name, mode, dtype, size):
    return f"{name}-{mode}-{np.dtype(dtype).name}-{size}"


def over_grid(test):
    """Every op x mode x dtype x size: fastact and its reference land in the same group."""
    for decorator in (
        pytest.mark.parametrize("size", list(SIZES)),
        pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"]),
        pytest.mark.parametrize("mode", MODES),
        pytest.mark.parametrize("name", list(fa._cases())),
    ):
        test = decorator(test)
    return test


@over_grid
def test_fastact(benchmark, name, mode, dtype, size):
    op = fa._cases()[name]
    x, g, out = _arrays(size, dtype)
    benchmark.group = _group(name, mode, dtype, size)
    if mode == "forward":
        benchmark(op, x, out=out)
    elif mode == "derivative":
        benchmark(op.derivative, x, out=out)
    else:
        benchmark(op.backward, g, x, out=out)


@over_grid
def test_numpy_reference(benchmark, name, mode, dtype, size):
    op = fa._cases()[name]
    x, g, _ = _arrays(size, dtype)
    benchmark.group = _group(name, mode, dtype, size)
    if mode == "forward":
        benchmark(op.reference, x)
    elif mode == "derivative":
        benchmark(op.reference_derivative, x)
    else:
        benchmark(lambda: g * op.reference_derivative(x))


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_copy_floor(benchmark, dtype, size):
    """np.copyto on the same arrays: the memory floor the piecewise-linear ops should approach."""
    x, _, out = _arrays(size, dtype)
    benchmark.group = f"copy-floor-{np.dtype(dtype).name}-{size}"
    benchmark(np.copyto, out, x)
