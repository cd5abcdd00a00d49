// log(v) for positive v, and log(1 + u) for u in [-1/2, 0], on log1p.h's core. Both reduce their
// argument to k ln2 + log(1 + f) with f exact and |f / (2 + f)| <= 1/5 (log1p_reduced's range);
// a caller choosing between them per lane selects the reductions and pays for one log1p_reduced.
//
// log: v = 2^k m with m in [sqrt(1/2), sqrt(2)) (split_exponent gives m in [1, 2); above sqrt 2 it
// is halved, exactly), so f = m - 1 is exact (Sterbenz), |f / (2 + f)| <= 0.172. Subnormal v is
// first scaled by 2^24 (float) or 2^54 (double).
// log1p(u), u in [-1/2, 0]: for u >= -1/4, f = u itself (every digit of a tiny u kept); below,
// 1 + u = 2^-1 (1 + f) with f = 2u + 1 in [0, 1/2), exact.
// Then k ln2 with ln2 as exp.h's hi + lo split (k ln2_hi exact). Within about 1 ULP.
#pragma once

#include "exp.h"
#include "log1p.h"

namespace fastact::math {

template <class V>
struct LogReduction {
  V k;  // integral
  V f;  // the argument of log1p_reduced
};

// For v > 0 finite (normal or subnormal). Other inputs give unspecified finite values: callers
// select their own results for 0, inf, NaN and negatives.
template <class V>
inline LogReduction<V> reduce_log(V v) {
  using T = typename V::Scalar;
  constexpr T kSmallestNormal = sizeof(T) == 4 ? T(1.17549435e-38f) : T(2.2250738585072014e-308);
  constexpr T kScale = sizeof(T) == 4 ? T(16777216.0f) : T(18014398509481984.0);  // 2^24, 2^54
  constexpr T kScaleExponent = sizeof(T) == 4 ? T(24) : T(54);
  const auto subnormal = v < V(kSmallestNormal);
  V k;
  V m = split_exponent(select(subnormal, v * V(kScale), v), k);
  k = k - select(subnormal, V(kScaleExponent), V(T(0)));
  const auto high = m > V(T(1.4142135623730951));
  return {k + select(high, V(T(1)), V(T(0))), select(high, m * V(T(0.5)), m) - V(T(1))};
}

template <class V>
inline LogReduction<V> reduce_log1p_nonpositive(V u) {
  using T = typename V::Scalar;
  const auto low = u < V(T(-0.25));
  return {select(low, V(T(-1)), V(T(0))), select(low, mul_add(u, V(T(2)), V(T(1))), u)};
}

// k ln2 + log(1 + f).
template <class V>
inline V log_from(const LogReduction<V>& r) {
  using C = ExpConstants<typename V::Scalar>;
  return mul_add(r.k, V(C::kLn2Hi), mul_add(r.k, V(C::kLn2Lo), log1p_reduced(r.f)));
}

}  // namespace fastact::math
