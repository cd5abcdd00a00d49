import pytest

pytest.importorskip("pytest_benchmark", reason='the benchmarks need pytest-benchmark: pip install ".[bench]"')
