"""Where the arrays lie: each op's forward with its output placed at distances from its input
modulo 4 KiB (out - x, in bytes), one thread, float32. An elementwise loop that walks up loads the
next vectors' inputs after storing the last ones; where those share their low 12 address bits
(out - x a little above 0 modulo 4096), the CPU holds the loads until it has compared the full
addresses (4K aliasing). fastact walks down at those distances (cpp/src/prefetch.h), so the
columns should be level; the last column is the slowest distance over the fastest.

    python benchmarks/array_placement.py [--ops squareplus silu ...] [--size 20] [--backward]
"""

import argparse

import numpy as np

import fastact as fa
from fastact._bench import ns_per_element

DISTANCES = (0, 32, 64, 96, 128, 192, 256, 384, 512, -64, -256)


def placed(buffer: np.ndarray, offset: int, n: int) -> np.ndarray:
    """n elements of ``buffer`` starting ``offset`` bytes past a 4096-byte boundary."""
    start = ((offset - buffer.ctypes.data) % 4096) // buffer.itemsize
    view = buffer[start:start + n]
    assert view.ctypes.data % 4096 == offset % 4096
    return view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", nargs="+", default=["squareplus", "silu", "sigmoid", "gelu", "tanh", "relu"])
    parser.add_argument("--size", type=int, default=20, help="log2 of the element count (default 20: 1M)")
    parser.add_argument("--backward", action="store_true", help="time backward(g, x) instead (g beside x)")
    args = parser.parse_args()
    n = 1 << args.size
    threads = fa.get_num_threads()
    fa.set_num_threads(1)
    rng = np.random.default_rng(0)
    values = (rng.standard_normal(n) * 3).astype(np.float32)
    room = n + 2048
    x_buffer, g_buffer, out_buffer = (np.empty(room, np.float32) for _ in range(3))
    x = placed(x_buffer, 0, n)
    x[...] = values
    g = placed(g_buffer, 0, n)
    g[...] = np.cos(values)
    mode = "backward(g, x)" if args.backward else "forward"
    print(f"{n} float32, 1 thread, {mode}, ns/element by out - x (bytes, modulo 4096)")
    print(f"{'op':<12} " + " ".join(f"{d:>6}" for d in DISTANCES) + "  slowest/fastest")
    try:
        for name in args.ops:
            op = fa.get(name)
            times = []
            for d in DISTANCES:
                out = placed(out_buffer, d % 4096, n)
                call = (lambda: op.backward(g, x, out=out)) if args.backward else (lambda: op(x, out=out))
                times.append(ns_per_element(call, n))
            cells = " ".join(f"{t:6.3f}" for t in times)
            print(f"{name:<12} {cells}  {max(times) / min(times):.2f}x")
    finally:
        fa.set_num_threads(threads)


if __name__ == "__main__":
    main()
