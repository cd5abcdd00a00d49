"""Property-based tests (hypothesis) for every elementwise op over arbitrary shapes, strides, dtypes
and values: within the accuracy contract of the reference; the same bits from any strided view as
from its contiguous copy; bias= fused equal to f(x + b); backward equal to g * f' bit for bit."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import assert_within_contract, backward_x, evaluate, reference

import fastact as fa
from fastact import accuracy

CASES = fa._cases()
SETTINGS = settings(max_examples=25, derandomize=True, deadline=None, database=None)


def arrays(draw, dtype, min_dims=1):
    """An array of dtype with any value (NaN, infinities, zeros of both signs, subnormals), often
    a strided view: reversed, stepped, or the transpose of a 2-d block."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, max_side=7))
    width = np.dtype(dtype).itemsize * 8
    base = draw(hnp.arrays(dtype, tuple(2 * n for n in shape), elements=st.floats(width=width)))
    index = tuple(slice(None, None, draw(st.sampled_from([2, -2]))) for _ in shape)
    x = base[index]
    if x.ndim >= 2 and draw(st.booleans()):
        x = x.swapaxes(0, 1)
    return x


@pytest.mark.parametrize("name", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_any_layout_and_value_within_the_contract(name, data):
    op = CASES[name]
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x = arrays(data.draw, dtype)
    flat = np.ascontiguousarray(x)
    for kind in ("forward", "derivative"):
        y = evaluate(op, kind, x)
        assert y.shape == x.shape and y.dtype == dtype
        assert y.tobytes() == evaluate(op, kind, flat).tobytes()  # strides change nothing
        if op.spec.exact:  # the piecewise-linear ops: the reference rounded once, exactly
            np.testing.assert_array_equal(y, reference(op, kind, x).astype(dtype))
        else:
            assert_within_contract(op, kind, flat.ravel(), np.ascontiguousarray(y).ravel(),
                                   accuracy.bound(op.spec, kind, dtype))


@pytest.mark.parametrize("name", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_fused_bias_is_the_op_on_x_plus_b_and_backward_is_g_times_the_derivative(name, data):
    op = CASES[name]
    dtype = data.draw(st.sampled_from([np.float16, np.float32, np.float64]))
    x = arrays(data.draw, dtype)
    b = data.draw(hnp.arrays(dtype, x.shape[-1:], elements=st.floats(-10, 10, width=np.dtype(dtype).itemsize * 8)))
    with np.errstate(all="ignore"):  # x + b may overflow to inf, as the kernels' sum does
        shifted = x + b
    assert op(x, bias=b).tobytes() == op(shifted).tobytes()
    assert op.derivative(x, bias=b).tobytes() == op.derivative(shifted).tobytes()
    if dtype != np.float16:  # float16's g * f' is formed in float32 and rounded once
        g = data.draw(hnp.arrays(dtype, x.shape, elements=st.floats(-1e3, 1e3, width=np.dtype(dtype).itemsize * 8)))
        with np.errstate(all="ignore"):
            expected = g * op.derivative(x)
        assert backward_x(op, g, x).tobytes() == expected.tobytes()
