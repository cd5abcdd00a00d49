"""fastact.demo.dying_relu and `python -m fastact demo dying-relu`: SGD at a high learning rate
kills ReLU units and no Leaky ReLU unit; the run depends only on the seed."""

import sys

import numpy as np
import pytest

import fastact as fa
from fastact.__main__ import main
from fastact.demo import dying_relu

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs():
    return {run.op: run for run in dying_relu(("relu", "leaky_relu", "elu"), epochs=4)}


def test_relu_units_die_and_stay_dead(runs):
    relu = runs["relu"]
    assert relu.dead_fraction[-1] > 0.5  # at learning rate 2, most of the 128 hidden units
    # a dead unit gets no gradient, so its weights, and its deadness, never change again
    assert np.all(np.diff(relu.dead_fraction) >= 0)


def test_leaky_relu_units_cannot_die(runs):
    leaky = runs["leaky_relu"]
    assert np.all(leaky.dead_fraction == 0)  # f' = 0.01 for z < 0
    assert np.all(leaky.saturated == 0)  # |f'| >= 0.01 > 1e-3 everywhere
    assert leaky.accuracy[-1] > runs["relu"].accuracy[0]  # it still learns


def test_elu_saturates_rather_than_dies(runs):
    elu = runs["elu"]
    assert elu.dead_fraction[-1] < 0.1 < elu.saturated[-1]


def test_a_small_learning_rate_keeps_relu_alive():
    (relu,) = dying_relu(("relu",), lr=0.05, epochs=2)
    assert relu.dead_fraction[-1] <= relu.dead_fraction[0] + 0.02  # at most a unit or two of 128
    assert relu.accuracy[-1] > relu.accuracy[0]


def test_same_seed_same_run_other_seed_other_run(runs):
    (again,) = dying_relu(("relu",), epochs=4)
    assert np.array_equal(again.dead_fraction, runs["relu"].dead_fraction)
    assert np.array_equal(again.accuracy, runs["relu"].accuracy)
    (other,) = dying_relu(("relu",), epochs=4, seed=1)
    assert not np.array_equal(other.accuracy, runs["relu"].accuracy)


def test_records_eight_points_per_epoch_and_each_epochs_accuracy(runs):
    relu = runs["relu"]
    assert relu.epoch.tolist() == [k / 8 for k in range(4 * 8 + 1)]
    assert relu.accuracy.shape == (5,) and relu.at_epochs(relu.dead_fraction).shape == (5,)
    assert np.all((relu.accuracy >= 0) & (relu.accuracy <= 1))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"lr": 0.0}, ValueError, "lr must be positive"),
    ({"lr": float("inf")}, ValueError, "lr must be positive and finite"),
    ({"lr": "2"}, TypeError, "lr must be a real number, got str"),
    ({"epochs": 0}, ValueError, "epochs must be positive"),
    ({"epochs": 2.5}, TypeError, "epochs must be an int, got float"),
    ({"batch": True}, TypeError, "batch must be an int, got bool"),
    ({"seed": "0"}, TypeError, "seed must be an int, got str"),
    ({"ops": ("nope",)}, ValueError, "nope"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        dying_relu(**kwargs)


def test_cli_prints_the_dead_fraction_per_epoch(tmp_path, capsys):
    assert main(["demo", "dying-relu", "--epochs", "2", "--ops", "relu", "leaky_relu"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("epoch"))
    assert lines[header].split() == ["epoch", "relu", "leaky_relu"]
    rows = [line.split() for line in lines[header + 2:header + 5]]
    assert [row[0] for row in rows] == ["0", "1", "2"]
    (relu,) = dying_relu(("relu",), epochs=2)
    assert [row[1] for row in rows] == [f"{d:.0%}" for d in relu.at_epochs(relu.dead_fraction)]
    assert all(row[4] == "0%" for row in rows)  # leaky_relu: no dead unit
    with pytest.raises(SystemExit):
        main(["demo", "dying-relu", "--lr", "-1"])
    with pytest.raises(SystemExit):
        main(["demo", "dying-relu", "--ops", "nope"])


def test_cli_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "dead.png"
    assert main(["demo", "dying-relu", "--epochs", "1", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG and str(out) in capsys.readouterr().out


def test_plot_without_matplotlib_fails_before_training(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SystemExit, match=r'pip install "fastact\[plot\]"'):
        main(["demo", "dying-relu", "--plot", "x.png"])
    assert capsys.readouterr().out == ""  # nothing trained or printed
    assert fa.relu(1.0) == 1.0


def test_the_module_examples_run():
    import doctest

    from fastact import demo

    result = doctest.testmod(demo, extraglobs={"fa": fa, "np": np}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
