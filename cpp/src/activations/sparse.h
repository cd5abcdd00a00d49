// sparse_sigmoid, sparse_plus and squareplus (jax.nn): sigmoid- and softplus-shaped curves built
// from polynomials and a square root, without exponentials.
//   sparse_sigmoid(x) = 0 for x <= -1, (x + 1) / 2 between, 1 for x >= 1
//   sparse_plus(x)    = 0 for x <= -1, (x + 1)^2 / 4 between, x for x >= 1 (C1: its derivative is
//                       sparse_sigmoid)
//   squareplus(x, b)  = (x + sqrt(x^2 + b)) / 2, b > 0 (a smooth relu; squareplus' = (1 + x / s) / 2)
// Kinks: sparse_sigmoid' = 0 at +-1 (as hardsigmoid at its bounds); sparse_plus has none.
#pragma once

#include <type_traits>

#include "../math/in_double.h"
#include "op_support.h"

namespace fastact {

struct SparseSigmoid {
  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    return min(V(T(1)), max(V(T(0)), (x + V(T(1))) * V(T(0.5))));  // one rounding; NaN passes both
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    using T = typename V::Scalar;
    return propagate_nan(x, select((x > V(T(-1))) & (x < V(T(1))), V(T(0.5)), V(T(0))));
  }
};

struct SparsePlus {
  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    // t = 1 + x as hi + lo exactly (Fast2Sum: |x| < 1 in the middle branch); with h = hi / 2 and
    // l = lo / 2, t^2 / 4 = h^2 + 2 h l (+ l^2, below an ULP of the result) in one FMA: one rounding.
    const V hi = V(T(1)) + x;
    const V h = hi * V(T(0.5));
    const V l = (x - (hi - V(T(1)))) * V(T(0.5));
    const V middle = mul_add(h, h, (h + h) * l);
    return propagate_nan(x, select(x >= V(T(1)), x, select(x > V(T(-1)), middle, V(T(0)))));
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    return SparseSigmoid::forward(x, p);  // (x + 1) / 2, clamped: the same rounding
  }
};

// squareplus: evaluated in double for float32 lanes (math/in_double.h), where plain arithmetic is
// far below a float ULP. For x < 0, where x + s cancels, y = (b / 4) / h with h = (s - x) / 2
// (halves first: no overflow), and y' = y / s.
struct Squareplus {
  template <class V>
  static auto b_in_double(const Params<V>& p) {
    if constexpr (std::is_same_v<typename V::Scalar, double>) {
      return p.a;
    } else {
      return widen(p.a).part[0];
    }
  }
  // s = sqrt(x^2 + b) and |x| / s. float64: as M sqrt(1 + (m / M)^2), M = max(|x|, sqrt b), m the
  // other, so x^2 never overflows, and |x| / s = 1 / sqrt(1 + r^2) or r / sqrt(1 + r^2) (no
  // inf / inf at +-inf). float32 lanes in double: x^2 cannot overflow, so one square root
  // (|x| / s = 1 at +-inf).
  template <class D>
  struct Root {
    D s, ratio;
  };
  template <bool kFloatLanes, class D>
  static Root<D> root(D xd, D b) {
    if constexpr (kFloatLanes) {
      const D ax = abs(xd);
      const D s = sqrt(mul_add(ax, ax, b));
      return {s, select(ax > D(0x1p1000), D(1.0), ax / s)};  // only +-inf is that large; NaN: NaN
    } else {
      const D ax = abs(xd), rb = sqrt(b);
      const D big = max(rb, ax), small = min(rb, ax);  // NaN: both NaN
      const D r = small / big;
      const D norm = sqrt(mul_add(r, r, D(1.0)));
      return {big * norm, select(ax >= rb, D(1.0), r) / norm};
    }
  }
  template <class D>
  static D value(D xd, D b, const Root<D>& t) {
    const D negative = (b * D(0.25)) / (t.s * D(0.5) + abs(xd) * D(0.5));
    // halves first: x + s would overflow near the top of the range
    return select(xd >= D(0.0), xd * D(0.5) + t.s * D(0.5), negative);  // NaN: the negative branch
  }
  template <class D>
  static D slope(D xd, D y, const Root<D>& t) {
    return select(xd >= D(0.0), mul_add(t.ratio, D(0.5), D(0.5)), y / t.s);
  }

  template <class V>
  static constexpr bool kFloatLanes = std::is_same_v<typename V::Scalar, float>;

  template <class V>
  static V forward(V x, const Params<V>& p) {
    const auto b = b_in_double(p);
    return math::in_double(x, [&](auto xd) { return value(xd, b, root<kFloatLanes<V>>(xd, b)); });
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    const auto b = b_in_double(p);
    return math::in_double(x, [&](auto xd) {
      const auto t = root<kFloatLanes<V>>(xd, b);
      return slope(xd, value(xd, b, t), t);
    });
  }
  template <class V>
  static void value_and_derivative(V x, const Params<V>& p, V& y, V& d) {
    const auto b = b_in_double(p);
    math::in_double(x, y, d, [&](auto xd, auto& yd, auto& dd) {
      const auto t = root<kFloatLanes<V>>(xd, b);
      yd = value(xd, b, t);
      dd = slope(xd, yd, t);
    });
  }
};

}  // namespace fastact
