"""Every op's docstring example runs and prints what it says."""

import doctest
from pathlib import Path

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


README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_tour_runs_as_written():
    """The README's ```pycon block is the tour: every line runs and prints what it shows."""
    text = README.read_text()
    blocks = [part.split("```", 1)[0] for part in text.split("```pycon\n")[1:]]
    assert blocks, "the README has no ```pycon tour"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README tour {i}", str(README), 0)
        assert test.examples
        runner.run(test)
    assert runner.failures == 0, "the README tour fails (see the doctest output above)"
