"""Saturated inputs against typical ones: every elementwise op's forward and derivative on 1M
float32 (or float64) elements, one thread, for N(0, 9) inputs, for far-tail inputs (|x| from 30 to
1e4, both signs, where results and their intermediate terms approach or leave the normal range)
and for +-inf / NaN; then the row-wise ops on (1024, 1024) rows whose second half is masked with
-inf or -1e4 (attention masks). A kernel whose tail lanes form subnormal numbers on the way (even
ones it discards) takes a microcode assist per vector on many x86 CPUs and runs several times
slower there; these tables show where that is left.

    python benchmarks/saturated_inputs.py [--ops gelu softplus ...] [--dtype float64]
"""

import argparse

import numpy as np

import fastact as fa
from fastact._bench import ns_per_element


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", nargs="+", default=list(fa._cases()))
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args()
    ops = [fa._cases()[name] for name in args.ops]
    threads = fa.get_num_threads()
    fa.set_num_threads(1)
    n = 1 << 20
    rng = np.random.default_rng(0)
    inputs = {
        "N(0, 9)": rng.standard_normal(n) * 3,
        "|x| 30..1e4": rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(1.5, 4, n),
        "inf, NaN": rng.choice([np.inf, -np.inf, np.nan], n),
    }
    inputs = {k: v.astype(args.dtype) for k, v in inputs.items()}
    out = np.empty(n, args.dtype)
    print(f"1M {args.dtype}, 1 thread, ns/element: forward / derivative for each kind of input")
    print(f"{'op':<12} " + " ".join(f"{k:>15}" for k in inputs) + "  worst / typical")
    for op in ops:
        cells, worst, typical = [], 0.0, None
        for x in inputs.values():
            f = ns_per_element(lambda: op(x, out=out), n)
            d = ns_per_element(lambda: op.derivative(x, out=out), n)
            typical = typical or max(f, d)
            worst = max(worst, f, d)
            cells.append(f"{f:6.2f} / {d:6.2f}")
        print(f"{op.label:<12} " + " ".join(f"{c:>15}" for c in cells) + f"  {worst / typical:6.1f}", flush=True)

    rows = rng.standard_normal((1024, 1024)).astype(args.dtype)
    masked = {"none": rows, "-inf": rows.copy(), "-1e4": rows.copy()}
    masked["-inf"][:, 512:] = -np.inf
    masked["-1e4"][:, 512:] = -1e4
    g, out = np.ones_like(rows), np.empty_like(rows)
    print(f"\n(1024, 1024) {args.dtype}, 1 thread, ns/element, second half of each row masked with:")
    print(f"{'call':<24} " + " ".join(f"{k:>8}" for k in masked))
    calls = {
        "softmax": lambda a, y: fa.softmax(a, out=out),
        "log_softmax": lambda a, y: fa.log_softmax(a, out=out),
        "log_softmax.backward": lambda a, y: fa.log_softmax.backward(g, y["log_softmax"], out=out),
        "softmax.backward": lambda a, y: fa.softmax.backward(g, y["softmax"], out=out),
        "logsumexp": lambda a, y: fa.logsumexp(a),
    }
    outputs = [{"softmax": fa.softmax(a), "log_softmax": fa.log_softmax(a)} for a in masked.values()]
    for name, call in calls.items():
        times = [ns_per_element(lambda: call(a, y), rows.size) for a, y in zip(masked.values(), outputs)]
        print(f"{name:<24} " + " ".join(f"{t:8.3f}" for t in times), flush=True)
    fa.set_num_threads(threads)


if __name__ == "__main__":
    main()
