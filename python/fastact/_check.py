"""``python -m fastact check``: a table of each op's ULP error against fastact.reference."""

from __future__ import annotations

import sys
import time

from . import accuracy, cpu_info


def _progress(label: str):
    interactive = sys.stderr.isatty()
    start = time.perf_counter()

    def report(fraction: float) -> None:
        if interactive:
            elapsed = time.perf_counter() - start
            eta = elapsed / fraction - elapsed if fraction > 0 else 0.0
            sys.stderr.write(f"\r  {label:<24} {fraction:6.1%}  eta {eta:5.0f} s")
            sys.stderr.flush()
            if fraction >= 1.0:
                sys.stderr.write("\r" + " " * 50 + "\r")

    return report


def run_check(ops, exhaustive: bool) -> int:
    sweep = "every float32 (2^32 inputs)" if exhaustive else "every 251st float32 bit pattern (17.1M inputs)"
    print(f"fastact {cpu_info()['isa']}: ULP error vs fastact.reference (float64), float32, {sweep}")
    print("ULP measured where the result is a normal float; smaller results may flush (abs err < 2^-126).\n")
    header = f"{'op':<12} {'function':<11} {'max ULP':>8} {'mean ULP':>9} {'bound':>6} {'worst x':>15}  ok"
    print(header)
    print("-" * len(header))
    failed = 0
    for op in ops:
        name = op.label
        for kind in ("forward", "derivative"):
            stats = accuracy.sweep_float32(op, kind, exhaustive, _progress(f"{name} {kind}"))
            limit = accuracy.bound(op.spec, kind, "float32")
            ok = stats.violations == 0
            failed += not ok
            mark = "yes" if ok else f"NO ({stats.violations} over)"
            limit_s = "exact" if op.spec.exact else f"{limit:g}"
            worst = f"{stats.worst_x:15.8g}" if stats.max_ulp > 0 else f"{'-':>15}"
            print(f"{name:<12} {kind:<11} {stats.max_ulp:8.3f} {stats.mean_ulp:9.4f} {limit_s:>6} {worst}  {mark}",
                  flush=True)
    return 1 if failed else 0
