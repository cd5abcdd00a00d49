// Error-free transformations on unevaluated pairs hi + lo, for the ops whose last few roundings
// would otherwise add up past their ULP budget (sigmoid, silu, swish).
#pragma once

#include <limits>

namespace fastact::math {

template <class V>
struct Pair {
  V hi;
  V lo;
};

// a * b = hi + lo exactly (the FMA gives the rounding error of the product), for callers whose
// product is finite, or who discard the lanes where it is not (lo may be NaN there).
template <class V>
inline Pair<V> two_product_finite(V a, V b) {
  const V hi = a * b;
  return {hi, mul_sub(a, b, hi)};
}

// The same for any product: lo = 0 where it is not finite (the FMA would give inf - inf).
template <class V>
inline Pair<V> two_product(V a, V b) {
  using T = typename V::Scalar;
  const Pair<V> p = two_product_finite(a, b);
  return {p.hi, select(abs(p.hi) <= V(std::numeric_limits<T>::max()), p.lo, V(T(0)))};
}

// a + b = hi + lo exactly, for any a and b (Knuth's TwoSum); lo is NaN where hi is infinite.
template <class V>
inline Pair<V> two_sum(V a, V b) {
  const V hi = a + b;
  const V b_virtual = hi - a;
  return {hi, (a - (hi - b_virtual)) + (b - b_virtual)};
}

// s * (1 + q) for a power of two s, as hi + lo: the residual is exact (Sterbenz: s and the
// result are within a factor 2 of each other for |q| < 1/2).
template <class V>
inline Pair<V> scaled_one_plus(V s, V q) {
  const V hi = mul_add(s, q, s);
  return {hi, mul_add(s, q, s - hi)};
}

// (num.hi + num.lo) / (den.hi + den.lo) with one correction step:
// y0 + (num.hi - y0 den.hi + num.lo - y0 den.lo) / den.hi, the first residual exact by FMA.
// Within about half an ULP of the quotient of the pairs.
template <class V>
inline V divide(Pair<V> num, Pair<V> den) {
  const V inv = V(1) / den.hi;
  const V y0 = num.hi * inv;
  const V residual = neg_mul_add(y0, den.lo, neg_mul_add(y0, den.hi, num.hi) + num.lo);
  return mul_add(residual, inv, y0);
}

// num / (den.hi + den.lo) for an exact num, the same correction step without num's low part.
template <class V>
inline V divide(V num, Pair<V> den) {
  const V inv = V(1) / den.hi;
  const V y0 = num * inv;
  const V residual = neg_mul_add(y0, den.lo, neg_mul_add(y0, den.hi, num));
  return mul_add(residual, inv, y0);
}

}  // namespace fastact::math
