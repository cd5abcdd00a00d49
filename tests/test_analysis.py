"""fastact.analysis: the properties computed from the kernels hold the textbook values
(docs/textbook.md) and the catalogue's own constants, and `python -m fastact table` writes them."""

import json
import math

import numpy as np
import pytest

import fastact as fa
from fastact import analysis

TABLE = {p.name: p for p in analysis.table(cost=False)}


def test_the_table_covers_every_elementwise_op():
    assert list(TABLE) == fa.ops("elementwise")


def test_sigmoid_and_tanh_peaks_and_saturation():
    sigmoid, tanh = TABLE["sigmoid"], TABLE["tanh"]
    assert sigmoid.peak_derivative == (pytest.approx(0.25, abs=1e-15), 0.0)  # the vanishing-gradient bound
    assert tanh.peak_derivative == (pytest.approx(1.0, abs=1e-15), 0.0)
    assert sigmoid.output_range == (0.0, 1.0) and tanh.output_range == (-1.0, 1.0)
    assert sigmoid.saturates == tanh.saturates == "both"
    assert tanh.zero_centred and not sigmoid.zero_centred
    assert sigmoid.monotonic and sigmoid.smooth and not sigmoid.dead_unit_risk


@pytest.mark.parametrize("name, value, at", [("gelu", -0.1700, -0.7518), ("silu", -0.2785, -1.2785),
                                             ("swish", -0.2785, -1.2785), ("mish", -0.3088, -1.1924),
                                             ("hardswish", -0.375, -1.5)])
def test_the_dips_below_zero(name, value, at):
    p = TABLE[name]
    assert p.minimum[0] == pytest.approx(value, abs=5e-5) and p.minimum[1] == pytest.approx(at, abs=5e-5)
    assert not p.monotonic and p.output_range[0] == p.minimum[0]


def test_a_pole_is_the_minimum_and_one_kink():
    """log1mexp = log(1 - e^-|x|): -inf at 0, where f' jumps from -inf to +inf."""
    p = TABLE["log1mexp"]
    assert p.minimum == (-math.inf, 0.0) and p.kinks == (0.0,) and p.output_range[0] == -math.inf
    assert p.saturates == "both" and not p.monotonic and not p.zero_centred


def test_the_refined_minimum_is_where_the_derivative_vanishes():
    for name in ("gelu", "silu", "mish"):
        x = TABLE[name].minimum[1]
        assert abs(float(fa.get(name).derivative(np.float64(x)))) < 1e-15


@pytest.mark.parametrize("name", ["silu", "mish", "gelu", "hardswish"])
def test_peak_derivative_matches_the_catalogues_constant(name):
    """The catalogue types these in for the absolute-error allowance; the kernels give them back."""
    assert TABLE[name].peak_derivative[0] == pytest.approx(fa.get(name).spec.peak_derivative, rel=1e-12)


def test_gelu_peak_slope_is_at_sqrt_2():
    assert TABLE["gelu"].peak_derivative[1] == pytest.approx(math.sqrt(2), abs=1e-6)


def test_relu_family_kinks_and_dead_units():
    relu, leaky = TABLE["relu"], TABLE["leaky_relu"]
    assert relu.kinks == (0.0,) and not relu.smooth and relu.dead_unit_risk and relu.saturates == "left"
    assert leaky.kinks == (0.0,) and not leaky.dead_unit_risk and leaky.saturates == "none"
    assert TABLE["relu6"].kinks == (0.0, 6.0) and TABLE["relu6"].output_range == (0.0, 6.0)
    assert TABLE["hardsigmoid"].kinks == (-3.0, 3.0)
    for name in ("elu", "selu", "gelu", "silu", "softplus", "sigmoid"):  # small, never exactly 0
        assert not TABLE[name].dead_unit_risk, name


def test_exponential_linear_lower_limits():
    assert TABLE["elu"].output_range[0] == -1.0 and TABLE["celu"].output_range[0] == -1.0  # -alpha
    selu_alpha, selu_lambda = 1.6732632423543772, 1.0507009873554805
    assert TABLE["selu"].output_range[0] == pytest.approx(-selu_alpha * selu_lambda, rel=1e-15)
    assert TABLE["selu"].kinks == (0.0,) and TABLE["elu"].smooth  # elu with alpha = 1 is C^1


def test_softplus_slope_tends_to_one_and_never_vanishes():
    p = TABLE["softplus"]
    assert p.peak_derivative == (1.0, math.inf) and p.monotonic and p.smooth and p.saturates == "left"
    assert TABLE["log_sigmoid"].saturates == "right" and TABLE["log_sigmoid"].output_range == (-math.inf, 0.0)


def test_properties_of_an_op_object_and_its_cost():
    p = fa.get("sigmoid").properties
    assert p is fa.sigmoid.properties  # computed once per op
    assert p.relative_cost > 0 and math.isfinite(p.relative_cost)
    assert analysis.properties("gelu[tanh]", cost=False).minimum[0] == pytest.approx(-0.1700, abs=1e-4)


def test_markdown_and_text_tables():
    rows = [TABLE["relu"], TABLE["gelu"]]
    md = analysis.markdown(rows).splitlines()
    assert len(md) == 4 and md[2].startswith("| relu |") and md[0].count("|") == md[3].count("|")
    assert analysis.text(rows).splitlines()[2].startswith("relu ")


def test_cli_table_writes_json_and_markdown(tmp_path, capsys):
    from fastact.__main__ import main

    assert main(["table", "--ops", "relu", "gelu", "--no-cost", "--json", str(tmp_path / "t.json"),
                 "--markdown", str(tmp_path / "t.md")]) == 0
    rows = json.loads((tmp_path / "t.json").read_text())
    assert [r["op"] for r in rows] == ["relu", "gelu"] and rows[1]["min at x"] == pytest.approx(-0.7518, abs=1e-4)
    assert "| gelu |" in (tmp_path / "t.md").read_text()
    assert "gelu" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["table", "--ops", "nope"])


def test_cli_info(capsys):
    from fastact.__main__ import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert fa.cpu_info()["isa"] in out and fa.__version__ in out


# -- gradients through depth ----------------------------------------------------------------------


def test_selu_with_lecun_init_keeps_activations_normalised_through_50_layers():
    flow = analysis.gradient_flow("selu", depth=50, width=256, init="lecun", batch=512)
    assert np.all(np.abs(flow.activation_mean) < 0.1)
    assert np.all(np.abs(flow.activation_std - 1.0) < 0.1)


def test_sigmoid_gradients_vanish_and_relu_with_he_init_holds():
    sigmoid = analysis.gradient_flow("sigmoid", depth=10, init="xavier")
    assert sigmoid.decay < 1e-4  # about 0.25 per layer: the vanishing gradient
    relu = analysis.gradient_flow("relu", depth=20, init="he")
    assert 0.3 < relu.decay < 3.0
    assert np.all(relu.activation_std > 0.5)  # He init keeps the signal alive too
    tanh = analysis.gradient_flow("tanh", depth=50, init="xavier")
    assert tanh.decay < 0.5 and tanh.activation_std[-1] < tanh.activation_std[0]


def test_gradient_flow_is_deterministic_and_checks_its_arguments():
    a, b = analysis.gradient_flow("gelu", depth=3, width=8, seed=5), analysis.gradient_flow("gelu", depth=3, width=8, seed=5)
    np.testing.assert_array_equal(a.gradient_norm, b.gradient_norm)
    assert a.gradient_norm.shape == a.activation_mean.shape == (3,)
    with pytest.raises(ValueError, match="init must be one of"):
        analysis.gradient_flow("relu", init="glorot")
    with pytest.raises(ValueError, match="depth must be a positive int"):
        analysis.gradient_flow("relu", depth=0)


def test_decay_table_puts_the_bound_next_to_the_measured_decay():
    rows = analysis.decay_table(ops=("sigmoid", "relu", "selu"), depths=(5, 10), width=64, batch=64)
    assert [(r["op"], r["depth"]) for r in rows] == [(o, d) for o in ("sigmoid", "relu", "selu") for d in (5, 10)]
    sigmoid = [r for r in rows if r["op"] == "sigmoid"]
    assert sigmoid[1]["bound"] == pytest.approx(0.25 ** 10) and sigmoid[1]["measured"] < 1e-4
    assert {r["init"] for r in rows if r["op"] == "selu"} == {"lecun"}
    assert {r["init"] for r in rows if r["op"] == "relu"} == {"he"}


# -- statistics of real activations ---------------------------------------------------------------


def test_the_worked_dead_relu_unit():
    """docs/textbook.md: weights [-3, -2] and bias -1 on non-negative inputs: z < 0 always."""
    x = np.random.default_rng(1).uniform(0, 5, (1000, 2))
    z = x @ np.array([[-3.0, 1.0], [-2.0, 1.0]]) + np.array([-1.0, 0.0])
    stats = analysis.unit_stats(z, "relu")
    assert stats.dead.tolist() == [True, False] and stats.dead_fraction == 0.5
    assert stats.inactive_fraction[0] == 1.0 and stats.mean[0] == 0.0 and stats.std[0] == 0.0
    leaky = analysis.unit_stats(z, "leaky_relu")
    assert not leaky.dead.any() and leaky.inactive_fraction.max() == 0.0  # it keeps a gradient


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["relu", "sigmoid", "gelu", "hardswish", "tanh"])
def test_unit_stats_agree_with_numpy_on_the_kernels_outputs(name, dtype):
    op = fa.get(name)
    z = (np.random.default_rng(2).standard_normal((777, 13)) * 4).astype(dtype)
    stats = analysis.unit_stats(z, op, tol=1e-2)
    f, d = op(z).astype(np.float64), op.derivative(z).astype(np.float64)
    np.testing.assert_array_equal(stats.inactive_fraction, (d == 0).mean(axis=0))
    np.testing.assert_array_equal(stats.saturated_fraction, (np.abs(d) < 1e-2).mean(axis=0))
    np.testing.assert_allclose(stats.mean, f.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(stats.std, f.std(axis=0), rtol=1e-9, atol=1e-15)
    assert stats.samples == 777 and stats.mean.shape == (13,)


@pytest.mark.parametrize("nudge", [-1, 0, 1])
def test_saturation_compares_float32_derivatives_with_the_double_tol_exactly(nudge):
    """The kernel compares float32 f' with tol rounded up to float32: the same as in double, even
    for a tol a hair above or below one of the f' values."""
    z = np.random.default_rng(5).standard_normal((500, 3)).astype(np.float32)
    d = fa.sigmoid.derivative(z).astype(np.float64)
    tol = float(d[17, 1])
    tol = np.nextafter(tol, np.inf) if nudge > 0 else np.nextafter(tol, -np.inf) if nudge < 0 else tol
    stats = analysis.unit_stats(z, "sigmoid", tol=tol)
    np.testing.assert_array_equal(stats.saturated_fraction, (np.abs(d) < tol).mean(axis=0))


def test_unit_stats_along_any_axis_and_without_cancellation():
    z = np.random.default_rng(3).standard_normal((4, 300, 5))
    along = analysis.unit_stats(z, "gelu", axis=1)
    moved = analysis.unit_stats(np.moveaxis(z, 1, 0).copy(), "gelu", axis=0)
    assert along.mean.shape == (4, 5)
    np.testing.assert_allclose(along.std, moved.std, rtol=1e-12)
    big = analysis.unit_stats(z[:, :, 0].T + 1e8, "relu")  # a mean of 1e8, a spread of 1
    np.testing.assert_allclose(big.std, np.std(z[:, :, 0].T + 1e8, axis=0), rtol=1e-6)


def test_unit_stats_do_not_depend_on_the_thread_count():
    z = np.random.default_rng(4).standard_normal((4096, 64)).astype(np.float32)
    threads = fa.get_num_threads()
    try:
        fa.set_num_threads(1)
        one = analysis.unit_stats(z, "silu")
        fa.set_num_threads(2)
        two = analysis.unit_stats(z, "silu")
    finally:
        fa.set_num_threads(threads)
    assert one.mean.tobytes() == two.mean.tobytes() and one.std.tobytes() == two.std.tobytes()


def test_unit_stats_bad_input():
    z = np.ones((3, 2))
    with pytest.raises(TypeError, match="elementwise op"):
        analysis.unit_stats(z, fa.softmax)
    with pytest.raises(ValueError, match="samples axis"):
        analysis.unit_stats(np.float64(1.0), "relu")
    with pytest.raises(np.exceptions.AxisError if hasattr(np, "exceptions") else np.AxisError):
        analysis.unit_stats(z, "relu", axis=2)
    with pytest.raises(ValueError, match="tol"):
        analysis.unit_stats(z, "relu", tol=-1.0)
    with pytest.raises(TypeError, match="tol"):
        analysis.unit_stats(z, "relu", tol="small")
    assert analysis.unit_stats(z.astype(np.float16), "relu").mean.tolist() == [1.0, 1.0]
    empty = analysis.unit_stats(np.zeros((0, 3)), "relu")
    assert np.isnan(empty.mean).all() and not empty.dead.any()


def test_the_module_examples_run():
    import doctest

    result = doctest.testmod(analysis, extraglobs={"fa": fa, "np": np}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6 and result.failed == 0
