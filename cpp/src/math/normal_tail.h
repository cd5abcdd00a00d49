// The upper tail of the standard normal distribution, Phi(-a) for a >= 0, in the factored form
// GELU needs: Phi(-a) = e^(-a^2/2) K(a), K(a) = Phi(-a) e^(a^2/2) (the Mills ratio over
// sqrt(2 pi)), so that nothing cancels where Phi(-a) is tiny: the "1 + erf" trap of docs/numerics.md
// never arises because 1 - Phi(a) is never formed from Phi(a).
//
// K(a) = t Q(s), t = 4 / (4 + a), s = alpha t + beta in [-1, 1] (t in [4 / (4 + a_max), 1]);
// Q = q0 + (1 + s) R(s), R a polynomial from tools/fit_minimax.py
// (normal_tail_f64: max relative error of Q 1.1e-16 after rounding the coefficients).
// One polynomial covers every a in [0.8, a_max], beyond which the callers' results flush.
// e^(-a^2/2) takes a^2/2 as an exact pair, so its relative error stays below an ULP even at
// a = 38, where a rounded a^2/2 alone would be off by 2^-46 relative.
//
// Written for double vectors only; float32 GELU has its own tables (normal_tail_table.h).
#pragma once

#include <type_traits>

#include "exp.h"
#include "pair.h"
#include "polynomial.h"

namespace fastact::math {

// The fit for float64 results (float32 GELU uses the tables of normal_tail_table.h).
template <class T>
struct NormalTailFit;

template <>
struct NormalTailFit<double> {
  // a in [0.8, 39] (gelu takes |x| <= 0.8 from a series); beyond 39, a^2/2 > 760 and every result
  // is below 2^-1022.
  static constexpr double kMaxArg = 39.0;
  static constexpr double kAlpha = 2.701570680628272, kBeta = -1.2513089005235603;
  static constexpr double kQ0 = 0.1098927037359892;
  static constexpr double kR0 = 0.06824339487934863, kR1 = 0.0342554576966154;
  // R(s) = kR0 + s (kR1 + s r_high(s)); the last steps are compensated (normal_tail below).
  // r_high's 17 terms in two chains (horner_in_halves): the dependency chain, which bounded this
  // kernel, halves; r_high reaches K scaled by s^2 r_high / Q < 0.13, so the extra roundings stay
  // far below an ULP (tools/spot_check_mpmath.py: the same worst cases).
  static constexpr double kRHigh[] = {
      0.013406880426202396, 0.003752167323063283, 0.000555125786736878, -6.0924922259372504e-05,
      -4.716770236390476e-05, -3.54555741576354e-06, 3.1400246579788274e-06, 5.682614210853915e-07,
      -2.4522646021076785e-07, -5.88260037968481e-08, 2.446853193851182e-08, 5.301321747825416e-09,
      -2.901030531631306e-09, -3.7645446658035075e-10, 3.363569985120666e-10, 1.3518426456801583e-11,
      -2.5587630150594364e-11};
  template <class D>
  static Pair<D> r_high(D s) {
    return {horner_in_halves(s, kRHigh), D(0.0)};
  }
};

// One Horner step on a pair, p * x + c, with the rounding errors of the product and the sum kept
// in the low part (compensated Horner).
template <class D>
inline Pair<D> horner_step(Pair<D> p, D x, D c) {
  const Pair<D> product = two_product_finite(p.hi, x);  // bounded: |p.hi| < 1, |x| < 3
  const Pair<D> sum = two_sum(product.hi, c);
  return {sum.hi, mul_add(p.lo, x, product.lo + sum.lo)};
}

// Phi(-a) = e^(-a^2/2) k for a >= 0, clamped to a_max (`beyond` marks a > a_max, where callers
// return their limit).
template <class D>
struct NormalTail {
  D a;             // min(a, a_max)
  D k;             // K(a) = Phi(-a) e^(a^2/2)
  ScaledExp<D> e;  // e^(-a^2/2), scaled by 2^64 where tiny (see exp.h)
  typename D::MaskType beyond;
};

// float64: every step that would cost an ULP is carried further.
template <class D>
inline NormalTail<D> normal_tail(D a) {
  using Fit = NormalTailFit<double>;
  const D ac = min(a, D(Fit::kMaxArg));  // NaN becomes a_max: callers keep NaN in their other term
  const Pair<D> a2 = two_product_finite(ac, ac);  // ac <= a_max (NaN: a_max)
  const ScaledExp<D> e = exp_neg_abs_scaled(a2.hi * D(-0.5), a2.lo * D(-0.5));
  const auto beyond = (D(Fit::kMaxArg) < a) | e.beyond;
  const D d = ac + D(4.0);
  const D t = D(4.0) / d;
  const D s = mul_add(t, D(Fit::kAlpha), D(Fit::kBeta));
  // About 2 ULP would go to rounding in Horner's last steps, where the terms are largest, and to
  // t's rounding, which K(a) amplifies by |d log K / d log t| (2.3 at a = 1.9). So the last three
  // steps are compensated, and K is corrected to first order for the a that the rounded t
  // stands for: a_t = 4/t - 4 = a + da with da = (4 - t d) / t exactly representable up to
  // t d_lo, and K(a) = K(a_t) - K'(a_t) da, K' = a K - 1/sqrt(2 pi).
  const Pair<D> d_pair = two_sum(ac, D(4.0));
  const D residual = neg_mul_add(t, d_pair.lo, neg_mul_add(t, d_pair.hi, D(4.0)));  // 4 - t (a + 4)
  const D da = residual * d * D(0.25);  // residual / t, with 1/t = d/4 to within an ULP
  const D one_plus_s = s + D(1.0);
  Pair<D> q = Fit::r_high(s);
  q = horner_step(q, s, D(Fit::kR1));
  q = horner_step(q, s, D(Fit::kR0));
  q = horner_step(q, one_plus_s, D(Fit::kQ0));
  const D k_t = mul_add(t, q.hi, t * q.lo);
  const D slope = mul_add(ac, k_t, D(-0.3989422804014327));  // K'(a) = a K - 1/sqrt(2 pi)
  return {ac, neg_mul_add(slope, da, k_t), e, beyond};
}

// v * e^(-a^2/2) for the tail's scaled exponential, v = v.hi + v.lo, rounded once (twice where
// the result is subnormal).
template <class D>
inline D times_exp(Pair<D> v, const ScaledExp<D>& e) {
  return mul_add(v.hi, e.e_k.hi, mul_add(v.lo, e.e_k.hi, v.hi * e.e_k.lo)) * e.unscale;
}

}  // namespace fastact::math
