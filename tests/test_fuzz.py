"""A bounded fuzz run of the argument layer (the C++ parsers of every public call): random
positional and keyword arguments drawn from a pool of odd values. Whatever comes in, a call
returns or raises TypeError or ValueError (AxisError is one) with a message; it never crashes,
raises anything else, warns (warnings are errors in this suite), or changes an input array.
Derandomized with a fixed budget, so the run is the same on every machine."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastact as fa


def odd_arrays():
    """Arrays a careless or hostile caller might pass (fresh each draw: a test may modify none)."""
    return st.sampled_from([
        lambda: np.linspace(-3, 3, 12),
        lambda: np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4),
        lambda: np.linspace(-3, 3, 24, dtype=np.float16).reshape(2, 3, 4),
        lambda: np.array(0.5),
        lambda: np.empty((0, 4)),
        lambda: np.arange(6, dtype=np.int8).reshape(2, 3),
        lambda: np.array([True, False]),
        lambda: np.array([1 + 2j]),
        lambda: np.array([1.0], dtype=object),
        lambda: np.array(["a", "b"]),
        lambda: np.array(["2020-01-01"], dtype="datetime64[D]"),
        lambda: np.zeros(3, dtype=[("a", "f4"), ("b", "f4")]),
        lambda: np.linspace(-1, 1, 8).astype(">f8"),
        lambda: np.linspace(-1, 1, 16)[::-3],
        lambda: np.broadcast_to(np.float32(1.0), (3, 4)),
        lambda: np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324]),
        lambda: np.arange(4).reshape(2, 2) % 3,  # small class indices
    ]).map(lambda make: make())


def odd_scalars():
    return st.sampled_from([
        None, 0, 1, -1, 2, -2, 7, 2**31, 2**63, -(2**70), 10**400, 0.5, -0.0, float("nan"), float("inf"),
        1e-320, 1e300, True, np.float32(0.25), np.float64(1e40), np.int64(-1), "mean", "none", "sum", "tanh",
        "", b"x", [1.0, 2.0], [[1.0], [2.0, 3.0]], (1, 2), (), {}, object(), 1j,
    ])


VALUES = st.one_of(odd_arrays(), odd_scalars())
KEYWORDS = ["out", "axis", "alpha", "beta", "bias", "y", "g", "approximate", "safe", "reduction", "weight",
            "ignore_index", "label_smoothing", "pos_weight", "min_val", "max_val", "dim", "x", "target", "lambd"]

# Every public entry point that parses arguments: each elementwise op's methods, and the others'.
TARGETS = {}
for _name in fa.variants():
    _op = fa.get(_name)
    for _method in ("__call__", "derivative", "backward", "value_and_derivative", "param_derivative"):
        if hasattr(_op, _method):
            TARGETS[f"{_name}.{_method}"] = getattr(_op, _method)
for _name in ("prelu", "softmax", "log_softmax", "softmin", "glu", "swiglu", "geglu", "reglu", "cross_entropy",
              "binary_cross_entropy_with_logits"):
    TARGETS[_name] = getattr(fa, _name)
    TARGETS[f"{_name}.backward"] = getattr(fa, _name).backward
TARGETS["analysis.unit_stats"] = lambda *a, **k: fa.analysis.unit_stats(*a, **k)
TARGETS["get"] = fa.get


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(args=st.lists(VALUES, max_size=4), kwargs=st.dictionaries(st.sampled_from(KEYWORDS), VALUES, max_size=3))
def test_any_arguments_give_a_result_or_a_type_or_value_error(name, args, kwargs):
    call = TARGETS[name]
    arrays = [a for a in [*args, *kwargs.values()] if isinstance(a, np.ndarray)]
    before = [(a, a.copy()) for a in arrays if a.dtype != object]
    outs = {id(kwargs.get("out"))} if isinstance(kwargs.get("out"), np.ndarray) else set()
    try:
        call(*args, **kwargs)
    except (TypeError, ValueError) as e:
        assert str(e), f"{name}: an error without a message"
    for original, copy in before:
        if id(original) not in outs and original.flags.writeable:
            assert original.tobytes() == copy.tobytes(), f"{name} changed an input it was not given as out="
