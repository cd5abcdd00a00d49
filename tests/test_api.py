"""NumPy conventions (docs/api.md): shapes, strides, dtypes, out=, errors, inputs left alone."""

import inspect
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from support import backward_x, failures_under_threads, unaligned

import fastact as fa


def entry_points(op, x):
    """Every way to evaluate an op on x, as (label, callable) pairs."""
    g = np.full_like(x, 0.75)
    calls = [
        ("forward", lambda: op(x)),
        ("derivative", lambda: op.derivative(x)),
        ("backward", lambda: backward_x(op, g, x)),
        ("value_and_derivative", lambda: op.value_and_derivative(x)[0]),
    ]
    return calls


# -- shapes and layouts ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (0,), (1,), (7,), (3, 5), (2, 0, 4), (2, 3, 4, 5)])
def test_result_has_input_shape_and_dtype(op, dtype, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    for label, call in entry_points(op, x):
        y = call()
        assert np.shape(y) == shape, label
        assert np.asarray(y).dtype == dtype, label


def test_zero_d_input_gives_a_numpy_scalar_like_ufuncs(op):
    y = op(np.float32(0.5))
    assert isinstance(y, np.float32)
    assert isinstance(op(0.5), np.float64)
    assert isinstance(op.derivative(np.array(0.5)), np.float64)


@pytest.mark.parametrize(
    "make_view",
    [
        lambda a: a[::2],
        lambda a: a[::-1],
        lambda a: a[1:],
        lambda a: a[3:-2:3],
        lambda a: a.reshape(6, 20)[:, 1:5],
        lambda a: a.reshape(6, 20).T,
        lambda a: np.asfortranarray(a.reshape(6, 20)),
    ],
    ids=["step2", "reversed", "offset1", "offset3-step3", "2d-slice", "transposed", "fortran"],
)
def test_any_strides_give_the_contiguous_answer(op, dtype, make_view):
    base = np.linspace(-8, 8, 120).astype(dtype)
    x = make_view(base)
    expected_fwd = op(np.ascontiguousarray(x))
    expected_der = op.derivative(np.ascontiguousarray(x))
    np.testing.assert_array_equal(op(x), expected_fwd)
    np.testing.assert_array_equal(op.derivative(x), expected_der)
    g = make_view(np.linspace(1, 2, 120).astype(dtype))
    np.testing.assert_array_equal(backward_x(op, g, x), np.ascontiguousarray(g) * expected_der)


def test_unaligned_arrays_give_the_aligned_answer(op, dtype):
    """Inputs and out= at unaligned addresses are copied to aligned buffers (a float* to them is
    undefined behaviour in C++), with the same bits as aligned arrays."""
    x = np.linspace(-8, 8, 101).astype(dtype)
    ux, ug = unaligned(x), unaligned(np.linspace(1, 2, 101).astype(dtype))
    np.testing.assert_array_equal(op(ux), op(x))
    np.testing.assert_array_equal(op.derivative(ux), op.derivative(x))
    np.testing.assert_array_equal(backward_x(op, ug, ux), backward_x(op, np.ascontiguousarray(ug), x))
    out = unaligned(np.zeros_like(x))
    assert op(ux, out=out) is out
    np.testing.assert_array_equal(out, op(x))
    op(out, out=out)  # in place, unaligned
    np.testing.assert_array_equal(out, op(op(x)))


@pytest.mark.parametrize("n", range(0, 2 * 8 + 2))
def test_every_length_runs_the_tail_with_body_bits(op, dtype, n):
    """Lengths 0 .. 2*(vector width)+1: tail elements get exactly what body elements get."""
    x = np.linspace(-5, 5, 64).astype(dtype)
    full_y, full_d = op(x), op.derivative(x)
    for start in (0, 1, 3):  # odd offsets too
        xs = x[start:start + n]
        np.testing.assert_array_equal(op(xs), full_y[start:start + n])
        np.testing.assert_array_equal(op.derivative(xs), full_d[start:start + n])
        y, d = op.value_and_derivative(xs)
        np.testing.assert_array_equal(y, full_y[start:start + n])
        np.testing.assert_array_equal(d, full_d[start:start + n])


# -- dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [[True, False, True], [1, -2, 3], np.array([1, 2, 3], dtype=np.uint8),
                                    np.array([1, -2, 3], dtype=np.int16)])
def test_bool_and_int_promote_to_float64(op, values):
    """Every bool/int dtype computes in float64 (NumPy's np.tanh picks float16 for bool and 8-bit
    ints and float32 for 16-bit ones; fastact does not lose precision that way)."""
    y = op(values)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, op(np.asarray(values, dtype=np.float64)))


def test_float16_computes_in_float32_and_returns_float16(op):
    x = np.linspace(-4, 4, 101).astype(np.float16)
    y = op(x)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y, op(x.astype(np.float32)).astype(np.float16))
    assert op.derivative(x).dtype == np.float16
    assert backward_x(op, x, x).dtype == np.float16


def test_python_scalars_and_lists(op):
    np.testing.assert_array_equal(op([0.5, -1.5]), op(np.array([0.5, -1.5])))
    assert op(2.0) == op(np.array([2.0]))[0]


@pytest.mark.parametrize(
    "bad, dtype_word",
    [
        (np.array([1 + 2j]), "complex"),
        (np.array([1.0], dtype=object), "object"),
        (np.array(["a"]), "<U1"),
        ("text", "<U4"),
        (np.array([1.0], dtype=np.longdouble), "float128"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64"),
    ],
)
def test_unsupported_dtypes_raise_type_error_naming_the_argument(op, bad, dtype_word):
    with pytest.raises(TypeError, match=r"x: expected real numbers .*" + dtype_word.replace("<", ".")):
        op(bad)
    with pytest.raises(TypeError, match="g: expected real numbers"):
        backward_x(op, bad, np.ones(np.shape(bad)))


def test_ragged_input_is_a_value_error_naming_x(op):
    with pytest.raises(ValueError, match="x: cannot be converted"):
        op([[1.0, 2.0], [3.0]])


# -- out= --------------------------------------------------------------------------------------


def test_out_receives_the_result_and_is_returned(op, dtype):
    x = np.linspace(-3, 3, 50).astype(dtype)
    out = np.empty_like(x)
    assert op(x, out=out) is out
    np.testing.assert_array_equal(out, op(x))
    assert op.derivative(x, out=out) is out
    np.testing.assert_array_equal(out, op.derivative(x))
    assert backward_x(op, x, x, out=out) is out
    np.testing.assert_array_equal(out, x * op.derivative(x))


def test_in_place(op, dtype):
    x = np.linspace(-3, 3, 50).astype(dtype)
    expected = op(x)
    assert op(x, out=x) is x
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("shift", [1, -1, 5])
def test_out_partially_overlapping_the_input_is_still_correct(op, shift):
    buf = np.linspace(-3, 3, 60)
    x = buf[10:40]
    out = buf[10 + shift:40 + shift]
    expected = op(x.copy())
    op(x, out=out)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("shift", [1, -1])
def test_backward_out_overlapping_g_or_x_is_still_correct(op, shift):
    x = np.linspace(-3, 3, 30)
    buf = np.linspace(0.5, 2.0, 60)
    g = buf[10:40]
    expected = backward_x(op, g.copy(), x)
    backward_x(op, g, x, out=buf[10 + shift:40 + shift])
    np.testing.assert_array_equal(buf[10 + shift:40 + shift], expected)
    gg = np.linspace(0.5, 2.0, 30)
    xbuf = np.linspace(-3, 3, 60)
    expected = backward_x(op, gg, xbuf[10:40].copy())
    backward_x(op, gg, xbuf[10:40], out=xbuf[10 + shift:40 + shift])
    np.testing.assert_array_equal(xbuf[10 + shift:40 + shift], expected)


def test_out_may_be_a_strided_view(op, dtype):
    x = np.linspace(-3, 3, 40).astype(dtype)
    big = np.zeros(80, dtype=dtype)
    op(x, out=big[::2])
    np.testing.assert_array_equal(big[::2], op(x))
    assert np.all(big[1::2] == 0)


def test_out_errors_name_out(op):
    x = np.linspace(-3, 3, 10)
    with pytest.raises(ValueError, match="out: shape"):
        op(x, out=np.empty(11))
    with pytest.raises(TypeError, match="out: dtype"):
        op(x, out=np.empty(10, dtype=np.float32))
    ro = np.empty(10)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="out: array is read-only"):
        op(x, out=ro)
    with pytest.raises(TypeError, match="out: expected a numpy.ndarray"):
        op(x, out=[0.0] * 10)
    with pytest.raises(ValueError, match="out: shape"):
        backward_x(op, x, x, out=np.empty(3))


def test_value_and_derivative_out_takes_two_arrays(op, dtype):
    x = np.linspace(-3, 3, 50).astype(dtype)
    y, d = np.empty_like(x), np.empty_like(x)
    r = op.value_and_derivative(x, out=(y, d))
    assert r[0] is y and r[1] is d
    np.testing.assert_array_equal(y, op(x))
    np.testing.assert_array_equal(d, op.derivative(x))
    big = np.zeros((2, 100), dtype=dtype)  # strided views and x itself as one of them
    op.value_and_derivative(x, out=(big[0, ::2], big[1, 1::2]))
    np.testing.assert_array_equal(big[0, ::2], op(x))
    np.testing.assert_array_equal(big[1, 1::2], op.derivative(x))
    xc = x.copy()
    op.value_and_derivative(xc, out=(xc, d))
    np.testing.assert_array_equal(xc, op(x))
    np.testing.assert_array_equal(d, op.derivative(x))


def test_value_and_derivative_out_errors():
    x = np.linspace(-3, 3, 10)
    y = np.empty_like(x)
    with pytest.raises(TypeError, match="out: expected a tuple of two arrays"):
        fa.tanh.value_and_derivative(x, out=[y, y.copy()])
    with pytest.raises(TypeError, match="got a tuple of 1"):
        fa.tanh.value_and_derivative(x, out=(y,))
    with pytest.raises(ValueError, match="must not overlap"):
        fa.tanh.value_and_derivative(x, out=(y, y))
    with pytest.raises(ValueError, match=r"out\[1\]: shape"):
        fa.tanh.value_and_derivative(x, out=(y, np.empty(3)))
    with pytest.raises(TypeError, match=r"out\[0\]: dtype"):
        fa.tanh.value_and_derivative(x, out=(y.astype(np.float32), y))


def test_float16_out(op):
    x = np.linspace(-2, 2, 9).astype(np.float16)
    out = np.empty_like(x)
    op(x, out=out)
    np.testing.assert_array_equal(out, op(x))


def test_foreign_byte_order_gives_the_native_answer(op, dtype):
    """Big-endian data has NumPy's type number of float32/float64 but other bytes: it is converted,
    never read as if native (the C fast paths once did)."""
    native = np.linspace(-3, 3, 41).astype(dtype)
    foreign = native.astype(dtype.newbyteorder())
    for (label, on_native), (_, on_foreign) in zip(entry_points(op, native), entry_points(op, foreign)):
        expected, got = on_native(), on_foreign()
        assert got.dtype.isnative, label
        np.testing.assert_array_equal(got, expected, err_msg=label)
    out = np.empty_like(foreign)
    assert op(foreign, out=out) is out
    np.testing.assert_array_equal(out, op(native))


def test_ndarray_subclass_input_gives_the_same_values(op):
    class Tagged(np.ndarray):
        pass

    x = np.linspace(-3, 3, 20)
    for (label, plain), (_, tagged) in zip(entry_points(op, x), entry_points(op, x.view(Tagged))):
        np.testing.assert_array_equal(np.asarray(tagged()), plain(), err_msg=label)


# -- inputs are never modified ------------------------------------------------------------------


def test_inputs_are_never_modified(op, dtype):
    x = np.linspace(-3, 3, 37).astype(dtype)
    g = np.linspace(1, 2, 37).astype(dtype)
    x0, g0 = x.copy(), g.copy()
    op(x)
    op.derivative(x)
    backward_x(op, g, x)
    op.value_and_derivative(x)
    if op.has_output_backward:
        op.backward(g, y=x)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(g, g0)


def test_read_only_input_is_fine(op):
    x = np.linspace(-3, 3, 10)
    x.flags.writeable = False
    np.testing.assert_array_equal(op(x), op(x.copy()))


# -- backward --------------------------------------------------------------------------------


def test_backward_shape_mismatch_is_a_value_error(op):
    with pytest.raises(ValueError, match=r"g and x must have the same shape"):
        backward_x(op, np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=r"no broadcasting"):
        backward_x(op, np.ones((1, 3)), np.ones((2, 3)))


def test_backward_needs_exactly_one_of_x_and_y(op):
    with pytest.raises(TypeError, match="exactly one of x"):
        backward_x(op, np.ones(3))
    with pytest.raises(TypeError, match="exactly one of x"):
        backward_x(op, np.ones(3), np.ones(3), y=np.ones(3))


def test_backward_from_y_only_where_the_op_has_it(op):
    if op.has_output_backward:
        x = np.linspace(-4, 4, 33)
        np.testing.assert_allclose(op.backward(np.ones_like(x), y=op(x)), op.derivative(x), rtol=1e-13, atol=1e-16)
    else:
        with pytest.raises(ValueError, match="no derivative in terms of its output"):
            op.backward(np.ones(3), y=np.ones(3))


def test_backward_promotes_dtypes(op):
    x32 = np.linspace(-2, 2, 9).astype(np.float32)
    r = backward_x(op, np.ones(9, dtype=np.float64), x32)
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, op.derivative(x32.astype(np.float64)))


@pytest.mark.parametrize("name", list(fa._cases()))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_backward_is_g_times_derivative(name, data):
    op = fa._cases()[name]
    dt = data.draw(st.sampled_from([np.float32, np.float64]))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=9))
    x = data.draw(hnp.arrays(dt, shape, elements=st.floats(-200, 200, width=np.dtype(dt).itemsize * 8)))
    g = data.draw(hnp.arrays(dt, shape, elements=st.floats(-1e3, 1e3, width=np.dtype(dt).itemsize * 8)))
    # where f' is huge or infinite (log1mexp near 0) g * f' may overflow or be 0 * inf = NaN, as the kernel's
    with np.errstate(invalid="ignore", over="ignore"):
        expected = g * op.derivative(x)
    np.testing.assert_array_equal(backward_x(op, g, x), expected)
    y, d = op.value_and_derivative(x)
    np.testing.assert_array_equal(y, op(x))
    np.testing.assert_array_equal(d, op.derivative(x))


@pytest.mark.parametrize("name", list(fa._cases()))
@settings(max_examples=80, deadline=None)
@given(x=st.floats(-30, 30, allow_nan=False))
def test_derivative_agrees_with_central_difference_of_the_reference(name, x):
    op = fa._cases()[name]
    if any(abs(x - k) < 1e-3 for k in op.spec.kinks):
        return
    h = 1e-6 * max(1.0, abs(x))
    numeric = (op.reference(np.array([x + h]))[0] - op.reference(np.array([x - h]))[0]) / (2 * h)
    assert abs(float(op.derivative(x)) - numeric) <= 1e-6 * max(1.0, abs(numeric))


# -- parameters ----------------------------------------------------------------------------------


def test_parameters_are_keyword_arguments_with_defaults():
    x = np.array([-2.0, 3.0])
    np.testing.assert_array_equal(fa.leaky_relu(x), [-0.02, 3.0])
    np.testing.assert_array_equal(fa.leaky_relu(x, alpha=0.5), [-1.0, 3.0])
    np.testing.assert_array_equal(fa.hardtanh(x, min_val=-0.5, max_val=2.0), [-0.5, 2.0])
    np.testing.assert_array_equal(fa.leaky_relu.derivative(x, alpha=0.5), [0.5, 1.0])
    np.testing.assert_array_equal(fa.hardtanh.backward(np.ones(2), x, min_val=-3, max_val=4), [1.0, 1.0])
    assert fa.leaky_relu.parameters == {"alpha": 0.01}
    assert "alpha" in str(inspect.signature(fa.leaky_relu))


def test_argument_count_errors_name_the_public_call():
    x = np.linspace(-1, 1, 4)
    with pytest.raises(TypeError, match=r"relu\(\) missing required argument\(s\): 'x'"):
        fa.relu()
    with pytest.raises(TypeError, match=r"relu\(\) takes at most 1 positional argument"):
        fa.relu(x, x)
    with pytest.raises(TypeError, match=r"relu.derivative\(\) missing"):
        fa.relu.derivative()
    with pytest.raises(TypeError, match=r"relu.backward\(\) missing required argument\(s\): 'g'"):
        fa.relu.backward()
    with pytest.raises(TypeError, match=r"relu.backward\(\) takes at most 2 positional"):
        fa.relu.backward(x, x, x)
    with pytest.raises(TypeError, match=r"relu.backward\(\) got some positional-only arguments passed as keyword"):
        fa.relu.backward(x, x, x=x)
    with pytest.raises(TypeError, match=r"sigmoid.value_and_derivative\(\) takes at most 1"):
        fa.sigmoid.value_and_derivative(x, x)


def test_parameters_seen_before_give_the_same_answers_and_errors():
    """Keyword parameters take the fast path through a cache of validated values: a cached value
    must not let an invalid one of equal value through, nor lose a zero's sign."""
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    first = fa.elu(x, alpha=1)
    np.testing.assert_array_equal(fa.elu(x, alpha=1), first)
    np.testing.assert_array_equal(fa.elu(x, alpha=1.0), first)
    with pytest.raises(TypeError, match="alpha must be a real number, got bool"):
        fa.elu(x, alpha=True)  # True == 1 and hashes alike
    for alpha in (0.0, -0.0, 0.0):
        y = fa.leaky_relu(x, alpha=alpha)  # -2 * -0.0 = +0.0, -2 * 0.0 = -0.0
        np.testing.assert_array_equal(np.signbit(y), np.signbit(np.where(x > 0, x, alpha * x)))
    np.testing.assert_array_equal(fa.gelu(x, approximate="tanh"), fa.gelu._variant(approximate="tanh")(x))
    out = np.empty_like(x)
    assert fa.elu(x, alpha=0.5, out=out) is out
    np.testing.assert_array_equal(out, fa.elu(x.copy(), alpha=0.5))
    np.testing.assert_array_equal(fa.elu.derivative(x, alpha=0.5, out=out), fa.elu.derivative(x[::-1], alpha=0.5)[::-1])


def test_ops_pickle_and_copy_by_name():
    import copy
    import pickle

    for op in (fa.relu, fa.gelu, fa.swish, fa.softmax, fa.log_softmax, fa.prelu, fa.swiglu, fa.cross_entropy,
               fa.binary_cross_entropy_with_logits):
        assert pickle.loads(pickle.dumps(op)) is op
        assert copy.deepcopy(op) is op and copy.copy(op) is op
    variant = fa.gelu._variant(approximate="tanh")
    back = pickle.loads(pickle.dumps(variant))
    assert back.label == "gelu[tanh]"
    x = np.linspace(-3, 3, 7)
    np.testing.assert_array_equal(back(x), fa.gelu(x, approximate="tanh"))


def test_arrays_are_positional_only_as_in_numpy_ufuncs():
    x = np.linspace(-1, 1, 4)
    for call, name in ((lambda: fa.relu(x=x), r"relu\(\)"), (lambda: fa.tanh.derivative(x=x), r"tanh.derivative\(\)"),
                       (lambda: fa.tanh.backward(g=x, x=x), r"tanh.backward\(\)"),
                       (lambda: fa.softmax(x=x), r"softmax\(\)"), (lambda: fa.swiglu(x=x), "swiglu")):
        with pytest.raises(TypeError, match=name + ".*positional-only arguments passed as keyword arguments"):
            call()
    np.testing.assert_array_equal(fa.softmax(x, axis=0), fa.softmax(x, 0))  # axis may come either way


def test_entry_points_have_inspectable_signatures():
    assert str(inspect.signature(fa.elu)) == "(x, /, *, out=None, bias=None, axis=None, alpha=1.0)"
    assert str(inspect.signature(fa.elu.derivative)) == "(x, /, *, out=None, bias=None, axis=None, alpha=1.0)"
    assert str(inspect.signature(fa.elu.backward)) == "(g, x=None, /, *, y=None, out=None, bias=None, axis=None, alpha=1.0)"
    assert str(inspect.signature(fa.relu.backward)) == "(g, x=None, /, *, out=None, bias=None, axis=None)"
    assert str(inspect.signature(fa.gelu.value_and_derivative)) == "(x, /, *, out=None, approximate='none')"
    assert str(inspect.signature(fa.geglu)) == "(x, /, axis=-1, *, out=None, approximate='none')"
    assert str(inspect.signature(fa.geglu.backward)) == "(g, x, /, axis=-1, *, approximate='none')"
    assert str(inspect.signature(fa.swiglu)) == "(x, /, axis=-1, *, out=None)"


@pytest.mark.parametrize("name", fa.ops())
def test_every_public_op_is_named_and_documented_formula_first(name):
    import pydoc

    op = fa.get(name)
    assert op is getattr(fa, name) and op.__name__ == op.__qualname__ == name
    inspect.signature(op)
    doc = inspect.getdoc(op)
    first = doc.splitlines()[0]
    assert "=" in first or ":" in first, first  # a formula, not a constructor or call signature
    if isinstance(op, fa.Activation):
        assert first == op.spec.formula.splitlines()[0]
        assert ("y" in inspect.signature(op.backward).parameters) == op.has_output_backward
    help_text = pydoc.render_doc(op, renderer=pydoc.plaintext)
    assert "spec" not in help_text.split(first)[0], "help() opens with the internal constructor"


def test_misuse_errors_name_the_public_call():
    x = np.linspace(-1, 1, 4)
    with pytest.raises(TypeError, match=r"^glu\(\) got an unexpected keyword argument 'dim'; did you mean axis=\?$"):
        fa.glu(x, dim=-1)
    with pytest.raises(TypeError, match=r"^swiglu\(\) got an unexpected keyword argument 'approximate'"):
        fa.swiglu(x, approximate="tanh")
    with pytest.raises(TypeError, match=r"^swiglu.backward\(\) got an unexpected keyword argument 'dim'"):
        fa.swiglu.backward(x[:2], x, dim=-1)
    with pytest.raises(ValueError, match="^geglu: approximate must be one of"):
        fa.geglu(x, approximate="erf")
    with pytest.raises(TypeError, match=r"^gelu.value_and_derivative\(\) got an unexpected keyword argument 'bias'"):
        fa.gelu.value_and_derivative(x, bias=x)
    with pytest.raises(TypeError, match=r"^elu.derivative\(\) got an unexpected keyword argument 'beta'"):
        fa.elu.derivative(x, beta=2.0)
    with pytest.raises(TypeError, match=r"^leaky_relu\(\) got an unexpected keyword argument 'negative_slope'; did you mean alpha=\?$"):
        fa.leaky_relu(x, negative_slope=0.2)


@pytest.mark.parametrize("call", [
    lambda x: fa.softmax(x, axis=2), lambda x: fa.log_softmax.backward(x, x, axis=-3), lambda x: fa.glu(x, axis=2),
    lambda x: fa.prelu(x, 0.1, axis=5), lambda x: fa.prelu(x, np.ones(4), axis=3),
    lambda x: fa.cross_entropy(x, np.zeros(2, int), axis=2)])
def test_bad_axes_raise_numpys_axis_error(call):
    with pytest.raises(np.exceptions.AxisError if hasattr(np, "exceptions") else np.AxisError):
        call(np.ones((2, 4)))


def test_get_and_ops_cover_every_public_op_and_label():
    families = ("elementwise", "prelu", "rowwise", "gated", "loss")  # prelu: prelu, rrelu
    assert sum((fa.ops(f) for f in families), []) == fa.ops()
    for name in fa.ops():
        assert fa.get(name) is getattr(fa, name)
    assert "gelu[tanh]" in fa.variants() and fa.get("gelu[tanh]").label == "gelu[tanh]"
    x = np.linspace(-3, 3, 7)
    np.testing.assert_array_equal(fa.get("gelu[tanh]")(x), fa.gelu(x, approximate="tanh"))
    with pytest.raises(ValueError, match="family must be"):
        fa.ops("activations")


def test_losses_of_no_weight_are_nan_without_warnings():
    """pytest turns any warning into an error here (filterwarnings = error)."""
    empty = np.zeros((0, 3))
    assert np.isnan(fa.cross_entropy(empty, np.zeros(0, int)))
    assert np.isnan(fa.cross_entropy(empty, np.zeros((0, 3))))
    assert np.isnan(fa.binary_cross_entropy_with_logits(np.zeros(0), np.zeros(0)))
    logits, target = np.zeros((2, 3)), np.array([1, 1])
    assert np.isnan(fa.cross_entropy(logits, target, ignore_index=1))
    assert np.isnan(fa.cross_entropy(logits, target, weight=np.zeros(3)))
    np.testing.assert_array_equal(fa.cross_entropy.backward(logits, target, ignore_index=1), 0.0)
    assert np.isnan(fa.cross_entropy.backward(logits, target, weight=np.zeros(3))).all()
    assert fa.cross_entropy(empty, np.zeros(0, int), reduction="sum") == 0.0


def test_float16_losses_overflow_to_inf_without_warnings():
    """A float64 loss beyond float16's range becomes inf in the result dtype, silently (pytest turns
    NumPy's cast warning into an error here)."""
    x = np.array([[60000.0, -60000.0]], np.float16)
    assert np.isposinf(fa.cross_entropy(x, np.array([1])))
    per_sample = fa.cross_entropy(x, np.array([1]), reduction="none")
    assert per_sample.dtype == np.float16 and np.isposinf(per_sample).all()
    assert np.isfinite(fa.binary_cross_entropy_with_logits(x, np.zeros((1, 2)), reduction="sum"))


def test_parameter_errors():
    x = np.ones(3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'beta'; its parameters are: alpha"):
        fa.leaky_relu(x, beta=1.0)
    with pytest.raises(TypeError, match="its parameters are: none"):
        fa.relu6(x, min_val=1.0)
    with pytest.raises(TypeError, match="alpha must be a real number"):
        fa.leaky_relu(x, alpha="0.1")
    with pytest.raises(TypeError, match="alpha must be a real number"):
        fa.leaky_relu(x, alpha=np.ones(2))
    with pytest.raises(ValueError, match="alpha must not be NaN"):
        fa.leaky_relu(x, alpha=float("nan"))
    with pytest.raises(ValueError, match="alpha must be finite"):
        fa.leaky_relu(x, alpha=float("inf"))
    with pytest.raises(ValueError, match=r"min_val \(2.0\) must not exceed max_val \(1.0\)"):
        fa.hardtanh(x, min_val=2.0, max_val=1.0)
    with pytest.raises(ValueError, match="min_val"):
        fa.hardtanh.derivative(x, min_val=2.0, max_val=1.0)


@pytest.mark.parametrize("name", [[], None, 3, b"relu"])
def test_get_takes_a_name(name):
    with pytest.raises(TypeError, match="get: name must be a str, got"):
        fa.get(name)


def test_parameter_errors_name_an_int_too_large_for_a_float():
    with pytest.raises(ValueError, match=r"elu: alpha is too large for a float64 \(an int beyond 1.8e308\)"):
        fa.elu(np.ones(3), alpha=10**400)


# Parameters that turn into inf or 0 in the format a call computes in would make NaN of ordinary
# inputs (inf * 0, x / 0): they are rejected, naming the parameter, the format and the range.
@pytest.mark.parametrize("call, dtype, pattern", [
    (lambda x: fa.leaky_relu(x, alpha=1e40), np.float32, "leaky_relu: alpha = 1e\\+40 overflows float32"),
    (lambda x: fa.elu(x, alpha=-1e40), np.float32, "elu: alpha = -1e\\+40 overflows float32"),
    (lambda x: fa.swish(x, beta=1e300), np.float32, "swish: beta = 1e\\+300 overflows float32"),
    (lambda x: fa.celu.derivative(x, alpha=1e40), np.float32, "celu: alpha = 1e\\+40 does not fit float32"),
    (lambda x: fa.celu(x, alpha=1e-50), np.float32, "celu: alpha = 1e-50 does not fit float32"),
    (lambda x: fa.softplus(x, beta=1e300), np.float32, "softplus: beta = 1e\\+300 does not fit float32"),
    (lambda x: fa.softplus(x, beta=1e-320), np.float64, "softplus: beta = 1e-320 does not fit float64"),
    (lambda x: fa.softplus.backward(x, x, beta=1e-50), np.float16, "does not fit float32"),
])
def test_parameters_must_survive_rounding_to_the_compute_format(call, dtype, pattern):
    x = np.array([-3.0, -0.0, 0.0, 2.0], dtype=dtype)
    with pytest.raises(ValueError, match=pattern):
        call(x)


def test_parameters_that_fit_the_compute_format_give_no_nan():
    x32 = np.array([-3.0, 0.0, 2.0], dtype=np.float32)
    assert fa.leaky_relu(x32.astype(np.float64), alpha=1e40).tolist() == [-3e40, 0.0, 2.0]  # fits float64
    assert fa.leaky_relu.backward(np.ones(3), x32, alpha=1e40).dtype == np.float64  # g promotes the call
    assert fa.softplus(x32, beta=1e-30)[1] == np.float32(np.log(2) / 1e-30)
    assert not np.isnan(fa.hardtanh(x32, min_val=-1e40, max_val=1e40)).any()  # may be inf: rounds to it
    assert not np.isnan(fa.swish(x32, beta=1e38)).any() and not np.isnan(fa.celu(x32, alpha=1e-37)).any()


def test_numpy_scalar_parameters_are_accepted():
    x = np.array([-2.0])
    assert fa.leaky_relu(x, alpha=np.float32(0.5))[0] == -1.0
    assert fa.leaky_relu(x, alpha=np.array(0.5))[0] == -1.0
    assert fa.leaky_relu(x, alpha=1)[0] == -2.0


# -- the catalogue ---------------------------------------------------------------------------


def test_registry_catalogue_and_references_agree():
    kernels = {row[0] for row in fa._core.op_table()}
    used = set().union(*(fa.get(name).spec.kernel_names() for name in fa.ops("elementwise")))
    used.add("leaky_relu")  # prelu runs it per channel
    assert kernels == used  # every compiled kernel is exposed, every op has a kernel
    for name in fa.ops("elementwise"):
        op = fa.get(name)
        assert op is getattr(fa, name) and name in fa.__all__
        assert name in type(op).__doc__ and "Example" in type(op).__doc__
        assert callable(op.spec.reference) and callable(op.spec.reference_derivative)


def test_get_unknown_op():
    with pytest.raises(ValueError, match="unknown op 'swoosh'"):
        fa.get("swoosh")
    with pytest.raises(TypeError, match="name must be a str"):
        fa.get(None)


def test_many_python_threads_at_once(op):
    """The GIL is released during kernels: concurrent callers must all get correct results."""
    x = np.linspace(-5, 5, 200_003)
    expected = op(x)
    assert failures_under_threads(lambda: np.array_equal(op(x), expected)) == 0
