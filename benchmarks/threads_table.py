"""One thread against every thread, per size: ns/element of relu, sigmoid and gelu (float32, out=
given), and the np.copyto floor for the large sizes.

    python benchmarks/threads_table.py
"""

import numpy as np

import fastact as fa
from fastact._bench import ns_per_element


def main() -> None:
    threads = fa.get_num_threads()
    print(f"fastact {fa.cpu_info()['isa']}: 1 thread / {threads} threads, ns/element (float32, out= given)")
    for n in [1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 20, 1 << 24]:
        x = (np.random.default_rng(0).standard_normal(n) * 3).astype(np.float32)
        out = np.empty_like(x)
        row = [f"{n:>9}"]
        for name in ["relu", "sigmoid", "gelu"]:
            op = fa.get(name)
            t = []
            for th in (1, threads):
                fa.set_num_threads(th)
                t.append(ns_per_element(lambda: op(x, out=out), n))
            row.append(f"{name} {t[0]:.3f}/{t[1]:.3f} ({t[0] / t[1]:.2f}x)")
        if n >= 1 << 20:
            copy = ns_per_element(lambda: np.copyto(out, x), n)
            row.append(f"np.copyto {copy:.3f}")
        print("  ".join(row), flush=True)
    fa.set_num_threads(threads)


if __name__ == "__main__":
    main()
