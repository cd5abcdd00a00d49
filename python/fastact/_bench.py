"""``python -m fastact bench``: ns/element of every op, fastact side by side with NumPy and, when
they are installed, PyTorch (CPU) and JAX (jit) on the same arrays.

Each figure is the best of several repeats of a loop long enough (>= 20 ms) for the timer, on
arrays of ``size`` elements reused between calls. "out=" writes into a preallocated array (the
kernel's own speed); "alloc" allocates its result, as the others do. "numpy" is the float64
reference formula from ``fastact.reference``. "vs peer" is the fastest installed peer's time
(PyTorch, JAX; NumPy when neither is installed) over fastact's allocating time; "floor" is
fastact's out= time over ``np.copyto`` on the same arrays: 1.0 means as fast as moving the bytes.
Every library gets the same cores: for a run with n threads the whole process (XLA's threads
included) is confined to n CPUs where the OS allows it (Linux), and PyTorch is set to n threads.
"""

from __future__ import annotations

import json
import platform
import sys
import time

import numpy as np

from . import _peers, cpu_info, get_num_threads, set_num_threads


def ns_per_element(fn, n: int, min_time: float = 0.02, repeats: int = 5) -> float:
    fn()  # warm up: page in the output, load caches
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time:
            break
        number *= 2
    best = elapsed
    for _ in range(repeats - 1):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, time.perf_counter() - t0)
    return best / number / max(n, 1) * 1e9


def _fastact_calls(op, mode: str, x: np.ndarray, g: np.ndarray, out: np.ndarray):
    """(fastact with out=, fastact allocating, NumPy reference) for one op and mode."""
    if mode == "forward":
        return (lambda: op(x, out=out)), (lambda: op(x)), (lambda: op.reference(x))
    if mode == "derivative":
        return (lambda: op.derivative(x, out=out)), (lambda: op.derivative(x)), (lambda: op.reference_derivative(x))
    return (
        (lambda: op.backward(g, x, out=out)),
        (lambda: op.backward(g, x)),
        (lambda: g * op.reference_derivative(x)),
    )


def _peer_calls(label: str, mode: str, x: np.ndarray, g: np.ndarray, torch, jaxm) -> dict:
    """{peer name: zero-argument callable} for the installed peers that have this op and mode."""
    calls = {}
    if torch is not None:
        xt, gt = torch.from_numpy(x), torch.from_numpy(g)
        tf = _peers.torch_forward(torch, label) if mode == "forward" else None
        tb = _peers.torch_backward(torch, label) if mode == "backward" else None
        if tf:
            calls["torch"] = lambda: tf(xt)
        elif tb:
            calls["torch"] = lambda: tb(gt, xt)
    if jaxm is not None and mode == "forward":
        jf = _peers.jax_forward(*jaxm, label)
        if jf:
            calls["jax"] = _peers.jax_timer(*jaxm, jf, x)
    return calls


def _confine_to_cpus(count: int):
    """Confines every thread of this process to ``count`` of the CPUs it may use (Linux); returns
    the previous CPU set to restore, or None where this is not possible."""
    import os

    if not hasattr(os, "sched_setaffinity") or not os.path.isdir("/proc/self/task"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    chosen = set(allowed[: max(1, min(count, len(allowed)))])
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(tid), chosen)
        except OSError:
            pass
    return set(allowed)


def _restore_cpus(cpus) -> None:
    import os

    if cpus is None:
        return
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass


class _Progress:
    """A one-line progress bar on stderr, only when it is a terminal."""

    def __init__(self, total: int):
        self.total, self.done, self.start = total, 0, time.perf_counter()
        self.live = sys.stderr.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        if not self.live:
            return
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.done * (self.total - self.done)
        bar = "#" * int(30 * self.done / self.total)
        sys.stderr.write(f"\r[{bar:<30}] {self.done}/{self.total} {label:<32} eta {eta:4.0f} s")
        if self.done == self.total:
            sys.stderr.write("\r" + " " * 90 + "\r")
        sys.stderr.flush()


def cpu_name() -> str:
    """The processor's model name (Linux: /proc/cpuinfo), else what the platform module knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _fmt(t) -> str:
    return "-" if t is None else (f"{t:.3f}" if t < 10 else f"{t:.1f}")


def run_bench(ops, sizes, dtypes, modes, threads_list=None, json_path=None, plot_path=None) -> int:
    info = cpu_info()
    threads_list = threads_list or [get_num_threads()]
    peers = _peers.versions()
    jaxm = _peers.jax_modules()
    names = ", ".join(f"{k} {v}" for k, v in peers.items()) or "none installed (PyTorch and JAX are optional; install them to compare)"
    print(f"fastact {info['isa']} on {cpu_name()}, {info['available_cpus']} CPU(s); "
          f"NumPy {np.__version__}; peers: {names}")
    print("ns/element, best of 5; out= preallocated, alloc = allocating; vs peer = fastest peer / fastact alloc; "
          "floor = fastact out= / np.copyto\n")
    header = (f"{'op':<12} {'mode':<10} {'dtype':<7} {'size':>9} {'thr':>3} {'out=':>7} {'alloc':>7} {'numpy':>7} "
              f"{'torch':>7} {'jax':>7} {'vs peer':>8} {'floor':>6}")
    print(header)
    print("-" * len(header))
    progress = _Progress(len(ops) * len(modes) * len(dtypes) * len(sizes) * len(threads_list))
    records = []
    rng = np.random.default_rng(0)
    before = get_num_threads()
    cpus = None
    try:
        for threads in threads_list:
            set_num_threads(threads)
            torch = _peers.torch_module(threads)
            _restore_cpus(cpus)
            cpus = _confine_to_cpus(threads)
            for dtype in dtypes:
                for size in sizes:
                    x = (rng.standard_normal(size) * 3).astype(dtype)
                    g = rng.standard_normal(size).astype(dtype)
                    out = np.empty_like(x)
                    floor = ns_per_element(lambda: np.copyto(out, x), size)
                    for op in ops:
                        for mode in modes:
                            label = op.label
                            with_out, allocating, numpy_ref = _fastact_calls(op, mode, x, g, out)
                            r = {"op": label, "mode": mode, "dtype": dtype, "size": size, "threads": threads,
                                 "fastact_out": ns_per_element(with_out, size),
                                 "fastact_alloc": ns_per_element(allocating, size),
                                 "numpy": ns_per_element(numpy_ref, size), "copy_floor": floor}
                            for peer, call in _peer_calls(label, mode, x, g, torch, jaxm).items():
                                r[peer] = ns_per_element(call, size)
                            best = min([r[p] for p in ("torch", "jax") if p in r], default=r["numpy"])
                            r["speedup_vs_peer"] = best / r["fastact_alloc"]
                            r["fraction_of_floor"] = r["fastact_out"] / floor
                            records.append(r)
                            progress.step(f"{label} {mode} {dtype} {size}")
                            print(f"{label:<12} {mode:<10} {dtype:<7} {size:>9} {threads:>3} {_fmt(r['fastact_out']):>7} "
                                  f"{_fmt(r['fastact_alloc']):>7} {_fmt(r['numpy']):>7} {_fmt(r.get('torch')):>7} "
                                  f"{_fmt(r.get('jax')):>7} {r['speedup_vs_peer']:7.2f}x {r['fraction_of_floor']:6.2f}",
                                  flush=True)
    finally:
        set_num_threads(before)
        _restore_cpus(cpus)
    meta = {"isa": info["isa"], "cpu": cpu_name(), "cpus": info["available_cpus"],
            "numpy": np.__version__, "peers": peers}
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"meta": meta, "results": records}, f, indent=1)
        print(f"\nwrote {json_path}")
    if plot_path:
        _plot(records, meta, plot_path)
        print(f"wrote {plot_path}")
    return 0


def _plot(records: list, meta: dict, path: str) -> None:
    """A bar chart (log scale) of ns/element per op: fastact and every library measured, for the
    first dtype, size, thread count and mode of the run."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit('--plot needs matplotlib: pip install "fastact[plot]" (or pip install matplotlib)') from None
    first = records[0]
    rows = [r for r in records if all(r[k] == first[k] for k in ("dtype", "size", "threads", "mode"))]
    libs = [("fastact_alloc", "fastact"), ("torch", "PyTorch"), ("jax", "JAX"), ("numpy", "NumPy reference")]
    libs = [(k, name) for k, name in libs if any(k in r for r in rows)]
    width = 0.8 / len(libs)
    fig, ax = plt.subplots(figsize=(max(8, len(rows) * 0.6), 4.5))
    for i, (key, name) in enumerate(libs):
        xs = [j + i * width for j, r in enumerate(rows) if key in r]
        ys = [r[key] for r in rows if key in r]
        ax.bar(xs, ys, width, label=name)
    ax.set_xticks([j + width * (len(libs) - 1) / 2 for j in range(len(rows))])
    ax.set_xticklabels([r["op"] for r in rows], rotation=45, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("ns per element (lower is better)")
    ax.set_title(f"{first['mode']}, {first['dtype']}, {first['size']:,} elements, {first['threads']} thread(s); "
                 f"{meta['cpu']}, fastact {meta['isa']}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
