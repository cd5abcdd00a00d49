// tanhshrink(x) = x - tanh(x) (PyTorch's Tanhshrink), odd, without the cancellation of the
// plain difference, in two regimes blended per lane:
//   |x| <  c: x^3 Q(x^2), Q a minimax fit of (x - tanh x) / x^3 (tools/fit_minimax.py
//             tanhshrink_f64 for c = 1, tanhshrink_for_float for c = 1.5), so the result keeps
//             full relative accuracy down to the smallest x (where x - tanh x would round to 0
//             below |x| ~ 2^-12 in float32);
//   |x| >= c: (|x| - 1) + 2e / (1 + e), e = e^-2|x|, from tanh(|x|) = 1 - 2e / (1 + e): both
//             terms are >= 0, so nothing cancels (|x| - 1 is exact up to |x| = 2).
// float32 evaluates the polynomial in double (in float, the fit's error with rounded coefficients
// alone is 1.4 ULP) and the other regime in float from c = 1.5 on, where 2e / (1 + e) is below
// 0.16 of the result: its 1.5 ULP become < 0.2 ULP of the result.
// tanhshrink'(x) = 1 - tanh'(x) = tanh(x)^2: no cancellation, from tanh's kernel (in double for
// float32 lanes too).
#pragma once

#include <type_traits>

#include "../math/in_double.h"
#include "../math/polynomial.h"
#include "op_support.h"
#include "tanh.h"

namespace fastact {

struct Tanhshrink {
  // Q(s) = (x - tanh x) / x^3 at s = x^2: float64 on s in [0, 1] (16 terms, relative error 1.1e-16
  // with the coefficients rounded), float32 lanes in double on s in [0, 2.25] (13 terms, 9.3e-11).
  template <bool kForFloat, class D>
  static D cubic_factor(D s) {
    if constexpr (kForFloat) {
      return math::horner(s, 0.3333333333023631, -0.13333332866443132, 0.05396813610186939, -0.021868306099534374,
                          0.008856989830143585, -0.0035721609751659896, 0.0014139131136424342,
                          -0.0005290723625411668, 0.0001753318956184846, -4.720454874836781e-05,
                          9.307682573126016e-06, -1.1633267339914877e-06, 6.80732130322723e-08);
    } else {
      return math::horner(s, 0.3333333333333333, -0.13333333333333092, 0.05396825396804674,
                          -0.02186948852913974, 0.008863235404741142, -0.0035921266808673744,
                          0.0014558247011305005, -0.0005899793319214536, 0.00023895716105748322,
                          -9.646300517211584e-05, 3.838995147853161e-05, -1.4606501923747836e-05,
                          4.988038240591263e-06, -1.379319478010967e-06, 2.633484812550445e-07,
                          -2.5160441116866363e-08);
    }
  }

  // x^3 Q(x^2) with |x| = ax (the sign is put back by the caller).
  template <bool kForFloat, class D>
  static D small(D ax) {
    const D s = ax * ax;
    return (ax * s) * cubic_factor<kForFloat>(s);
  }
  // (|x| - 1) + (1 - tanh|x|).
  template <class V>
  static V large(V ax) {
    using T = typename V::Scalar;
    return (ax - V(T(1))) + Tanh::complement(ax);
  }

  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const V ax = abs(x);
    if constexpr (std::is_same_v<T, float>) {
      const V near_zero = math::in_double(ax, [](auto a) { return small<true>(a); });
      return copysign(select(ax < V(1.5f), near_zero, large(ax)), x);  // NaN: the large branch's NaN
    } else {
      return copysign(select(ax < V(1.0), small<false>(ax), large(ax)), x);
    }
  }
  // tanh^2 in float would double tanh's 1.5 ULP; from a double tanh it is rounded once.
  template <class V>
  static V derivative(V x, const Params<V>&) {
    return math::in_double(x, [](auto xd) {
      const auto t = Tanh::forward(xd, Params<decltype(xd)>(ParamValues{}));
      return t * t;
    });
  }
};

}  // namespace fastact
