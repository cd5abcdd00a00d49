// Reciprocals and float64 quotients from integer and FMA arithmetic alone, for kernels where a
// division would queue behind a square root on the one divide/square-root unit: squareplus takes a
// square root and a reciprocal per vector, and without the division it runs at about the square
// root's pace.
//
// reciprocal(d), for 2^-1020 <= d <= 2^1020: the seed magic - bits(d) (integer subtraction: the
// exponent negated, the mantissa guessed linearly; with this constant 1 - d r0 stays within
// +-0.0506 over every mantissa, checked on a dense grid), then two third-order Newton steps
// r + r (e + e^2), e = 1 - d r, each cubing the relative error: 0.0506 -> 1.3e-4 -> 2.2e-12.
// quotient(n, r): n / d as q + (n - q d) r with q = n r and the residual exact by FMA; what is left
// is the reciprocal's error squared (below 2^-77) on top of the final rounding, so the quotient is
// the correctly rounded one but for ties closer than that. Lanes outside the range (and NaN, inf),
// or with |n| < 2^-960 (where the residual could be subnormal and inexact), take a true division:
// computed only for a vector that has such a lane, taken only in those lanes.
// Integer and IEEE operations only: the same bits on every ISA.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace fastact::math {

template <class D>
struct Reciprocal {
  D d, r;  // the divisor and its reciprocal (garbage outside 2^-1020 <= d <= 2^1020)
};

// The seed and one third-order step: 1 / d to a relative error below 1.3e-4, for float32 or
// float64 d in the range above (float32: 2^-125 <= d <= 2^125); float32 squareplus takes this much
// for a correction term. Its constant makes 1 - d r0 stay within +-0.0506 for both formats.
template <class D>
inline D reciprocal_estimate(D d) {
  using T = typename D::Scalar;
  using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  constexpr Bits kSeedBits = sizeof(T) == 8 ? Bits(0x7FDE623822FC16E6) : Bits(0x7EF311C2);
  T seed;
  std::memcpy(&seed, &kSeedBits, sizeof seed);
  const D r = bit_difference(D(seed), d);
  const D e = neg_mul_add(d, r, D(T(1)));
  return mul_add(r, mul_add(e, e, e), r);
}

template <class D>
inline Reciprocal<D> reciprocal(D d) {
  static_assert(sizeof(typename D::Scalar) == 8, "quotient's ranges are float64's");
  D r = reciprocal_estimate(d);
  const D e = neg_mul_add(d, r, D(1.0));
  r = mul_add(r, mul_add(e, e, e), r);
  return {d, r};
}

// kCheckTinyNumerator = false skips the |n| >= 2^-960 test, for a caller whose tiny quotients only
// matter in absolute terms (|x| / s added to 1): there a subnormal residual costs nothing visible.
template <bool kCheckTinyNumerator = true, class D>
inline D quotient(D n, const Reciprocal<D>& r) {
  const D q = n * r.r;
  const D result = mul_add(neg_mul_add(q, r.d, n), r.r, q);
  auto exact = (r.d >= D(0x1p-1020)) & (r.d <= D(0x1p1020));
  // The residual n - q d, below 2^-38 |n|, is exact where it is a normal number: |n| >= 2^-960
  // (n = 0 takes the division too, which gives 0 just as well).
  if constexpr (kCheckTinyNumerator) exact = exact & (abs(n) >= D(0x1p-960));
  if (!any(~exact)) return result;
  return select(exact, result, n / r.d);
}

}  // namespace fastact::math
