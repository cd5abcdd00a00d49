"""Shared fixtures. The suite runs on the ISA fastact chose at import (FASTACT_ISA overrides it):
CI runs it once as installed and once with FASTACT_ISA=scalar. test_isa.py compares the ISAs
with each other in one process."""

import numpy as np
import pytest

import fastact as fa

FLOAT_DTYPES = [np.float32, np.float64]


def pytest_report_header(config):
    return f"fastact ISA: {fa.cpu_info()['isa']} (available: {', '.join(fa.cpu_info()['available_isas'])})"


@pytest.fixture(params=list(fa._cases()))
def op(request):
    """Every op, and every other kernel of an op with a kernel-selecting choice (gelu[tanh])."""
    return fa._cases()[request.param]


@pytest.fixture(params=FLOAT_DTYPES, ids=["float32", "float64"])
def dtype(request):
    return np.dtype(request.param)
