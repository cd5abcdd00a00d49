"""Spot-check fastact's float64 results with mpmath at the worst points the longdouble sweep finds.

For every smooth op and kind (forward, derivative): evaluate fastact on the float64 sweep the tests
use (random exponents over [2^-1074, 2^10], both signs) and on dense grids through the trap
regions, rank the points by their ULP error against the np.longdouble reference, and recompute
the 20 worst with mpmath at 60 significant digits. Prints the largest error mpmath confirms.
Near an interior zero of f' (silu, mish, gelu at x ~ -1.28, -1.19, -0.75) the contract is an
absolute error of 2^-53 max|f'| (docs/numerics.md): points within it are left out of the ULP figure,
as the tests and `check` do.

    pip install mpmath; python tools/spot_check_mpmath.py [--ops gelu silu ...]
"""

from __future__ import annotations

import argparse
import math

import mpmath as mp
import numpy as np

import fastact as fa
from fastact import accuracy

mp.mp.dps = 60
# selu's constants as fastact defines them: the float64 values (exact in binary), not the real numbers.
SELU_ALPHA, SELU_SCALE = mp.mpf(1.6732632423543772), mp.mpf(1.0507009873554805)
SQRT_2_OVER_PI = mp.sqrt(2 / mp.pi)


def sig(z):
    return 1 / (1 + mp.exp(-z))


def softplus(z):
    return mp.log1p(mp.exp(z)) if z < 0 else z + mp.log1p(mp.exp(-z))


def gelu_tanh(z):
    u = SQRT_2_OVER_PI * (z + mp.mpf("0.044715") * z**3)
    return z * sig(2 * u)


def gelu_tanh_derivative(z):
    u = SQRT_2_OVER_PI * (z + mp.mpf("0.044715") * z**3)
    du = SQRT_2_OVER_PI * (1 + 3 * mp.mpf("0.044715") * z**2)
    s = sig(2 * u)
    return s + z * 2 * du * s * (1 - s)


# (forward, derivative) at the op's default parameters, exact to 60 digits.
EXACT = {
    "sigmoid": (sig, lambda z: sig(z) * sig(-z)),
    "tanh": (mp.tanh, lambda z: mp.sech(z) ** 2),
    "elu": (lambda z: z if z > 0 else mp.expm1(z), lambda z: mp.mpf(1) if z > 0 else mp.exp(z)),
    "selu": (lambda z: SELU_SCALE * (z if z > 0 else SELU_ALPHA * mp.expm1(z)),
             lambda z: SELU_SCALE * (1 if z > 0 else SELU_ALPHA * mp.exp(z))),
    "celu": (lambda z: z if z > 0 else mp.expm1(z), lambda z: mp.mpf(1) if z > 0 else mp.exp(z)),
    "softsign": (lambda z: z / (1 + abs(z)), lambda z: 1 / (1 + abs(z)) ** 2),
    "silu": (lambda z: z * sig(z), lambda z: sig(z) * (1 + z * sig(-z))),
    "swish": (lambda z: z * sig(z), lambda z: sig(z) * (1 + z * sig(-z))),
    "softplus": (softplus, sig),
    "log_sigmoid": (lambda z: -softplus(-z), lambda z: sig(-z)),
    "mish": (lambda z: z * mp.tanh(softplus(z)),
             lambda z: mp.tanh(softplus(z)) + z * mp.sech(softplus(z)) ** 2 * sig(z)),
    "gelu": (lambda z: z * mp.ncdf(z), lambda z: mp.ncdf(z) + z * mp.npdf(z)),
    "gelu[tanh]": (gelu_tanh, gelu_tanh_derivative),
    "tanhshrink": (lambda z: z - mp.tanh(z), lambda z: mp.tanh(z) ** 2),
    "log1mexp": (lambda z: mp.log(-mp.expm1(-abs(z))), lambda z: mp.sign(z) / mp.expm1(abs(z))),
    "squareplus": (lambda z: (z + mp.sqrt(z * z + 4)) / 2, lambda z: (1 + z / mp.sqrt(z * z + 4)) / 2),
}


def inputs() -> np.ndarray:
    rng = np.random.default_rng(0)
    mag = np.ldexp(rng.uniform(1, 2, 200_000), rng.integers(-1074, 11, 200_000))
    sweep = np.where(rng.integers(0, 2, 200_000) == 1, mag, -mag)
    grids = [np.linspace(-750, -3, 200_001), np.linspace(-3, 3, 200_001), np.linspace(3, 40, 100_001)]
    return np.concatenate([sweep, *grids])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", nargs="+", default=list(EXACT))
    args = parser.parse_args()
    x = inputs()
    cases = fa._cases()
    print(f"{'op':<12} {'kind':<11} {'worst ULP (longdouble)':>22} {'worst ULP (mpmath)':>19} {'at x':>24}")
    for name in args.ops:
        op = cases[name]
        for kind, exact in zip(("forward", "derivative"), EXACT[name]):
            y = op(x) if kind == "forward" else op.derivative(x)
            ref_fn = op.reference if kind == "forward" else op.reference_derivative
            ref = ref_fn(x.astype(np.longdouble))
            err = accuracy.ulp_error(y, ref)
            tol = accuracy.abs_tolerance(op.spec, kind, np.float64)
            with np.errstate(invalid="ignore"):
                carved = np.abs(y.astype(np.longdouble) - ref) <= tol
            err[~accuracy.normal_result(ref, np.float64) | carved] = 0.0
            worst = np.argsort(err)[-20:]
            true_worst, at = 0.0, math.nan
            for i in worst:
                t = exact(mp.mpf(float(x[i])))
                if not mp.isfinite(t) or abs(t) < mp.mpf(2) ** -1022:
                    continue
                spacing = mp.mpf(float(np.spacing(abs(np.float64(float(t))))))
                if abs(mp.mpf(float(y[i])) - t) <= tol:
                    continue
                e = float(abs(mp.mpf(float(y[i])) - t) / spacing)
                if e > true_worst:
                    true_worst, at = e, float(x[i])
            print(f"{name:<12} {kind:<11} {err.max():22.3f} {true_worst:19.3f} {at:24.17g}", flush=True)


if __name__ == "__main__":
    main()
