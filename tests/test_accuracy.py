"""Every op against fastact.reference, in ULP, over dense sweeps (docs/numerics.md)."""

import numpy as np
import pytest
from support import (
    MODES,
    assert_within_contract,
    evaluate,
    float32_bit_sweep,
    float64_sweep,
    longdouble_is_wider,
    reference,
)

import fastact as fa
from fastact import accuracy

CASES = fa._cases()  # every op, and gelu[tanh]: every kernel
SMOOTH = [label for label, op in CASES.items() if not op.spec.exact]
EXACT = [label for label, op in CASES.items() if op.spec.exact]


@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("name", SMOOTH)
def test_float32_dense_sweep_within_ulp_bound(name, kind):
    op = CASES[name]
    x = float32_bit_sweep()
    assert_within_contract(op, kind, x, evaluate(op, kind, x), accuracy.bound(op.spec, kind, np.float32))


@pytest.mark.skipif(not longdouble_is_wider(), reason="needs an extended-precision np.longdouble reference")
@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("name", SMOOTH)
def test_float64_sweep_within_ulp_bound(name, kind):
    op = CASES[name]
    x = float64_sweep()
    assert_within_contract(op, kind, x, evaluate(op, kind, x), accuracy.bound(op.spec, kind, np.float64))


@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trap_regions_dense(name, kind, dtype):
    """Dense grids through the regions where naive formulas fail: the saturating tails, the
    switch between regimes, the neighbourhood of 0."""
    op = CASES[name]
    x = np.concatenate([np.linspace(-120, -3, 200_001), np.linspace(-3, 3, 200_001), np.linspace(3, 40, 100_001),
                        np.geomspace(1e-30, 1, 50_001), -np.geomspace(1e-30, 1, 50_001)]).astype(dtype)
    assert_within_contract(op, kind, x, evaluate(op, kind, x), accuracy.bound(op.spec, kind, dtype))


@pytest.mark.parametrize("name", ["sigmoid", "silu", "swish", "gelu[tanh]"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logistic_family_where_e_to_minus_z_overflows(name, dtype):
    """sigmoid, silu, swish and tanh-GELU divide by 1 + e^-z on one path for every z: where e^-z
    alone overflows or nears it (e^-z > 2^60, z < -41.6), silu's x e^z is still a normal number
    down to z = -91.9 (float32) / -715 (float64), and its denominator is scaled by 2^-64 there.
    Every point of a dense grid through that band, and through the clamps on both sides, is
    within the contract (or flushed where the result is below the normal range)."""
    if dtype == np.float64 and not longdouble_is_wider():
        pytest.skip("needs an extended-precision np.longdouble reference")
    op = CASES[name]
    far = 760.0 if dtype == np.float64 else 140.0
    x = np.concatenate([np.linspace(-far, -35.0, 400_001), np.linspace(35.0, far, 100_001)]).astype(dtype)
    for kind in MODES:
        assert_within_contract(op, kind, x, evaluate(op, kind, x), accuracy.bound(op.spec, kind, dtype))


@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("name", EXACT)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_piecewise_linear_ops_are_exact(name, kind, dtype):
    op = CASES[name]
    x = float32_bit_sweep(stride=65537).astype(dtype) if dtype == np.float32 else float64_sweep(50_000)
    y = evaluate(op, kind, x)
    ref = reference(op, kind, x).astype(dtype)
    np.testing.assert_array_equal(y, ref)


@pytest.mark.parametrize("alpha", [0.0, 1e-3, 0.01, 0.2, 0.25, 1.0, 3.0, -0.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leaky_relu_exact_over_alphas(alpha, dtype):
    x = np.linspace(-1e3, 1e3, 10_001).astype(dtype)
    for kind in MODES:
        y = evaluate(fa.leaky_relu, kind, x, alpha=alpha)
        np.testing.assert_array_equal(y, reference(fa.leaky_relu, kind, x, alpha=alpha).astype(dtype))


@pytest.mark.parametrize("bounds", [(-1.0, 1.0), (0.0, 6.0), (-0.3, 0.7), (2.0, 2.0), (-np.inf, 0.0), (-np.inf, np.inf)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hardtanh_exact_over_bounds(bounds, dtype):
    lo, hi = bounds
    x = np.concatenate([np.linspace(-10, 10, 10_001), [lo, hi, np.inf, -np.inf]]).astype(dtype)
    for kind in MODES:
        y = evaluate(fa.hardtanh, kind, x, min_val=lo, max_val=hi)
        ref = reference(fa.hardtanh, kind, x, min_val=lo, max_val=hi).astype(dtype)
        np.testing.assert_array_equal(y, ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_backward_from_output_matches_its_formula(name, dtype):
    """backward(g, y=y) is g * (y - y^2) or g * (1 - y^2) with the factor rounded once (one FMA) and the
    product once: relative error <= 2^-p from the factor (up to 1 ULP of the product) plus half an ULP,
    so within 1.5 ULP of the formula evaluated in extended precision on the same y. (It is as
    accurate as y allows, not as accurate as backward from x, which the docs say.)"""
    op = CASES[name]
    x = np.linspace(-30, 30, 100_001).astype(dtype)
    g = np.cos(np.arange(x.size)).astype(dtype)
    y = op(x)
    yw = y.astype(np.longdouble)
    # Factored so the extended-precision reference does not cancel (1 - y and 1 + y are exact).
    factor = yw * (1 - yw) if name == "sigmoid" else (1 - yw) * (1 + yw)
    ref = g.astype(np.longdouble) * factor
    got = op.backward(g, y=y)
    assert not accuracy.violations(got, ref, 1.5).any()


@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("alpha", [0.1, 0.5, 1.6732632423543772, 2.0, 7.5])
@pytest.mark.parametrize("name", ["elu", "celu"])
def test_alpha_range_within_ulp_bound(name, alpha, kind):
    op = CASES[name]
    x = float32_bit_sweep(stride=16411)
    y = evaluate(op, kind, x, alpha=alpha)
    assert_within_contract(op, kind, x, y, accuracy.bound(op.spec, kind, np.float32), alpha=alpha)


@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("beta", [0.5, 1.702, 2.0, -1.0, 10.0])
def test_swish_beta_range_within_ulp_bound(beta, kind):
    x = float32_bit_sweep(stride=16411)
    y = evaluate(fa.swish, kind, x, beta=beta)
    assert_within_contract(fa.swish, kind, x, y, accuracy.bound(fa.swish.spec, kind, np.float32), beta=beta)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_swish_beta_gradient(beta, dtype):
    """d swish / d beta elementwise within 4 ULP (where it is normal), and backward's gbeta =
    sum(g * d swish / d beta) against the reference."""
    with np.errstate(over="ignore"):  # float64 edge values beyond float32 become +-inf
        x = np.concatenate([np.linspace(-100, 100, 20_001), float64_sweep(20_000)]).astype(dtype)
    d = fa.swish.param_derivative(x, beta=beta)
    ref = fa.swish.spec.reference_param_derivative(x.astype(np.longdouble), beta=float(dtype(beta)))
    assert not accuracy.violations(d, ref, 4.0).any()
    g = np.cos(np.arange(x.size)).astype(dtype)
    finite = np.isfinite(x)
    gx, gbeta = fa.swish.backward(g[finite], x[finite], beta=beta)
    expected = np.sum(g[finite].astype(np.longdouble) * ref[finite])
    assert gbeta.dtype == dtype
    # Each term within 4 ULP, summed in float64 (exact float32 products; compensated for float64),
    # then rounded once to dtype: within 5 ULP of the sum of magnitudes (one more for slack).
    eps = float(np.finfo(dtype).eps)
    assert abs(float(gbeta) - float(expected)) <= 6 * eps * float(np.sum(np.abs(g[finite] * ref[finite])))
    np.testing.assert_array_equal(gx, g[finite] * fa.swish.derivative(x[finite], beta=beta))


def test_silu_is_swish_with_unit_beta():
    x = float32_bit_sweep(stride=65537)
    np.testing.assert_array_equal(fa.silu(x), fa.swish(x, beta=1.0))
    np.testing.assert_array_equal(fa.silu.derivative(x), fa.swish.derivative(x, beta=1.0))


@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("beta", [0.5, 2.0, 10.0, -1.5])
def test_softplus_beta_range_within_ulp_bound(beta, kind):
    x = float32_bit_sweep(stride=16411)
    y = evaluate(fa.softplus, kind, x, beta=beta)
    assert_within_contract(fa.softplus, kind, x, y, accuracy.bound(fa.softplus.spec, kind, np.float32), beta=beta)


def test_softplus_unit_beta_kernel_agrees_with_the_general_one():
    """beta = 1 takes a kernel without the product and division: within the bound, and within
    1 ULP of the general kernel run with beta = 1."""
    x = float32_bit_sweep(stride=16411)
    fast = fa.softplus(x)
    assert_within_contract(fa.softplus, "forward", x, fast, 2.0)
    general_id = {row[0]: row[1] for row in fa._core.op_table()}["softplus"]
    general = np.empty_like(x)
    assert fa._core.unary(general_id, fa._core.UNARY_KINDS["forward"], x, general, 1.0, 0.0)
    assert not accuracy.violations(fast, general.astype(np.float64), 1.0).any()


@pytest.mark.parametrize("kind", MODES)
@pytest.mark.parametrize("name", SMOOTH)
def test_subnormal_inputs_within_contract(name, kind):
    """Subnormal inputs are seen as zeros where the contract cannot tell (subnormal_inputs.h): every
    31st subnormal float32 of both signs, and the ones next to the smallest normal."""
    op = CASES[name]
    bits = np.concatenate([np.arange(1, 1 << 23, 31), np.arange((1 << 23) - 4096, 1 << 23)]).astype(np.uint32)
    x = np.concatenate([bits, bits | np.uint32(1 << 31)]).view(np.float32)
    assert_within_contract(op, kind, x, evaluate(op, kind, x), accuracy.bound(op.spec, kind, np.float32))
    x64 = np.concatenate([x.astype(np.float64) * 2.0**-896, -x.astype(np.float64) * 2.0**-896])  # float64 subnormals
    assert_within_contract(op, kind, x64, evaluate(op, kind, x64), accuracy.bound(op.spec, kind, np.float64))


# Parameters other than the defaults, for the ops whose kernels take them (negative ones where the
# op allows them: celu's x/alpha is then positive on the exponential branch, up to overflow).
OTHER_PARAMETERS = {
    "elu": [{"alpha": 0.3}, {"alpha": 2.5}],
    "celu": [{"alpha": 0.3}, {"alpha": 2.5}, {"alpha": -0.7}],
    "softplus": [{"beta": 0.5}, {"beta": 3.0}, {"beta": -1.5}],
    "swish": [{"beta": 0.5}, {"beta": -2.0}],
    "leaky_relu": [{"alpha": 0.2}],
}


@pytest.mark.parametrize("name", list(CASES))
def test_value_and_derivative_is_forward_and_derivative_bit_for_bit(name):
    """The fused kernels (tanh, elu, selu, celu share one
    exponential) give the same bits as the two separate calls, over a dense float32 bit sweep and
    the float64 sweep (NaN payloads too), with default and other parameters."""
    op = CASES[name]
    for params in [{}] + OTHER_PARAMETERS.get(op.name, []):
        for x in (float32_bit_sweep(), float64_sweep()):
            y, d = op.value_and_derivative(x, **params)
            uint = np.uint32 if x.dtype == np.float32 else np.uint64
            np.testing.assert_array_equal(y.view(uint), op(x, **params).view(uint), err_msg=str(params))
            np.testing.assert_array_equal(d.view(uint), op.derivative(x, **params).view(uint), err_msg=str(params))
