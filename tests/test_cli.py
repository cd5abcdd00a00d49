"""python -m fastact check / bench: they run and print what they promise."""

import json
import subprocess
import sys

import pytest

import fastact as fa


def run(*args):
    return subprocess.run([sys.executable, "-m", "fastact", *args], capture_output=True, text=True, timeout=300)


def test_check_prints_a_passing_table():
    r = run("check", "--ops", "relu", "sigmoid")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    rows = [line for line in lines if line.startswith(("relu ", "sigmoid "))]
    assert len(rows) == 4 and all(row.rstrip().endswith("yes") for row in rows)


def test_bench_prints_ns_per_element():
    r = run("bench", "--ops", "relu", "--size", "4096", "--dtypes", "float32", "--modes", "forward")
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if line.startswith("relu "))
    cells = row.split()
    assert cells[:5] == ["relu", "forward", "float32", fa.cpu_info()["isa"], "4096"] and len(cells) == 13
    assert float(cells[6]) > 0 and float(cells[7]) > 0 and float(cells[8]) > 0  # out=, alloc, np.maximum
    assert cells[11].endswith("x") and float(cells[12]) > 0


def test_bench_per_isa_16_bit_dtypes_and_row_ops(tmp_path):
    pytest.importorskip("ml_dtypes")
    path = tmp_path / "bench.json"
    r = run("bench", "--ops", "tanh", "softmax", "--sizes", "4096", "--dtypes", "float16", "bfloat16",
            "--modes", "forward", "derivative", "--threads", "1", "--isa", "all", "--json", str(path))
    assert r.returncode == 0, r.stderr
    rows = json.loads(path.read_text())["results"]
    isas = fa.cpu_info()["available_isas"]
    # tanh: forward and derivative; softmax: forward only (no derivative), per dtype and ISA
    assert len(rows) == 3 * 2 * len(isas) and {row["isa"] for row in rows} == set(isas)
    assert {row["dtype"] for row in rows} == {"float16", "bfloat16"}
    tanh_forward = [row for row in rows if row["op"] == "tanh" and row["mode"] == "forward"]
    assert all(row["numpy"] > 0 and row["speedup_vs_peer"] > 0 for row in tanh_forward)  # np.tanh in the dtype
    derivative = [row for row in rows if row["mode"] == "derivative"]
    assert derivative and all(row["speedup_vs_peer"] is None for row in derivative)  # no library has f' alone
    assert run("bench", "--isa", "neon").returncode == 2


def test_bench_vs_peer_is_blank_without_a_peer():
    r = run("bench", "--ops", "hardswish", "--size", "4096", "--dtypes", "float32", "--modes", "derivative",
            "--threads", "1")
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if line.startswith("hardswish "))
    assert row.split()[-2] == "-"


def test_unknown_op_is_a_usage_error():
    r = run("check", "--ops", "swoosh")
    assert r.returncode == 2 and "unknown op 'swoosh'" in r.stderr


def test_bench_threads_sizes_and_json(tmp_path):
    path = tmp_path / "bench.json"
    r = run("bench", "--ops", "relu", "gelu", "--sizes", "1000", "5000", "--dtypes", "float64", "--modes", "backward",
            "--threads", "1", "2", "--json", str(path))
    assert r.returncode == 0, r.stderr
    data = json.loads(path.read_text())
    rows = data["results"]
    assert len(rows) == 2 * 2 * 2 and {row["threads"] for row in rows} == {1, 2}
    assert {row["op"] for row in rows} == {"relu", "gelu"}
    assert {row["size"] for row in rows} == {1000, 5000} and all(row["fastact_out"] > 0 for row in rows)
    assert data["meta"]["isa"] == fa.cpu_info()["isa"]
    assert run("bench", "--threads", "0").returncode == 2
    assert run("bench", "--sizes", "0").returncode == 2


def test_bench_plot(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "bench.png"
    r = run("bench", "--ops", "relu", "sigmoid", "--sizes", "2048", "--dtypes", "float32", "--modes", "forward",
            "--plot", str(path))
    assert r.returncode == 0, r.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
