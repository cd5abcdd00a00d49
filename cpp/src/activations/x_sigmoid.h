// The x-sigmoid family f(x) = x sigmoid(z(x)) (silu and swish here; gelu.h builds tanh-GELU on it):
//   silu:      z = x,
//   swish:     z = beta x (beta learnable),
//   tanh-GELU: z = 2 sqrt(2/pi) (x + 0.044715 x^3), since 0.5 (1 + tanh(u)) = sigmoid(2u).
//
// The value on one path for every z, f = x / (1 + e^-z) (the denominator an exact pair,
// math/one_plus_exp.h; scaled by 2^-64 where e^-z > 2^60, so x e^z stays exact near z = -88
// while e^-z would overflow). The derivative, with e = e^-|z| = 2^n (1 + q) and w = x z'(x)
// (w = z for silu and swish):
//   f' = sigmoid(z) (1 + w (1 - sigmoid(z))) = (1 + e (1 + w)) / (1 + e)^2 for z >= 0,
//                                              e (1 + e + w) / (1 + e)^2 for z < 0,
//   swish's df/dbeta = x^2 sigmoid'(z) = x^2 e / (1 + e)^2,
// with e scaled by 2^64 where n < -60 and the quotient scaled back (one rounding, into the
// subnormal range if that is where it lands).
// Traps avoided: z is an exact pair (its rounding would be amplified by |z| in the tail: this is
// the 1 + tanh cancellation of tanh-GELU, avoided by never forming 1 + tanh).
// f' has an interior zero (silu: z = -1.2785; tanh-GELU: x = -0.7522): there the error is
// absolute (docs/numerics.md carve-out).
#pragma once

#include <type_traits>

#include "../math/exp.h"
#include "../math/in_double.h"
#include "../math/one_plus_exp.h"
#include "../math/pair.h"
#include "op_support.h"

namespace fastact {

// z(x) as an exact pair and w(x) = x z'(x), per member of the family; kExactZ: z.lo is always 0
// (the exponential then skips it: math::kZeroLow).
struct UnitArgument {
  static constexpr bool kLearnable = false;
  static constexpr bool kExactZ = true;
  template <class V>
  static math::Pair<V> z(V x, const Params<V>&) {
    return {x, V(0)};
  }
  template <class V>
  static V w(V, const math::Pair<V>& z) {
    return z.hi;
  }
};

struct BetaArgument {  // Params::a = beta
  static constexpr bool kLearnable = true;
  static constexpr bool kExactZ = false;
  // No overflow guard: where beta x overflows, z is infinite and the lane beyond (its lo unused).
  template <class V>
  static math::Pair<V> z(V x, const Params<V>& p) {
    return math::two_product_finite(p.a, x);
  }
  template <class V>
  static V w(V, const math::Pair<V>& z) {
    return z.hi + z.lo;
  }
};

// z = k1 x + k3 x^3 with k1 = 2 sqrt(2/pi), k3 = 0.044715 k1, each as a hi + lo pair of the
// array's type (digits from mpmath); x^3 = x * x^2 with both products error-free, so z carries
// about 2p bits (its error, times |z| <= 88 or 745, stays far below an ULP of e^-|z|). No product
// is guarded against overflow: any that overflows makes z infinite, a lane beyond (lo unused).
struct TanhGeluArgument {
  static constexpr bool kLearnable = false;
  static constexpr bool kExactZ = false;
  template <class T>
  struct K;
  template <class V>
  static math::Pair<V> z(V x, const Params<V>&) {
    using C = K<typename V::Scalar>;
    const math::Pair<V> x2 = math::two_product_finite(x, x);
    const math::Pair<V> x3 = math::two_product_finite(x, x2.hi);
    const V x3_lo = mul_add(x, x2.lo, x3.lo);
    const math::Pair<V> linear = math::two_product_finite(V(C::k1_hi), x);
    const math::Pair<V> cubic = math::two_product_finite(V(C::k3_hi), x3.hi);
    const math::Pair<V> sum = math::two_sum(linear.hi, cubic.hi);
    const V lo = mul_add(V(C::k1_lo), x, linear.lo) +
                 mul_add(V(C::k3_hi), x3_lo, mul_add(V(C::k3_lo), x3.hi, cubic.lo));
    return {sum.hi, sum.lo + lo};  // lo is NaN only where z is infinite, which callers treat as beyond
  }
  template <class V>
  static V w(V x, const math::Pair<V>&) {  // x z'(x) = k1 x + 3 k3 x^3
    using C = K<typename V::Scalar>;
    const V x2 = x * x;
    return x * mul_add(V(C::k3_times_3), x2, V(C::k1_hi));
  }
};
template <>
struct TanhGeluArgument::K<float> {
  static constexpr float k1_hi = 1.5957691669464111f, k1_lo = -4.534068054340423e-08f;
  static constexpr float k3_hi = 0.07135481387376785f, k3_lo = 2.3988324659995897e-09f;
  static constexpr float k3_times_3 = 0.21406444907188416f;
};
template <>
struct TanhGeluArgument::K<double> {
  static constexpr double k1_hi = 1.5957691216057308, k1_lo = -9.96930880911092e-17;
  static constexpr double k3_hi = 0.07135481627260025, k3_lo = -6.175149918155315e-19;
  static constexpr double k3_times_3 = 0.21406444881780073;
};

template <class Argument>
struct XSigmoid {
  template <class V>
  static math::ScaledExp<V> exp_neg_abs_z(const math::Pair<V>& z) {
    if constexpr (Argument::kExactZ) return math::exp_neg_abs_scaled(z.hi, math::kZeroLow);
    else return math::exp_neg_abs_scaled(z.hi, z.lo);
  }

  // x / (1 + e^-z) on one path for every z (math/one_plus_exp.h): x is exact, so one division
  // with a correction step is all the rounding. Where e^-z < 2^-126 (z > 87.3, x = +inf
  // included) the result is x; beyond the clamp (z < -131.7) x e^z is below 2^-126 (|x| <=
  // 2^64 / |beta|, and x^3 dominates for tanh-GELU): flushed to 0.
  template <class V>
  static V forward(V x, const Params<V>& p) {
    using T = typename V::Scalar;
    const math::Pair<V> z = Argument::z(x, p);
    math::OnePlusExpNeg<V> d;
    if constexpr (Argument::kExactZ) d = math::one_plus_exp_neg<true>(z.hi, math::kZeroLow);
    else d = math::one_plus_exp_neg<true>(z.hi, z.lo);
    const V y = math::divide(x, d.den);
    return d.ordinary ? y : select(d.tiny, x, select(d.beyond, V(T(0)), y * d.unscale));
  }

  // f'(x) and x^2 e / (1 + e)^2 (= df/dbeta for swish), sharing z and e.
  template <class V>
  static void derivatives(V x, const Params<V>& p, V& d, V& d_param) {
    using T = typename V::Scalar;
    const math::Pair<V> z = Argument::z(x, p);
    const math::ScaledExp<V> e = exp_neg_abs_z(z);
    const auto negative = z.hi < V(T(0));
    const V e_k = e.e_k.hi;  // 2^K e
    // e, only added to O(1) terms here: in float32 a scaled e (below 2^-60) changes none of them,
    // so it is 0 there instead of a subnormal product (an assist per vector beyond z = 87)
    const V e1 = sizeof(T) == 4 ? math::exp_or_zero(e, e.scaled) : e.e;
    const V one_plus_w = V(T(1)) + Argument::w(x, z);
    const V num = select(negative, e_k * (one_plus_w + e1), mul_add(e1, one_plus_w, V(T(1))));
    const V den = mul_add(e1, e1 + V(T(2)), V(T(1)));  // (1 + e)^2
    d = (num / den) * select(negative, e.unscale, V(T(1)));
    d = select(e.beyond, select(negative, V(T(0)), V(T(1))), d);  // the limits 0 and 1
    d_param = select(e.beyond, V(T(0)), (x * (x * e_k) / den) * e.unscale);
  }

  template <class V>
  static V derivative(V x, const Params<V>& p) {
    V d, d_param;
    derivatives(x, p, d, d_param);
    return d;
  }

  // d f / d beta = x^2 e / (1 + e)^2, only for a learnable gate (swish's beta).
  template <class V, class A = Argument, std::enable_if_t<A::kLearnable, int> = 0>
  static V param_derivative(V x, const Params<V>& p) {
    V d, d_param;
    derivatives(x, p, d, d_param);
    return d_param;
  }
};

using Silu = XSigmoid<UnitArgument>;
using Swish = XSigmoid<BetaArgument>;  // a = beta
}  // namespace fastact
