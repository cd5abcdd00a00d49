"""threshold, hardshrink, softshrink, squared_relu, tanhshrink: worked values, PyTorch's
conventions at the kinks, the parameter rules, tanhshrink's accuracy where x - tanh(x) cancels."""

import numpy as np
import pytest

import fastact as fa


def test_worked_values_and_kinks(dtype):
    x = np.array([-1.0, -0.5, -0.25, 0.25, 0.5, 1.0], dtype=dtype)
    np.testing.assert_array_equal(fa.hardshrink(x), [-1.0, 0, 0, 0, 0, 1.0])
    np.testing.assert_array_equal(fa.hardshrink.derivative(x), [1, 0, 0, 0, 0, 1])  # 0 at +-lambd
    np.testing.assert_array_equal(fa.softshrink(x), [-0.5, 0, 0, 0, 0, 0.5])
    np.testing.assert_array_equal(fa.softshrink.derivative(x), [1, 0, 0, 0, 0, 1])
    assert not np.signbit(fa.softshrink(x)[1:5]).any()  # +0.0 inside the band
    np.testing.assert_array_equal(fa.threshold(x, threshold=0.25, value=7.0), [7, 7, 7, 7, 0.5, 1.0])
    np.testing.assert_array_equal(fa.threshold.derivative(x, threshold=0.25), [0, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(fa.squared_relu(x), [0, 0, 0, 0.0625, 0.25, 1.0])
    np.testing.assert_array_equal(fa.squared_relu.derivative(x), [0, 0, 0, 0.5, 1.0, 2.0])


def test_parameters():
    with pytest.raises(ValueError, match="lambd must be >= 0"):
        fa.softshrink(np.ones(3), lambd=-0.1)
    np.testing.assert_array_equal(fa.hardshrink(np.array([-0.1, 0.2]), lambd=-1.0), [-0.1, 0.2])  # as PyTorch
    with pytest.raises(ValueError, match="finite|nan|NaN"):
        fa.threshold(np.ones(3), value=np.nan)


def test_against_pytorch_at_and_around_the_kinks():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = np.array([-2.0, -0.5, -0.3, -0.0, 0.0, 0.3, 0.5, 2.0, np.inf, -np.inf])
    t = torch.tensor(x, requires_grad=True)
    for ours, theirs in ((fa.hardshrink, F.hardshrink), (fa.softshrink, F.softshrink),
                         (fa.threshold, lambda v: F.threshold(v, 0.3, -1.0))):
        kw = {"threshold": 0.3, "value": -1.0} if ours is fa.threshold else {}
        y = theirs(t)
        (g,) = torch.autograd.grad(y.sum(), t)
        np.testing.assert_array_equal(ours(x, **kw), y.detach().numpy())
        if ours is not fa.softshrink:  # PyTorch's softshrink gives -0.0 or +0.0 by array length
            np.testing.assert_array_equal(np.signbit(ours(x, **kw)), np.signbit(y.detach().numpy()))
        np.testing.assert_array_equal(ours.derivative(x, **kw), g.numpy())


def test_tanhshrink_keeps_relative_accuracy_where_the_difference_cancels(dtype):
    """x - tanh(x) ~ x^3 / 3 near 0: the plain difference rounds to 0 below |x| ~ 2^-12 (float32),
    tanhshrink keeps every digit there, odd, down to where x^3 / 3 underflows."""
    x = np.array([1e-5, -3e-4, 2e-3, 0.1, -0.7], dtype=dtype)
    xl = x.astype(np.float64)
    series = xl**3 / 3 - 2 * xl**5 / 15 + 17 * xl**7 / 315 - 62 * xl**9 / 2835 + 1382 * xl**11 / 155925
    close = np.abs(x) < 1e-2  # the series to 1e-21 relative there
    y = fa.tanhshrink(x)
    np.testing.assert_allclose(y[close], series[close], rtol=2 * np.finfo(dtype).eps, atol=0)
    assert (x[0] - np.tanh(x[0]) == 0) == (dtype == np.float32)  # what the naive formula gives
    np.testing.assert_allclose(y[~close], xl[~close] - np.tanh(xl[~close]), rtol=1e-6 if dtype == np.float32 else 1e-13)
    np.testing.assert_array_equal(fa.tanhshrink(-x), -y)


def test_tanhshrink_derivative_is_tanh_squared_and_the_backward_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([-20.0, -1.0, -1e-3, 0.0, 0.5, 1.0, 3.0, np.inf])
    t = torch.tensor(x, requires_grad=True)
    y = torch.nn.functional.tanhshrink(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    np.testing.assert_allclose(fa.tanhshrink.derivative(x), np.tanh(x) ** 2, rtol=1e-15)
    # PyTorch differentiates x - tanh(x) as 1 - (1 - tanh^2): it cancels near 0, where it is
    # good to 1e-16 absolute only
    np.testing.assert_allclose(fa.tanhshrink.derivative(x), g.numpy(), rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(fa.tanhshrink(x), y.detach().numpy(), rtol=1e-15, atol=1e-16)  # the same there


@pytest.mark.parametrize("n", [5, 16 * 64, 16 * 64 + 7, 3 * 16 * 64 + 9, 50_000])
def test_tanhshrink_series_lanes_scattered_through_blocks(n):
    """Lanes below |x| = 1/16 take the series, on AVX-512 after the rest of their block of vectors:
    scattered among other lanes, across block boundaries, in place, every element gets what it
    gets alone (element by element through the kernel), in the forward, derivative and backward."""
    rng = np.random.default_rng(n)
    x = (rng.standard_normal(n) * 3).astype(np.float32)
    x[rng.random(n) < 0.05] *= 1e-3  # below 1/16, scattered
    x[::97] = np.float32(0.0625)  # the boundary, and the series' side of it
    x[1::97] = np.nextafter(np.float32(0.0625), np.float32(0))
    g = rng.standard_normal(n).astype(np.float32)
    alone = [fa.tanhshrink(x[i : i + 1])[0] for i in range(min(n, 2000))]
    np.testing.assert_array_equal(fa.tanhshrink(x)[: len(alone)], alone)
    alone_d = [fa.tanhshrink.derivative(x[i : i + 1])[0] for i in range(min(n, 2000))]
    np.testing.assert_array_equal(fa.tanhshrink.derivative(x)[: len(alone_d)], alone_d)
    order = rng.permutation(n)  # per element: the same values in any arrangement
    np.testing.assert_array_equal(fa.tanhshrink(x[order]), fa.tanhshrink(x)[order])
    np.testing.assert_array_equal(fa.tanhshrink.backward(g, x), g * fa.tanhshrink.derivative(x))
    y = x.copy()
    fa.tanhshrink(y, out=y)
    np.testing.assert_array_equal(y, fa.tanhshrink(x))
    small = np.abs(x) < 0.0625
    xl = x[small].astype(np.float64)
    series = xl**3 / 3 - 2 * xl**5 / 15 + 17 * xl**7 / 315 - 62 * xl**9 / 2835 + 1382 * xl**11 / 155925
    np.testing.assert_allclose(fa.tanhshrink(x)[small], series, rtol=2 * np.finfo(np.float32).eps, atol=0)
