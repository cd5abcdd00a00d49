// The sign of a zero result, as IEEE arithmetic (and PyTorch, which evaluates these formulas
// directly) gives it: silu(-0) = -0 * sigmoid(-0) = -0, silu(-1e30) = -1e30 * 0 = -0, elu(-0) =
// expm1(-0) = -0. The kernels' selects, limits and flushes produce +0 there instead; SignFixed
// puts x's sign back on the forward value (the derivative is unaffected), at the cost of one or
// two bitwise operations per vector.
//
// Rules:
// - ValueHasSignOfX: f(x) = x g(x) with g >= 0 (silu, swish, mish, both GELUs, hardswish), so f
//   has x's sign everywhere, zeros included: f = copysign(f, x).
// - ZeroHasSignOfX: f(0) = 0, but f's sign for x < 0 depends on a parameter (elu, selu: alpha
//   (e^x - 1)): only f(+-0) = +-0.
#pragma once

#include <type_traits>

#include "op_support.h"

namespace fastact {

struct ValueHasSignOfX {
  template <class V>
  static V apply(V x, V y) {
    return copysign(y, x);  // NaN stays NaN
  }
};

struct ZeroHasSignOfX {
  template <class V>
  static V apply(V x, V y) {
    return select(x == V(typename V::Scalar(0)), x, y);
  }
};

// Op with Rule applied to its forward value (and to the value of its fused value_and_derivative,
// where it has one); everything else is Op's own.
template <class Op, class Rule>
struct SignFixed : Op {
  template <class V>
  static V forward(V x, const Params<V>& p) {
    return Rule::apply(x, Op::forward(x, p));
  }
  template <class V, class O = Op>
  static auto value_and_derivative(V x, const Params<V>& p, V& y, V& d)
      -> decltype(O::value_and_derivative(x, p, y, d)) {
    O::value_and_derivative(x, p, y, d);
    y = Rule::apply(x, y);
  }
};

}  // namespace fastact
