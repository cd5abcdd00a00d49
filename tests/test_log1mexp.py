"""log1mexp: its special values, the values that keep every digit on both sides of ln 2, and JAX's."""

import numpy as np
import pytest

import fastact as fa


def test_special_values_and_the_even_extension(dtype):
    """log(1 - e^-|x|) as TensorFlow Probability defines it: even, its derivative odd."""
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=dtype)
    y, d = fa.log1mexp(x), fa.log1mexp.derivative(x)
    assert y[0] == y[1] == -np.inf and d[0] == np.inf and d[1] == -np.inf
    assert np.all(y[2:4] == 0) and np.signbit(y[2:4]).all() and np.all(d[2:4] == 0)  # -0.0: f < 0 for x != 0
    assert np.isnan(y[4]) and np.isnan(d[4])
    v = np.linspace(0.01, 10, 101).astype(dtype)
    np.testing.assert_array_equal(fa.log1mexp(-v), fa.log1mexp(v))
    np.testing.assert_array_equal(fa.log1mexp.derivative(-v), -fa.log1mexp.derivative(v))


def test_both_branches_keep_every_digit(dtype):
    """log(1 - e^-x) = log(x) - x/2 + x^2/24 near 0 (1 - e^-x would lose the digits of a tiny x in
    the naive form), -e^-x - e^-2x/2 for large x (log(1 - e^-x) would round to 0), -ln 2 at ln 2."""
    tiny = np.array([1e-30, 3e-9], dtype=dtype)
    t = tiny.astype(np.float64)
    np.testing.assert_allclose(fa.log1mexp(tiny), np.log(t) - t / 2 + t**2 / 24, rtol=2 * np.finfo(dtype).eps)
    big = np.array([20.0, 40.0, 80.0], dtype=dtype)
    b = big.astype(np.float64)
    np.testing.assert_allclose(fa.log1mexp(big), -np.exp(-b) - np.exp(-2 * b) / 2, rtol=2 * np.finfo(dtype).eps)
    assert fa.log1mexp(np.array([np.log(2)], dtype=dtype))[0] == pytest.approx(-np.log(2), rel=float(np.finfo(dtype).eps))
    assert np.all(np.diff(fa.log1mexp(np.linspace(0.01, 5, 2001, dtype=dtype))) > 0)  # increasing, through ln 2


def test_subnormal_inputs_are_not_flushed():
    x = np.array([1e-310, 5e-324])
    np.testing.assert_allclose(fa.log1mexp(x), np.log(x), rtol=1e-15)
    assert np.all(fa.log1mexp.derivative(x) == np.inf)  # 1 / x overflows
    assert np.all(fa.log1mexp.derivative(-x) == -np.inf)


def test_matches_jax():
    """To 1e-13: JAX 0.10's float64 log1p on the CPU is off by up to ~100 ULP near x = 0.89 (e^-x
    ~ 0.41; fastact's value there agrees with mpmath to the last bit)."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.linspace(1e-3, 30, 3001)
    np.testing.assert_allclose(fa.log1mexp(x), np.asarray(jax.nn.log1mexp(x)), rtol=1e-13)
    g = np.asarray(jax.vmap(jax.grad(jax.nn.log1mexp))(x))
    np.testing.assert_allclose(fa.log1mexp.derivative(x), g, rtol=1e-14)
