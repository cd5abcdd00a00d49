"""pytest-benchmark: fastact.analysis.unit_stats against computing f'(z) alone (with out=) on a
(65536, 4096) float32 batch (1 GiB), every thread; issue 13 asks for no slower.

    pytest benchmarks/test_unit_stats.py --benchmark-group-by=group
"""

import numpy as np
import pytest

import fastact as fa
from fastact import analysis

SHAPE = (65536, 4096)


@pytest.fixture(scope="module")
def batch():
    z = np.random.default_rng(0).standard_normal(SHAPE, dtype=np.float32)
    return z, np.empty_like(z)


@pytest.mark.parametrize("name", ["relu", "gelu"])
def test_unit_stats(benchmark, batch, name):
    z, _ = batch
    benchmark.group = f"unit-stats-{name}"
    benchmark.pedantic(analysis.unit_stats, args=(z, fa.get(name)), rounds=3, iterations=1)


@pytest.mark.parametrize("name", ["relu", "gelu"])
def test_derivative_alone(benchmark, batch, name):
    z, out = batch
    benchmark.group = f"unit-stats-{name}"
    benchmark.pedantic(fa.get(name).derivative, args=(z,), kwargs={"out": out}, rounds=3, iterations=1)
