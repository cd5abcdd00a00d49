"""The README's speed tables, from the JSON of ``python -m fastact bench --json FILE``: one Markdown
table per dtype, a row per op and mode, fastact's out= time on each ISA of the run, the peers, and
the fastest peer's time over fastact's (allocating, first ISA of the run) time.

    python -m fastact bench --threads 1 --isa all --json bench.json
    python benchmarks/bench_table.py bench.json
"""

from __future__ import annotations

import json
import sys


def fmt(t) -> str:
    return "-" if t is None else (f"{t:.3f}" if t < 10 else f"{t:.1f}")


def main(path: str) -> None:
    data = json.load(open(path))
    meta, rows = data["meta"], data["results"]
    isas = meta.get("isas", [meta["isa"]])
    peers = ", ".join(f"{k} {v}" for k, v in meta["peers"].items()) or "none"
    print(f"{meta['cpu']}, {meta['cpus']} CPU(s); NumPy {meta['numpy']}; peers: {peers}; "
          f"size {rows[0]['size']:,}, {rows[0]['threads']} thread(s), ns/element\n")
    for dtype in dict.fromkeys(r["dtype"] for r in rows):
        cells = {}
        for r in rows:
            if r["dtype"] == dtype:
                cells.setdefault((r["op"], r["mode"]), {})[r["isa"]] = r
        print(f"**{dtype}**\n")
        print("| op | mode | " + " | ".join(f"fastact {i} out=" for i in isas) +
              " | fastact alloc | NumPy | PyTorch | JAX | fastest peer / fastact |")
        print("|---|---|" + "---|" * (len(isas) + 5))
        for (op, mode), by_isa in cells.items():
            first = by_isa[isas[0]]
            vs = first["speedup_vs_peer"]
            print(f"| {op} | {mode} | " + " | ".join(fmt(by_isa.get(i, {}).get("fastact_out")) for i in isas) +
                  f" | {fmt(first['fastact_alloc'])} | {fmt(first.get('numpy'))} | {fmt(first.get('torch'))} | "
                  f"{fmt(first.get('jax'))} | {'-' if vs is None else f'{vs:.2f}x'} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1])
