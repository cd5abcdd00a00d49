// silu(x) = x sigmoid(x) and swish(x, beta) = x sigmoid(beta x), the latter with a learnable beta.
//
// With z = beta x and e = e^-|z| = 2^n (1 + q):
//   f  = x / (1 + e) for z >= 0,   x e / (1 + e) for z < 0,
//   f' = sigmoid(z) (1 + z (1 - sigmoid(z))) = (1 + e (1 + z)) / (1 + e)^2 for z >= 0,
//                                              e (1 + e + z) / (1 + e)^2 for z < 0,
//   df/dbeta = x^2 sigmoid'(z) = x^2 e / (1 + e)^2.
// Traps avoided: z = beta x is an exact pair (its rounding would be amplified by |z| in the
// tail); for z < 0 the numerator x e is formed as an exact pair and divided once (as sigmoid);
// near x = -88, e is subnormal while x e is not, so e is scaled by 2^64 where n < -60 and the
// quotient scaled back (one rounding, into the subnormal range if that is where it lands).
// f' has an interior zero (z = -1.2785): there the error is absolute (DESIGN.md §5 carve-out).
#pragma once

#include "../math/exp.h"
#include "../math/pair.h"
#include "op_support.h"

namespace fastact {

template <bool kUnitBeta>
struct SwishFamily {
  template <class V>
  static math::Pair<V> z_of(V x, const Params<V>& p) {
    if constexpr (kUnitBeta) return {x, V(0)};
    else return math::two_product(p.a, x);
  }

  template <class V>
  static V forward(V x, const Params<V>& p) {
    using T = typename V::Scalar;
    const math::Pair<V> z = z_of(x, p);
    const math::ScaledExp<V> e = math::exp_neg_abs_scaled(z.hi, z.lo);
    const auto negative = z.hi < V(T(0));
    // Numerator: x e (scaled by 2^K) for z < 0, x for z >= 0.
    const math::Pair<V> xe = math::two_product(x, e.e_k.hi);
    const math::Pair<V> num{select(negative, xe.hi, x), select(negative, mul_add(x, e.e_k.lo, xe.lo), V(T(0)))};
    const math::Pair<V> den = math::add_scaled(V(T(1)) + e.s, e.s, e.q);
    const V y = math::divide(num, den) * select(negative, e.unscale, V(T(1)));
    // Beyond the clamp x e^-|z| is below 2^-126 for z < 0 (|x| <= 2^64 / |beta|): flush; for
    // z > 0 the result is x.
    return select(e.beyond, select(negative, V(T(0)), x), y);
  }

  // f'(x) and df/dbeta = x^2 e / (1 + e)^2, sharing z and e.
  template <class V>
  static void derivatives(V x, const Params<V>& p, V& d, V& d_param) {
    using T = typename V::Scalar;
    const math::Pair<V> z = z_of(x, p);
    const math::ScaledExp<V> e = math::exp_neg_abs_scaled(z.hi, z.lo);
    const auto negative = z.hi < V(T(0));
    const V e_k = e.e_k.hi;  // 2^K e
    const V e1 = e.e;        // e (may be subnormal: only added to 1 here)
    const V one_plus_z = (V(T(1)) + z.hi) + z.lo;
    const V num = select(negative, e_k * (one_plus_z + e1), mul_add(e1, one_plus_z, V(T(1))));
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

  // d f / d beta = x^2 e / (1 + e)^2, for the learnable beta of swish.
  template <class V>
  static V param_derivative(V x, const Params<V>& p) {
    V d, d_param;
    derivatives(x, p, d, d_param);
    return d_param;
  }
};

using Silu = SwishFamily<true>;
using Swish = SwishFamily<false>;  // a = beta

}  // namespace fastact
