"""Per-call cost at a size where the kernel is nothing (16 elements, float32): what a call itself
costs, fastact against NumPy's ufuncs and PyTorch (when installed), best of 7 timeit runs, with
each call's margin over ``np.add(x, y)`` (the target: at most 0.2 µs).

    python benchmarks/call_overhead.py [--elements 16]

The same calls are in the pytest-benchmark suite (benchmarks/test_call_overhead.py).
"""

import argparse
import timeit

from call_cases import YARDSTICK, call_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=int, default=16)
    n = parser.parse_args().elements
    print(f"{n} float32 elements, µs per call (best of 7 runs of 100,000 calls); margin = call - {YARDSTICK}")
    floor = None
    for label, call in call_cases(n):
        best = min(timeit.repeat(call, number=100_000, repeat=7)) / 100_000 * 1e6
        floor = best if floor is None else floor
        margin = "" if label == YARDSTICK else f"{best - floor:+7.3f}"
        print(f"{label:<38} {best:6.3f} {margin}", flush=True)


if __name__ == "__main__":
    main()
