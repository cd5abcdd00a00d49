// Subnormal inputs without the slow path. Arithmetic on subnormal operands takes microcode assists
// (2-3x the time per element on this Zen 3, measured with benchmarks/targets_table.py), and
// docs/numerics.md forbids the usual cure (setting DAZ/FTZ in the FP control word). So the smooth ops
// see every subnormal x replaced by a zero of its sign, which changes nothing the contract sees:
// with f(x) = f(0) + f'(0) x + ..., where f(0) is a normal number the term f'(0) x is far below
// half its ULP (the result is the same), and where f(0) = 0 the exact result |f'(0) x| is below
// the normal range (which may be flushed, abs error < 2^-126) as long as |f'(0)| <= 1.
//
// FlushSubnormalInputs<Op> is Op with that done to x in forward, derivative, the fused
// value-and-derivative, the learnable-parameter derivatives and the rare-lane parts (each present
// only if Op has it);
// derivative_from_output takes y and is passed through. Ops whose slope at 0 may be larger than 1
// or that have a kink at 0 (elu, selu: f' jumps there, and +0 takes the x <= 0 side, so a positive
// subnormal cannot become +0) call flush_subnormal themselves where it is valid.
#pragma once

#include <limits>

#include "op_support.h"

namespace fastact {

// x, or a zero of its sign where |x| < below (NaN compares false: kept). The select runs only for
// vectors that hold such a lane: for normal data the cost is a compare and a predictable branch.
template <class V>
inline V flush_subnormal(V x, V below) {
  using T = typename V::Scalar;
  const auto tiny = abs(x) < below;
  return any(tiny) ? select(tiny, copysign(V(T(0)), x), x) : x;
}

// x with every subnormal lane a zero of its sign.
template <class V>
inline V flush_subnormals(V x) {
  using T = typename V::Scalar;
  return flush_subnormal(x, V(std::numeric_limits<T>::min()));
}

template <class Op>
struct FlushSubnormalInputs {
  template <class V>
  static V forward(V x, const Params<V>& p) {
    return Op::forward(flush_subnormals(x), p);
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    return Op::derivative(flush_subnormals(x), p);
  }
  template <class V, class O = Op>
  static auto value_and_derivative(V x, const Params<V>& p, V& y, V& d)
      -> decltype(O::value_and_derivative(x, p, y, d)) {
    return O::value_and_derivative(flush_subnormals(x), p, y, d);
  }
  // The two parts of an op with rare lanes (kernel_loops.h HasRareLanes), each on the flushed x.
  template <class V, class O = Op>
  static auto forward_usual(V x, const Params<V>& p, typename V::MaskType& rare)
      -> decltype(O::forward_usual(x, p, rare)) {
    return O::forward_usual(flush_subnormals(x), p, rare);
  }
  template <class V, class O = Op>
  static auto forward_rare(V x, const Params<V>& p) -> decltype(O::forward_rare(x, p)) {
    return O::forward_rare(flush_subnormals(x), p);
  }
  template <class V, class O = Op>
  static auto derivative_usual(V x, const Params<V>& p, typename V::MaskType& rare)
      -> decltype(O::derivative_usual(x, p, rare)) {
    return O::derivative_usual(flush_subnormals(x), p, rare);
  }
  template <class V, class O = Op>
  static auto derivative_rare(V x, const Params<V>& p) -> decltype(O::derivative_rare(x, p)) {
    return O::derivative_rare(flush_subnormals(x), p);
  }
  template <class V, class O = Op>
  static auto derivative_from_output(V y, const Params<V>& p) -> decltype(O::derivative_from_output(y, p)) {
    return O::derivative_from_output(y, p);
  }
  template <class V, class O = Op>
  static auto param_derivative(V x, const Params<V>& p) -> decltype(O::param_derivative(x, p)) {
    return O::param_derivative(flush_subnormals(x), p);
  }
  template <class V, class O = Op>
  static auto derivatives(V x, const Params<V>& p, V& d, V& dp) -> decltype(O::derivatives(x, p, d, dp)) {
    return O::derivatives(flush_subnormals(x), p, d, dp);
  }
};

}  // namespace fastact
