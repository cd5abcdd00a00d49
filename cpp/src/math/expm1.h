// e^x - 1 without cancellation near 0, over the whole float range.
//
// From exp_split (exp.h): e^x = 2^n (1 + q), so expm1(x) = 2^n q + (2^n - 1), one FMA,
// evaluated at half scale, 2 * fma(2^(n-1), q, 2^(n-1) - 1/2), so that n = 128 (1024 for
// double) still fits while the result is finite. For n = 0 the result is q itself (full
// relative accuracy down to subnormal x). Error: < 1 ULP.
#pragma once

#include "exp.h"

namespace fastact::math {

template <class T>
struct Expm1Constants;
template <>
struct Expm1Constants<float> {
  static constexpr float kMinArg = -25.0f;   // e^x < 2^-36: expm1 rounds to -1; keeps 2^n normal
  static constexpr float kMaxArg = 88.75f;   // just above ln(FLT_MAX): n <= 128
};
template <>
struct Expm1Constants<double> {
  static constexpr double kMinArg = -40.0;   // e^x < 2^-57
  static constexpr double kMaxArg = 709.9;   // n <= 1024
};

// expm1 from e = exp_split(x) of an x in [kMinArg, kMaxArg].
template <class V>
inline V expm1_from_split(const ExpSplit<V>& e) {
  using T = typename V::Scalar;
  const V half_scale = pow2_from_biased(e.biased - V(T(1)));
  const V scaled = V(T(2)) * mul_add(half_scale, e.q, half_scale - V(T(0.5)));
  return select(e.n == V(T(0)), e.q, scaled);
}

// expm1 from e = exp_split(x) of an x in [kMinArg, 0]: there 2^n (n <= 0) needs no half scale,
// and fma(2^n, q, 2^n - 1) is the value expm1_from_split computes at half scale, times 2: the
// same bits (scaling by 2 commutes with rounding while nothing is subnormal), two operations less.
template <class V>
inline V expm1_nonpositive_from_split(const ExpSplit<V>& e) {
  using T = typename V::Scalar;
  const V s = pow2_from_biased(e.biased);
  return select(e.n == V(T(0)), e.q, mul_add(s, e.q, s - V(T(1))));
}

// expm1(x) for x <= 0, for callers that discard the lanes where x > 0 (elu, selu: those lanes
// get a value, not expm1(x)). NaN gives NaN, -inf gives -1.
template <class V>
inline V expm1_nonpositive(V x) {
  using T = typename V::Scalar;
  using C = Expm1Constants<T>;
  return expm1_nonpositive_from_split(exp_split(max(V(C::kMinArg), min(V(T(0)), x))));
}

// expm1(NaN) = NaN, expm1(-inf) = -1, expm1(+inf) = +inf.
template <class V>
inline V expm1(V x) {
  using C = Expm1Constants<typename V::Scalar>;
  return expm1_from_split(exp_split(min(V(C::kMaxArg), max(V(C::kMinArg), x))));
}

}  // namespace fastact::math
