"""Every op's docstring example runs and prints what it says."""

import doctest

import numpy as np
import pytest

import fastact as fa


@pytest.mark.parametrize("name", fa.ops())
def test_docstring_example(name):
    doc = type(fa.get(name)).__doc__
    parser = doctest.DocTestParser()
    test = parser.get_doctest(doc, {"fa": fa, "np": np}, name, None, 0)
    assert test.examples, f"{name} has no example"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{name}'s docstring example fails"
