// relu, leaky_relu, hardtanh (relu6 is hardtanh(0, 6)): exact, no rounding anywhere.
// Kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha, hardtanh' = 0 at both bounds.
// max(0, x) / min(hi, x) return x when x is NaN (vector min/max semantics), so NaN propagates.
#pragma once

#include "op_support.h"

namespace fastact {

// relu(x) = max(x, 0)
struct Relu {
  template <class V>
  static V forward(V x, const Params<V>&) {
    return max(V(0), x);
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    return propagate_nan(x, select(x > V(0), V(1), V(0)));
  }
};

// leaky_relu(x) = x for x > 0, alpha*x otherwise; a = alpha
struct LeakyRelu {
  template <class V>
  static V forward(V x, const Params<V>& p) {
    return select(x > V(0), x, p.a * x);
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    return propagate_nan(x, select(x > V(0), V(1), p.a));
  }
};

// hardtanh(x) = min(max(x, lo), hi); a = lo (min_val), b = hi (max_val), lo <= hi
struct Hardtanh {
  template <class V>
  static V forward(V x, const Params<V>& p) {
    return min(p.b, max(p.a, x));
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    return propagate_nan(x, select((x > p.a) & (x < p.b), V(1), V(0)));
  }
};

}  // namespace fastact
