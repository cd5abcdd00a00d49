// tanh(x) = sign(x) * E / (E + 2) with E = expm1(2|x|): no cancellation near 0 (expm1 keeps
// full relative accuracy there), no overflow (|x| is clamped where tanh rounds to 1).
// tanh'(x) = 1 - tanh^2 = 4e / (1 + e)^2 with e = e^-2|x|: accurate in the tails, where
// 1 - y^2 would cancel. From the output: 1 - y^2 in one FMA.
#pragma once

#include "../math/exp.h"
#include "../math/expm1.h"
#include "op_support.h"

namespace fastact {

struct Tanh {
  // Beyond these, tanh rounds to +-1 (1 - tanh(x) ~ 2e^-2x < half an ULP of 1), and at them
  // the formula gives exactly 1 (E + 2 rounds to E).
  template <class T>
  static constexpr T kSaturation = sizeof(T) == 4 ? T(9.1) : T(19.5);

  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const V ax = min(V(kSaturation<T>), abs(x));  // NaN stays NaN
    const V e = math::expm1(ax + ax);
    return copysign(e / (e + V(2)), x);
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    const V ax = abs(x);
    const V e = math::exp(-(ax + ax));
    return (V(4) * e) / mul_add(e, e + V(2), V(1));
  }
  template <class V>
  static V derivative_from_output(V y, const Params<V>&) {
    return neg_mul_add(y, y, V(1));
  }
};

}  // namespace fastact
