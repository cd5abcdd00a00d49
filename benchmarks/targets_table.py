"""The speed targets of the performance contract (docs/performance.md), measured in one run:

  1. memory-bound: 16M float32 with out= on all threads, every forward against np.copyto and every
     backward against np.add(a, b, out=c) on the same arrays;
  2. allocating calls (out=None) on 16M float32 against np.maximum(x, 0) and PyTorch (if installed);
  3. subnormal inputs against normal ones (1M float32, one thread);
  4. value_and_derivative against the forward alone (1M float32, one thread), both writing into
     preallocated arrays (out=) and both allocating their results.

    python benchmarks/targets_table.py [--ops relu gelu ...]
"""

import argparse

import numpy as np

import fastact as fa
from fastact._bench import ns_per_element
from fastact._peers import torch_forward, torch_module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", nargs="+", default=list(fa._cases()))
    ops = [fa._cases()[name] for name in parser.parse_args().ops]
    threads = fa.get_num_threads()
    rng = np.random.default_rng(0)

    big = 1 << 24
    x = (rng.standard_normal(big) * 3).astype(np.float32)
    g = rng.standard_normal(big).astype(np.float32)
    out = np.empty_like(x)
    copy = ns_per_element(lambda: np.copyto(out, x), big)
    add = ns_per_element(lambda: np.add(x, g, out=out), big)
    fresh = ns_per_element(lambda: np.maximum(x, 0), big)
    torch = torch_module(threads)
    xt = torch.from_numpy(x) if torch else None
    print(f"16M float32, {threads} thread(s): np.copyto {copy:.3f}, np.add(out=) {add:.3f}, np.maximum(x, 0) {fresh:.3f} ns/element")
    print(f"{'op':<12} {'fwd out=':>9} {'/copy':>6} {'bwd out=':>9} {'/add':>6} {'fwd alloc':>10} {'/np.max':>8} {'torch':>7}")
    for op in ops:
        f = ns_per_element(lambda: op(x, out=out), big)
        b = ns_per_element(lambda: fa_backward(op, g, x, out), big)
        a = ns_per_element(lambda: op(x), big)
        tf = torch_forward(torch, op.label) if torch else None
        t = ns_per_element(lambda: tf(xt), big) if tf else None
        print(f"{op.label:<12} {f:9.3f} {f / copy:6.2f} {b:9.3f} {b / add:6.2f} {a:10.3f} {a / fresh:8.2f} "
              f"{'-' if t is None else f'{t:.3f}':>7}", flush=True)

    fa.set_num_threads(1)
    n = 1 << 20
    normal = (rng.standard_normal(n) * 3).astype(np.float32)
    tiny = (rng.uniform(-1, 1, n) * np.finfo(np.float32).tiny).astype(np.float32)  # subnormal inputs
    out, out2 = np.empty_like(normal), np.empty_like(normal)
    print("\n1M float32, 1 thread: subnormal inputs / normal inputs; value_and_derivative / forward, out= and allocating")
    for op in ops:
        t_normal = ns_per_element(lambda: op(normal, out=out), n)
        t_tiny = ns_per_element(lambda: op(tiny, out=out), n)
        t_vd = ns_per_element(lambda: op.value_and_derivative(normal, out=(out, out2)), n)
        t_vd_alloc = ns_per_element(lambda: op.value_and_derivative(normal), n)
        t_fwd_alloc = ns_per_element(lambda: op(normal), n)
        print(f"{op.label:<12} subnormal {t_tiny:6.3f} / normal {t_normal:6.3f} = {t_tiny / t_normal:5.2f}   "
              f"v&d {t_vd:6.3f} / fwd {t_normal:6.3f} = {t_vd / t_normal:5.2f}   "
              f"allocating {t_vd_alloc:6.3f} / {t_fwd_alloc:6.3f} = {t_vd_alloc / t_fwd_alloc:5.2f}", flush=True)
    fa.set_num_threads(threads)


def fa_backward(op, g, x, out):
    return op.backward(g, x, out=out)


if __name__ == "__main__":
    main()
