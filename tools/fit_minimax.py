"""Minimax polynomial coefficients for fastact's vector math (cpp/src/math/*.h).

Remez exchange in mpmath (60 digits) for the best polynomial in relative error, then the
coefficients rounded to the target float type. Prints each fit with its max relative error
measured in float64/mpmath after rounding, so the comment next to a constant in C++ can say
where it comes from and how good it is.

    python tools/fit_minimax.py            # every fit the C++ uses
    python tools/fit_minimax.py tanh_f32   # one of them

Needs mpmath and numpy (dev only; not a runtime dependency).
"""

from __future__ import annotations

import sys

import mpmath as mp
import numpy as np

mp.mp.dps = 60


def remez(f, basis, a, b, iterations=30, grid=4000):
    """Coefficients c minimising max |(f(t) - sum c_k basis_k(t)) / f(t)| on [a, b]."""
    n = len(basis)
    # Start from Chebyshev extrema mapped to [a, b].
    ref = [a + (b - a) * (1 - mp.cos(mp.pi * i / (n))) / 2 for i in range(n + 1)]
    ts = [a + (b - a) * (1 - mp.cos(mp.pi * i / grid)) / 2 for i in range(grid + 1)]
    c, best = None, None
    for _ in range(iterations):
        m = mp.matrix(n + 1, n + 1)
        rhs = mp.matrix(n + 1, 1)
        for i, t in enumerate(ref):
            for k in range(n):
                m[i, k] = basis[k](t)
            m[i, n] = (-1) ** i * abs(f(t))
            rhs[i] = f(t)
        try:
            sol = mp.lu_solve(m, rhs)
        except ZeroDivisionError:  # the reference collapsed: the previous fit is the answer
            break
        c = [sol[k] for k in range(n)]

        def err(t):
            return (f(t) - sum(ck * bk(t) for ck, bk in zip(c, basis))) / f(t)

        es = [err(t) for t in ts]
        worst = max(abs(e) for e in es)
        if best is None or worst < best[1]:
            best = (c, worst)
        # New reference: the extremum of each run of equal sign.
        runs, cur = [], [0]
        for i in range(1, len(ts)):
            if mp.sign(es[i]) == mp.sign(es[cur[-1]]) or es[i] == 0:
                cur.append(i)
            else:
                runs.append(cur)
                cur = [i]
        runs.append(cur)
        peaks = [max(r, key=lambda i: abs(es[i])) for r in runs]
        while len(peaks) > n + 1:  # drop the smallest end peak
            peaks.pop(0 if abs(es[peaks[0]]) < abs(es[peaks[-1]]) else -1)
        if len(peaks) < n + 1:
            break
        ref = [ts[i] for i in peaks]
    return best


def check_rounded(f, basis, c, dtype, a, b, samples=20001):
    cr = [mp.mpf(float(dtype(float(ck)))) for ck in c]
    worst = 0
    for i in range(samples):
        t = a + (b - a) * mp.mpf(i) / (samples - 1)
        if f(t) == 0:
            continue
        worst = max(worst, abs((f(t) - sum(ck * bk(t) for ck, bk in zip(cr, basis))) / f(t)))
    return cr, worst


def fit_tanh(dtype, degree_terms, cutoff):
    # tanh(x) = x + x^3 * P(x^2) on |x| <= cutoff; fit P(s) = (tanh(sqrt s) - sqrt s) / sqrt(s)^3,
    # in relative error of P (its error enters tanh scaled by x^2 * P / tanh <= 1/3 of that).
    def f(s):
        if s < mp.mpf(10) ** -20:  # the quotient cancels to nothing there: use the series
            return mp.mpf(-1) / 3 + 2 * s / 15
        r = mp.sqrt(s)
        return (mp.tanh(r) - r) / r**3

    basis = [lambda s, k=k: s**k for k in range(degree_terms)]
    return f, basis, mp.mpf(0), mp.mpf(cutoff) ** 2


def fit_tanhshrink(terms, cutoff):
    # x - tanh(x) = x^3 * Q(x^2) on |x| <= cutoff; fit Q(s) = (sqrt s - tanh(sqrt s)) / sqrt(s)^3
    # (1/3 at 0, 1 - tanh(1) at s = 1), in relative error of Q: it is the result's relative error.
    def f(s):
        if s < mp.mpf(10) ** -20:
            return mp.mpf(1) / 3 - 2 * s / 15
        r = mp.sqrt(s)
        return (r - mp.tanh(r)) / r**3

    basis = [lambda s, k=k: s**k for k in range(terms)]
    return f, basis, mp.mpf(0), mp.mpf(cutoff) ** 2


def fit_exp_tail(terms):
    # e^r = 1 + r + r^2 * P(r) on |r| <= ln2/2; fit P(r) = (e^r - 1 - r) / r^2 (about 1/2).
    def f(r):
        if abs(r) < mp.mpf(10) ** -20:  # the quotient cancels to nothing there: use the series
            return mp.mpf(1) / 2 + r / 6 + r**2 / 24
        return (mp.exp(r) - 1 - r) / r**2

    basis = [lambda r, k=k: r**k for k in range(terms)]
    h = mp.log(2) / 2
    return f, basis, -h, h


def fit_log_atanh(terms):
    # log(1 + f) = 2 atanh(s), s = f / (2 + f), for f in [-1/4, 1/2] (log1p_unit's reduction:
    # |s| <= 1/5); 2 atanh(s) = 2s + s^3 R(s^2): fit R(w) = (2 atanh(sqrt w) - 2 sqrt w) / w^1.5.
    def f(w):
        if w < mp.mpf(10) ** -20:
            return mp.mpf(2) / 3 + 2 * w / 5
        r = mp.sqrt(w)
        return (2 * mp.atanh(r) - 2 * r) / r**3

    s_max = mp.mpf(1) / 5
    basis = [lambda w, k=k: w**k for k in range(terms)]
    return f, basis, mp.mpf(0), s_max**2


# The scaled tail of the normal distribution, K(a) = Phi(-a) e^(a^2/2) (a Mills ratio over
# sqrt(2 pi)), for math/normal_tail.h. With t = c / (c + a), c = 4, K = t Q(t) and Q is smooth
# on all of a in [a_min, a_max] (Q(0) = 1/2, Q -> 1/(c sqrt(2 pi)) as a -> inf); Q is fitted in
# s in [-1, 1], the affine image of t in [c / (c + a_max), c / (c + a_min)]. The C++ evaluates
# Q = q0 + (1 + s) R(s) with q0 = Q(s = -1): R(s) = (P(s) - P(-1)) / (1 + s) by synthetic
# division of the fit P. That form has no cancellation at large a, where Q is smallest and a
# plain Horner sum of alternating terms would lose two bits.
NORMAL_TAIL_C = 4
# (a_min, a_max): beyond a_max the results flush (a^2/2 > 752); float64 takes |x| <= 0.8 from the
# series below. float32 GELU has its own tables (tools/fit_lookup_tables.py).
NORMAL_TAIL_RANGE = {"normal_tail_f64": (0.8, 39)}


def fit_normal_tail(name, terms):
    c = mp.mpf(NORMAL_TAIL_C)
    t_min, t_max = (c / (c + mp.mpf(a)) for a in reversed(NORMAL_TAIL_RANGE[name]))

    def f(s):
        t = (s * (t_max - t_min) + (t_max + t_min)) / 2
        a = c / t - c
        return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2) / t

    basis = [lambda s, k=k: s**k for k in range(terms)]
    return f, basis, mp.mpf(-1), mp.mpf(1)


def normal_tail_form(name, c, dtype):
    """Prints the fit P as q0 + (1 + s) R(s), and the map s = alpha t + beta."""
    c4 = mp.mpf(NORMAL_TAIL_C)
    t_min, t_max = (c4 / (c4 + mp.mpf(a)) for a in reversed(NORMAL_TAIL_RANGE[name]))
    q0 = sum(ck * (-1) ** k for k, ck in enumerate(c))
    r = [mp.mpf(0)] * (len(c) - 1)
    r[-1] = c[-1]
    for j in range(len(c) - 2, 0, -1):
        r[j - 1] = c[j] - r[j]
    print(f"    a in {NORMAL_TAIL_RANGE[name]}: s = alpha t + beta, alpha = {float(2 / (t_max - t_min))!r}, "
          f"beta = {float(-(t_max + t_min) / (t_max - t_min))!r}")
    print(f"    q0 = {float(dtype(float(q0)))!r}; R:")
    for rk in r:
        print(f"    {float(dtype(float(rk)))!r},")


# GELU near 0 (float64, |x| <= 1), where x Phi(x) and Phi(x) + x phi(x) are best taken from odd
# series: Phi(x) = 1/2 + x S(x^2) and Phi(x) + x phi(x) = 1/2 + x T(x^2), T = S + phi. The
# derivative's zero (x = -0.7518) is then one fused multiply-add of 1/2 and x T: accurate in
# absolute terms, as the carve-out of docs/numerics.md needs.
def fit_gelu_series(which, terms):
    def s_of(u):
        if u < mp.mpf(10) ** -30:
            return 1 / mp.sqrt(2 * mp.pi) * (1 - u / 6)
        r = mp.sqrt(u)
        return (mp.ncdf(r) - mp.mpf(1) / 2) / r

    def f(u):
        return s_of(u) if which == "S" else s_of(u) + mp.npdf(mp.sqrt(u))

    basis = [lambda u, k=k: u**k for k in range(terms)]
    return f, basis, mp.mpf(0), mp.mpf(1)


POST = {"normal_tail_f64": normal_tail_form}

FITS = {
    "log_atanh_f32": (lambda: fit_log_atanh(4), np.float32),
    "log_atanh_f64": (lambda: fit_log_atanh(8), np.float64),
    "exp_tail_f32": (lambda: fit_exp_tail(5), np.float32),
    # float exponentials kept as an unrounded 1 + q_hi + q_lo (exp_split_unrounded)
    "exp_tail_f32_unrounded": (lambda: fit_exp_tail(6), np.float32),
    "exp_tail_f64": (lambda: fit_exp_tail(10), np.float64),
    # double exponentials whose results are rounded to float (math/in_double.h callers)
    "exp_tail_for_float": (lambda: fit_exp_tail(8), np.float64),
    # name: (builder, float type)
    "tanh_f32": (lambda: fit_tanh(np.float32, 5, "0.5625"), np.float32),
    "tanh_f64": (lambda: fit_tanh(np.float64, 11, "0.5625"), np.float64),
    "tanhshrink_f64": (lambda: fit_tanhshrink(16, 1), np.float64),
    "normal_tail_f64": (lambda: fit_normal_tail("normal_tail_f64", 20), np.float64),
    "gelu_series_phi_f64": (lambda: fit_gelu_series("S", 12), np.float64),
    "gelu_series_dphi_f64": (lambda: fit_gelu_series("T", 12), np.float64),
}


def main(names):
    for name in names or FITS:
        build, dtype = FITS[name]
        f, basis, a, b = build()
        c, e = remez(f, basis, a, b)
        cr, er = check_rounded(f, basis, c, dtype, a, b)
        print(f"{name}: {len(c)} coefficients on [{mp.nstr(a, 5)}, {mp.nstr(b, 5)}], "
              f"max rel error {mp.nstr(e, 3)} (exact), {mp.nstr(er, 3)} (rounded to {np.dtype(dtype).name})")
        if name in POST:
            POST[name](name, c, dtype)
            continue
        for ck in cr:
            print(f"    {float(ck)!r},")


if __name__ == "__main__":
    main(sys.argv[1:])
