// gelu(x) = x Phi(x), Phi the standard normal CDF (approximate="none": Gelu), and its tanh form
// (approximate="tanh": GeluTanh, at the end, built on the x-sigmoid family of x_sigmoid.h).
//
// With a = |x| and H(a) = a Phi(-a) = e^(-a^2/2) a K(a), K the Mills ratio over sqrt(2 pi):
//   gelu(x) = -H(a) for x < 0,  x - H(a) for x >= 0 (H <= x/2 there: no cancellation),
//   gelu'(x) = Phi(x) + x phi(x) = D for x < 0, 1 - D for x >= 0, with
//   D = Phi(-a) - a phi(a) = e^(-a^2/2) (K(a) - a / sqrt(2 pi)).
// The tail x < -5, where 1 + erf(x / sqrt 2) cancels to nothing in float32 (the trap of
// docs/numerics.md), is computed from e^(-a^2/2) and the Mills ratio directly. gelu' has an
// interior zero at x = -0.7518 (absolute error there: docs/numerics.md carve-out); its peak is
// 1.1289 at x = sqrt 2.
// float32 is evaluated in float: K(a) and K(a) - a / sqrt(2 pi) come from per-interval tables
// (math/normal_tail_table.h), and gelu = x Phi(-a) or x - x Phi(-a) for every x.
// float64 computes K(a) = t Q (math/normal_tail.h) and takes |x| <= 0.8 from odd series instead,
// gelu = x/2 + x^2 S(x^2) and gelu' = 1/2 + x T(x^2) (the tail's products t Q and its e^(-a^2/2)
// would add two ULP there, and gelu' near its zero needs an error that is small in absolute terms,
// which one final fused multiply-add gives).
#pragma once

#include <type_traits>

#include "../math/in_double.h"
#include "../math/normal_tail.h"
#include "../math/normal_tail_table.h"
#include "op_support.h"
#include "x_sigmoid.h"

namespace fastact {

// Phi(x) = 1/2 + x S(x^2) and Phi(x) + x phi(x) = 1/2 + x T(x^2) on |x| <= 1 (used to 0.8): minimax fits from
// tools/fit_minimax.py (gelu_series_phi_f64 / gelu_series_dphi_f64, max relative error
// 8.9e-17 / 1.1e-16 after rounding).
struct GeluSeries {
  template <class D>
  static D s(D u) {
    return math::horner(u, 0.3989422804014327, -0.06649038006690544, 0.009973557010035806, -0.001187328215480246,
                           0.00011543468761415335, -9.444656248146223e-06, 6.659693107187628e-07,
                           -4.1226576934993765e-08, 2.2733752985786593e-09, -1.1284874505880971e-10,
                           5.002497645317417e-12, -1.6868515947640232e-13);
  }
  template <class D>
  static D t(D u) {
    return math::horner(u, 0.7978845608028654, -0.26596152026762176, 0.059841342060214596, -0.009498625723838056,
                           0.0011543468761083936, -0.00011333587481445717, 9.323569849802181e-06,
                           -6.596242492072041e-07, 4.091952053395255e-08, -2.2560124890038145e-09,
                           1.0963187547231686e-10, -3.968273400062351e-12);
  }
};

struct Gelu {
  // 1 / sqrt(2 pi) = hi + lo (mpmath): the lo part matters in gelu' = e^(-a^2/2) (K - a / sqrt(2 pi))
  // near its zero, where K and a / sqrt(2 pi) nearly cancel.
  static constexpr double kInvSqrt2PiHi = 0.3989422804014327, kInvSqrt2PiLo = -2.49232720227773e-17;
  // Where float64 switches from the series to the tail (the tail fit starts there).
  static constexpr double kSeriesEnd = 0.8;

  // float64
  template <class D>
  static D value(D xd, const math::NormalTail<D>& tail) {
    const D h = select(tail.beyond, D(0.0), math::times_exp(math::two_product_finite(tail.a, tail.k), tail.e));
    const D y = select(xd < D(0.0), -h, xd - h);
    const math::Pair<D> u = math::two_product_finite(xd, xd);  // kept only where |x| <= kSeriesEnd
    const D s = GeluSeries::s(u.hi);
    const D near_zero = mul_add(u.hi, s, mul_add(u.lo, s, xd * D(0.5)));
    return select(abs(xd) <= D(kSeriesEnd), near_zero, y);
  }
  template <class D>
  static D slope(D xd, const math::NormalTail<D>& tail) {
    const D k_minus = neg_mul_add(tail.a, D(kInvSqrt2PiLo), neg_mul_add(tail.a, D(kInvSqrt2PiHi), tail.k));
    const D d = select(tail.beyond, D(0.0), math::times_exp(math::Pair<D>{k_minus, D(0.0)}, tail.e));
    const D y = propagate_nan(xd, select(xd < D(0.0), d, D(1.0) - d));
    const D near_zero = mul_add(xd, GeluSeries::t(xd * xd), D(0.5));
    return select(abs(xd) <= D(kSeriesEnd), near_zero, y);
  }

  // float32, in float, from the tables of math/normal_tail_table.h: Phi(-a) = 2^n (c0 + rest) =
  // 2^n (m + m_lo), m = c0 + rest rounded and m_lo its exact error (Fast2Sum: |rest| < c0), with
  // x 2^n exact (formed at 2^64 times the scale, then scaled back: rounded only where it is
  // subnormal, and then so is the result).
  //   x < 0:  gelu = x 2^n m + x 2^n m_lo, one rounding (the small product's is far below it);
  //   x >= 0: gelu = x - x 2^n m in one fused multiply-add: m's rounding reaches the result scaled
  //           by Phi(-a) / Phi(a) <= 1, and nothing cancels (the result is at least x / 2), down
  //           to the smallest x, so no series is needed.
  // The derivative takes the tables for every x: 1 - D(a) and D(a) never cancel.
  template <class V>
  static V value_in_float(V x, const math::NormalTailPoint<V>& p) {
    const auto s = math::normal_tail_sum<math::GeluValueTable>(p);
    const V m = s.c0 + s.rest;
    const V m_lo = s.rest - (m - s.c0);
    const V xh = select(p.beyond, V(0.0f), (x * p.scale) * V(5.421010862427522e-20f));  // x 2^n; beyond: 0
    const V negative = mul_add(xh, m, xh * m_lo);
    const V positive = neg_mul_add(xh, m, x);
    return select(x < V(0.0f), negative, positive);  // NaN: positive, NaN
  }
  template <class V>
  static V slope_in_float(V x, const math::NormalTailPoint<V>& p) {
    const V d = math::normal_tail_times<math::GeluSlopeTable>(p);
    return propagate_nan(x, select(x < V(0.0f), d, V(1.0f) - d));
  }

  template <class V>
  static V forward(V x, const Params<V>&) {
    if constexpr (std::is_same_v<typename V::Scalar, float>) {
      return value_in_float(x, math::normal_tail_point(abs(x)));
    } else {
      return value(x, math::normal_tail(abs(x)));
    }
  }

  template <class V>
  static V derivative(V x, const Params<V>&) {
    if constexpr (std::is_same_v<typename V::Scalar, float>) {
      return slope_in_float(x, math::normal_tail_point(abs(x)));
    } else {
      return slope(x, math::normal_tail(abs(x)));
    }
  }

  // One tail (its exponential; float64: its Mills-ratio fit too) for both: the same bits as
  // forward() and derivative(), at less than the cost of both.
  template <class V>
  static void value_and_derivative(V x, const Params<V>&, V& y, V& d) {
    if constexpr (std::is_same_v<typename V::Scalar, float>) {
      const auto p = math::normal_tail_point(abs(x));
      y = value_in_float(x, p);
      d = slope_in_float(x, p);
    } else {
      const auto tail = math::normal_tail(abs(x));
      y = value(x, tail);
      d = slope(x, tail);
    }
  }
};

// tanh-GELU: in float32 its derivative has w = x z'(x) rounded on top of the division and the
// (1 + e)^2 of the family, and the exhaustive sweep found 4.8 ULP (x = -0.34, 5 inputs over the
// 4-ULP bound). So float32 evaluates it in double (math/in_double.h), where plain arithmetic is
// enough: z's relative error 2^-52 times |z| <= 708 stays far below a float ULP, and e^-|z| is a
// normal double wherever the float result is normal. The forward does the same (one rounding to
// float at the end), which costs about what the float path's exact pairs did and lets
// value_and_derivative share e^-|z| and 1 / (1 + e) between the two.
struct GeluTanh : XSigmoid<TanhGeluArgument> {
  // In double, for float lanes: z, 1 + w, e = e^-|z| (flushed to 0 beyond 708, where the float
  // results are their limits) and 1 / (1 + e), which the value and the derivative share (double
  // roundings are far below a float ULP, so a product by the reciprocal is as good as a quotient).
  template <class D>
  struct InDouble {
    D one_plus_w, e, inv;
    typename D::MaskType negative;
  };
  template <class D>
  static InDouble<D> in_double_terms(D xd) {
    using C = TanhGeluArgument::K<double>;
    const D x2 = xd * xd;
    const D z = xd * mul_add(D(C::k3_hi), x2, D(C::k1_hi));
    const D one_plus_w = D(1.0) + xd * mul_add(D(C::k3_times_3), x2, D(C::k1_hi));
    // The derivative's 1 + e + w cancels near its zero (x = -0.7522): e's relative error, 1e-13
    // here, reaches the float result there amplified (a 3e-10 one cost 3 ULP).
    const D e = math::exp_flushed<0, math::ExpAccuracy::for_float>(-abs(z));  // NaN passes through
    return {one_plus_w, e, D(1.0) / (D(1.0) + e), z < D(0.0)};
  }
  // x / (1 + e) (z >= 0) or x e / (1 + e) (z < 0); e = 0 (|z| > 708, x = +-inf included): x or 0.
  template <class D>
  static D value_in_double(D xd, const InDouble<D>& t) {
    const D y = select(t.negative, xd * t.e, xd) * t.inv;
    return select((t.e == D(0.0)) & t.negative, D(0.0), y);
  }
  // f' = (1 + e (1 + w)) / (1 + e)^2 (z >= 0) or e (1 + e + w) / (1 + e)^2 (z < 0); e = 0: 1 or 0.
  template <class D>
  static D derivative_in_double(const InDouble<D>& t) {
    const D num = select(t.negative, t.e * (t.one_plus_w + t.e), mul_add(t.e, t.one_plus_w, D(1.0)));
    const D d = (num * t.inv) * t.inv;
    return select(t.e == D(0.0), select(t.negative, D(0.0), D(1.0)), d);
  }

  template <class V>
  static V forward(V x, const Params<V>& p) {
    if constexpr (std::is_same_v<typename V::Scalar, float>) {
      return math::in_double(x, [](auto xd) { return value_in_double(xd, in_double_terms(xd)); });
    } else {
      return XSigmoid<TanhGeluArgument>::forward(x, p);
    }
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    if constexpr (std::is_same_v<typename V::Scalar, float>) {
      return math::in_double(x, [](auto xd) { return derivative_in_double(in_double_terms(xd)); });
    } else {
      return XSigmoid<TanhGeluArgument>::derivative(x, p);
    }
  }
  // float32: one e^-|z| for both (the same bits as forward() and derivative()).
  template <class V>
  static void value_and_derivative(V x, const Params<V>& p, V& y, V& d) {
    if constexpr (std::is_same_v<typename V::Scalar, float>) {
      math::in_double(x, y, d, [](auto xd, auto& yd, auto& dd) {
        const auto t = in_double_terms(xd);
        yd = value_in_double(xd, t);
        dd = derivative_in_double(t);
      });
    } else {
      y = XSigmoid<TanhGeluArgument>::forward(x, p);
      d = XSigmoid<TanhGeluArgument>::derivative(x, p);
    }
  }
};

}  // namespace fastact
