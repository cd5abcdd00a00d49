"""python -m fastact check / bench: they run and print what they promise."""

import subprocess
import sys


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
    assert row.rstrip().endswith("x") and len(row.split()) == 7


def test_unknown_op_is_a_usage_error():
    r = run("check", "--ops", "swoosh")
    assert r.returncode == 2 and "unknown op 'swoosh'" in r.stderr


def test_bench_threads_option():
    r = run("bench", "--ops", "relu", "--size", "4096", "--dtypes", "float32", "--modes", "forward", "--threads", "1")
    assert r.returncode == 0 and ", 1 thread(s)," in r.stdout
    assert run("bench", "--threads", "0").returncode == 2
