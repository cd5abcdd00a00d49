"""threshold, hardshrink, softshrink, squared_relu: worked values, PyTorch's conventions at the
kinks, the parameter rules."""

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
