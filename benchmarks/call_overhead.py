"""Per-call cost at a size where the kernel is nothing (16 elements, float64): what a call itself
costs, fastact against NumPy's ufuncs and PyTorch (when installed), best of 7 timeit runs.

    python benchmarks/call_overhead.py [--elements 16]

The same calls are in the pytest-benchmark suite (benchmarks/test_call_overhead.py).
"""

import argparse
import timeit

from call_cases import call_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=int, default=16)
    n = parser.parse_args().elements
    print(f"{n} float64 elements, µs per call (best of 7 runs of 100,000 calls)")
    for label, call in call_cases(n):
        best = min(timeit.repeat(call, number=100_000, repeat=7)) / 100_000
        print(f"{label:<36} {best * 1e6:6.3f}", flush=True)


if __name__ == "__main__":
    main()
