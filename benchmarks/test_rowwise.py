"""pytest-benchmark suite for the row-wise and fused ops (issue 4): softmax / log_softmax forward and
backward along the last and the first axis, cross-entropy, the GLU family and fused bias, each
group with NumPy and (when installed) PyTorch and JAX on the same arrays.

    pip install ".[bench]"
    pytest benchmarks/test_rowwise.py --benchmark-group-by=group --benchmark-columns=min,median

1M elements: rows of 1024 (1024 x 1024). Figures are per call; / 2^20 for ns/element.
"""

import numpy as np
import pytest
from peers import as_torch, jax_call, jax_modules, torch_module

import fastact as fa

# One thread, like the peers (PyTorch is set to one; benchmarks/threads_table.py measures threads).
fa.set_num_threads(1)

DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
IMPLS = ["fastact", "numpy", "torch", "jax"]


def matrix(dtype, seed=0):
    return (np.random.default_rng(seed).standard_normal((1024, 1024)) * 3).astype(dtype)


def numpy_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def numpy_log_softmax(x, axis):
    d = x - x.max(axis=axis, keepdims=True)
    return d - np.log(np.exp(d).sum(axis=axis, keepdims=True))


def peer(impl):
    if impl == "torch" and torch_module() is None:
        pytest.skip("PyTorch is not installed")
    if impl == "jax" and jax_modules() is None:
        pytest.skip("JAX is not installed")


@DTYPES
@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("impl", IMPLS)
def test_softmax_forward(benchmark, impl, name, axis, dtype):
    peer(impl)
    x = matrix(dtype)
    benchmark.group = f"{name}-forward-axis{axis}-{np.dtype(dtype).name}"
    if impl == "fastact":
        out = np.empty_like(x)
        benchmark(getattr(fa, name), x, axis=axis, out=out)
    elif impl == "numpy":
        benchmark(numpy_softmax if name == "softmax" else numpy_log_softmax, x, axis)
    elif impl == "torch":
        torch = torch_module()
        (xt,) = as_torch(x)
        fn = torch.softmax if name == "softmax" else torch.log_softmax
        benchmark(fn, xt, axis % 2)
    else:
        jax, jnp = jax_modules()
        fn = jax.nn.softmax if name == "softmax" else jax.nn.log_softmax
        benchmark(jax_call(lambda a: fn(a, axis=axis), x))


@DTYPES
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("impl", ["fastact", "numpy", "torch"])
def test_softmax_backward(benchmark, impl, name, dtype):
    peer(impl)
    x, g = matrix(dtype), matrix(dtype, 1)
    op = getattr(fa, name)
    y = op(x)
    benchmark.group = f"{name}-backward-{np.dtype(dtype).name}"
    if impl == "fastact":
        out = np.empty_like(x)
        benchmark(op.backward, g, y, out=out)
    elif impl == "numpy":
        benchmark(op.reference_backward, g, y)
    else:
        torch = torch_module()
        gt, yt = as_torch(g, y)
        fn = torch._softmax_backward_data if name == "softmax" else torch._log_softmax_backward_data
        benchmark(fn, gt, yt, 1, yt.dtype)


@pytest.mark.parametrize("impl", ["fastact", "torch"])
def test_cross_entropy_forward_and_backward(benchmark, impl):
    peer(impl)
    x = matrix(np.float32)
    t = np.random.default_rng(2).integers(0, 1024, 1024)
    benchmark.group = "cross_entropy-forward+backward-float32"
    if impl == "fastact":
        benchmark(lambda: (fa.cross_entropy(x, t), fa.cross_entropy.backward(x, t)))
    else:
        torch = torch_module()
        (xt,) = as_torch(x)
        tt = torch.from_numpy(t)

        def run():
            xr = xt.detach().requires_grad_()
            loss = torch.nn.functional.cross_entropy(xr, tt)
            loss.backward()
            return loss, xr.grad

        benchmark(run)


@DTYPES
@pytest.mark.parametrize("name", ["glu", "swiglu", "geglu"])
@pytest.mark.parametrize("impl", ["fastact", "fastact-composed", "torch"])
def test_gated(benchmark, impl, name, dtype):
    peer(impl)
    x = matrix(dtype)
    unit = getattr(fa, name)
    benchmark.group = f"{name}-forward-{np.dtype(dtype).name}"
    a, b = np.split(x, 2, axis=-1)
    if impl == "fastact":
        benchmark(unit, x)
    elif impl == "fastact-composed":  # the same from fastact's elementwise ops and NumPy
        act = {"glu": fa.sigmoid, "swiglu": fa.silu, "geglu": fa.gelu}[name]
        benchmark(lambda: a * act(b) if name == "glu" else act(a) * b)
    else:
        torch = torch_module()
        (xt,) = as_torch(x)
        at, bt = xt.chunk(2, dim=-1)
        fn = {"glu": lambda: torch.nn.functional.glu(xt, -1),
              "swiglu": lambda: torch.nn.functional.silu(at) * bt,
              "geglu": lambda: torch.nn.functional.gelu(at) * bt}[name]
        benchmark(fn)


@DTYPES
@pytest.mark.parametrize("name", ["relu", "sigmoid", "gelu", "silu"])
@pytest.mark.parametrize("impl", ["fused", "no-bias", "add-then-op", "torch"])
def test_bias_fusion(benchmark, impl, name, dtype):
    """f(x, bias=b) against f(x) alone (the fusion's cost), x + b then f (what it saves), and PyTorch."""
    peer(impl)
    x = matrix(dtype)
    b = np.random.default_rng(3).standard_normal(1024).astype(dtype)
    op = fa.get(name)
    out = np.empty_like(x)
    benchmark.group = f"bias-{name}-{np.dtype(dtype).name}"
    if impl == "fused":
        benchmark(op, x, bias=b, out=out)
    elif impl == "no-bias":
        benchmark(op, x, out=out)
    elif impl == "add-then-op":
        benchmark(lambda: op(np.add(x, b, out=out), out=out))
    else:
        torch = torch_module()
        xt, bt = as_torch(x, b)
        fn = getattr(torch.nn.functional, name) if name != "sigmoid" else torch.sigmoid
        benchmark(lambda: fn(xt + bt))
