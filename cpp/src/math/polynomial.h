// Horner evaluation with fused multiply-adds: horner(x, c0, c1, ..., cn) = c0 + x*(c1 + x*(...)).
#pragma once

#include <cstddef>

namespace fastact::math {

template <class V, class T>
inline V horner(V /*x*/, T c0) {
  return V(c0);
}

template <class V, class T, class... Rest>
inline V horner(V x, T c0, Rest... rest) {
  return mul_add(horner(x, rest...), x, V(c0));
}

// The same polynomial, c[0] + c[1] x + ... + c[N-1] x^(N-1), as two Horner chains in x^2,
// E(x^2) + x O(x^2) (Estrin's first split): half the dependency chain for one more multiply, for
// the long polynomials whose latency bounds a kernel (float64 GELU). The roundings differ from
// Horner's; a caller's error budget must allow for that.
template <class V, class T, std::size_t N>
inline V horner_in_halves(V x, const T (&c)[N]) {
  static_assert(N >= 2, "a polynomial of degree 1 or more");
  const V x2 = x * x;
  constexpr std::size_t kTopEven = (N - 1) / 2 * 2, kTopOdd = (N - 2) / 2 * 2 + 1;
  V even(c[kTopEven]), odd(c[kTopOdd]);
  for (std::size_t i = kTopEven; i >= 2; i -= 2) even = mul_add(even, x2, V(c[i - 2]));
  for (std::size_t i = kTopOdd; i >= 3; i -= 2) odd = mul_add(odd, x2, V(c[i - 2]));
  return mul_add(x, odd, even);
}

}  // namespace fastact::math
