// e^x over the whole float range, written once against the thin vector type.
//
// Method: x = n*ln2 + r with n = round(x/ln2), |r| <= ln2/2 (Cody-Waite: ln2 split into a
// short high part, so n*kLn2Hi and x - n*kLn2Hi are exact, and a low part); e^r by its
// Taylor series, truncated where the remainder r^(k+1)/(k+1)! is below 1/30 ULP at |r| = ln2/2
// (float: degree 7, remainder 5e-9 relative; double: degree 13, remainder 4e-18 relative);
// then e^x = e^r * 2^n, scaled in two exact steps 2^(n - floor(n/2)) * 2^floor(n/2) so that
// results that overflow give +inf and results in the subnormal range are rounded once.
// Error: < 1 ULP (the final FMA of the polynomial and the last scaling round once each).
#pragma once

#include "polynomial.h"

namespace fastact::math {

template <class T>
struct ExpConstants;

template <>
struct ExpConstants<float> {
  static constexpr float kLog2e = 1.44269504088896341f;
  // ln2 = kLn2Hi + kLn2Lo; kLn2Hi = 0x3F318000 has 9 significant bits, so n*kLn2Hi is exact
  // for |n| < 2^15 (fdlibm's single-precision split).
  static constexpr float kLn2Hi = 0.693359375f;
  static constexpr float kLn2Lo = -2.12194440e-4f;
  // Below kMinArg, e^x rounds to +0 (e^-104 < 2^-150); above kMaxArg it overflows
  // (ln(FLT_MAX) = 88.72). Clamping there keeps n in the range pow2i can build.
  static constexpr float kMinArg = -104.0f;
  static constexpr float kMaxArg = 89.0f;
  // expm1(x) rounds to -1 for x < -17.4 (e^x < 2^-25); clamping keeps 2^n normal.
  static constexpr float kExpm1MinArg = -25.0f;
  // Just above ln(FLT_MAX): n stays <= 128, so 2^(n-1) is a normal float.
  static constexpr float kExpm1MaxArg = 88.75f;
};

template <>
struct ExpConstants<double> {
  static constexpr double kLog2e = 1.4426950408889634074;
  // fdlibm's split: kLn2Hi = 0x3FE62E42FEE00000 has 32 significant bits, n*kLn2Hi exact for |n| < 2^21.
  static constexpr double kLn2Hi = 6.93147180369123816490e-01;
  static constexpr double kLn2Lo = 1.90821492927058770002e-10;
  static constexpr double kMinArg = -746.0;  // e^-746 < 2^-1075: rounds to +0
  static constexpr double kMaxArg = 710.0;   // ln(DBL_MAX) = 709.78
  static constexpr double kExpm1MinArg = -40.0;   // e^-40 < 2^-57
  static constexpr double kExpm1MaxArg = 709.9;   // n stays <= 1024
};

// Taylor coefficients 1/k!, k = 2 .. 7 (float) or 2 .. 13 (double): the part of e^r - 1 - r
// divided by r^2. Shared by exp and expm1.
template <class V>
inline V exp_taylor_tail(V r) {
  using T = typename V::Scalar;
  if constexpr (sizeof(T) == 4) {
    return horner(r, T(1.0 / 2), T(1.0 / 6), T(1.0 / 24), T(1.0 / 120), T(1.0 / 720), T(1.0 / 5040));
  } else {
    return horner(r, T(1.0 / 2), T(1.0 / 6), T(1.0 / 24), T(1.0 / 120), T(1.0 / 720), T(1.0 / 5040),
                  T(1.0 / 40320), T(1.0 / 362880), T(1.0 / 3628800), T(1.0 / 39916800),
                  T(1.0 / 479001600), T(1.0 / 6227020800.0));
  }
}

// Splits an already clamped x (NaN allowed) into n (integral) and r = x - n*ln2.
template <class V>
inline void exp_reduce(V x, V& n, V& r) {
  using C = ExpConstants<typename V::Scalar>;
  n = round_nearest(x * V(C::kLog2e));
  r = neg_mul_add(n, V(C::kLn2Hi), x);
  r = neg_mul_add(n, V(C::kLn2Lo), r);
}

// e^x for every x: exp(NaN) = NaN, exp(-inf) = +0, exp(+inf) = +inf.
template <class V>
inline V exp(V x) {
  using T = typename V::Scalar;
  using C = ExpConstants<T>;
  // max(lo, x) and min(hi, .) return their second operand for NaN, so NaN passes through.
  const V xc = min(V(C::kMaxArg), max(V(C::kMinArg), x));
  V n, r;
  exp_reduce(xc, n, r);
  const V p = mul_add(r * r, exp_taylor_tail(r), r + V(T(1)));
  const V n_low = floor(n * V(T(0.5)));
  return (p * pow2i(n_low)) * pow2i(n - n_low);
}

}  // namespace fastact::math
