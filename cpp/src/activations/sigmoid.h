// sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, with e = e^-|x| in (0, 1]:
// nothing overflows or cancels. With e = 2^n (1 + q) from exp_split, numerator and
// denominator are one FMA each (1 + 2^n is exact for n >= -24), so the result carries three
// roundings and no error from rounding 1 + q.
// Results below 2^-126 (x < -87.34) are flushed to 0, as DESIGN.md §5 allows.
//   sigmoid'(x) = e / (1 + e)^2 with e = e^-|x| in (0, 1] (symmetric), (1 + e)^2 = e(e + 2) + 1
// in one FMA: full relative accuracy in both tails, unlike y(1 - y), which loses every digit
// as y -> 1. From the output: y - y^2 in one FMA.
#pragma once

#include "../math/exp.h"
#include "op_support.h"

namespace fastact {

struct Sigmoid {
  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    using C = math::ExpConstants<T>;
    // e = e^-|x| = 2^n (1 + q), n <= 0, clamped where 2^n is still normal (beyond, the result
    // is 1, or below 2^-126 and flushed at the end).
    const math::ExpSplit<V> split = math::exp_split(max(V(C::kMinNormalArg), -abs(x)));
    const V s = pow2_from_biased(split.biased);
    const V q = split.q;
    // Numerator e (x < 0) or 1, and denominator 1 + e, each as an unevaluated hi + lo pair:
    // the FMA residuals are exact (Sterbenz: s vs e, and 1 + s vs 1 + e, are within a factor 2).
    const V one_plus_s = V(T(1)) + s;  // exact for n >= -24; below, s is under half an ULP of 1
    const V e_hi = mul_add(s, q, s);
    const V e_lo = mul_add(s, q, s - e_hi);
    const V den_hi = mul_add(s, q, one_plus_s);
    const V den_lo = mul_add(s, q, one_plus_s - den_hi);
    const auto negative = x < V(T(0));
    const V num_hi = select(negative, e_hi, V(T(1)));
    const V num_lo = select(negative, e_lo, V(T(0)));
    // (num_hi + num_lo) / (den_hi + den_lo) = y0 + (num_hi - y0 den_hi + num_lo - y0 den_lo) / den_hi,
    // with the first residual exact by FMA.
    const V inv = V(T(1)) / den_hi;
    const V y0 = num_hi * inv;
    const V residual = neg_mul_add(y0, den_lo, neg_mul_add(y0, den_hi, num_hi) + num_lo);
    const V y = mul_add(residual, inv, y0);
    return select(x < V(C::kMinNormalArg), V(T(0)), y);
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    const V e = math::exp_flushed(-abs(x));  // flushed only where sigmoid' is subnormal too
    return e / mul_add(e, e + V(2), V(1));
  }
  template <class V>
  static V derivative_from_output(V y, const Params<V>&) {
    return neg_mul_add(y, y, y);
  }
};

}  // namespace fastact
