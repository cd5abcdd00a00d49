// e^x - 1 without cancellation near 0, over the whole float range.
//
// Same reduction as exp.h: x = n*ln2 + r. expm1(r) = r + r^2*(1/2 + r/6 + ...) is accurate
// for small r, and expm1(x) = 2^n*expm1(r) + (2^n - 1), evaluated as one FMA at half scale,
// 2 * fma(2^(n-1), expm1(r), 2^(n-1) - 1/2), so that n = 128 (1024 for double) still fits
// while the result is finite. For n = 0 the result is expm1(r) itself (full relative accuracy,
// down to subnormal x).
// Error: < 1 ULP.
#pragma once

#include "exp.h"

namespace fastact::math {

// expm1(NaN) = NaN, expm1(-inf) = -1, expm1(+inf) = +inf.
template <class V>
inline V expm1(V x) {
  using T = typename V::Scalar;
  using C = ExpConstants<T>;
  const V xc = min(V(C::kExpm1MaxArg), max(V(C::kExpm1MinArg), x));
  V n, r;
  exp_reduce(xc, n, r);
  const V p = mul_add(r * r, exp_taylor_tail(r), r);
  const V half_scale = pow2i(n - V(T(1)));
  const V scaled = V(T(2)) * mul_add(half_scale, p, half_scale - V(T(0.5)));
  // For n = 0 return p itself: halving a p below 2^-125 would lose its last bit.
  return select(n == V(T(0)), p, scaled);
}

}  // namespace fastact::math
