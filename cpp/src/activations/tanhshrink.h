// tanhshrink(x) = x - tanh(x) (PyTorch's Tanhshrink), odd, without the cancellation of the
// plain difference, in two regimes blended per lane:
//   |x| <  1: x^3 Q(x^2), Q a minimax fit of (x - tanh x) / x^3 (tools/fit_minimax.py
//             tanhshrink_f64 / tanhshrink_for_float), so the result keeps full relative accuracy
//             down to the smallest x (where x - tanh x would round to 0 below |x| ~ 2^-12);
//   |x| >= 1: (|x| - 1) + 2e / (1 + e), e = e^-2|x|, from tanh(|x|) = 1 - 2e / (1 + e): both
//             terms are >= 0, so nothing cancels (|x| - 1 is exact up to |x| = 2).
// float32 lanes are evaluated in double (math/in_double.h): in float, the fit's error with
// rounded coefficients alone is 1.4 ULP.
// tanhshrink'(x) = 1 - tanh'(x) = tanh(x)^2: no cancellation, from tanh's kernel (in double for
// float32 lanes too).
#pragma once

#include <type_traits>

#include "../math/exp.h"
#include "../math/in_double.h"
#include "../math/polynomial.h"
#include "op_support.h"
#include "tanh.h"

namespace fastact {

struct Tanhshrink {
  // Q(s) = (x - tanh x) / x^3 at s = x^2 in [0, 1]: float32's fit needs 10 terms in double (relative
  // error 3.8e-11), float64's 16 (1.1e-16 with the coefficients rounded).
  template <bool kForFloat, class D>
  static D cubic_factor(D s) {
    if constexpr (kForFloat) {
      return math::horner(s, 0.33333333332064635, -0.1333333307895524, 0.053968169128637236,
                          -0.021868381044110808, 0.008855809520869905, -0.0035630640728355786,
                          0.001384828556216612, -0.0004779269353597543, 0.00012286068499796699,
                          -1.6454334348380283e-05);
    } else {
      return math::horner(s, 0.3333333333333333, -0.13333333333333092, 0.05396825396804674,
                          -0.02186948852913974, 0.008863235404741142, -0.0035921266808673744,
                          0.0014558247011305005, -0.0005899793319214536, 0.00023895716105748322,
                          -9.646300517211584e-05, 3.838995147853161e-05, -1.4606501923747836e-05,
                          4.988038240591263e-06, -1.379319478010967e-06, 2.633484812550445e-07,
                          -2.5160441116866363e-08);
    }
  }

  template <bool kForFloat, class D>
  static D value(D xd) {
    constexpr auto kAccuracy = kForFloat ? math::ExpAccuracy::for_float : math::ExpAccuracy::full;
    const D ax = abs(xd);
    const D s = ax * ax;
    const D small = (ax * s) * cubic_factor<kForFloat>(s);
    const D e = math::exp_flushed<0, kAccuracy>(-(ax + ax));  // flushed: then 2e / (1 + e) is below an ULP
    const D large = (ax - D(1.0)) + (e + e) / (D(1.0) + e);
    return copysign(select(ax < D(1.0), small, large), xd);  // NaN: the large branch's NaN
  }

  template <class V>
  static V forward(V x, const Params<V>&) {
    constexpr bool kForFloat = std::is_same_v<typename V::Scalar, float>;
    return math::in_double(x, [](auto xd) { return value<kForFloat>(xd); });
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
