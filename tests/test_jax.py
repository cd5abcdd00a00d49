"""fastact.jax and JAX arrays through the top-level ops: jit, grad (check_grads in float64),
vmap, results equal to the NumPy calls, errors."""

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from jax.test_util import check_grads  # noqa: E402

import fastact as fa  # noqa: E402
import fastact.jax as fj  # noqa: E402


@pytest.fixture(autouse=True)
def float64_enabled():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def _x(*shape, seed=0):
    return jnp.asarray(np.random.default_rng(seed).standard_normal(shape) * 2 + 0.1)


@pytest.mark.parametrize("name", fa.ops("elementwise") + ["softmax", "log_softmax", "softmin", "glu", "swiglu", "geglu",
                                                          "reglu"])
def test_check_grads_in_float64(name):
    check_grads(getattr(fj, name), (_x(3, 4),), order=1, modes=["rev"])


def test_check_grads_with_parameters_bias_and_losses():
    x = _x(4, 6)
    check_grads(lambda t, b: fj.silu(t, bias=b), (x, _x(6, seed=1)), order=1, modes=["rev"])
    check_grads(lambda t, b: fj.silu(t, bias=b, axis=0), (x, _x(4, seed=2)), order=1, modes=["rev"])
    check_grads(lambda t, a: fj.prelu(t, a, axis=1), (x, jnp.linspace(0.1, 0.6, 6)), order=1, modes=["rev"])
    check_grads(lambda t: fj.swish(t, beta=1.7), (x,), order=1, modes=["rev"])
    check_grads(lambda t: fj.cross_entropy(t, jnp.array([0, 2, 5, 1]), label_smoothing=0.1), (x,), order=1,
                modes=["rev"])
    check_grads(lambda t: fj.binary_cross_entropy_with_logits(t, jnp.full((4, 6), 0.3)), (x,), order=1, modes=["rev"])


def test_results_equal_the_numpy_calls_under_jit():
    x = _x(5, 7)
    xn = np.asarray(x)
    np.testing.assert_array_equal(jax.jit(fa.gelu)(x), fa.gelu(xn))
    np.testing.assert_array_equal(jax.jit(lambda t: fa.softmax(t, axis=0))(x), fa.softmax(xn, axis=0))
    np.testing.assert_array_equal(jax.jit(fa.tanh.derivative)(x), fa.tanh.derivative(xn))
    np.testing.assert_array_equal(jax.grad(lambda t: fa.mish(t).sum())(x), fa.mish.derivative(xn))
    assert isinstance(fa.gelu(x), jax.Array)


def test_vmap_gives_the_unbatched_results():
    x = _x(3, 4, 5)
    xn = np.asarray(x)
    np.testing.assert_array_equal(jax.vmap(fj.gelu)(x), fa.gelu(xn))
    np.testing.assert_array_equal(jax.vmap(lambda t: fj.softmax(t, axis=0))(x), fa.softmax(xn, axis=1))
    losses = jax.vmap(lambda t: fj.cross_entropy(t, jnp.array([0, 1, 2, 3])))(x)
    np.testing.assert_allclose(losses, [fa.cross_entropy(xn[i], np.array([0, 1, 2, 3])) for i in range(3)], rtol=1e-15)


def test_float32_and_bfloat16_keep_their_dtype():
    jax.config.update("jax_enable_x64", False)
    x = jnp.linspace(-3, 3, 16, dtype=jnp.float32)
    assert fj.gelu(x).dtype == jnp.float32
    assert jax.grad(lambda t: fj.gelu(t).sum())(x).dtype == jnp.float32
    pytest.importorskip("ml_dtypes")
    assert fa.sigmoid(x.astype(jnp.bfloat16)).dtype == jnp.bfloat16


def test_errors():
    with pytest.raises(TypeError, match="out="):
        fa.relu(_x(3), out=np.empty(3))
    with pytest.raises(ValueError, match="axis"):
        fj.softmax(_x(3), axis=3)


@pytest.mark.parametrize("name", ["sparse_sigmoid", "sparse_plus", "squareplus"])
def test_the_jax_nn_ops_agree_with_jax(name):
    """Values and gradients against jax.nn's own, in float64 (absolute: jax.nn.squareplus forms
    x^2 + b and cancels for large negative x, where both are tiny)."""
    x = jnp.linspace(-4.0, 4.0, 801)
    ours, theirs = getattr(fj, name), getattr(jax.nn, name)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-14, atol=1e-15)
    g_ours = jax.grad(lambda t: ours(t).sum())(x)
    g_theirs = jax.grad(lambda t: theirs(t).sum())(x)
    away_from_kinks = np.abs(np.abs(np.asarray(x)) - 1) > 1e-9
    np.testing.assert_allclose(np.asarray(g_ours)[away_from_kinks], np.asarray(g_theirs)[away_from_kinks],
                               rtol=1e-13, atol=1e-15)
