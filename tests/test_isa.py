"""Run-time dispatch: the FASTACT_ISA override, cpu_info(), and AVX2 and scalar giving the same bits."""

import os
import subprocess
import sys

import numpy as np
import pytest
from support import backward_x, float32_bit_sweep, float64_sweep

import fastact as fa

AVAILABLE = fa.cpu_info()["available_isas"]


def run_python(code, isa):
    env = dict(os.environ, FASTACT_ISA=isa)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_cpu_info_reports_the_isa_in_use():
    info = fa.cpu_info()
    assert info["isa"] in info["available_isas"]
    assert set(info["available_isas"]) <= set(info["compiled_isas"])
    assert "scalar" in info["available_isas"]
    assert info["threads"] >= 1


@pytest.mark.parametrize("isa", AVAILABLE)
def test_fastact_isa_selects_the_kernels(isa):
    r = run_python("import fastact; print(fastact.cpu_info()['isa'])", isa)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == isa


def test_the_best_isa_the_cpu_has_is_the_default():
    """A CPU with AVX-512 must get the avx512 kernels unless FASTACT_ISA says otherwise: a build
    that silently falls back to AVX2 there fails here instead of skipping."""
    r = run_python("import fastact; print(fastact.cpu_info()['isa'])", "auto")
    assert r.returncode == 0, r.stderr
    flags = cpu_flags()
    if {"avx512f", "avx512dq", "avx512bw", "avx512vl"} <= flags:
        assert r.stdout.strip() == "avx512"
    elif {"avx2", "fma"} <= flags:
        assert r.stdout.strip() == "avx2"
    assert r.stdout.strip() == AVAILABLE[0]


def cpu_flags():
    """The CPU's feature flags as the kernel reports them (empty where /proc/cpuinfo is absent)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@pytest.mark.parametrize("isa", ["neon", "AVX2", "avx512bw", "fast"])
def test_unknown_isa_is_a_clear_error_not_a_crash(isa):
    r = run_python("import fastact", isa)
    assert r.returncode == 1  # a Python exception, not a signal
    assert "ValueError" in r.stderr and f"FASTACT_ISA='{isa}'" in r.stderr and "choose one of: auto" in r.stderr


def test_an_isa_this_cpu_lacks_is_a_clear_error():
    missing = [i for i in fa.cpu_info()["compiled_isas"] if i not in AVAILABLE]
    if not missing:
        pytest.skip("this CPU runs every compiled ISA")
    r = run_python("import fastact", missing[0])
    assert r.returncode == 1 and "is not supported by this CPU" in r.stderr


@pytest.fixture
def restore_isa():
    before = fa.cpu_info()["isa"]
    yield
    fa._core.set_isa(before)


# float32 results that take a table path where a 32-entry lookup is cheap (AVX-512: one permute;
# scalar: one load) and another formula on AVX2: each path meets the bound over all 2^32 inputs,
# and their bits differ (the README and docs/instruction-sets.md say so).
TABLE_PATH = {"tanh": {"forward"}, "tanhshrink": {"forward", "derivative"}}
TABLE_PATH_ISAS = {"avx512", "scalar"}


def same_bits_groups(op, dtype, kind):
    """The ISAs whose `kind` ("forward" or "derivative") results must match bit for bit: all of
    them, or for a table-path result in float32, the table ISAs and the rest apart."""
    if kind in TABLE_PATH.get(op.name, ()) and dtype == np.float32:
        groups = [[i for i in AVAILABLE if i in TABLE_PATH_ISAS], [i for i in AVAILABLE if i not in TABLE_PATH_ISAS]]
        return [g for g in groups if g]
    return [AVAILABLE]


@pytest.mark.skipif(len(AVAILABLE) < 2, reason="this CPU runs only the portable path")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_isa_gives_identical_bits(op, dtype, restore_isa):
    x = float32_bit_sweep(stride=40009).astype(dtype) if dtype == np.float32 else float64_sweep(50_000)
    g = np.cos(np.arange(x.size)).astype(dtype)
    results = {"forward": {}, "derivative": {}}
    for isa in AVAILABLE:
        fa._core.set_isa(isa)
        y, d = op.value_and_derivative(x)
        results["forward"][isa] = [op(x), y] + ([op.backward(g, y=y)] if op.has_output_backward else [])
        results["derivative"][isa] = [op.derivative(x), backward_x(op, g, x), d]
    for kind, by_isa in results.items():
        groups = same_bits_groups(op, dtype, kind)
        for group in groups:
            for isa in group[1:]:
                for a, b in zip(by_isa[group[0]], by_isa[isa]):
                    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))  # bits, NaN payloads aside
        if len(groups) > 1:  # the table path and the other: within 2 ULP of each other
            a, b = by_isa[groups[0][0]][0], by_isa[groups[1][0]][0]
            assert np.array_equal(np.isnan(a), np.isnan(b)), kind
            finite = ~np.isnan(a)
            assert np.abs(a[finite].view(np.int32).astype(np.int64) - b[finite].view(np.int32)).max() <= 2, kind


@pytest.mark.skipif(len(AVAILABLE) < 2, reason="this CPU runs only the portable path")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_gradients_are_identical_on_every_isa(dtype, restore_isa):
    """The per-channel sums (bias along a middle axis) and column sums (last axis) add in an order
    fixed by the shape, not by the vector width."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 6, 123)).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    results = {}
    for isa in AVAILABLE:
        fa._core.set_isa(isa)
        results[isa] = [*fa.gelu.backward(g, x, bias=np.linspace(-1, 1, 6).astype(dtype), axis=1),
                        *fa.gelu.backward(g, x, bias=np.linspace(-1, 1, 123).astype(dtype))]
    for isa in AVAILABLE[1:]:
        for a, b in zip(results[AVAILABLE[0]], results[isa]):
            assert a.tobytes() == b.tobytes(), isa


@pytest.mark.skipif(len(AVAILABLE) < 2, reason="this CPU runs only the portable path")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["relu", "gelu", "silu"])
def test_unit_stats_are_identical_on_every_isa(name, dtype, restore_isa):
    """Each unit takes its samples in the same order and roundings whatever the vector width: 1001
    samples (31 full blocks of rows and a short one) of 37 units (whole vectors and a ragged end)."""
    z = (np.random.default_rng(6).standard_normal((1001, 37)) * 3).astype(dtype)
    results = {}
    for isa in AVAILABLE:
        fa._core.set_isa(isa)
        s = fa.analysis.unit_stats(z, name, tol=1e-2)
        results[isa] = [s.inactive_fraction, s.saturated_fraction, s.mean, s.std]
    for isa in AVAILABLE[1:]:
        for a, b in zip(results[AVAILABLE[0]], results[isa]):
            assert a.tobytes() == b.tobytes(), isa


@pytest.mark.skipif(len(AVAILABLE) < 2, reason="this CPU runs only the portable path")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_wise_ops_are_identical_on_every_isa(dtype, restore_isa):
    """A row's sums split into the same lanes and fold in the same order whatever the vector width:
    rows of 1 to 40 elements (one vector, part of a step, several steps with a ragged end), 100 and
    1030, along the last, the first and a middle axis, with large values whose terms span many
    binades, and rows holding +inf, -inf and NaN."""
    rng = np.random.default_rng(9)
    cases = [((37, n), -1) for n in (*range(1, 41), 100, 1030)] + [((40, 37), 0), ((5, 6, 7), 1)]
    results = {}
    for isa in AVAILABLE:
        fa._core.set_isa(isa)
        rng = np.random.default_rng(9)
        out = []
        for shape, axis in cases:
            x = (rng.standard_normal(shape) * rng.choice([1.0, 30.0], size=shape)).astype(dtype)
            x.flat[3::211] = np.inf
            x.flat[7::307] = -np.inf
            x.flat[11::401] = np.nan
            g = rng.standard_normal(shape).astype(dtype)
            y, ly = fa.softmax(x, axis=axis), fa.log_softmax(x, axis=axis)
            out += [y, ly, fa.softmax.backward(g, y, axis=axis), fa.log_softmax.backward(g, ly, axis=axis),
                    fa.logsumexp(x, axis=axis), fa.softmin(x, axis=axis)]
            if axis == -1 and shape[-1] > 1:
                labels = rng.integers(0, shape[-1], size=shape[0])
                finite = np.nan_to_num(x, nan=0.0, posinf=5.0, neginf=-5.0)
                out += [np.asarray(fa.cross_entropy(finite, labels, reduction="none")),
                        fa.cross_entropy.backward(finite, labels)]
        results[isa] = out
    for isa in AVAILABLE[1:]:
        for a, b in zip(results[AVAILABLE[0]], results[isa]):
            assert np.array_equal(np.isnan(a), np.isnan(b)), isa
            a, b = np.where(np.isnan(a), 0, a), np.where(np.isnan(b), 0, b)  # NaN signs and payloads aside
            np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8), err_msg=isa)


@pytest.mark.skipif(len(AVAILABLE) < 2, reason="this CPU runs only the portable path")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_learnable_parameter_gradient_is_identical_on_every_isa(dtype, restore_isa):
    """swish's beta gradient puts element k in lane k mod 16 (float32) or 8 (float64) on every ISA:
    sizes below one step, ragged ends, and several chunks (summed in chunk order)."""
    rng = np.random.default_rng(12)
    cases = [(rng.standard_normal(n) * 3, rng.standard_normal(n)) for n in (1, 5, 16, 17, 33, 1000, 70_001)]
    results = {}
    for isa in AVAILABLE:
        fa._core.set_isa(isa)
        results[isa] = [fa.swish.backward(g.astype(dtype), x.astype(dtype), beta=1.3) for x, g in cases]
    for isa in AVAILABLE[1:]:
        for (gx_a, gb_a), (gx_b, gb_b) in zip(results[AVAILABLE[0]], results[isa]):
            assert gx_a.tobytes() == gx_b.tobytes(), isa
            assert np.float64(gb_a).tobytes() == np.float64(gb_b).tobytes(), isa


@pytest.mark.parametrize("name", ["tanh", "gelu", "tanhshrink"])
def test_16bit_tables_belong_to_the_isa_they_were_built_on(name, restore_isa):
    """A 16-bit call of 2^20 elements builds a table of its results with the active ISA's float32
    kernels (cpp/src/lookup16.h), kept per ISA: after each switch (and back to the first ISA, whose
    table is cached by then) every 16-bit result is that ISA's float32 result rounded once."""
    op = fa.get(name)
    x = np.resize(np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16), 1 << 20)
    x32 = x.astype(np.float32)
    for isa in AVAILABLE + AVAILABLE[:1]:
        fa._core.set_isa(isa)
        with np.errstate(over="ignore", invalid="ignore"):
            want = op(x32).astype(np.float16), op.derivative(x32).astype(np.float16)
        got = op(x), op.derivative(x)
        for a, b in zip(got, want):
            same = (a.view(np.uint16) == b.view(np.uint16)) | (np.isnan(a) & np.isnan(b))
            assert same.all(), isa

