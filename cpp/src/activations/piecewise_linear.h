// relu, leaky_relu, hardtanh (relu6 is hardtanh(0, 6)), threshold, hardshrink: exact, no rounding
// anywhere; softshrink rounds once (x -+ lambda); squared_relu once (x * x).
// Kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha, hardtanh' = 0 at both bounds,
// threshold' = 0 at x = threshold, hardshrink' and softshrink' = 0 at x = +-lambda.
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

// threshold(x) = x for x > threshold, value otherwise; a = threshold, b = value (NaN: NaN)
struct Threshold {
  template <class V>
  static V forward(V x, const Params<V>& p) {
    return select(x <= p.a, p.b, x);
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    return propagate_nan(x, select(x > p.a, V(1), V(0)));
  }
};

// hardshrink(x) = x for |x| > lambda, 0 otherwise; a = lambda
struct Hardshrink {
  template <class V>
  static V forward(V x, const Params<V>& p) {
    return select(abs(x) <= p.a, V(0), x);
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    return propagate_nan(x, select(abs(x) > p.a, V(1), V(0)));
  }
};

// softshrink(x) = x - lambda for x > lambda, x + lambda for x < -lambda, 0 between; a = lambda >= 0
struct Softshrink {
  template <class V>
  static V forward(V x, const Params<V>& p) {
    const V shrunk = select(x > V(0), x - p.a, x + p.a);
    // +0.0 inside the band, as PyTorch's vectorised loop gives it (its scalar loop gives x * 0)
    return select(abs(x) <= p.a, V(0), shrunk);  // NaN: NaN -+ lambda
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    return propagate_nan(x, select(abs(x) > p.a, V(1), V(0)));
  }
};

// squared_relu(x) = max(x, 0)^2 (Primer); squared_relu'(x) = 2 max(x, 0), exact
struct SquaredRelu {
  template <class V>
  static V forward(V x, const Params<V>&) {
    const V r = max(V(0), x);
    return r * r;
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    const V r = max(V(0), x);
    return r + r;
  }
};

}  // namespace fastact
