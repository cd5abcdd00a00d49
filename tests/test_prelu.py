"""PReLU: per-channel slopes along any axis, exact like leaky_relu, with the gradient of alpha."""

import doctest

import numpy as np
import pytest

import fastact as fa


def make(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3).astype(dtype)


@pytest.mark.parametrize("shape, axis", [((4, 3, 5, 5), 1), ((4, 5, 5, 3), -1), ((7, 3), 1), ((3,), 0), ((2, 3, 4), 0)])
def test_forward_and_derivative_exact(shape, axis, dtype):
    x = make(shape, dtype)
    alpha = np.linspace(0.01, 0.3, shape[axis])
    a_rounded = alpha.astype(dtype).astype(np.float64)
    np.testing.assert_array_equal(fa.prelu(x, alpha, axis=axis), fa.prelu.reference(x, a_rounded, axis).astype(dtype))
    np.testing.assert_array_equal(
        fa.prelu.derivative(x, alpha, axis=axis), fa.prelu.reference_derivative(x, a_rounded, axis).astype(dtype)
    )


def test_backward_gives_gx_and_the_channel_sum_of_galpha(dtype):
    x = make((6, 4, 3, 3), dtype)
    g = make((6, 4, 3, 3), dtype, seed=1)
    alpha = np.array([0.1, 0.2, 0.05, 0.25])
    gx, galpha = fa.prelu.backward(g, x, alpha, axis=1)
    np.testing.assert_array_equal(gx, g * fa.prelu.derivative(x, alpha, axis=1))
    expected = np.where(x <= 0, g.astype(np.float64) * x, 0.0).sum(axis=(0, 2, 3))
    np.testing.assert_allclose(galpha, expected, rtol=1e-6 if dtype == np.float32 else 1e-12)
    assert galpha.shape == (4,) and galpha.dtype == dtype


def test_scalar_alpha_is_leaky_relu():
    x = make((5, 7), np.float32)
    np.testing.assert_array_equal(fa.prelu(x, 0.2), fa.leaky_relu(x, alpha=0.2))
    gx, galpha = fa.prelu.backward(np.ones_like(x), x, 0.2)
    assert np.ndim(galpha) == 0
    assert float(galpha) == pytest.approx(float(np.where(x <= 0, x.astype(np.float64), 0).sum()), rel=1e-6)


def test_prelu_derivative_at_zero_is_alpha_and_nan_propagates():
    x = np.array([[0.0, -0.0, np.nan, 1.0]])
    d = fa.prelu.derivative(x.T, np.array([0.3]), axis=1).ravel()
    assert d[0] == 0.3 and d[1] == 0.3 and np.isnan(d[2]) and d[3] == 1.0
    assert np.isnan(fa.prelu(x.T, np.array([0.3]), axis=1)[2, 0])


def test_non_contiguous_int_and_float16_inputs():
    x = make((4, 3, 6), np.float64)[:, :, ::2]
    alpha = np.array([0.1, 0.2, 0.3])
    np.testing.assert_array_equal(fa.prelu(x, alpha), fa.prelu.reference(x, alpha, 1))
    assert fa.prelu(np.array([[-1, 2]]), np.array([0.5, 0.5])).dtype == np.float64
    assert fa.prelu(x.astype(np.float16), alpha).dtype == np.float16


def test_inputs_are_not_modified_and_out_works():
    x = make((2, 3, 4), np.float32)
    alpha = np.array([0.1, 0.2, 0.3])
    x0, a0 = x.copy(), alpha.copy()
    out = np.empty_like(x)
    assert fa.prelu(x, alpha, out=out) is out
    fa.prelu.backward(x, x, alpha)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(alpha, a0)
    np.testing.assert_array_equal(out, fa.prelu(x, alpha))


def test_errors_name_the_problem():
    x = np.ones((2, 3, 4))
    with pytest.raises(ValueError, match="prelu: alpha must be a number or an array of numbers"):
        fa.prelu(x, [[1.0, 2.0], [3.0]])  # ragged
    x32 = np.array([-1.0, 0.0, 1.0], dtype=np.float32)
    for call in (lambda: fa.prelu(x32, 1e300), lambda: fa.prelu.backward(np.ones_like(x32), x32, 1e300)):
        with pytest.raises(ValueError, match="prelu: alpha = 1e\\+300 overflows float32"):
            call()
    assert fa.prelu(x32.astype(np.float64), 1e300).tolist() == [-1e300, 0.0, 1.0]  # fits float64
    with pytest.raises(ValueError, match="alpha has 4 values but x has 3 channels along axis 1"):
        fa.prelu(x, np.ones(4))
    with pytest.raises(ValueError, match="alpha must be a scalar or 1-d"):
        fa.prelu(x, np.ones((3, 1)))
    with pytest.raises(ValueError, match="alpha must be finite"):
        fa.prelu(x, np.array([0.1, np.nan, 0.1]))
    with pytest.raises(ValueError, match="axis 3 is out of bounds"):
        fa.prelu(x, np.ones(4), axis=3)
    with pytest.raises(TypeError, match="axis must be an int"):
        fa.prelu(x, np.ones(3), axis=1.0)
    with pytest.raises(TypeError, match="alpha must be real numbers"):
        fa.prelu(x, np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="g and x must have the same shape"):
        fa.prelu.backward(np.ones((2, 3)), x, np.ones(3))
    with pytest.raises(TypeError, match="x: expected real numbers"):
        fa.prelu(np.array([1j]), 0.1)


def test_docstring_example():
    test = doctest.DocTestParser().get_doctest(type(fa.prelu).__doc__, {"fa": fa, "np": np}, "prelu", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0


def test_a_0d_input_gives_numpy_scalars_as_every_other_op():
    x = np.float32(-2.0)
    assert isinstance(fa.prelu(x, 0.25), np.float32) and fa.prelu(x, 0.25) == np.float32(-0.5)
    assert isinstance(fa.prelu.derivative(x, 0.25), np.float32)
    gx, galpha = fa.prelu.backward(np.float32(1.0), x, 0.25)
    assert isinstance(gx, np.float32) and isinstance(galpha, np.float32) and galpha == np.float32(-2.0)
