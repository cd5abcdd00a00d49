"""float16 and bfloat16 arrays: converted inside the kernels' loop, computing in float32. The
contract is the float32 result rounded once to the 16-bit format, so every one of the 2^16 inputs
must give exactly the bits of ``op(x.astype(float32)).astype(dtype)`` (NumPy's and ml_dtypes' casts
round to nearest, ties to even), on whichever ISA the suite runs (.ci/run runs it on each)."""

import numpy as np
import pytest
from support import backward_x

import fastact as fa

FLOAT16 = np.dtype(np.float16)


def bfloat16():
    return np.dtype(pytest.importorskip("ml_dtypes").bfloat16)


@pytest.fixture(params=["float16", "bfloat16"])
def dtype16(request):
    return FLOAT16 if request.param == "float16" else bfloat16()


def every_value(dtype):
    return np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(dtype)


def rounded(a, dtype):
    with np.errstate(over="ignore", invalid="ignore"):
        return a.astype(dtype)


def assert_same_bits(got, want):
    assert got.dtype == want.dtype
    g, w = got.astype(np.float32), want.astype(np.float32)
    same = (got.view(np.uint16) == want.view(np.uint16)) | (np.isnan(g) & np.isnan(w))
    if not same.all():
        i = np.flatnonzero(~same)[:5]
        raise AssertionError(f"{(~same).sum()} values differ: got {g[i]}, want {w[i]}")


def test_every_input_is_the_float32_result_rounded_once(op, dtype16):
    x = every_value(dtype16)
    x32 = x.astype(np.float32)
    g = x[::-1].copy()
    assert_same_bits(op(x), rounded(op(x32), dtype16))
    assert_same_bits(op.derivative(x), rounded(op.derivative(x32), dtype16))
    for got, want in zip(op.value_and_derivative(x), op.value_and_derivative(x32)):
        assert_same_bits(got, rounded(want, dtype16))
    assert_same_bits(backward_x(op, g, x), rounded(backward_x(op, g.astype(np.float32), x32), dtype16))
    if op.has_output_backward:
        y = op(x)
        assert_same_bits(op.backward(g, y=y), rounded(op.backward(g.astype(np.float32), y=y.astype(np.float32)), dtype16))


def every_form(op, x, g, y, **params):
    """forward, derivative, value_and_derivative, backward from x and (where the op has it) from y."""
    forms = [op(x, **params), op.derivative(x, **params), *op.value_and_derivative(x, **params),
             op.backward(g, x, **params)]
    if op.has_output_backward:
        forms.append(op.backward(g, y=y, **params))
    return forms


@pytest.mark.parametrize("name, params", [("elu", {"alpha": 0.6180339887}), ("softplus", {"beta": 1.4142135}),
                                          ("tanh", {})])
def test_table_and_direct_paths_give_the_same_bits(name, params, dtype16):
    """A transcendental op's 16-bit calls build a table of its result for every 16-bit input once
    they have reached 2^20 elements (cpp/src/lookup16.h); later calls of any size with the same op
    and parameters look up in it, and before that calls compute. Each path gives the float32
    result rounded once. (The parameters are ones no other test uses, so the first small call
    finds no table; tanh's may be cached already: then all three take the table.)"""
    op = fa.get(name)
    rng = np.random.default_rng(7)
    small = (rng.standard_normal(1000) * 4).astype(dtype16)
    g_small = rng.standard_normal(1000).astype(dtype16)
    big = np.resize(every_value(dtype16), 1 << 20)  # every input, and enough to build the tables
    g_big = np.resize(g_small, big.size)
    for x, g in [(small, g_small), (big, g_big), (small, g_small)]:  # direct, building, from the table
        y = op(x, **params)
        x32, g32, y32 = x.astype(np.float32), g.astype(np.float32), y.astype(np.float32)
        for got, want in zip(every_form(op, x, g, y, **params), every_form(op, x32, g32, y32, **params)):
            assert_same_bits(got, rounded(want, dtype16))


def test_table_lookups_in_place(dtype16):
    x = np.resize(every_value(dtype16)[::-1], 1 << 20)
    g = np.resize(np.linspace(-3, 3, 999).astype(dtype16), x.size)
    x32, g32 = x.astype(np.float32), g.astype(np.float32)
    y, d = np.empty_like(x), x.copy()
    fa.gelu.value_and_derivative(d, out=(y, d))  # d is x
    assert_same_bits(y, rounded(fa.gelu(x32), dtype16))
    assert_same_bits(d, rounded(fa.gelu.derivative(x32), dtype16))
    xc = x.copy()
    fa.gelu.value_and_derivative(xc, out=(xc, d))  # y is x
    assert_same_bits(xc, rounded(fa.gelu(x32), dtype16))
    want = rounded(fa.gelu.backward(g32, x32), dtype16)
    gc, xc = g.copy(), x.copy()
    fa.gelu.backward(gc, x, out=gc)
    fa.gelu.backward(g, xc, out=xc)
    assert_same_bits(gc, want)
    assert_same_bits(xc, want)


def test_more_tables_than_the_cache_keeps(dtype16):
    """Twenty parameter values, each its own table, then the first again (dropped from the cache
    by then, and built anew): every call the float32 result rounded once."""
    x = np.resize(every_value(dtype16), 1 << 20)
    x32 = x.astype(np.float32)
    for alpha in [0.25 + k / 32 for k in range(20)] + [0.25]:
        assert_same_bits(fa.celu(x, alpha=alpha), rounded(fa.celu(x32, alpha=alpha), dtype16))


# gelu converts blocks around its float32 kernel (until its table is built), hardswish runs its
# own 16-bit loops (a direct-path op).
@pytest.mark.parametrize("name", ["gelu", "hardswish"])
def test_out_in_place_and_views(name, dtype16):
    op = fa.get(name)
    x = np.linspace(-6, 6, 1001).astype(dtype16)
    want = rounded(op(x.astype(np.float32)), dtype16)
    out = np.empty_like(x)
    assert op(x, out=out) is out
    assert_same_bits(out, want)
    y = x.copy()
    op(y, out=y)  # in place
    assert_same_bits(y, want)
    assert_same_bits(op(x[::2]), want[::2])  # strided: the general path, same bits
    d, v = np.empty_like(x), np.empty_like(x)
    op.value_and_derivative(x, out=(v, d))
    assert_same_bits(d, rounded(op.derivative(x.astype(np.float32)), dtype16))
    v = x.copy()
    op.value_and_derivative(v, out=(v, d))  # the value in place
    assert_same_bits(v, want)
    g = x[::-1].copy()
    want_gx = rounded(op.backward(g.astype(np.float32), x.astype(np.float32)), dtype16)
    op.backward(g, x, out=g)  # the gradient in place of g
    assert_same_bits(g, want_gx)
    x_before = x.copy()
    op.backward(x, x)
    assert_same_bits(x, x_before)  # inputs untouched


@pytest.mark.parametrize("name", ["silu", "relu"])
def test_sizes_around_the_vector_width_and_block(name, dtype16):
    op = fa.get(name)
    rng = np.random.default_rng(3)
    for n in (0, 1, 7, 15, 16, 17, 31, 33, 1023, 1024, 1025, 2047, 2048, 2049, 5000, 70_001):
        x = (rng.standard_normal(n) * 4).astype(dtype16)
        g = rng.standard_normal(n).astype(dtype16)
        assert_same_bits(op(x), rounded(op(x.astype(np.float32)), dtype16))
        assert_same_bits(op.backward(g, x), rounded(op.backward(g.astype(np.float32), x.astype(np.float32)), dtype16))


def test_a_16bit_out_must_match_the_result_dtype(dtype16):
    x = np.ones(8, dtype16)
    with pytest.raises(TypeError, match="out"):
        fa.tanh(x, out=np.empty(8, np.float32))
    with pytest.raises(TypeError, match="out"):
        fa.tanh(x.astype(np.float32), out=np.empty(8, dtype16))


def test_float16_and_bfloat16_mixed_with_float32_promote():
    bf = bfloat16()
    g = np.ones(5, bf)
    x = np.linspace(-1, 1, 5).astype(np.float32)
    r = fa.tanh.backward(g, x)
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, fa.tanh.derivative(x))


def test_row_wise_ops_and_losses_take_16bit_arrays_with_the_same_bits(dtype16):
    """Everything without a 16-bit kernel converts through float32 with the core's conversions:
    the float32 result rounded once, as NumPy's / ml_dtypes' astype would give (subnormal float16
    results included, where NumPy's own cast is slowest)."""
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((64, 300)) * 4).astype(dtype16)
    x32 = x.astype(np.float32)
    assert_same_bits(fa.softmax(x), rounded(fa.softmax(x32), dtype16))
    assert_same_bits(fa.log_softmax(x, axis=0), rounded(fa.log_softmax(x32, axis=0), dtype16))
    assert_same_bits(fa.swiglu(x), rounded(fa.swiglu(x32), dtype16))
    t = rng.integers(0, 300, 64)
    assert_same_bits(fa.cross_entropy.backward(x, t), rounded(fa.cross_entropy.backward(x32, t), dtype16))
    g = x[:, ::-1]  # strided: the general path
    assert_same_bits(fa.tanh.backward(g, x), rounded(fa.tanh.backward(g.astype(np.float32), x32), dtype16))
    out = np.empty_like(x)
    fa.softmax(x, out=out)
    assert_same_bits(out, rounded(fa.softmax(x32), dtype16))
    # rows go through float32 a block of rows at a time: short rows in many blocks (and threads),
    # rows longer than a block, in place
    for shape in [(5000, 10), (3, 5000)]:
        y = (rng.standard_normal(shape) * 4).astype(dtype16)
        y32 = y.astype(np.float32)
        assert_same_bits(fa.log_softmax(y), rounded(fa.log_softmax(y32), dtype16))
        g = rng.standard_normal(shape).astype(dtype16)
        for op in (fa.softmax, fa.log_softmax):
            s = op(y)
            want = rounded(op.backward(g.astype(np.float32), s.astype(np.float32)), dtype16)
            assert_same_bits(op.backward(g, s), want)
            gc = g.copy()
            op.backward(gc, s, out=gc)
            assert_same_bits(gc, want)
        gr = rng.standard_normal(shape[0]).astype(dtype16)
        assert_same_bits(fa.logsumexp.backward(gr, y), rounded(fa.logsumexp.backward(gr.astype(np.float32), y32), dtype16))
        fa.softmax(y, out=y)
        assert_same_bits(y, rounded(fa.softmax(y32), dtype16))
