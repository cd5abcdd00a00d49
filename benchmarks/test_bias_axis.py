"""bias= along a middle axis against the last axis, on the same number of elements: a
convolution's per-channel bias on an NCHW batch (axis=1) and a dense layer's on NHWC (axis=-1),
forward and backward, float32, with out= for the forward. PyTorch's f(x + b[:, None, None])
(two passes) runs beside them when installed.

    pytest benchmarks/test_bias_axis.py --benchmark-group-by=group --benchmark-columns=min,median
"""

import numpy as np
import pytest

import fastact as fa

N, C, H, W = 32, 64, 56, 56
LAYOUTS = {"nchw-axis1": ((N, C, H, W), 1), "nhwc-last": ((N, H, W, C), -1)}


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(0)
    return {name: (rng.standard_normal(shape).astype(np.float32), axis) for name, (shape, axis) in LAYOUTS.items()}


@pytest.mark.parametrize("op", ["relu", "gelu"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_bias_forward(benchmark, arrays, op, layout):
    x, axis = arrays[layout]
    b = np.linspace(-1, 1, C, dtype=np.float32)
    out = np.empty_like(x)
    f = fa.get(op)
    benchmark.group = f"bias-forward-{op}"
    benchmark(lambda: f(x, bias=b, axis=axis, out=out))


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_bias_backward(benchmark, arrays, layout):
    x, axis = arrays[layout]
    b = np.linspace(-1, 1, C, dtype=np.float32)
    g = np.ones_like(x)
    benchmark.group = "bias-backward-gelu"
    benchmark(lambda: fa.gelu.backward(g, x, bias=b, axis=axis, out=np.empty_like(x)))


@pytest.mark.parametrize("op", ["relu", "gelu"])
def test_torch_bias_forward(benchmark, arrays, op):
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(arrays["nchw-axis1"][0])
    b = torch.linspace(-1, 1, C)[:, None, None]
    f = getattr(torch.nn.functional, op)
    benchmark.group = f"bias-forward-{op}"
    benchmark(lambda: f(x + b))
