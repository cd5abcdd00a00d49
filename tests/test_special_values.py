"""docs/numerics.md special values, each an explicit case, for forward, derivative and backward."""

import numpy as np
import pytest

from support import assert_within_contract, backward_x, evaluate

import fastact as fa
from fastact import accuracy

# (op, x, f(x), f'(x)) at the infinities: the mathematical limits, never NaN.
LIMITS = [
    ("relu", np.inf, np.inf, 1.0), ("relu", -np.inf, 0.0, 0.0),
    ("leaky_relu", np.inf, np.inf, 1.0), ("leaky_relu", -np.inf, -np.inf, 0.01),
    ("hardtanh", np.inf, 1.0, 0.0), ("hardtanh", -np.inf, -1.0, 0.0),
    ("relu6", np.inf, 6.0, 0.0), ("relu6", -np.inf, 0.0, 0.0),
    ("sigmoid", np.inf, 1.0, 0.0), ("sigmoid", -np.inf, 0.0, 0.0),
    ("tanh", np.inf, 1.0, 0.0), ("tanh", -np.inf, -1.0, 0.0),
    ("tanhshrink", np.inf, np.inf, 1.0), ("tanhshrink", -np.inf, -np.inf, 1.0),
    ("elu", np.inf, np.inf, 1.0), ("elu", -np.inf, -1.0, 0.0),
    ("selu", -np.inf, -1.7580993408473766, 0.0), ("celu", -np.inf, -1.0, 0.0),
    ("softsign", np.inf, 1.0, 0.0), ("softsign", -np.inf, -1.0, 0.0),
    ("hardsigmoid", np.inf, 1.0, 0.0), ("hardsigmoid", -np.inf, 0.0, 0.0),
    ("hardswish", np.inf, np.inf, 1.0), ("hardswish", -np.inf, 0.0, 0.0),
    ("silu", np.inf, np.inf, 1.0), ("silu", -np.inf, 0.0, 0.0),
    ("swish", np.inf, np.inf, 1.0), ("swish", -np.inf, 0.0, 0.0),
    ("softplus", np.inf, np.inf, 1.0), ("softplus", -np.inf, 0.0, 0.0),
    ("log_sigmoid", np.inf, 0.0, 0.0), ("log_sigmoid", -np.inf, -np.inf, 1.0),
    ("log1mexp", np.inf, -0.0, 0.0),
    ("mish", np.inf, np.inf, 1.0), ("mish", -np.inf, 0.0, 0.0),
    ("gelu", np.inf, np.inf, 1.0), ("gelu", -np.inf, 0.0, 0.0),
    ("gelu[tanh]", np.inf, np.inf, 1.0), ("gelu[tanh]", -np.inf, 0.0, 0.0),
]  # fmt: skip

# Kinks, as PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha, hardtanh' = 0 at both bounds.
KINKS = [
    ("relu", 0.0, 0.0), ("relu", -0.0, 0.0),
    ("leaky_relu", 0.0, 0.01), ("leaky_relu", -0.0, 0.01),
    ("hardtanh", -1.0, 0.0), ("hardtanh", 1.0, 0.0),
    ("relu6", 0.0, 0.0), ("relu6", 6.0, 0.0),
    ("elu", 0.0, 1.0), ("selu", 0.0, 1.7580993408473766), ("celu", 0.0, 1.0),
    ("hardsigmoid", -3.0, 0.0), ("hardsigmoid", 3.0, 0.0),
    ("hardswish", -3.0, 0.0), ("hardswish", 3.0, 1.0),
]  # fmt: skip


@pytest.mark.parametrize("name, x, y, d", LIMITS)
def test_infinities_give_the_limits(name, x, y, d, dtype):
    op = fa._cases()[name]
    xs = np.array([x], dtype=dtype)
    assert op(xs)[0] == dtype.type(y)
    assert op.derivative(xs)[0] == dtype.type(d)
    yv, dv = op.value_and_derivative(xs)
    assert yv[0] == dtype.type(y) and dv[0] == dtype.type(d)


@pytest.mark.parametrize("name, x, d", KINKS)
def test_kinks_follow_pytorch(name, x, d, dtype):
    assert fa.get(name).derivative(np.array([x], dtype=dtype))[0] == dtype.type(d)


def test_nan_in_gives_nan_out_everywhere(op, dtype):
    x = np.array([np.nan, -np.nan, 1.0, np.nan] * 5, dtype=dtype)  # the NaNs land in vector body and tail
    nan = np.isnan(x)
    g = np.ones_like(x)
    assert np.array_equal(np.isnan(op(x)), nan)
    assert np.array_equal(np.isnan(op.derivative(x)), nan)
    assert np.array_equal(np.isnan(backward_x(op, g, x)), nan)
    y, d = op.value_and_derivative(x)
    assert np.array_equal(np.isnan(y), nan) and np.array_equal(np.isnan(d), nan)
    if op.has_output_backward:
        assert np.array_equal(np.isnan(op.backward(g, y=op(x))), nan)


def test_nan_gradient_propagates_through_backward(op, dtype):
    x = np.array([-2.0, 0.5, 3.0], dtype=dtype)
    assert np.isnan(backward_x(op, np.full_like(x, np.nan), x)).all()


# +0.0 for both zeros, as PyTorch: threshold, hardshrink and softshrink replace x by a constant
# (value=0.0, 0.0, 0.0) around 0, and squared_relu squares (-0.0)^2 = +0.0
POSITIVE_ZERO = ["threshold", "hardshrink", "softshrink", "squared_relu"]
ZERO_AT_ZERO = [name for name in fa.variants()
                if fa.get(name).reference(np.array([0.0]))[0] == 0.0 and name not in POSITIVE_ZERO]


@pytest.mark.parametrize("name", POSITIVE_ZERO)
def test_a_zero_that_pytorch_gives_as_positive_zero(name, dtype):
    y = fa.get(name)(np.array([-0.0, 0.0], dtype=dtype))
    assert y.tolist() == [0.0, 0.0] and not np.signbit(y).any()


@pytest.mark.parametrize("name", ZERO_AT_ZERO)
def test_a_zero_result_at_zero_keeps_the_sign_of_zero(name, dtype):
    """f(+-0) = +-0 for every op with f(0) = 0, as IEEE arithmetic and PyTorch give it (elu(-0) =
    expm1(-0), silu(-0) = -0 * sigmoid(-0)), for the value alone and from value_and_derivative."""
    op = fa.get(name)
    x = np.array([-0.0, 0.0], dtype=dtype)
    for y in (op(x), op.value_and_derivative(x)[0]):
        assert y.tolist() == [0.0, 0.0] and np.signbit(y[0]) and not np.signbit(y[1])


@pytest.mark.parametrize("name", ["silu", "swish", "mish", "gelu", "gelu[tanh]", "hardswish"])
def test_x_times_a_gate_underflows_to_a_zero_of_the_sign_of_x(name, dtype):
    """f(x) = x g(x) with g >= 0: where it underflows for x < 0 it is -0.0 (PyTorch's x * 0), also
    at -inf."""
    x = np.array([-1e30, -1e5, -1000.0, -np.inf], dtype=dtype)  # below the underflow in both dtypes
    y = fa.get(name)(x)
    assert np.all(y == 0) and np.all(np.signbit(y))


def test_tiny_and_subnormal_inputs(dtype):
    info = np.finfo(dtype)
    x = np.array([info.smallest_subnormal, -info.smallest_subnormal, info.tiny, -info.tiny, info.tiny / 3], dtype=dtype)
    assert np.all(fa.sigmoid(x) == dtype.type(0.5))
    assert np.all(fa.sigmoid.derivative(x) == dtype.type(0.25))
    assert np.all(fa.tanh.derivative(x) == dtype.type(1))
    t = fa.tanh(x)
    # tanh(x) = x to within the flush allowance, and never the wrong sign.
    assert np.all(np.abs(t.astype(np.float64) - x.astype(np.float64)) < info.tiny)
    assert np.array_equal(np.signbit(t[t != 0]), np.signbit(x[t != 0]))
    assert t[2] == x[2] and t[3] == x[3]  # normal inputs keep every bit


@pytest.mark.parametrize("x", [-88.0, -87.5, -87.3, -20.0, -16.6, 16.6, 20.0, 87.0, 88.8, 103.0, 1e30])
def test_sigmoid_saturation_points(x, dtype):
    xs = np.array([x], dtype=dtype)
    ref = fa.sigmoid.reference(xs)[0]
    y = fa.sigmoid(xs)[0]
    if abs(ref) >= np.finfo(dtype).tiny:
        assert abs(float(y) - ref) <= 2 * np.spacing(dtype.type(ref))
    else:
        assert abs(float(y) - ref) < np.finfo(dtype).tiny  # may flush to 0


@pytest.mark.parametrize("x", [0.5624, 0.5625, 0.5626, 9.0, 9.02, 9.1, 19.0, 19.1, 20.0, 1e10])
def test_tanh_regime_switch_and_saturation(x, dtype):
    xs = np.array([x, -x], dtype=dtype)
    ref = fa.tanh.reference(xs)
    assert np.all(np.abs(fa.tanh(xs) - ref) <= 2 * np.spacing(np.abs(ref).astype(dtype)))
    assert fa.tanh(xs)[0] == -fa.tanh(xs)[1]


@pytest.mark.parametrize("kind", ["forward", "derivative"])
def test_gelu_at_every_table_interval_edge(kind, dtype):
    """float32 GELU switches polynomial every 1/2 of |x| up to 15 (math/normal_tail_table.h; the
    first about 0, down to the smallest x): each edge, the floats either side of it, and the flush
    point 14.75 are within the contract in both signs (float64 runs its own path through the same
    checks)."""
    edges = np.arange(0, 31, dtype=np.float64) / 2
    x = np.concatenate([edges, np.nextafter(edges.astype(dtype), dtype.type(np.inf)),
                        np.nextafter(edges.astype(dtype), dtype.type(0)), [14.75, 14.7501, 13.3, 13.9],
                        [0.38, 1e-6, 1e-30, 3e-38]]).astype(dtype)
    x = np.concatenate([x, -x])
    op = fa.gelu
    assert_within_contract(op, kind, x, evaluate(op, kind, x), accuracy.bound(op.spec, kind, dtype))


@pytest.mark.parametrize("kind", ["forward", "derivative"])
@pytest.mark.parametrize("b", [1e-17, 0.01, 4.0, 3e17, 1e-30, 1e30])
def test_squareplus_across_b_and_branch_edges(kind, b, dtype):
    """float32 squareplus runs in float for b in [2^-60, 2^60] (1e-30 and 1e30 take the double path):
    its branches meet at x = -sqrt(b) / 4, x = -sqrt(32 b) (the pair form's reach) and |x| = 2^62;
    both sides of each, and the range's ends, are within the contract, in both dtypes."""
    edge = np.sqrt(np.float32(b)) / 4
    reach = np.sqrt(32 * np.float32(b))
    x = np.array([0.0, 1e-30, edge, reach, 2.0**62, 3e38, np.sqrt(b), 1e3 * np.sqrt(b)], dtype=dtype)
    x = np.concatenate([x, np.nextafter(x, dtype.type(np.inf)), np.nextafter(x, dtype.type(0))])
    x = np.concatenate([x, -x]).astype(dtype)
    op = fa.squareplus
    assert_within_contract(op, kind, x, evaluate(op, kind, x, b=b), accuracy.bound(op.spec, kind, dtype), b=b)


@pytest.mark.parametrize("kind", ["forward", "derivative"])
def test_squareplus_lane_does_not_depend_on_its_neighbours(kind):
    """float32 squareplus takes its pair form where x >= -sqrt(32 b) and the quotient form below
    (and for NaN, +-inf, |x| > 2^62), per lane: a vector that mixes both gives every lane the bits
    it gets alone, on every ISA's vector width and in the array's tail."""
    b = 4.0
    reach = np.sqrt(32 * b)
    core = np.array([0.5, -3.0, -reach, 7.0, -0.01, 1e3, -reach * 0.99], np.float32)
    wide = np.array([-reach * 1.01, -1e6, np.nan, np.inf, -np.inf, 3e38, -2.0**70], np.float32)
    x = np.empty(37, np.float32)
    x[0::2] = np.resize(core, x[0::2].size)
    x[1::2] = np.resize(wide, x[1::2].size)
    op = fa.squareplus
    together = evaluate(op, kind, x, b=b)
    alone = np.concatenate([evaluate(op, kind, x[i:i + 1], b=b) for i in range(x.size)])
    assert together.tobytes() == alone.tobytes()


@pytest.mark.parametrize("kind", ["forward", "derivative"])
def test_tanhshrink_at_every_table_interval_edge(kind, dtype):
    """float32 tanhshrink and its derivative switch polynomial at every quarter binade of |x| from
    1/2 to 9.4, take series below 1/2 and |x| - 1 (1) above 9.4; each edge, the floats either side,
    and the inputs whose results are near the smallest normal float are within the contract."""
    edges = np.array([2.0**e * (1 + k / 4) for e in range(-1, 3) for k in range(4)] + [8.0, 9.02, 9.4, 3.3e-13, 1e-6])
    e = edges.astype(dtype)
    x = np.concatenate([e, np.nextafter(e, dtype.type(np.inf)), np.nextafter(e, dtype.type(0))])
    x = np.concatenate([x, -x]).astype(dtype)
    op = fa.tanhshrink
    assert_within_contract(op, kind, x, evaluate(op, kind, x), accuracy.bound(op.spec, kind, dtype))


@pytest.mark.parametrize("approximate, points", [("none", [-5.5, -10.0, -12.5]), ("tanh", [-5.5, -8.0, -9.5])])
def test_gelu_tail_keeps_every_digit_where_one_plus_erf_cancels(approximate, points, dtype):
    """docs/numerics.md's first trap: x < -5, where 1 + erf(x / sqrt 2) (and 1 + tanh(u)) cancel in the
    textbook formulas; here gelu(-10) is about -7.6e-23 (exact) and must be within the ULP bound,
    not 0 or a multiple of the float spacing at 1. (The points are where float32 results are normal.)"""
    x = np.array(points, dtype=dtype)
    y = fa.gelu(x, approximate=approximate)
    assert (y < 0).all()
    op = fa.gelu._variant(approximate=approximate)
    assert_within_contract(op, "forward", x, y, accuracy.bound(op.spec, "forward", dtype))
