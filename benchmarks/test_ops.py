"""pytest-benchmark suite: every op x {forward, derivative, backward} x {float32, float64} x
{1K, 64K, 1M, 16M} x threads {1, all}, fastact (writing into a preallocated out=) against the NumPy
reference formula, PyTorch and JAX (forward, when installed) and the np.copyto floor, grouped so
each comparison reads directly:

    pip install ".[bench]"
    pytest benchmarks/test_ops.py --benchmark-group-by=group --benchmark-columns=min,median,ops
    pytest benchmarks/test_ops.py -k "1M and float32"        # a slice

Figures are per call; divide by the size for ns/element (``python -m fastact bench`` prints that).
"""


import numpy as np
import pytest
from peers import as_torch, jax_call, jax_modules, torch_module

import fastact as fa
from fastact._peers import jax_forward, torch_backward, torch_forward

SIZES = {"1K": 1 << 10, "64K": 1 << 16, "1M": 1 << 20, "16M": 1 << 24}
MODES = ["forward", "derivative", "backward"]
ALL = fa.cpu_info()["available_cpus"]
THREADS = sorted({1, ALL})


def _arrays(size, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(SIZES[size]) * 3).astype(dtype)
    g = rng.standard_normal(SIZES[size]).astype(dtype)
    return x, g, np.empty_like(x)


def _group(name, mode, dtype, size):
    return f"{name}-{mode}-{np.dtype(dtype).name}-{size}"


def over_grid(test):
    """Every op x mode x dtype x size: fastact and the others land in the same group."""
    for decorator in (
        pytest.mark.parametrize("size", list(SIZES)),
        pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"]),
        pytest.mark.parametrize("mode", MODES),
        pytest.mark.parametrize("name", list(fa._cases())),
    ):
        test = decorator(test)
    return test


@pytest.fixture
def threads(request):
    before = fa.get_num_threads()
    fa.set_num_threads(request.param)
    yield request.param
    fa.set_num_threads(before)


@over_grid
@pytest.mark.parametrize("threads", THREADS, indirect=True, ids=[f"{n}thr" for n in THREADS])
def test_fastact(benchmark, name, mode, dtype, size, threads):
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


@over_grid
@pytest.mark.parametrize("threads", THREADS, ids=[f"{n}thr" for n in THREADS])
def test_torch(benchmark, name, mode, dtype, size, threads):
    torch = torch_module(threads)
    if torch is None:
        pytest.skip("PyTorch is not installed")
    fn = torch_forward(torch, name) if mode == "forward" else torch_backward(torch, name) if mode == "backward" else None
    if fn is None:
        pytest.skip(f"no PyTorch {mode} for {name}")
    x, g, _ = _arrays(size, dtype)
    xt, gt = as_torch(x, g)
    benchmark.group = _group(name, mode, dtype, size)
    if mode == "forward":
        benchmark(fn, xt)
    else:
        benchmark(fn, gt, xt)


@over_grid
def test_jax(benchmark, name, mode, dtype, size):
    mods = jax_modules()
    if mods is None:
        pytest.skip("JAX is not installed")
    fn = jax_forward(*mods, name) if mode == "forward" else None
    if fn is None:
        pytest.skip(f"no JAX {mode} for {name}")
    x, _, _ = _arrays(size, dtype)
    benchmark.group = _group(name, mode, dtype, size)
    benchmark(jax_call(fn, x))


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_copy_floor(benchmark, dtype, size):
    """np.copyto on the same arrays: the memory floor the piecewise-linear ops should approach."""
    x, _, out = _arrays(size, dtype)
    benchmark.group = f"copy-floor-{np.dtype(dtype).name}-{size}"
    benchmark(np.copyto, out, x)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_add_floor(benchmark, dtype, size):
    """np.add(a, b, out=c): the floor for a backward pass (two arrays in, one out)."""
    x, g, out = _arrays(size, dtype)
    benchmark.group = f"add-floor-{np.dtype(dtype).name}-{size}"
    benchmark(np.add, x, g, out=out)
