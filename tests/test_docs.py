"""Every op's docstring example runs and prints what it says."""

import doctest

import numpy as np
import pytest

import fastact as fa


OBJECTS = {**{name: fa.get(name) for name in fa.ops("elementwise")}, "prelu": fa.prelu, "softmax": fa.softmax,
           "log_softmax": fa.log_softmax, "glu": fa.glu, "swiglu": fa.swiglu, "geglu": fa.geglu, "reglu": fa.reglu,
           "cross_entropy": fa.cross_entropy,
           "binary_cross_entropy_with_logits": fa.binary_cross_entropy_with_logits}


@pytest.mark.parametrize("name", OBJECTS)
def test_docstring_example(name):
    doc = type(OBJECTS[name]).__doc__
    parser = doctest.DocTestParser()
    test = parser.get_doctest(doc, {"fa": fa, "np": np}, name, None, 0)
    assert test.examples, f"{name} has no example"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{name}'s docstring example fails"
