"""Bit-for-bit identities over every float32 input (2^32 values, a few minutes), printing the
number of inputs where the bits differ (NaN payloads aside):

- swish(x, beta=1) == silu(x), forward and derivative (swish's exhaustive accuracy row is silu's);
- value_and_derivative(x) == (f(x), f'(x)) for the ops whose fused kernel shares one exponential
  between the two (so their exhaustive accuracy rows hold for it);
- with --isas, every op's forward and derivative on each named ISA == on the first one (so the
  exhaustive accuracy rows, measured on one ISA, hold for the others; float32 tanh's forward and
  tanhshrink differ between AVX2 and AVX-512/scalar by design, docs/instruction-sets.md, and are
  swept on each);
- with --against CORE (the _core extension file of another build, e.g. the last release
  installed in another virtual environment), every op's forward and derivative against that
  build's, and for every input whose bits changed the ULP error against fastact.reference: a
  kernel change verified over all 2^32 inputs in about a minute per op, where the exhaustive
  check recomputes the reference everywhere (up to 45 minutes per function for gelu).

    python tools/check_identities.py [--only swish tanh ...]
    python tools/check_identities.py --isas avx512 avx2 [--only sigmoid tanh ...]
    python tools/check_identities.py --against OLD/site-packages/fastact/_core*.so --only gelu
"""

import argparse
import importlib.util
import time

import numpy as np

import fastact as fa
from fastact import accuracy

FUSED = ["tanh", "elu", "selu", "celu"]


def identities() -> dict:
    """name -> (f, g), each x -> tuple of arrays, that must agree bit for bit."""
    pairs = {
        "swish": (lambda x: (fa.swish(x, beta=1.0), fa.swish.derivative(x, beta=1.0)),
                  lambda x: (fa.silu(x), fa.silu.derivative(x))),
    }
    for name in FUSED:
        op = fa.get(name)
        pairs[name] = (op.value_and_derivative, lambda x, op=op: (op(x), op.derivative(x)))
    return pairs


def compare_isas(isas, only) -> None:
    """Forward and derivative of every op (or those in ``only``) on each ISA against the first,
    over all 2^32 float32 inputs; outputs are preallocated so the sweep costs the kernels' time."""
    cases = {name: op for name, op in fa._cases().items() if not only or name in only}
    before = fa.cpu_info()["isa"]
    start = time.perf_counter()
    chunk = 1 << 24
    differing = {(name, kind, isa): 0 for name in cases for kind in ("forward", "derivative") for isa in isas[1:]}
    outs = {isa: np.empty(chunk, np.float32) for isa in isas}
    try:
        for first in range(0, 1 << 32, chunk):
            x = np.arange(first, first + chunk, dtype=np.uint64).astype(np.uint32).view(np.float32)
            for name, op in cases.items():
                for kind, f in (("forward", op), ("derivative", op.derivative)):
                    for isa in isas:
                        fa._core.set_isa(isa)
                        f(x, out=outs[isa])
                    a = outs[isas[0]]
                    for isa in isas[1:]:
                        b = outs[isa]
                        same = (a.view(np.uint32) == b.view(np.uint32)) | (np.isnan(a) & np.isnan(b))
                        differing[(name, kind, isa)] += int((~same).sum())
    finally:
        fa._core.set_isa(before)
    for (name, kind, isa), count in differing.items():
        print(f"{name + ' ' + kind + ': ' + isa + ' vs ' + isas[0]:<48} {count} of 2^32 inputs differ")
    print(f"({time.perf_counter() - start:.0f} s)")


def compare_builds(core_path, only) -> None:
    """Every op (or those in ``only``) of this build against the _core at ``core_path``, loaded
    beside it under another package name; changed inputs are measured against the reference."""
    spec = importlib.util.spec_from_file_location("fastact_other_build._core", core_path)
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)
    other.set_isa(fa.cpu_info()["isa"])
    other_ids = {row[0]: row[1] for row in other.op_table()}
    our_names = {row[1]: row[0] for row in fa._core.op_table()}
    chunk = 1 << 22
    ours, theirs = np.empty(chunk, np.float32), np.empty(chunk, np.float32)
    for name, op in fa._cases().items():
        if only and name not in only:
            continue
        kernel, a, b = op._kernel_params({})  # the default kernel and parameters
        other_kernel = other_ids[our_names[kernel]]
        codes = getattr(other, "UNARY_KINDS", {"forward": 0, "derivative": 1})  # older builds: the codes they used
        for kind, code in ((k, codes[k]) for k in ("forward", "derivative")):
            fn, ref_fn = (op, op.reference) if kind == "forward" else (op.derivative, op.reference_derivative)
            stats, changed, start = accuracy.Stats(), 0, time.perf_counter()
            for first in range(0, 1 << 32, chunk):
                x = np.arange(first, first + chunk, dtype=np.uint64).astype(np.uint32).view(np.float32)
                fn(x, out=ours)
                other.unary(other_kernel, code, x, theirs, a, b)
                diff = (ours.view(np.uint32) != theirs.view(np.uint32)) & ~(np.isnan(ours) & np.isnan(theirs))
                if diff.any():
                    xs = x[diff]
                    changed += xs.size
                    stats.add(xs, ours[diff], ref_fn(xs.astype(np.float64), dtype=np.float32),
                              accuracy.bound(op.spec, kind, np.float32), accuracy.abs_tolerance(op.spec, kind, np.float32))
            worst = f"max {stats.max_ulp:.3f} ULP at x = {stats.worst_x!r}, {stats.violations} over the bound" if changed else ""
            print(f"{name} {kind}: {changed} of 2^32 inputs differ from the other build; {worst} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", help="names from: swish " + " ".join(FUSED) + " (with --isas: any op)")
    parser.add_argument("--isas", nargs="+", help="compare every op across these ISAs instead (the first is the reference)")
    parser.add_argument("--against", metavar="CORE", help="compare every op with another build's _core extension file")
    args = parser.parse_args()
    if args.isas:
        return compare_isas(args.isas, args.only)
    if args.against:
        return compare_builds(args.against, args.only)
    pairs = {k: v for k, v in identities().items() if not args.only or k in args.only}
    start = time.perf_counter()
    differing = {name: [0, 0] for name in pairs}
    chunk = 1 << 24
    for first in range(0, 1 << 32, chunk):
        x = np.arange(first, first + chunk, dtype=np.uint64).astype(np.uint32).view(np.float32)
        for name, (f, g) in pairs.items():
            for i, (a, b) in enumerate(zip(f(x), g(x))):
                same = (a.view(np.uint32) == b.view(np.uint32)) | (np.isnan(a) & np.isnan(b))
                differing[name][i] += int((~same).sum())
    labels = {"swish": ("swish(beta=1) vs silu, forward", "swish(beta=1) vs silu, derivative")}
    for name, counts in differing.items():
        for label, count in zip(labels.get(name, (f"{name} value_and_derivative vs forward",
                                                  f"{name} value_and_derivative vs derivative")), counts):
            print(f"{label:<48} {count} of 2^32 inputs differ")
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
