// sigmoid(x) = 1 / (1 + e^-x) on one path for every x (math/one_plus_exp.h): the denominator
// as an exact pair, one division with a correction step. Three roundings' worth of error plus
// e^-x's, which the quotient passes on fully only where x < 0.
// Results below 2^-126 (x < -87.34) are flushed to 0, as DESIGN.md §5 allows.
//   sigmoid'(x) = e / (1 + e)^2 with e = e^-|x| in (0, 1] (symmetric), (1 + e)^2 = e(e + 2) + 1
// in one FMA: full relative accuracy in both tails, unlike y(1 - y), which loses every digit
// as y -> 1. From the output: y - y^2 in one FMA.
//
// logistic() below is the two-branch form (1 / (1 + e) for z >= 0, e / (1 + e) for z < 0, e =
// e^-|z|) that softplus' and log_sigmoid's fused kernels share with their own e^-|z|.
#pragma once

#include "../math/exp.h"
#include "../math/one_plus_exp.h"
#include "../math/pair.h"
#include "op_support.h"

namespace fastact {

// sigmoid(z) for z = z_hi + z_lo, given split = exp_split_neg_abs(z, z_lo, kMinNormalArg), the
// e^-|z| = 2^n (1 + q) below (so value_and_derivative can share it with the derivative).
template <class V>
inline V logistic_from_split(V z, const math::ExpSplit<V>& split) {
  using T = typename V::Scalar;
  using C = math::ExpConstants<T>;
  const V s = pow2_from_biased(split.biased);
  const V q = split.q;
  // Numerator e (z < 0) or 1, and denominator 1 + e, as exact hi + lo pairs.
  const math::Pair<V> e = math::scaled_one_plus(s, q);
  const math::Pair<V> den = math::add_scaled(V(T(1)) + s, s, q);  // 1 + s exact for n >= -24
  const auto negative = z < V(T(0));
  const math::Pair<V> num{select(negative, e.hi, V(T(1))), select(negative, e.lo, V(T(0)))};
  const V y = math::divide(num, den);
  return select(z < V(C::kMinNormalArg), V(T(0)), y);
}

// sigmoid(z) for z = z_hi + z_lo (an exact pair, e.g. beta * x; z_lo may be math::kZeroLow),
// shared with softplus'.
template <class V, class Lo>
inline V logistic(V z, Lo z_lo) {
  using T = typename V::Scalar;
  using C = math::ExpConstants<T>;
  // e = e^-|z| = 2^n (1 + q), n <= 0, clamped where 2^n is still normal (beyond, the result
  // is 1, or below 2^-126 and flushed at the end).
  return logistic_from_split(z, math::exp_split_neg_abs(z, z_lo, V(C::kMinNormalArg)));
}

// sigmoid(z) from a split of e^-|z| clamped lower than logistic's own (exp_neg_abs_scaled's, for
// ops that need e^-|z| further down, like softplus): the same bits as logistic(z, z_lo). The two
// splits differ only where -|z| < kMinNormalArg, and there logistic is 1 (z > 0; the lower split's
// 2^n is no normal number, so that is selected here) or flushed to 0 (z < 0, selected by
// logistic_from_split itself).
template <class V>
inline V logistic_from_lower_split(V z, const math::ExpSplit<V>& split) {
  using T = typename V::Scalar;
  return select(z > V(-math::ExpConstants<T>::kMinNormalArg), V(T(1)), logistic_from_split(z, split));
}

struct Sigmoid {
  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const math::OnePlusExpNeg<V> d = math::one_plus_exp_neg<false>(x, math::kZeroLow);
    return select(x < V(math::ExpConstants<T>::kMinNormalArg), V(T(0)), math::divide(V(T(1)), d.den));
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
