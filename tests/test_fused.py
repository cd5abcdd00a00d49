"""The GLU family (split, gate, backward in one pass) and bias fused into every elementwise op."""

import numpy as np
import pytest
from support import numeric_gradient

import fastact as fa

GATED = {"glu": (fa.glu, fa.sigmoid, False), "swiglu": (fa.swiglu, fa.silu, True),
         "geglu": (fa.geglu, fa.gelu, True), "reglu": (fa.reglu, fa.relu, True)}


def halves(x, axis, gate_first):
    a, b = np.split(x, 2, axis=axis)
    return (a, b) if gate_first else (b, a)


# -- GLU family ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", GATED)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape_axis", [((6, 10), -1), ((6, 10), 0), ((3, 4, 5), 1), ((2, 3, 18), 2), ((4,), 0)])
def test_gated_forward_is_the_activation_times_the_other_half(name, dtype, shape_axis):
    unit, act, gate_first = GATED[name]
    shape, axis = shape_axis
    x = np.random.default_rng(len(shape)).standard_normal(shape).astype(dtype) * 3
    gate, value = halves(x, axis, gate_first)
    y = unit(x, axis=axis)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, act(gate) * value)  # same kernel, one rounding for the product
    if dtype == np.float32:  # against the float64 reference: the activation's 2 ULP and the product's 0.5
        np.testing.assert_allclose(y, unit.reference(x, axis=axis), rtol=2.5 * 2.0**-23, atol=1e-37)


@pytest.mark.parametrize("name", GATED)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape_axis", [((6, 10), -1), ((3, 4, 5), 1), ((8, 2), 0)])
def test_gated_backward(name, dtype, shape_axis):
    unit, act, gate_first = GATED[name]
    shape, axis = shape_axis
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(shape) * 2).astype(dtype)
    gate, value = halves(x, axis, gate_first)
    g = rng.standard_normal(gate.shape).astype(dtype)
    gx = unit.backward(g, x, axis=axis)
    assert gx.shape == x.shape and gx.dtype == dtype
    g_gate, g_value = halves(gx, axis, gate_first)
    np.testing.assert_array_equal(g_value, g * act(gate))
    np.testing.assert_allclose(g_gate, g * value * act.derivative(gate), rtol=2 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("name", GATED)
def test_gated_backward_is_the_gradient(name):
    unit = GATED[name][0]
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 8)) + 0.05  # away from relu's kink
    g = rng.standard_normal((3, 4))
    gx = unit.backward(g, x)
    numeric = numeric_gradient(lambda z: np.sum(g * unit(z)), x)
    np.testing.assert_allclose(gx, numeric, rtol=1e-6, atol=1e-8)


def test_geglu_tanh_and_swiglu_frontier_ffn():
    x = np.random.default_rng(1).standard_normal((4, 6))
    a, b = np.split(x, 2, axis=-1)
    np.testing.assert_array_equal(fa.geglu(x, approximate="tanh"), fa.gelu(a, approximate="tanh") * b)
    np.testing.assert_array_equal(fa.swiglu(x), fa.silu(a) * b)


@pytest.mark.parametrize("name", GATED)
def test_gated_bad_arguments(name):
    unit = GATED[name][0]
    with pytest.raises(ValueError, match="even"):
        unit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="axis"):
        unit(np.zeros((2, 4)), axis=3)
    with pytest.raises(ValueError, match="at least one axis"):
        unit(np.float64(1.0))
    with pytest.raises(ValueError, match="shape"):
        unit.backward(np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="x"):
        unit(np.zeros(4, dtype=complex))
    x = np.arange(8.0).reshape(2, 4)
    keep = x.copy()
    out = np.empty((2, 2))
    assert unit(x, out=out) is out
    np.testing.assert_array_equal(x, keep)
    np.testing.assert_array_equal(unit(np.asfortranarray(x)), unit(x))


# -- bias fusion --------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_bias_forward_and_derivative_equal_the_op_on_x_plus_bias(op, dtype):
    """float16 included: the sum is rounded to float16 as NumPy's x + b is, and a zero keeps its sign."""
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((9, 37)) * 4).astype(dtype)
    b = (rng.standard_normal(37) * 4).astype(dtype)
    x[0, :3], b[:3] = [-0.0, 0.0, -0.0], [-0.0, -0.0, 0.0]
    for bias in (b, b[5], 0.1):
        for got, want in ((op(x, bias=bias), op(x + bias)), (op.derivative(x, bias=bias), op.derivative(x + bias))):
            assert got.dtype == want.dtype
            assert got.tobytes() == want.tobytes()  # bit for bit, signs of zeros and NaN payloads included


@pytest.mark.parametrize("bias", [np.float64(0.1), np.float32(0.1), 0.1, 1])
def test_a_numpy_scalar_bias_promotes_as_in_numpy(bias):
    """np.float64 is a Python float subclass but a strongly typed NumPy scalar: x32 + np.float64(b)
    is float64 (NEP 50), while a Python number is weak."""
    x = np.linspace(-3, 3, 11, dtype=np.float32)
    got, want = fa.gelu(x, bias=bias), fa.gelu(x + bias)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    gx, gb = fa.gelu.backward(np.ones_like(x), x, bias=bias)
    assert gx.dtype == gb.dtype == want.dtype


@pytest.mark.parametrize("shift", [1, 37, -1])
def test_bias_out_overlapping_x_partially_is_still_correct(op, shift):
    """out= sharing memory with x (offset by ``shift`` elements) is written only after the whole
    result is known: the answer is the one without out."""
    rng = np.random.default_rng(13)
    base = (rng.standard_normal(4 * 37 + 80) * 4).astype(np.float32)
    start = 40
    x = base[start:start + 4 * 37].reshape(4, 37)
    b = (rng.standard_normal(37) * 4).astype(np.float32)
    expected = op(x.copy(), bias=b)
    out = base[start + shift:start + shift + 4 * 37].reshape(4, 37)
    assert op(x, bias=b, out=out) is out
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_bias_backward_returns_the_bias_gradient(op, dtype):
    rng = np.random.default_rng(12)
    x = (rng.standard_normal((2, 5, 19)) * 4).astype(dtype)
    b = (rng.standard_normal(19) * 4).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    r = op.backward(g, x, bias=b)
    plain = op.backward(g, x + b)
    gx_plain = plain[0] if op.spec.learnable else plain
    assert len(r) == (3 if op.spec.learnable else 2)
    assert r[0].dtype == dtype
    np.testing.assert_array_equal(r[0], gx_plain)
    if op.spec.learnable:
        assert r[1] == plain[1] and r[1].dtype == dtype
    gbias = r[-1]
    assert gbias.shape == (19,) and gbias.dtype == dtype
    expected = gx_plain.astype(np.float64).sum(axis=(0, 1))
    if dtype == np.float16:
        # float16's gx are summed before their rounding to float16: within a few roundings of the
        # summed magnitudes (the reference's own rounding errors do not cancel as the sum does)
        magnitude = np.abs(gx_plain.astype(np.float64)).sum(axis=(0, 1))
        assert np.all(np.abs(gbias.astype(np.float64) - expected) <= 4 * np.finfo(dtype).eps * magnitude)
    else:
        np.testing.assert_allclose(gbias, expected, rtol=np.finfo(dtype).eps * 4, atol=np.finfo(dtype).tiny)


def test_bias_conventions():
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    b = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    keep = x.copy()
    out = np.empty_like(x)
    assert fa.gelu(x, bias=b, out=out) is out
    np.testing.assert_array_equal(out, fa.gelu(x + b))
    np.testing.assert_array_equal(x, keep)
    np.testing.assert_array_equal(fa.gelu(x, bias=0.5), fa.gelu(x + np.float32(0.5)))  # a scalar bias
    np.testing.assert_array_equal(fa.gelu(np.asfortranarray(x), bias=b), fa.gelu(x + b))
    assert fa.gelu(x, bias=b.astype(np.float64)).dtype == np.float64  # NumPy's promotion of x + b
    xi = x.copy()
    fa.sigmoid(xi, bias=b, out=xi)  # in place
    np.testing.assert_array_equal(xi, fa.sigmoid(x + b))
    y = fa.sigmoid(x, bias=b)
    gx, gb = fa.sigmoid.backward(np.ones_like(x), y=y, bias=b)
    np.testing.assert_array_equal(gx, fa.sigmoid.backward(np.ones_like(x), y=y))
    with pytest.raises(ValueError, match="bias"):
        fa.gelu(x, bias=np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="bias"):
        fa.gelu(np.float32(1.0), bias=b)
    with pytest.raises(TypeError, match="bias"):
        fa.gelu(x, bias="b")


# -- bias along any axis ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("axis", [0, 1, -2])
def test_bias_along_any_axis_equals_the_op_on_x_plus_the_broadcast_bias(op, dtype, axis):
    """An NCHW-like x with one bias per channel: forward, derivative and gx bit for bit as the op on
    x + b[:, None, None] (NumPy's broadcast sum), the bias gradient summed over every other axis."""
    rng = np.random.default_rng(21)
    x = (rng.standard_normal((3, 5, 4, 7)) * 4).astype(dtype)
    channels = x.shape[axis]
    b = (rng.standard_normal(channels) * 4).astype(dtype)
    shaped = b.reshape((channels,) + (1,) * (x.ndim - 1 - axis % x.ndim))
    for got, want in ((op(x, bias=b, axis=axis), op(x + shaped)),
                      (op.derivative(x, bias=b, axis=axis), op.derivative(x + shaped))):
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    g = rng.standard_normal(x.shape).astype(dtype)
    r = op.backward(g, x, bias=b, axis=axis)
    plain = op.backward(g, x + shaped)
    gx_plain = plain[0] if op.spec.learnable else plain
    assert r[0].tobytes() == gx_plain.tobytes()
    others = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    expected = gx_plain.astype(np.float64).sum(axis=others)
    assert r[-1].shape == (channels,) and r[-1].dtype == dtype
    # within a few roundings of the summed magnitudes: float64 sums in another order than NumPy's,
    # float16 sums gx before its rounding to float16 (as along the last axis)
    magnitude = np.abs(gx_plain.astype(np.float64)).sum(axis=others)
    assert np.all(np.abs(r[-1].astype(np.float64) - expected) <= 4 * np.finfo(dtype).eps * magnitude)


def test_bias_axis_gradient_does_not_depend_on_the_thread_count():
    x = np.random.default_rng(3).standard_normal((8, 16, 64, 64)).astype(np.float32)  # above the threading threshold
    b = np.linspace(-1, 1, 16, dtype=np.float32)
    before = fa.get_num_threads()
    try:
        results = []
        for n in (1, 2):
            fa.set_num_threads(min(n, fa.max_num_threads()))
            results.append(fa.gelu.backward(np.ones_like(x), x, bias=b, axis=1))
    finally:
        fa.set_num_threads(before)
    assert all(a.tobytes() == c.tobytes() for a, c in zip(results[0], results[1]))


def test_bias_axis_with_y_and_a_learnable_parameter():
    x = np.random.default_rng(4).standard_normal((2, 3, 5))
    b = np.array([0.5, -1.0, 2.0])
    g = np.ones_like(x)
    y = fa.sigmoid(x, bias=b, axis=1)
    gx, gb = fa.sigmoid.backward(g, y=y, bias=b, axis=1)
    np.testing.assert_array_equal(gx, fa.sigmoid.backward(g, y=y))
    np.testing.assert_allclose(gb, gx.sum(axis=(0, 2)), rtol=1e-15)
    gx, gbeta, gb = fa.swish.backward(g, x, bias=b, axis=1, beta=1.5)
    plain = fa.swish.backward(g, x + b[:, None], beta=1.5)
    np.testing.assert_array_equal(gx, plain[0])
    assert gbeta == plain[1]
    np.testing.assert_allclose(gb, gx.sum(axis=(0, 2)), rtol=1e-15)


def test_bias_axis_errors():
    x = np.ones((2, 3, 4))
    with pytest.raises(ValueError, match="axis= is the axis bias= runs along; it needs bias="):
        fa.relu(x, axis=1)
    with pytest.raises(np.exceptions.AxisError):
        fa.relu(x, bias=np.ones(3), axis=3)
    with pytest.raises(TypeError, match="axis must be an int"):
        fa.relu(x, bias=np.ones(3), axis=1.0)
    with pytest.raises(ValueError, match=r"one value per entry of axis 1 \(shape \(3,\)\)"):
        fa.relu(x, bias=np.ones(4), axis=1)
    np.testing.assert_array_equal(fa.relu(x, bias=2.0, axis=0), 3.0)  # a scalar: any axis
