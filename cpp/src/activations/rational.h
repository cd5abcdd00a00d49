// softsign, hardsigmoid, hardswish: no transcendental functions, but divisions and products
// whose rounding would add up past 2 ULP, so each uses an error-free transformation where it
// matters. Kinks follow docs/numerics.md: hardsigmoid' = 0 at +-3, hardswish'(-3) = 0, (3) = 1.
#pragma once

#include <cstddef>
#include <type_traits>

#include "op_support.h"

namespace fastact {

// softsign(x) = x / (1 + |x|); softsign' = 1 / (1 + |x|)^2.
struct Softsign {
  template <class T>
  static constexpr T kClamp = sizeof(T) == 4 ? T(1.8446744e19) : T(1.3407807929942597e154);  // 2^64, 2^512

  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    // Beyond 2^64 (2^512) the result rounds to +-1; clamping keeps inf/inf from giving NaN.
    const V xc = min(V(kClamp<T>), max(V(-kClamp<T>), x));
    return xc / (V(T(1)) + abs(xc));
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const V ax = abs(x);
    // t = 1 + |x| exactly, as hi + lo (Fast2Sum with the larger operand first).
    const V big = max(V(T(1)), ax), small = min(V(T(1)), ax);
    const V t = big + small;
    const V t_lo = small - (t - big);
    // t^2 = sq + sq_lo exactly (to first order in t_lo), then 1 / t^2 with one correction step.
    const V sq = t * t;
    const V sq_lo = mul_add(t + t, t_lo, mul_sub(t, t, sq));
    const V d0 = V(T(1)) / sq;
    const V d = mul_add(d0, neg_mul_add(d0, sq_lo, neg_mul_add(d0, sq, V(T(1)))), d0);
    // Past half the exponent range 1/t^2 is below the smallest normal: flush (and avoid inf*0).
    return propagate_nan(x, select(ax > V(kClamp<T> * T(0.5)), V(T(0)), d));
  }
};

// (t + t_lo) / 6 without a division: q0 = t (1/6) is within an ULP, the remainder t - 6 q0 is exact
// (FMA), and q0 + (remainder + t_lo) (1/6) rounds the quotient once. With t_lo = 0 that is the
// correctly rounded t / 6: t / 6 lies at least a sixth of an ULP from a rounding boundary (6 = 2 * 3),
// far more than the ~2^-p ULP error of the correction, so the result is exactly the division's for
// every t whose quotient is normal. (Checked over every float32 t in [2^-22, 6]; hardsigmoid's and
// hardswish's t are 0 or at least 2^-22 in magnitude: sums with 3 of x near -3 or -1.5, whose ULP
// is 2^-22 or finer.) No divide: it halved hardswish's time.
// Without t_lo (nullptr) there is no addition of a zero low part.
template <class V, class Lo = std::nullptr_t>
inline V divided_by_6(V t, Lo t_lo = nullptr) {
  using T = typename V::Scalar;
  const V q0 = t * V(T(1.0 / 6.0));
  V remainder = neg_mul_add(q0, V(T(6)), t);
  if constexpr (!std::is_same_v<Lo, std::nullptr_t>) remainder = remainder + t_lo;
  return mul_add(remainder, V(T(1.0 / 6.0)), q0);
}

// hardsigmoid(x) = relu6(x + 3) / 6: 0 for x <= -3, 1 for x >= 3, (x + 3) / 6 between.

struct Hardsigmoid {
  // x is clamped to [-3, 3] first (NaN passes), so t is in [0, 6] and the quotient in [0, 1].
  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    return divided_by_6(min(V(T(3)), max(V(T(-3)), x)) + V(T(3)));
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    using T = typename V::Scalar;
    return propagate_nan(x, select((x > V(T(-3))) & (x < V(T(3))), V(T(1.0 / 6.0)), V(T(0))));
  }
};

// hardswish(x) = x relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between.
struct Hardswish {
  // x is clamped at -3 first, so every x <= -3 (-inf too, which would give inf * 0 = NaN) reaches
  // (-3) * 0 = -0 without a select; NaN passes max as its second operand.
  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const V xc = max(V(T(-3)), x);
    const V t = xc + V(T(3));  // exact near -3 (Sterbenz), where the result is small
    const V p = xc * t;
    const V p_lo = mul_sub(xc, t, p);
    return select(x >= V(T(3)), x, divided_by_6(p, p_lo));  // x (x + 3) = p + p_lo exactly
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const V middle = divided_by_6((x + x) + V(T(3)));  // 2x + 3 exact near its zero
    return propagate_nan(x, select(x >= V(T(3)), V(T(1)), select(x > V(T(-3)), middle, V(T(0)))));
  }
};

}  // namespace fastact
