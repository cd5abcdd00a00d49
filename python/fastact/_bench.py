"""``python -m fastact bench``: ns/element of every op, fastact side by side with what a user would
otherwise run on the same arrays: NumPy's own ufunc or the idiomatic NumPy expression in the
input's dtype (``np.tanh``, ``1/(1+np.exp(-x))``, ``np.maximum(x, 0)``), and PyTorch (CPU) and JAX
(jit) when they are installed.

Each figure is the best of several repeats of a loop long enough (>= 20 ms) for the timer, on
arrays of ``size`` elements reused between calls. "out=" writes into a preallocated array (the
kernel's own speed); "alloc" allocates its result, as the others do. "vs peer" is the fastest peer
that ran (NumPy, PyTorch, JAX) over fastact's allocating time, blank when none has the function;
"floor" is fastact's out= time over ``np.copyto`` on the same arrays: 1.0 means as fast as moving
the bytes. ``--isa`` repeats the table for each instruction set (fastact's column changes; the
peers run as they always do). Every library gets the same cores: for a run with n threads the
whole process (XLA's threads included) is confined to n CPUs where the OS allows it (Linux), and
PyTorch is set to n threads. The row-wise ops (softmax, log_softmax, cross_entropy) run on rows
of 1024 along the last axis; swiglu on rows of 2048 (gate and value halves of 1024).
"""

from __future__ import annotations

import json
import platform
import sys
import time

import numpy as np

from . import _core, _peers, cpu_info, get_num_threads, set_num_threads

# Ops timed on 2-d arrays, beside the elementwise ones (python -m fastact bench --ops softmax ...).
ROW_OPS = ("softmax", "log_softmax", "logsumexp", "cross_entropy", "swiglu")
ROW = 1024  # elements per row


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


def _elementwise_calls(op, mode: str, x: np.ndarray, g: np.ndarray, out: np.ndarray, torch, jaxm) -> dict:
    """{library: zero-argument callable} for one elementwise op and mode: fastact with out= and
    allocating, and the peers that have the function."""
    if mode == "forward":
        calls = {"out": lambda: op(x, out=out), "alloc": lambda: op(x)}
    elif mode == "derivative":
        calls = {"out": lambda: op.derivative(x, out=out), "alloc": lambda: op.derivative(x)}
    else:
        calls = {"out": lambda: op.backward(g, x, out=out), "alloc": lambda: op.backward(g, x)}
    label = op.label
    nf = _peers.numpy_forward(label) if mode == "forward" else _peers.numpy_backward(label) if mode == "backward" else None
    if nf is not None:
        calls["numpy"] = (lambda: nf(x)) if mode == "forward" else (lambda: nf(g, x))
    if torch is not None:
        xt, gt = _peers.torch_tensor(torch, x), _peers.torch_tensor(torch, g)
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


def _numpy_softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _numpy_logsumexp(a):
    m = a.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=-1, keepdims=True)))[:, 0]


def _numpy_log_softmax(a):
    s = a - a.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def _row_calls(name: str, mode: str, x: np.ndarray, g: np.ndarray, torch, jaxm):
    """The same for a row-wise op or swiglu on x viewed as rows; None for a mode it lacks."""
    import fastact as fa

    if mode == "derivative":
        return None
    width = 2 * ROW if name == "swiglu" else ROW
    x2, g2 = x.reshape(-1, width), g.reshape(-1, width)
    calls = {}
    xt = gt = None
    if torch is not None:
        xt, gt = _peers.torch_tensor(torch, x2), _peers.torch_tensor(torch, g2)
    if name in ("softmax", "log_softmax"):
        op = getattr(fa, name)
        y = op(x2)
        out = np.empty_like(x2)
        if mode == "forward":
            calls = {"out": lambda: op(x2, out=out), "alloc": lambda: op(x2),
                     "numpy": lambda: (_numpy_softmax if name == "softmax" else _numpy_log_softmax)(x2)}
            if torch is not None:
                tf = torch.softmax if name == "softmax" else torch.log_softmax
                calls["torch"] = lambda: tf(xt, -1)
            if jaxm is not None:
                jf = jaxm[0].nn.softmax if name == "softmax" else jaxm[0].nn.log_softmax
                calls["jax"] = _peers.jax_timer(*jaxm, jf, x2)
        else:
            calls = {"out": lambda: op.backward(g2, y, out=out), "alloc": lambda: op.backward(g2, y)}
            if torch is not None:
                yt = _peers.torch_tensor(torch, y)
                bw = torch.ops.aten._softmax_backward_data if name == "softmax" else torch.ops.aten._log_softmax_backward_data
                calls["torch"] = lambda: bw(gt, yt, -1, yt.dtype)
        return calls
    if name == "logsumexp":  # one value per row: no out=
        if mode == "forward":
            calls = {"alloc": lambda: fa.logsumexp(x2), "numpy": lambda: _numpy_logsumexp(x2)}
            if torch is not None:
                calls["torch"] = lambda: torch.logsumexp(xt, -1)
            if jaxm is not None:
                calls["jax"] = _peers.jax_timer(*jaxm, lambda a: jaxm[0].nn.logsumexp(a, axis=-1), x2)
        else:
            gr = np.ascontiguousarray(g2[:, 0])
            calls = {"alloc": lambda: fa.logsumexp.backward(gr, x2)}
            if torch is not None:
                gt1 = _peers.torch_tensor(torch, gr)

                def torch_grad():
                    xr = xt.detach().requires_grad_()
                    torch.logsumexp(xr, -1).backward(gt1)
                    return xr.grad

                calls["torch"] = torch_grad
        return calls
    if name == "cross_entropy":
        rows = x2.shape[0]
        target = (np.arange(rows) * 7919) % ROW
        if mode == "forward":
            calls = {"alloc": lambda: fa.cross_entropy(x2, target)}
            if torch is not None:
                tt = torch.from_numpy(target)
                calls["torch"] = lambda: torch.nn.functional.cross_entropy(xt, tt)
        else:
            calls = {"alloc": lambda: fa.cross_entropy.backward(x2, target)}
            if torch is not None:
                tt = torch.from_numpy(target)

                def torch_grad():
                    xr = xt.detach().requires_grad_()
                    torch.nn.functional.cross_entropy(xr, tt).backward()
                    return xr.grad

                calls["torch"] = torch_grad
        return calls
    # swiglu: silu(first half) * second half
    half = x2.shape[1] // 2
    if mode == "forward":
        out = np.empty((x2.shape[0], half), x2.dtype)
        calls = {"out": lambda: fa.swiglu(x2, out=out), "alloc": lambda: fa.swiglu(x2)}
        if torch is not None:
            calls["torch"] = lambda: torch.nn.functional.silu(xt[:, :half]) * xt[:, half:]
        if jaxm is not None:
            calls["jax"] = _peers.jax_timer(*jaxm, lambda a: jaxm[0].nn.silu(a[:, :half]) * a[:, half:], x2)
    else:
        gh = np.ascontiguousarray(g2[:, :half])
        calls = {"alloc": lambda: fa.swiglu.backward(gh, x2)}
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
        sys.stderr.flush()

    def clear(self) -> None:
        """Erases the bar, so a table row printed next starts on a clean line."""
        if self.live:
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


def _dtype(name: str) -> np.dtype:
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise SystemExit('--dtypes bfloat16 needs ml_dtypes: pip install "fastact[bfloat16]"') from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def run_bench(ops, sizes, dtypes, modes, threads_list=None, json_path=None, plot_path=None, isas=None,
              row_ops=()) -> int:
    """Prints (and optionally saves and plots) the table. ``ops``: elementwise op objects;
    ``row_ops``: names from ROW_OPS; ``isas``: instruction sets to repeat the table for (default:
    the one in use)."""
    info = cpu_info()
    threads_list = threads_list or [get_num_threads()]
    isas = isas or [info["isa"]]
    peers = _peers.versions()
    jaxm = _peers.jax_modules()
    names = ", ".join(f"{k} {v}" for k, v in peers.items()) or "none installed (PyTorch and JAX are optional; install them to compare)"
    print(f"fastact {', '.join(isas)} on {cpu_name()}, {info['available_cpus']} CPU(s); "
          f"NumPy {np.__version__} (its own ufunc or the idiomatic expression, in the input's dtype); peers: {names}")
    print("ns/element, best of 5; out= preallocated, alloc = allocating; vs peer = fastest peer / fastact alloc; "
          "floor = fastact out= / np.copyto\n")
    header = (f"{'op':<13} {'mode':<10} {'dtype':<8} {'isa':<6} {'size':>9} {'thr':>3} {'out=':>7} {'alloc':>7} "
              f"{'numpy':>7} {'torch':>7} {'jax':>7} {'vs peer':>8} {'floor':>6}")
    print(header)
    print("-" * len(header))
    items = [(op, op.label) for op in ops] + [(None, name) for name in row_ops]
    progress = _Progress(len(items) * len(modes) * len(dtypes) * len(sizes) * len(threads_list) * len(isas))
    records = []
    rng = np.random.default_rng(0)
    before, isa_before = get_num_threads(), info["isa"]
    cpus = None
    try:
        for threads in threads_list:
            set_num_threads(threads)
            torch = _peers.torch_module(threads)
            _restore_cpus(cpus)
            cpus = _confine_to_cpus(threads)
            for dtype_name in dtypes:
                dtype = _dtype(dtype_name)
                for size in sizes:
                    x = (rng.standard_normal(size) * 3).astype(dtype)
                    g = rng.standard_normal(size).astype(dtype)
                    out = np.empty_like(x)
                    floor = ns_per_element(lambda: np.copyto(out, x), size)
                    for isa in isas:
                        _core.set_isa(isa)
                        for op, label in items:
                            for mode in modes:
                                progress.step(f"{label} {mode} {dtype_name} {size} {isa}")
                                if op is not None:
                                    calls = _elementwise_calls(op, mode, x, g, out, torch, jaxm)
                                elif size % (2 * ROW):
                                    calls = None  # rows need a multiple of the row length
                                else:
                                    calls = _row_calls(label, mode, x, g, torch, jaxm)
                                if calls is None:
                                    continue
                                times = {k: ns_per_element(c, size) for k, c in calls.items()}
                                r = {"op": label, "mode": mode, "dtype": dtype_name, "isa": isa, "size": size,
                                     "threads": threads, "fastact_out": times.get("out"),
                                     "fastact_alloc": times["alloc"], "copy_floor": floor}
                                r.update({p: times[p] for p in ("numpy", "torch", "jax") if p in times})
                                ran = [times[p] for p in ("numpy", "torch", "jax") if p in times]
                                r["speedup_vs_peer"] = min(ran) / times["alloc"] if ran else None
                                r["fraction_of_floor"] = times["out"] / floor if "out" in times else None
                                records.append(r)
                                progress.clear()
                                vs = "-" if r["speedup_vs_peer"] is None else f"{r['speedup_vs_peer']:.2f}x"
                                fl = "-" if r["fraction_of_floor"] is None else f"{r['fraction_of_floor']:.2f}"
                                print(f"{label:<13} {mode:<10} {dtype_name:<8} {isa:<6} {size:>9} {threads:>3} "
                                      f"{_fmt(r['fastact_out']):>7} {_fmt(r['fastact_alloc']):>7} "
                                      f"{_fmt(r.get('numpy')):>7} {_fmt(r.get('torch')):>7} {_fmt(r.get('jax')):>7} "
                                      f"{vs:>8} {fl:>6}", flush=True)
    finally:
        progress.clear()
        set_num_threads(before)
        _core.set_isa(isa_before)
        _restore_cpus(cpus)
    meta = {"isa": info["isa"], "isas": isas, "cpu": cpu_name(), "cpus": info["available_cpus"],
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
    from .plot import pyplot

    plt = pyplot()
    first = records[0]
    rows = [r for r in records if all(r[k] == first[k] for k in ("dtype", "size", "threads", "mode", "isa"))]
    libs = [("fastact_alloc", "fastact"), ("torch", "PyTorch"), ("jax", "JAX"), ("numpy", "NumPy")]
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
