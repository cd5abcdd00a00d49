"""pytest-benchmark: per-call cost at 16 elements (the kernel is nothing there), fastact against
NumPy's ufuncs and PyTorch when installed, all in one group:

    pytest benchmarks/test_call_overhead.py --benchmark-columns=min,median
"""

import pytest
from call_cases import call_cases

CASES = dict(call_cases(16))


@pytest.mark.parametrize("label", list(CASES))
def test_call(benchmark, label):
    benchmark.group = "call-16-elements-float32"
    benchmark(CASES[label])
