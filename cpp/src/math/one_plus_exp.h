// 1 + e^-z as an exact pair, for the logistic family's one-path form: sigmoid(z) = 1 / (1 + e^-z)
// and x sigmoid(z) = x / (1 + e^-z) for every z, with no branch on the sign of z.
//
// Why one path: the two-branch form (e^-|z| and a numerator e for z < 0) needs a numerator pair,
// a select per term and a quotient of two pairs. Here the numerator is 1 or x, exact as it is;
// the whole error budget goes to e^-z (below an ULP; damped by e / (1 + e) < 1 where z > 0) and
// to one division with a correction step. Over all 2^32 float32 inputs this is both faster and
// more accurate than the two-branch form was (sigmoid 1.05 ULP against 1.50, silu 1.19 against
// 1.58: benchmarks/RESULTS.md).
//
// With e^-z = 2^n (1 + q) from exp_split and s = 2^n:
//   c = 1 + s (exact for |n| <= 23 in float32, 52 in float64; for larger n its rounding error,
//     1 - (c - s), is exact too: Fast2Sum, s >= 1), hi = s q + c rounded,
//     lo = s q + (c - hi) + (1 - (c - s)).
// For n < -24 the 1 - (c - s) term misses s itself (c - s rounds to 1), an error below 2^-25
// relative where z > 17: the sweeps above include it.
#pragma once

#include <limits>
#include <type_traits>

#include "exp.h"
#include "pair.h"

namespace fastact::math {

template <class V>
struct OnePlusExpNeg {
  Pair<V> den;    // 2^-K (1 + e^-z), K = 64 where e^-z > 2^60 (kScaleLarge only), else 0
  V unscale;      // 2^-K: a quotient by den, times this, is the quotient by 1 + e^-z
  bool ordinary;  // every lane has |z| < 16.3 (or is NaN): unscale = 1, no lane tiny or beyond,
                  // so a caller may return its quotient as it is
  typename V::MaskType tiny;    // e^-z < 2^-126 (z > -kMinNormalArg): den = 1, the quotient is the numerator
  typename V::MaskType beyond;  // -z above the clamp: callers give their limit (0)
};

// one + s (1 + q) as an exact pair (see the top of the file), one = 1 or 0. kRounded: some lane
// has |n| > 23, where one + s may be rounded and its error 1 - (c - s) joins the low part;
// elsewhere one + s is exact, that error is 0, and leaving it out gives the same bits.
template <bool kRounded, class V>
inline Pair<V> one_plus_scaled_pair(V s, V q, V one) {
  const V c = one + s;
  const V hi = mul_add(s, q, c);
  if constexpr (kRounded) {
    return {hi, mul_add(s, q, (c - hi) + (one - (c - s)))};
  } else {
    return {hi, mul_add(s, q, c - hi)};
  }
}

// 1 + e^-(z + z_lo) for z_lo a V or kZeroLow. -z is clamped to [kMinNormalArg, highest]:
//   kScaleLarge = false: highest = -kMinNormalArg, so e^-z <= 2^126 stays finite (sigmoid, whose
//     result is below 2^-126 beyond, and flushed);
//   kScaleLarge = true: highest = -kScaledExpLowest (e^-z up to 2^190), the pair scaled by 2^-64
//     where n > 60, so x / (1 + e^-z) stays exact in the range where it is a normal number while
//     e^-z is not (x e^z near z = -88); the caller multiplies its quotient by `unscale`.
// The extra work of both (|z| > 16.3 for the rounding of 1 + s, z < -41.6 for the scaling) and the
// callers' limits are needed only for vectors with a lane beyond |z| = 16.3: one branch, which
// typical data predicts, and the same bits either way.
template <bool kScaleLarge, class V, class Lo>
inline OnePlusExpNeg<V> one_plus_exp_neg(V z, Lo z_lo) {
  using T = typename V::Scalar;
  using C = ExpConstants<T>;
  const V a = -z;
  const V lowest(C::kMinNormalArg);
  const V highest(kScaleLarge ? -kScaledExpLowest<T> : -C::kMinNormalArg);
  const auto tiny = a < lowest;
  const auto beyond = highest < a;
  const V clamped = min(highest, max(lowest, a));  // NaN passes through
  ExpSplit<V> e;
  if constexpr (std::is_same_v<Lo, ZeroLow>) {
    e = exp_split(clamped);
  } else {
    e = exp_split(clamped, select(tiny | beyond, V(T(0)), -z_lo));  // the low part of a clamped a is gone
  }
  const V one(T(1));
  const V exact_up_to(T(std::numeric_limits<T>::digits - 1));  // |n| where 1 + 2^n is still exact
  if (!any(abs(e.n) > exact_up_to)) {
    return {one_plus_scaled_pair<false>(pow2_from_biased(e.biased), e.q, one), one, true, tiny, beyond};
  }
  // Lanes whose result is the caller's limit (tiny, beyond) take the pair (1, 0): their pair
  // otherwise brings subnormal numbers (s q below 2^-126, a reciprocal near it), whose arithmetic
  // takes microcode assists on some CPUs. Where e^-z < 2^-126 the quotients are the same bits
  // anyway (1 + s q rounds to 1).
  const auto limit = tiny | beyond;
  V s = pow2_from_biased(e.biased), one_or_0 = one, unscale = one;
  if constexpr (kScaleLarge) {
    const auto scaled = e.n > V(T(60));
    s = select(scaled, pow2_from_biased(e.biased - V(T(64))), s);
    one_or_0 = select(scaled & ~limit, V(T(0)), one);  // 2^-64 would be below half an ULP of s >= 2^-3
    unscale = select(scaled, V(T(5.421010862427522e-20)), one);  // 2^-64
  }
  return {one_plus_scaled_pair<true>(select(limit, V(T(0)), s), e.q, one_or_0), unscale, false, tiny, beyond};
}

}  // namespace fastact::math
