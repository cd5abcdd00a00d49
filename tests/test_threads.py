"""The thread pool (cpp/src/parallel.cpp): results bit-identical for any thread count, correct under
many Python threads, after os.fork and in multiprocessing children; the settings' validation."""

import multiprocessing
import os
import subprocess
import sys

import numpy as np
import pytest
from support import failures_under_threads

import fastact as fa

BIG = (1 << 18) + 37  # several 64 KiB chunks, and a ragged end


@pytest.fixture
def threads():
    """Restores the thread count a test changes."""
    before = fa.get_num_threads()
    yield
    fa.set_num_threads(before)


def under_each_thread_count(fn):
    results = []
    for n in (1, 2, 3, 5):
        fa.set_num_threads(min(n, fa.max_num_threads()))
        results.append(fn())
    return results


def flat(result):
    """The arrays of a result, nested tuples (swish's (gx, gbeta)) flattened."""
    if isinstance(result, tuple):
        return [a for item in result for a in flat(item)]
    return [np.asarray(result)]


def assert_all_identical(results):
    first = flat(results[0])
    for r in results[1:]:
        arrays = flat(r)
        assert len(arrays) == len(first)
        for a, b in zip(first, arrays):
            assert a.tobytes() == b.tobytes()  # bit for bit, NaN payloads included


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_results_do_not_depend_on_threads(op, dtype, threads):
    x = (np.random.default_rng(0).standard_normal(BIG) * 5).astype(dtype)
    g = np.random.default_rng(1).standard_normal(BIG).astype(dtype)
    assert_all_identical(under_each_thread_count(
        lambda: (op(x), op.derivative(x), op.backward(g, x), *op.value_and_derivative(x))))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rowwise_gated_bias_prelu_results_do_not_depend_on_threads(dtype, threads):
    rng = np.random.default_rng(2)
    m = (rng.standard_normal((700, 300)) * 4).astype(dtype)
    wide = (rng.standard_normal((3, 100_003)) * 4).astype(dtype)
    g = rng.standard_normal(m.shape).astype(dtype)
    b = rng.standard_normal(300).astype(dtype)
    alpha = rng.uniform(0, 0.3, 300).astype(dtype)

    def everything():
        y = fa.softmax(m)
        return (y, fa.softmax(m, axis=0), fa.log_softmax(m), fa.log_softmax(wide, axis=0), fa.softmax(wide.T, axis=1),
                fa.softmax.backward(g, y), fa.log_softmax.backward(g, fa.log_softmax(m, axis=0), axis=0),
                fa.swiglu(m), fa.swiglu.backward(g[:, :150], m), fa.glu(wide[:, :100_002], axis=1),
                fa.gelu(m, bias=b), *fa.silu.backward(g, m, bias=b), fa.prelu(m, alpha, axis=1),
                fa.cross_entropy.backward(m, np.arange(700) % 300))

    assert_all_identical(under_each_thread_count(everything))


def test_thread_settings(threads):
    fa.set_num_threads(3)
    assert fa.get_num_threads() == 3 and fa.cpu_info()["threads"] == 3
    assert fa.max_num_threads() == 4 * fa.cpu_info()["available_cpus"]
    fa.set_num_threads(fa.max_num_threads())
    assert fa.get_num_threads() == fa.max_num_threads()
    for bad in (0, -1, fa.max_num_threads() + 1, 2**31, 10**30):
        with pytest.raises(ValueError, match=r"set_num_threads: n must be between 1 and \d+ \(4 x the \d+ CPUs"):
            fa.set_num_threads(bad)
    with pytest.raises(TypeError, match="int"):
        fa.set_num_threads(2.0)
    assert fa.cpu_info()["available_cpus"] >= 1


def run_python(code, **env):
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)


THREADS_OF_PROCESS = "int([l for l in open('/proc/self/status') if l.startswith('Threads')][0].split()[1])"


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="counts threads in /proc")
def test_changing_the_thread_count_reuses_the_workers():
    """Raising the count grows the one pool; lowering it and raising it again starts no thread."""
    code = (
        "import numpy as np, fastact as fa\n"
        "x = np.linspace(-5, 5, 1 << 22)\n"
        "top = fa.max_num_threads()\n"
        "for n in [*range(2, top + 1), 2, top, 3]:\n"
        "    fa.set_num_threads(n); fa.gelu(x)\n"
        f"print(top, {THREADS_OF_PROCESS})\n"
    )
    r = run_python(code, FASTACT_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    assert r.returncode == 0, r.stderr
    top, process_threads = map(int, r.stdout.split())
    assert process_threads <= top  # the main thread and top - 1 workers (it was 1 + 1 + 2 + ... before)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="limits address space with RLIMIT_AS")
@pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""), reason="AddressSanitizer maps its shadow "
                    "memory outside any address-space limit")
@pytest.mark.parametrize("headroom_mib, workers", [(4, 0), (20, None)])
def test_a_refused_thread_neither_hangs_nor_fails_the_call(headroom_mib, workers):
    """Thread stacks that do not fit the address-space limit: the call runs on the threads that did
    start (none, or some), gives the same bits, and says so once with a RuntimeWarning."""
    code = (
        "import resource, warnings, numpy as np, fastact as fa\n"
        "x = np.linspace(-5, 5, 1 << 22); out = np.empty_like(x); expected = fa.gelu(x)\n"
        "out2 = np.empty_like(x)\n"
        "vm = int([l for l in open('/proc/self/status') if l.startswith('VmSize')][0].split()[1]) * 1024\n"
        f"resource.setrlimit(resource.RLIMIT_AS, (vm + {headroom_mib} * (1 << 20), resource.RLIM_INFINITY))\n"
        "fa.set_num_threads(fa.max_num_threads())\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    fa.gelu(x, out=out); fa.gelu(x, out=out2)\n"
        "resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))  # compare freely\n"
        "ok = np.array_equal(out, expected) and np.array_equal(out2, expected)\n"
        "print(ok); print(len(caught)); print(caught[0].category.__name__, caught[0].message)\n"
    )
    r = run_python(code, FASTACT_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    assert r.returncode == 0, r.stderr
    ok, count, warning = r.stdout.splitlines()
    assert ok == "True" and count == "1"
    assert warning.startswith("RuntimeWarning fastact could not start all")
    if workers == 0:
        assert warning.endswith("calls use 1 thread")


@pytest.mark.parametrize("value, ok", [("1", True), ("3", True), ("0", False), ("two", False), ("100000", False),
                                       ("99999999999", False)])
def test_fastact_num_threads_environment(value, ok):
    code = "import fastact as fa; print(fa.get_num_threads())"
    env = {**os.environ, "FASTACT_NUM_THREADS": value}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if ok:
        assert r.returncode == 0 and r.stdout.strip() == value
    else:
        assert r.returncode != 0 and "FASTACT_NUM_THREADS" in r.stderr


def test_many_python_threads_share_the_pool(threads):
    fa.set_num_threads(2)
    x = np.linspace(-8, 8, BIG)
    rows = x[: 37 * 7000].reshape(7000, 37)
    expected = (fa.gelu(x), fa.softmax(rows))
    assert failures_under_threads(
        lambda: np.array_equal(fa.gelu(x), expected[0]) and np.array_equal(fa.softmax(rows), expected[1]),
        threads=6, repeats=10) == 0


def test_python_threads_build_and_share_16bit_tables(threads):
    """Many Python threads calling 16-bit ops with parameters no other test uses: the first calls
    build the tables (cpp/src/lookup16.h) while others compute directly or read them; every call
    gives the float32 result rounded once."""
    x = np.resize(np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16), 1 << 20)
    calls = [lambda v: fa.elu(v, alpha=0.8125), lambda v: fa.softplus.derivative(v, beta=1.875),
             lambda v: fa.celu.backward(v, v, alpha=1.4375)]
    with np.errstate(all="ignore"):
        expected = [call(x.astype(np.float32)).astype(np.float16).view(np.uint16) for call in calls]

    def check():
        for call, want in zip(calls, expected):
            got = call(x)
            if not ((got.view(np.uint16) == want) | (np.isnan(got) & np.isnan(want.view(np.float16)))).all():
                return False
        return True

    assert failures_under_threads(check, threads=6, repeats=3) == 0


def _child_result(conn):
    conn.send(fa.gelu(np.linspace(-5, 5, BIG)))
    conn.close()


# Python >= 3.12 warns that fork() in a multi-threaded process may deadlock: that risk is what
# these tests check fastact against. JAX, once another test has imported it, warns the same about
# its own threads (a RuntimeWarning from its at-fork hook), which these tests do not use.
FORK_WARNING = pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning",
                                          "ignore:os.fork\\(\\) was called.*JAX:RuntimeWarning")


@FORK_WARNING
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_pool_works_after_fork(threads):
    fa.set_num_threads(2)
    x = np.linspace(-5, 5, BIG)
    expected = fa.gelu(x)  # the pool exists in the parent now
    pid = os.fork()
    if pid == 0:  # the child: the workers were not copied; a new pool must serve it
        rows = x[: 1001 * 200].reshape(200, 1001)
        ok = np.array_equal(fa.gelu(x), expected) and np.allclose(fa.softmax(rows), fa.softmax.reference(rows),
                                                                  rtol=1e-14, atol=0)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert np.array_equal(fa.gelu(x), expected)  # and the parent's pool still works


@FORK_WARNING
@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method")
def test_multiprocessing_fork_children(threads):
    fa.set_num_threads(2)
    expected = fa.gelu(np.linspace(-5, 5, BIG))  # the parent has a pool now
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child_result, args=(child,))
    proc.start()
    assert np.array_equal(parent.recv(), expected)
    proc.join(timeout=60)
    assert proc.exitcode == 0


def test_interpreter_exits_with_work_in_flight():
    """A daemon thread still in a long kernel call when the interpreter exits must not hang it."""
    code = (
        "import threading, numpy as np, fastact as fa\n"
        "x = np.linspace(-5, 5, 1 << 22)\n"
        "def spin():\n"
        "    while True: fa.gelu(x)\n"
        "threading.Thread(target=spin, daemon=True).start()\n"
        "fa.gelu(x)\n"
        "print('done')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "done"
