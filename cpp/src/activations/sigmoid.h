// sigmoid(x) = 1 / (1 + e^-x), from e = e^-|x| in (0, 1] so nothing overflows or cancels:
//   sigmoid(x)  = 1 / (1 + e)  for x >= 0,   e / (1 + e) for x < 0
//   sigmoid'(x) = e / (1 + e)^2  (symmetric), with (1 + e)^2 = e*(e + 2) + 1 in one FMA,
// so the derivative keeps full relative accuracy in both tails instead of y*(1 - y),
// which loses every digit as y -> 1. From the output: y - y^2 in one FMA.
#pragma once

#include "../math/exp.h"
#include "op_support.h"

namespace fastact {

struct Sigmoid {
  template <class V>
  static V forward(V x, const Params<V>&) {
    const V e = math::exp(-abs(x));
    return select(x < V(0), e, V(1)) / (V(1) + e);
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    const V e = math::exp(-abs(x));
    return e / mul_add(e, e + V(2), V(1));
  }
  template <class V>
  static void value_and_derivative(V x, const Params<V>&, V& y, V& d) {
    const V e = math::exp(-abs(x));
    y = select(x < V(0), e, V(1)) / (V(1) + e);
    d = e / mul_add(e, e + V(2), V(1));
  }
  template <class V>
  static V derivative_from_output(V y, const Params<V>&) {
    return neg_mul_add(y, y, y);
  }
};

}  // namespace fastact
