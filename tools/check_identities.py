"""Bit-for-bit identities over every float32 input (2^32 values, about 2.5 minutes), for the ops whose
exhaustive accuracy row is inherited from another op's: swish(x, beta=1) == silu(x), forward and
derivative. Prints the number of inputs where the bits differ (NaN payloads aside).

    python tools/check_identities.py
"""

import time

import numpy as np

import fastact as fa

PAIRS = {
    "swish(beta=1) vs silu, forward": (lambda x: fa.swish(x, beta=1.0), fa.silu),
    "swish(beta=1) vs silu, derivative": (lambda x: fa.swish.derivative(x, beta=1.0), fa.silu.derivative),
}


def main() -> None:
    start = time.perf_counter()
    differing = dict.fromkeys(PAIRS, 0)
    chunk = 1 << 24
    for first in range(0, 1 << 32, chunk):
        x = np.arange(first, first + chunk, dtype=np.uint64).astype(np.uint32).view(np.float32)
        for name, (f, g) in PAIRS.items():
            a, b = f(x), g(x)
            same = (a.view(np.uint32) == b.view(np.uint32)) | (np.isnan(a) & np.isnan(b))
            differing[name] += int((~same).sum())
    for name, count in differing.items():
        print(f"{name:<36} {count} of 2^32 inputs differ")
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
