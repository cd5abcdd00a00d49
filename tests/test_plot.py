"""fastact.plot and `python -m fastact plot`: PNGs from the kernels; without matplotlib, a message
naming the extra before any work."""

import sys

import pytest

import fastact as fa
from fastact import plot
from fastact.__main__ import main

PNG = b"\x89PNG\r\n\x1a\n"


def test_curves_and_gradient_flow_write_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    curves = plot.curves(["sigmoid", "gelu[tanh]"], path=str(tmp_path / "c.png"))
    flow = plot.gradient_flow(["relu", "sigmoid"], path=str(tmp_path / "g.png"), depth=4, width=16)
    for path in (curves, flow):
        with open(path, "rb") as f:
            assert f.read(8) == PNG


def test_cli_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "curves.png"
    assert main(["plot", "curves", "--ops", "relu", "tanh", "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG and str(out) in capsys.readouterr().out
    assert main(["plot", "gradient-flow", "--ops", "relu", "--depth", "3", "-o", str(tmp_path / "g.png")]) == 0
    with pytest.raises(SystemExit):
        main(["plot", "curves", "--ops", "nope"])


def test_without_matplotlib_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(SystemExit, match=r'pip install "fastact\[plot\]"'):
        main(["plot", "curves"])
    with pytest.raises(SystemExit, match="matplotlib"):
        plot.curves(["relu"])
    assert fa.relu(1.0) == 1.0  # the rest of fastact does not need it
