// sigmoid(x) = 1 / (1 + e^-x) on one path for every x (math/one_plus_exp.h): the denominator
// as an exact pair, one division with a correction step. Three roundings' worth of error plus
// e^-x's, which the quotient passes on fully only where x < 0.
// Results below 2^-126 (x < -87.34) are flushed to 0, as docs/numerics.md allows.
//   sigmoid'(x) = e / (1 + e)^2 with e = e^-|x| in (0, 1] (symmetric), (1 + e)^2 = e(e + 2) + 1
// in one FMA: full relative accuracy in both tails, unlike y(1 - y), which loses every digit
// as y -> 1. From the output: y - y^2 in one FMA.
#pragma once

#include "../math/exp.h"
#include "../math/one_plus_exp.h"
#include "op_support.h"

namespace fastact {

// sigmoid(z) for z = z_hi + z_lo (an exact pair, e.g. beta * x; z_lo may be math::kZeroLow):
// 1 / (1 + e^-z) on one path, flushed to 0 below 2^-126. Shared with softplus' and log_sigmoid'.
template <class V, class Lo>
inline V logistic(V z, Lo z_lo) {
  using T = typename V::Scalar;
  const math::OnePlusExpNeg<V> d = math::one_plus_exp_neg<false>(z, z_lo);
  const V y = math::divide(V(T(1)), d.den);
  return d.ordinary ? y : select(z < V(math::ExpConstants<T>::kMinNormalArg), V(T(0)), y);
}

struct Sigmoid {
  template <class V>
  static V forward(V x, const Params<V>&) {
    return logistic(x, math::kZeroLow);
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    const V e = math::exp_flushed(-abs(x));  // flushed only where sigmoid' is subnormal too
    return e / mul_add(e, e + V(2), V(1));
  }
  template <class V>
  static V derivative_from_output(V y, const Params<V>&) {
    return neg_mul_add(y, y, y);
  }
};

}  // namespace fastact
