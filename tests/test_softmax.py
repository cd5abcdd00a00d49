"""softmax and log_softmax: accuracy against the float64/longdouble references, the special rows,
every axis, the backward passes, and the NumPy conventions (README "Softmax")."""

import inspect

import numpy as np
import pytest
from support import longdouble_is_wider, numeric_gradient

import fastact as fa
from fastact import accuracy, reference

F32_ULP, F64_ULP = 4.0, 8.0  # docs/numerics.md softmax rows
LOG_ABS = {np.dtype(np.float32): 4 * 2.0**-24, np.dtype(np.float64): 8 * 2.0**-53}


def wide_reference(fn, x, *args, **kw):
    """The reference in longdouble where that is wider (for float64 results), else float64."""
    if x.dtype == np.float64 and longdouble_is_wider():
        return fn(x.astype(np.longdouble), *args, **kw)
    return fn(x.astype(np.float64), *args, **kw)


def assert_softmax_accurate(x, axis=-1):
    y = fa.softmax(x, axis=axis)
    ref = wide_reference(reference.softmax, x, axis)
    bound = F32_ULP if x.dtype == np.float32 else F64_ULP
    bad = accuracy.violations(y, ref, bound)
    assert not bad.any(), f"{bad.sum()} over {bound} ULP; worst {accuracy.ulp_error(y, ref).max():.2f}"


def assert_log_softmax_accurate(x, axis=-1):
    y = fa.log_softmax(x, axis=axis)
    ref = wide_reference(reference.log_softmax, x, axis)
    with np.errstate(invalid="ignore"):
        err = np.abs(y.astype(ref.dtype) - ref) / np.maximum(1, np.abs(ref))
    finite = np.isfinite(ref)
    assert np.array_equal(y[~finite], ref[~finite].astype(y.dtype), equal_nan=True)
    worst = err[finite].max(initial=0.0)
    assert worst <= LOG_ABS[x.dtype], f"abs error {worst / np.finfo(x.dtype).epsneg:.2f} x 2^-p"


def rows(shape, dtype, scale=1.0, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


# -- textbook values (docs/textbook.md) -----------------------------------------------------------

def test_textbook_softmax_examples():
    np.testing.assert_allclose(fa.softmax(np.array([2.0, 1.0, 0.1])), [0.659, 0.242, 0.099], atol=6e-4)
    e = np.exp([3.2, 1.8, 0.5])
    np.testing.assert_allclose(fa.softmax(np.array([3.2, 1.8, 0.5])), e / e.sum(), rtol=1e-15)
    y = fa.softmax(np.array([2.0, 1.0, 0.1], dtype=np.float32))
    assert y.dtype == np.float32 and abs(float(y.sum()) - 1) < 1e-6


def test_textbook_cross_entropy_is_minus_log_softmax():
    logits = np.array([2.0, 1.0, 0.5, 0.1])
    y = fa.log_softmax(logits)
    assert -y[0] == pytest.approx(np.log(np.exp(logits).sum()) - 2.0, rel=1e-15)
    np.testing.assert_allclose(np.exp(y), fa.softmax(logits), rtol=1e-15)


# -- accuracy -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("length", [1, 3, 4, 5, 8, 10, 15, 16, 17])
def test_short_rows_batched_give_each_rows_own_bits(dtype, length):
    """Rows of up to one vector run in transposed blocks (lanes as rows), four at a time and one at
    a time, by how many are left: every row of a batch of 37 (special rows included) gets the
    bits it gets on its own."""
    x = rows((37, length), dtype, 20.0, seed=length)
    x[3, 0] = np.nan
    x[5] = -np.inf
    x[7, -1] = np.inf
    x[20, :] = np.inf
    x[33, 0] = -np.inf
    for op, kwargs in ((fa.softmax, {}), (fa.softmax, {"safe": True}), (fa.log_softmax, {})):
        batch = op(x, **kwargs)
        alone = np.stack([op(row, **kwargs) for row in x])
        np.testing.assert_array_equal(batch, alone)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("length", [1, 2, 7, 8, 9, 31, 1024, 1000])
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_rows_within_bounds(dtype, length, scale):
    x = rows((13, length), dtype, scale, seed=length)
    assert_softmax_accurate(x)
    assert_log_softmax_accurate(x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape_axis", [((4, 5, 6), 0), ((4, 5, 6), 1), ((3, 17, 9), 1), ((2, 1000, 3), 1),
                                        ((5, 33), 0), ((7, 1, 16), 1), ((1, 2, 3, 4), 2)])
def test_every_axis_within_bounds(dtype, shape_axis):
    shape, axis = shape_axis
    x = rows(shape, dtype, 10.0, seed=sum(shape))
    assert_softmax_accurate(x, axis)
    assert_log_softmax_accurate(x, axis)
    moved = np.ascontiguousarray(np.moveaxis(x, axis, -1))
    np.testing.assert_allclose(np.moveaxis(fa.softmax(x, axis=axis), axis, -1), fa.softmax(moved),
                               rtol=4 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("length", [100, 256, 300, 1024, 4099])
@pytest.mark.parametrize("offset", [0.0, 3.0, 60.0])
def test_simple_rows_give_the_general_paths_bits(dtype, length, offset):
    """A row whose maximum is positive, whose elements all lie below the top of the maximum's
    binade in magnitude and none far enough below it to underflow takes x - m by Fast2Sum without
    the underflow clamp. The same row with a -inf appended (a term of 0, which sends it down the
    general TwoSum-and-clamp path) must give the same bits for every element (softmax,
    log_softmax) and the same logsumexp. (Rows shorter than 16 steps of 16 floats or 8 doubles
    skip the test for the shortcut: 100 here.)"""
    x = (rows((1, length), dtype, 2.0, seed=length)[0] + dtype(offset)).astype(dtype)
    x[0] = abs(x).max() + dtype(0.5)  # a positive maximum above every |x|
    general = np.append(x, dtype(-np.inf))
    for op in (fa.softmax, fa.log_softmax):
        np.testing.assert_array_equal(op(general)[:-1], op(x))
    np.testing.assert_array_equal(fa.logsumexp(general), fa.logsumexp(x))
    assert_softmax_accurate(x)
    assert_log_softmax_accurate(x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_million_long_row(dtype):
    x = rows((1, 1_000_000), dtype, 3.0, seed=1)
    assert_softmax_accurate(x)
    assert_log_softmax_accurate(x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shift_rounding_is_not_amplified(dtype):
    """x - max is carried exactly: with a max of ~100, rounding it would cost ~100 ULP in e^(x - m)."""
    x = np.concatenate([[100.3], np.linspace(0.001, 99.0, 4099)]).astype(dtype)
    assert_softmax_accurate(x)
    assert_log_softmax_accurate(x)
    assert_softmax_accurate(x.reshape(-1, 1), axis=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_never_overflows(dtype):
    big = np.finfo(dtype).max
    x = np.array([[big, big / 2, -big], [1e30, 1e30, 0.0]], dtype=dtype)
    y = fa.softmax(x)
    np.testing.assert_array_equal(y, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    assert np.isfinite(fa.log_softmax(x)[:, :2]).all()


# -- special rows ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [0, 1])
def test_special_rows(dtype, axis):
    inf, nan = np.inf, np.nan
    x = np.array([[-inf, -inf, -inf, -inf],
                  [1.0, nan, 2.0, 3.0],
                  [1.0, inf, inf, 3.0],
                  [-inf, 0.5, -inf, -inf],
                  [-inf, nan, -inf, -inf]], dtype=dtype)
    x = x if axis == 1 else np.ascontiguousarray(x.T)
    pick = (lambda a: a) if axis == 1 else (lambda a: a.T)
    y, ys, ly = (pick(fa.softmax(x, axis=axis)), pick(fa.softmax(x, axis=axis, safe=True)),
                 pick(fa.log_softmax(x, axis=axis)))
    assert np.isnan(y[0]).all() and (ys[0] == 0).all() and np.isnan(ly[0]).all()  # all -inf
    assert np.isnan(y[1]).all() and np.isnan(ys[1]).all() and np.isnan(ly[1]).all()  # NaN
    np.testing.assert_array_equal(y[2], [0, 0.5, 0.5, 0])  # +inf: shared mass
    np.testing.assert_array_equal(ly[2], np.array([-inf, -np.log(2), -np.log(2), -inf], dtype=dtype))
    np.testing.assert_array_equal(y[3], [0, 1, 0, 0])
    np.testing.assert_array_equal(ly[3], [-inf, 0, -inf, -inf])
    assert np.isnan(ys[4]).all()  # NaN wins over safe
    for safe in (False, True):
        np.testing.assert_array_equal(fa.softmax(x, axis=axis, safe=safe),
                                      reference.softmax(x, axis, safe).astype(dtype))
    np.testing.assert_array_equal(ly, pick(reference.log_softmax(x, axis).astype(dtype)))


def test_safe_rows_backward_to_zeros():
    x = np.array([[-np.inf, -np.inf], [1.0, 2.0]])
    y = fa.softmax(x, safe=True)
    gx = fa.softmax.backward(np.ones_like(x) * 3.0, y)
    np.testing.assert_array_equal(gx[0], [0.0, 0.0])


# -- backward -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape_axis", [((6, 1000), -1), ((6, 9), 0), ((3, 40, 5), 1), ((1, 1), 0)])
@pytest.mark.parametrize("op", [fa.softmax, fa.log_softmax], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("g_shift", [0.0, 1000.0], ids=["g", "g+1000"])
def test_backward_matches_its_formula(dtype, shape_axis, op, g_shift):
    """Within a few roundings of y * (g - sum g y) and g - e^y sum g evaluated in float64 on the same
    y and g (the formulas themselves cancel where g ~ sum g y: measured against their magnitudes).
    g + 1000 makes softmax's g - sum g y cancel by 2^10 on every element (its gradient does not
    change: sum y = 1), so the error of the sum shows through."""
    shape, axis = shape_axis
    x = rows(shape, dtype, 4.0, seed=3)
    g = (rows(shape, dtype, 1.0, seed=4) + dtype(g_shift)).astype(dtype)
    y = op(x, axis=axis)
    gx = op.backward(g, y, axis=axis)
    assert gx.dtype == dtype and gx.shape == shape
    ref = wide_reference(lambda yy, a: op.reference_backward(g.astype(yy.dtype), yy, a), y, axis)
    yw, gw = y.astype(np.float64), g.astype(np.float64)
    if op is fa.softmax:
        scale = np.abs(yw) * (np.abs(gw) + np.sum(np.abs(gw * yw), axis=axis, keepdims=True))
    else:
        scale = np.abs(gw) + np.exp(yw) * np.sum(np.abs(gw), axis=axis, keepdims=True)
    err = np.abs(gx.astype(np.float64) - ref.astype(np.float64))
    assert (err <= 4 * np.finfo(dtype).eps * scale).all()


@pytest.mark.parametrize("op", [fa.softmax, fa.log_softmax], ids=["softmax", "log_softmax"])
def test_backward_is_the_gradient(op):
    """backward(g, y) against central differences of sum(g * op(x)) in float64."""
    rng = np.random.default_rng(5)
    x, g = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
    gx = op.backward(g, op(x))
    numeric = numeric_gradient(lambda z: np.sum(g * op(z)), x)
    np.testing.assert_allclose(gx, numeric, rtol=1e-6, atol=1e-8)


# -- conventions ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("op", [fa.softmax, fa.log_softmax], ids=["softmax", "log_softmax"])
def test_conventions(op):
    x = rows((4, 6), np.float32, seed=9)
    keep = x.copy()
    y = op(x)
    np.testing.assert_array_equal(x, keep)  # input untouched
    out = np.empty_like(x)
    assert op(x, out=out) is out and np.array_equal(out, y)
    xi = x.copy()
    op(xi, out=xi)  # in place
    np.testing.assert_array_equal(xi, y)
    np.testing.assert_array_equal(op(np.asfortranarray(x)), y)  # any layout
    np.testing.assert_array_equal(op(x[:, ::-1])[:, ::-1], y)
    strided = np.empty((4, 12), np.float32)[:, ::2]
    op(x, out=strided)
    np.testing.assert_array_equal(strided, y)
    assert op(x.astype(np.float16)).dtype == np.float16
    assert op(np.arange(6)).dtype == np.float64
    assert op(np.zeros((3, 0))).shape == (3, 0) and op(np.zeros((0, 3))).shape == (0, 3)
    s = op(np.float64(2.0))
    assert np.ndim(s) == 0 and s == (1.0 if op is fa.softmax else 0.0)
    np.testing.assert_array_equal(op(x.T, axis=0), y.T)


@pytest.mark.parametrize("op", [fa.softmax, fa.log_softmax], ids=["softmax", "log_softmax"])
def test_every_way_of_passing_the_axis_gives_one_answer(op):
    """Positional ints take the C fast path; keywords, NumPy integers and foreign byte order the
    Python one: all the same bits."""
    x = rows((3, 4, 5), np.float64, seed=4)
    g = rows((3, 4, 5), np.float64, seed=5)
    for axis in (0, 1, 2, -1, -3):
        y = op(x, axis)
        for other in (op(x, axis=axis), op(x, np.int64(axis)), op(x.astype(">f8"), axis)):
            np.testing.assert_array_equal(other, y)
        gx = op.backward(g, y, axis)
        for other in (op.backward(g, y, axis=axis), op.backward(g, y, axis=np.int32(axis)),
                      op.backward(g.astype(">f8"), y, axis)):
            np.testing.assert_array_equal(other, gx)
    np.testing.assert_array_equal(op(x), op(x, 2))
    out = np.empty_like(x)  # out= by keyword, fast path (plain arrays) and general (a strided view)
    assert op(x, axis=1, out=out) is out
    np.testing.assert_array_equal(out, op(x, 1))
    wide = np.empty((3, 4, 10))
    op(x, 2, out=wide[..., ::2])
    np.testing.assert_array_equal(wide[..., ::2], op(x, 2))
    gout = np.empty_like(x)
    assert op.backward(g, op(x), axis=0, out=gout) is gout
    np.testing.assert_array_equal(gout, op.backward(g, op(x), 0))
    if op is fa.softmax:  # safe=True (fast) and safe=np.True_ (general) agree, -inf rows included
        rows_of_inf = np.where(np.arange(60).reshape(3, 4, 5) % 7 == 0, x, -np.inf)
        np.testing.assert_array_equal(op(rows_of_inf, safe=True), op(rows_of_inf, safe=np.True_))
        assert not np.isnan(op(rows_of_inf, axis=0, safe=True)).any()


@pytest.mark.parametrize("op", [fa.softmax, fa.log_softmax], ids=["softmax", "log_softmax"])
def test_argument_errors_name_the_public_call(op):
    x = np.zeros((2, 3))
    with pytest.raises(TypeError, match=rf"{op.name}\(\) missing required argument\(s\): 'x'"):
        op()
    with pytest.raises(TypeError, match=rf"{op.name}\(\) takes at most 2 positional"):
        op(x, 0, 1)
    with pytest.raises(TypeError, match=rf"{op.name}\(\) got an unexpected keyword argument 'dim'"):
        op(x, dim=0)
    with pytest.raises(TypeError, match=rf"{op.name}.backward\(\) missing required argument\(s\): 'y'"):
        op.backward(x)
    with pytest.raises(TypeError, match="axis must be an int"):
        op(x, True)
    assert "axis=-1" in str(inspect.signature(op)) and "axis=-1" in str(inspect.signature(op.backward))


@pytest.mark.parametrize("op", [fa.softmax, fa.log_softmax], ids=["softmax", "log_softmax"])
def test_bad_arguments(op):
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="axis"):
        op(x, axis=2)
    with pytest.raises(TypeError, match="axis"):
        op(x, axis=1.0)
    with pytest.raises(TypeError, match="x"):
        op(np.zeros(3, dtype=complex))
    with pytest.raises(ValueError, match="out"):
        op(x, out=np.zeros((3, 2)))
    with pytest.raises(TypeError, match="out"):
        op(x, out=np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="same shape"):
        op.backward(np.zeros((2, 2)), x)
    with pytest.raises(ValueError, match="read-only"):
        ro = np.zeros((2, 3))
        ro.flags.writeable = False
        op(x, out=ro)
    if op is fa.softmax:
        with pytest.raises(TypeError, match="safe"):
            op(x, safe="yes")


def test_softmin_is_softmax_of_the_negated_input(dtype):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((5, 7)) * 4).astype(dtype)
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(fa.softmin(x, axis), fa.softmax(-x, axis))
        y = fa.softmin(x, axis)
        g = rng.standard_normal(x.shape).astype(dtype)
        np.testing.assert_array_equal(fa.softmin.backward(g, y, axis), -fa.softmax.backward(g, y, axis))
    out = np.empty_like(x)
    assert fa.softmin(x, out=out) is out
    gout = np.empty_like(x)
    assert fa.softmin.backward(np.ones_like(x), out, out=gout) is gout
    np.testing.assert_array_equal(fa.softmin([1, 2, 3]), fa.softmax(np.array([-1.0, -2.0, -3.0])))
    with pytest.raises(TypeError, match="out="):
        fa.softmin.backward(x, x, out=[0.0])


def test_softmin_gradient_and_special_rows():
    from support import numeric_gradient

    x = np.array([0.3, -1.2, 2.0, 0.5])
    g = np.array([1.0, -2.0, 0.5, 3.0])
    y = fa.softmin(x)
    np.testing.assert_allclose(fa.softmin.backward(g, y), numeric_gradient(lambda v: (g * fa.softmin(v)).sum(), x),
                               rtol=1e-7, atol=1e-9)
    rows = np.array([[np.inf, np.inf], [-np.inf, 0.0], [np.nan, 0.0]])
    got = fa.softmin(rows, axis=1)
    assert np.isnan(got[0]).all() and got[1].tolist() == [1.0, 0.0] and np.isnan(got[2]).all()
    assert fa.softmin(rows[:1], axis=1, safe=True).tolist() == [[0.0, 0.0]]


def test_softmin_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((4, 6))
    t = torch.tensor(x, requires_grad=True)
    theirs = torch.nn.functional.softmin(t, dim=1)
    np.testing.assert_allclose(fa.softmin(x, axis=1), theirs.detach().numpy(), rtol=1e-15, atol=1e-17)
    g = np.random.default_rng(6).standard_normal(x.shape)
    (gt,) = torch.autograd.grad(theirs, t, torch.tensor(g))
    np.testing.assert_allclose(fa.softmin.backward(g, fa.softmin(x, axis=1), axis=1), gt.numpy(), rtol=1e-13,
                               atol=1e-16)
