"""Piecewise polynomial tables for the float32 kernels that pick one polynomial per lane with a
table lookup (lookup32 / lookup16 in cpp/src/simd/): GELU (cpp/src/math/gelu_tables.h), tanhshrink
(cpp/src/math/tanhshrink_table.h, cpp/src/math/tanhshrink_quarter_tables.h) and tanh
(cpp/src/math/tanh_table.h), all written by this script.

GELU. On a = |x| in [0, 15), cut into 30 intervals of width 1/2, float32 GELU takes
    Phi(-a) = e^(-a^2/2) K(a)   (gelu = x Phi(-a) for x < 0, x - x Phi(-a) for x >= 0),
    D(a) = Phi(-a) - a phi(a) = e^(-a^2/2) P2(a),   P2(a) = K(a) - a / sqrt(2 pi),
with K(a) = Phi(-a) e^(a^2/2) (the Mills ratio over sqrt(2 pi)). K and P2 are smooth and slowly
varying, so one degree-6 polynomial per interval, in u = a - center, fits each to < 1e-8 relative;
the exponential carries all of the tail's fall. The center is the interval's midpoint, except
P2's interval [0.5, 1), which is expanded about gelu''s zero (a = 0.75179...) so that the
polynomial's constant term is ~0 and nothing cancels where the derivative crosses zero, and K's
interval [0, 0.5), expanded about 0 (its constant term is 1/2 exactly, and u = a).

Coefficients are fitted in float64 (Lawson's iteration towards the minimax fit in relative error,
on 600 Chebyshev points per interval, values from mpmath at 40 digits), rounded to float32; the
constant term's rounding error is kept as a second float32 (c0_lo) the kernel adds back.

tanhshrink. t(a) = a - tanh(a) and t'(a) = tanh(a)^2 on a in [1/2, 9.4], cut into quarter binades
[2^e (1 + k/4), 2^e (1 + (k+1)/4)) (entry 4 (e + 1) + k), the last of the 16, entry 15, stretched
to [7, 9.4] (from 9.02 on, a - 1 is t(a) rounded; from 9.4, tanh^2 rounds to 1): one degree-5
polynomial per interval about its midpoint. The interval comes from a's exponent and top two
significand bits, and 16 entries fit one single-register permute (lookup16). Below 1/2:
t = a^3 T(a^2) and t' = a^2 (1 + a^2 R(a^2)), 8 terms each, fitted here too.

tanh. tanh(a) on a = |x| in [1/16, 10), one degree-5 polynomial per quarter binade about its
midpoint ([8, 10) is one interval), for the AVX-512 and scalar float32 path: the entry is a's
exponent and top two significand bits (the float's bits shifted right by 21) modulo 32, so one
two-register permute picks it with no arithmetic on the index. a is clamped to [1/16 - ulp, 10]
first: below 1/16 the entry holds tanh's odd Taylor polynomial a - a^3/3 + 2a^5/15 (the next term
is below 0.06 ULP there), and from 10 on the constant 1. tanhshrink's value and derivative get
32-entry tables on the same intervals for the same paths (AVX-512, scalar): there the series is
used only below 1/16, and the value's top entry is a - 1 (center 1, u = a - 1 unclamped).

    python tools/fit_lookup_tables.py         # prints the fits' errors, rewrites the four headers

Needs mpmath and numpy (dev only).
"""

from __future__ import annotations

import pathlib

import mpmath as mp
import numpy as np

mp.mp.dps = 40
WIDTH = 0.5
INTERVALS = 30
TABLE = 32  # entries per table (one AVX-512 two-register permute)
DEGREE = 6
SQRT_2PI = mp.sqrt(2 * mp.pi)
MATH = pathlib.Path(__file__).resolve().parent.parent / "cpp" / "src" / "math"
SHRINK_DEGREE = 5
SHRINK_FIRST_EXPONENT = -1  # the table starts at 1/2; below, the series a^3 T(a^2)
SHRINK_END = 9.4  # the last of the 16 intervals, [7, 9.4], is stretched: one single-register permute
SHRINK_TABLE = 16
SHRINK_SERIES_TERMS = 8
TANH_START, TANH_END = 1 / 16, 10.0  # the table's first quarter binade and its clamp at the top
TANH_DEGREE = 5


def mills(a):
    return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2)


FUNCTIONS = {
    "K": mills,
    "P2": lambda a: mills(a) - a / SQRT_2PI,
}


def lawson(f, lo, hi, degree, points=600, iterations=80):
    """Polynomial coefficients (c0 first) near the minimax fit of f on [lo, hi] in relative error."""
    t = lo + (1 - np.cos(np.pi * (np.arange(points) + 0.5) / points)) / 2 * (hi - lo)
    y = np.array([float(f(mp.mpf(float(v)))) for v in t])
    basis = t[:, None] ** np.arange(degree + 1)
    weight = np.ones(points)
    for _ in range(iterations):
        c, *_ = np.linalg.lstsq(basis * (weight / np.abs(y))[:, None], y * weight / np.abs(y), rcond=None)
        err = (basis @ c - y) / y
        weight = weight * np.sqrt(np.abs(err))
        weight = np.maximum(weight / weight.max(), 1e-12)
    return c, float(np.abs(err).max())


def fit_table(name):
    f = FUNCTIONS[name]
    zero = float(np.float32(float(mp.findroot(FUNCTIONS["P2"], 0.75))))
    centers, coefs, worst = [], [], 0.0
    for i in range(INTERVALS):
        lo, hi = i * WIDTH, (i + 1) * WIDTH
        # K's interval 0 about a = 0: u = a exactly and c0 = 1/2, so for small |x| the value's
        # rounding errors fall on terms that vanish with a
        center = zero if (name == "P2" and i == 1) else 0.0 if (name == "K" and i == 0) else (lo + hi) / 2
        centers.append(center)
        c, err = lawson(lambda u: f(mp.mpf(center) + u), lo - center, hi - center, DEGREE)
        coefs.append(c)
        worst = max(worst, err)
    print(f"{name}: {INTERVALS} intervals, degree {DEGREE}, max relative fit error {worst:.2e}")
    return np.array(centers), np.array(coefs)


def literal(v):
    return f"{float(np.float32(v))!r}f"


def array(name, values, size=TABLE):
    values = list(values) + [0.0] * (size - len(values))
    rows = [", ".join(literal(v) for v in values[k : k + 6]) for k in range(0, size, 6)]
    body = ",\n    ".join(rows)
    return f"  alignas(64) static constexpr float {name}[{size}] = {{\n    {body}}};\n"


def shrink_intervals():
    out = []
    e = SHRINK_FIRST_EXPONENT
    while len(out) < SHRINK_TABLE:
        out += [(2.0**e * (1 + k / 4), 2.0**e * (1 + (k + 1) / 4)) for k in range(4)]
        e += 1
    out = out[:SHRINK_TABLE]
    out[-1] = (out[-1][0], SHRINK_END)
    return out


def fit_quarter_binades(f):
    centers, coefs, worst = [], [], 0.0
    for lo, hi in shrink_intervals():
        center = (lo + hi) / 2
        c, err = lawson(lambda u: f(mp.mpf(center) + u), lo - center, hi - center, SHRINK_DEGREE)
        centers.append(center)
        coefs.append(c)
        worst = max(worst, err)
    return centers, np.array(coefs), worst


def table_struct(name, centers, coefs, size, extra=""):
    """A C++ struct of `size`-entry arrays: centers, c0's rounding error, then each coefficient."""
    rounded = coefs.astype(np.float32)
    text = (f"struct {name} {{\n" + array("kCenter", centers, size)
            + array("kC0Lo", coefs[:, 0] - rounded[:, 0].astype(np.float64), size))
    for k in range(coefs.shape[1]):
        text += array(f"kC{k}", rounded[:, k], size)
    return text + extra + "};\n"


def write_tanhshrink_table():
    def t_of(a):
        return a - mp.tanh(a)

    def cubic(u):  # T(u) = (a - tanh a) / a^3 at u = a^2
        if u < mp.mpf(10) ** -30:
            return mp.mpf(1) / 3 - 2 * u / 15
        a = mp.sqrt(u)
        return t_of(a) / a**3

    def square_rest(u):  # R(u) = ((tanh a / a)^2 - 1) / u at u = a^2
        if u < mp.mpf(10) ** -30:
            return mp.mpf(-2) / 3 + 17 * u / 45
        a = mp.sqrt(u)
        return ((mp.tanh(a) / a) ** 2 - 1) / u

    centers, coefs, worst = fit_quarter_binades(t_of)
    print(f"tanhshrink: {len(centers)} intervals, degree {SHRINK_DEGREE}, max relative fit error {worst:.2e}")
    series, err = lawson(cubic, 0.0, 1 / 4, SHRINK_SERIES_TERMS - 1)
    print(f"tanhshrink series: {SHRINK_SERIES_TERMS} terms on a^2 in [0, 1/4], max relative error {err:.2e}")
    slope_centers, slope_coefs, slope_worst = fit_quarter_binades(lambda a: mp.tanh(a) ** 2)
    print(f"tanhshrink': {len(slope_centers)} intervals, degree {SHRINK_DEGREE}, max relative fit error {slope_worst:.2e}")
    slope_series, slope_err = lawson(square_rest, 0.0, 1 / 4, SHRINK_SERIES_TERMS - 1)
    print(f"tanhshrink' series: {SHRINK_SERIES_TERMS} terms on a^2 in [0, 1/4], max relative error {slope_err:.2e}")
    third = np.float32(series[0])
    value = table_struct("TanhshrinkTable", centers, coefs, SHRINK_TABLE,
                         "  // a^3 T(a^2) below 1/2: T's constant as hi + lo, then T's other terms\n"
                         f"  static constexpr float kSeriesC0Hi = {literal(third)}, kSeriesC0Lo = {literal(series[0] - float(third))};\n"
                         f"  static constexpr float kSeries[{SHRINK_SERIES_TERMS - 1}] = {{{', '.join(literal(v) for v in series[1:])}}};\n")
    slope = table_struct("TanhshrinkSlopeTable", slope_centers, slope_coefs, SHRINK_TABLE,
                         "  // a^2 (1 + a^2 R(a^2)) below 1/2: R's terms\n"
                         f"  static constexpr float kSeries[{SHRINK_SERIES_TERMS}] = {{{', '.join(literal(v) for v in slope_series)}}};\n")
    path = MATH / "tanhshrink_table.h"
    path.write_text(
        "// Generated by tools/fit_lookup_tables.py (do not edit): per-interval polynomials for float32\n"
        f"// tanhshrink, a - tanh(a) (TanhshrinkTable), and its derivative tanh(a)^2 (TanhshrinkSlopeTable),\n"
        f"// on a = |x| in [1/2, {SHRINK_END:g}], in quarter binades [2^e (1 + k/4), 2^e (1 + (k + 1)/4)),\n"
        f"// entry 4 (e + 1) + k (entry 15: [7, {SHRINK_END:g}]). Entry i holds c_k of c(u) = sum c_k u^k,\n"
        "// u = a - kCenter[i], and kC0Lo[i], c0's rounding error. Max relative fit error\n"
        f"// {max(worst, slope_worst):.1e}; the series below 1/2, {max(err, slope_err):.1e}.\n"
        "#pragma once\n\nnamespace fastact::math {\n\n" + value + "\n" + slope + "\n}  // namespace fastact::math\n"
    )
    print(f"wrote {path}")


def write_gelu_tables():
    parts = [table_struct(struct, *fit_table(name), TABLE)
             for name, struct in (("K", "GeluValueTable"), ("P2", "GeluSlopeTable"))]
    path = MATH / "gelu_tables.h"
    path.write_text(
        "// Generated by tools/fit_lookup_tables.py (do not edit): per-interval polynomials for float32\n"
        "// GELU on a = |x| in [0, 15), 30 intervals of width 1/2 (entries 30 and 31 pad the tables to\n"
        "// 32, one AVX-512 two-register permute). Entry i holds c_k of c(u) = sum c_k u^k, u = a - kCenter[i],\n"
        "// and kC0Lo[i], c0's rounding error. GeluValueTable: K(a) = Phi(-a) e^(a^2/2); GeluSlopeTable:\n"
        "// P2(a) = (Phi(-a) - a phi(a)) e^(a^2/2). Max relative fit error < 1e-8 (see the script).\n"
        "#pragma once\n\nnamespace fastact::math {\n\n"
        + "\n".join(parts)
        + "\n}  // namespace fastact::math\n"
    )
    print(f"wrote {path}")


def quarter_binade(a):
    """a's exponent and top two significand bits: its float32 bit pattern shifted right by 21."""
    return int(np.array(a, dtype=np.float32).view(np.uint32)) >> 21


def fit_bits_indexed(f, below, top):
    """A 32-entry table of f on the quarter binades of [TANH_START, TANH_END), at entry (bits of a
    >> 21) mod 32 ([8, 10) is one interval), each a degree-TANH_DEGREE polynomial about its midpoint;
    `below` and `top`, (center, coefficients) pairs, fill the entries of the clamped a below
    TANH_START and of TANH_END. Returns the centers, the coefficients and the worst fit error."""
    entries, worst = {}, 0.0
    first, last = quarter_binade(TANH_START), quarter_binade(TANH_END)
    for q in range(first, last):
        lo = float(np.uint32(q << 21).view(np.float32))
        hi = TANH_END if q == last - 1 else float(np.uint32((q + 1) << 21).view(np.float32))
        center = (lo + hi) / 2
        c, err = lawson(lambda u: f(mp.mpf(center) + u), lo - center, hi - center, TANH_DEGREE)
        entries[q % TABLE] = (center, c)
        worst = max(worst, err)
    entries[(first - 1) % TABLE] = (below[0], np.array(below[1], dtype=float))
    entries[last % TABLE] = (top[0], np.array(top[1], dtype=float))
    unused = (0.0, np.zeros(TANH_DEGREE + 1))
    centers = [entries.get(i, unused)[0] for i in range(TABLE)]
    coefs = np.array([entries.get(i, unused)[1] for i in range(TABLE)])
    return centers, coefs, worst


def write_tanh_table():
    # Below 1/16 (clamped to the quarter binade just below it): the odd Taylor polynomial about 0,
    # so tiny a keeps every bit (u = a, c0 = 0). From 10 on (clamped to 10's entry, u = 0): 1.
    centers, coefs, worst = fit_bits_indexed(mp.tanh, (0.0, [0.0, 1.0, 0.0, -1.0 / 3.0, 0.0, 2.0 / 15.0]),
                                             (TANH_END, [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]))
    print(f"tanh: quarter binades of [{TANH_START:g}, {TANH_END:g}), degree {TANH_DEGREE}, max relative fit error {worst:.2e}")
    path = MATH / "tanh_table.h"
    path.write_text(
        "// Generated by tools/fit_lookup_tables.py (do not edit): per-interval polynomials for float32\n"
        f"// tanh(a), a = |x|, on quarter binades [2^e (1 + k/4), 2^e (1 + (k + 1)/4)) of [1/16, {TANH_END:g})\n"
        "// ([8, 10) is one interval), at entry (bits of a >> 21) mod 32. Entry i holds c_k of\n"
        "// c(u) = sum c_k u^k, u = a - kCenter[i], and kC0Lo[i], c0's rounding error. The entry below\n"
        "// 1/16's is the odd series about 0 (a clamped there when smaller), 10's the constant 1 (a clamped\n"
        f"// to 10 when larger). Max relative fit error {worst:.1e}.\n"
        "#pragma once\n\nnamespace fastact::math {\n\n" + table_struct("TanhTable", centers, coefs, TABLE)
        + "\n}  // namespace fastact::math\n"
    )
    print(f"wrote {path}")


def write_tanhshrink_quarter_tables():
    # a - tanh a: below 1/16 the kernel takes its series (the entry, the series' first two terms, is
    # a placeholder); from 10 on, center 1 and u = a - 1 unclamped: a - 1, rounded once.
    centers, coefs, worst = fit_bits_indexed(lambda a: a - mp.tanh(a),
                                             (0.0, [0.0, 0.0, 0.0, 1.0 / 3.0, 0.0, -2.0 / 15.0]),
                                             (1.0, [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]))
    # tanh^2 a: below 1/16 the series again (placeholder: a^2 - 2a^4/3), from 10 on the constant 1.
    slope_centers, slope_coefs, slope_worst = fit_bits_indexed(lambda a: mp.tanh(a) ** 2,
                                                               (0.0, [0.0, 0.0, 1.0, 0.0, -2.0 / 3.0, 0.0]),
                                                               (TANH_END, [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]))
    print(f"tanhshrink, tanhshrink' (quarter binades of [{TANH_START:g}, {TANH_END:g})): max relative fit error "
          f"{worst:.2e}, {slope_worst:.2e}")
    path = MATH / "tanhshrink_quarter_tables.h"
    path.write_text(
        "// Generated by tools/fit_lookup_tables.py (do not edit): per-interval polynomials for float32\n"
        "// tanhshrink where a 32-entry lookup is cheap: a - tanh(a) (TanhshrinkQuarterTable) and tanh(a)^2\n"
        f"// (TanhshrinkSlopeQuarterTable), a = |x|, on the quarter binades of [1/16, {TANH_END:g}) at entry\n"
        "// (bits of a >> 21) mod 32, as math/tanh_table.h. Entry i holds c_k of c(u) = sum c_k u^k,\n"
        "// u = a - kCenter[i], and kC0Lo[i]. Below 1/16 the kernel takes its series; from 10 on the value's\n"
        "// entry is a - 1 (center 1, u unclamped) and the slope's the constant 1. Max relative fit error\n"
        f"// {max(worst, slope_worst):.1e}.\n"
        "#pragma once\n\nnamespace fastact::math {\n\n"
        + table_struct("TanhshrinkQuarterTable", centers, coefs, TABLE) + "\n"
        + table_struct("TanhshrinkSlopeQuarterTable", slope_centers, slope_coefs, TABLE)
        + "\n}  // namespace fastact::math\n"
    )
    print(f"wrote {path}")


def main():
    write_gelu_tables()
    write_tanhshrink_table()
    write_tanh_table()
    write_tanhshrink_quarter_tables()


if __name__ == "__main__":
    main()
