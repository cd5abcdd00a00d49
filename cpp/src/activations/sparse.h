// sparse_sigmoid, sparse_plus and squareplus (jax.nn): sigmoid- and softplus-shaped curves built
// from polynomials and a square root, without exponentials.
//   sparse_sigmoid(x) = 0 for x <= -1, (x + 1) / 2 between, 1 for x >= 1
//   sparse_plus(x)    = 0 for x <= -1, (x + 1)^2 / 4 between, x for x >= 1 (C1: its derivative is
//                       sparse_sigmoid)
//   squareplus(x, b)  = (x + sqrt(x^2 + b)) / 2, b > 0 (a smooth relu; squareplus' = (1 + x / s) / 2)
// Kinks: sparse_sigmoid' = 0 at +-1 (as hardsigmoid at its bounds); sparse_plus has none.
#pragma once

#include <limits>
#include <type_traits>

#include "../math/in_double.h"
#include "../math/reciprocal.h"
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

// squareplus. float64: for x < 0, where x + s cancels, y = (b / 4) / h with h = (s - x) / 2 (halves
// first: no overflow), and y' = y / s; the quotients come from math/reciprocal.h (FMAs, not the
// divider, which the square root keeps busy). float32 stays in float (SquareplusInFloat below) for
// b in [2^-60, 2^60]; any other b takes that float64 formula on the lanes widened to double.
//
// float32 in float, a = |x|, s = sqrt(a^2 + b) rounded: s alone costs up to 1.5 ULP, which the
// result would inherit, so s is carried as a pair s + s_lo, s_lo = rho / (2 s) with
// rho = (a^2 + b) - s^2 computed (nearly) exactly. Then, for every x (the core):
//   y = (s + x) / 2 = ((s + x) + (e + s_lo)) / 2, e the exact error of s + x (Fast2Sum: s >= |x|),
//     rounded once. For x < 0 with a^2 >= b / 3, s + x is exact (Sterbenz) and the small result
//     comes from the pair's low part, whose relative error |x| / s amplifies: s_lo reaches y as up
//     to ~2^-22 a^2 / b relative.
//   In the core s = sqrt(t) is the rounded root of t = p + b (a^2 = p + p_lo exactly), so
//   rho = (t - s^2) + ((p + b) - t) + p_lo: the first term exact by FMA (t - s^2 is a float for a
//   correctly rounded root), the second exact by Fast2Sum of the larger and smaller of p and b.
//   s_lo = rho / (2 s) takes 1 / (2 s) from math::reciprocal_estimate (relative error 1.3e-4, no
//   division: the divider is busy with the root), which the core can afford where a^2 < 32 b,
//   x >= -5.66 sqrt(b): there y's worst case over all 2^32 inputs (b = 4) is 0.508 ULP. That
//   reach is tested from s, as x + sqrt(32/33) s >= 0 (no root of b, no compare of x with 0).
//   y' = y / s = y (1 / s) (1 + 2 r - s_lo / s), r = 1/2 - s (1 / (2 s)) the reciprocal's exact
//     residual, with one rounding at the end; the derivative refines 1 / (2 s) by one more Newton
//     step (1.7e-8), so that the terms past 2 r stay below 2^-50.
// A lane below -5.66 sqrt(b), above ~2^62, or NaN takes the wide form instead, with a division
// (SquareplusInFloat::wide_*): y = b / (2 D) there, D = s + a + rho / (2 s) carried as D_hi + D_lo,
// q ~ b / (2 D_hi) corrected by its residual; |x| > 2^62 (s = |x| exactly) gives x or (b / 4) / |x|.
// Where x >= 0 or a^2 < b / 16 it takes y = s / 2 + (x / 2 + rho / (4 s)) instead (for small
// negative x the two terms cancel by at most 4/3). One division, w = 1 / (s D_hi), gives 1 / s =
// w D_hi and 1 / D_hi = w s to a couple of ULP, enough for the corrections, which they only scale;
// the derivative's 1 / s is refined by one Newton step.
struct SquareplusInFloat {
  static constexpr float kHuge = 0x1p62f;
  // The core's reach below zero: a^2 < kCoreReach b (see above), and sqrt(32 / 33) rounded to float.
  static constexpr float kCoreReach = 32.0f;
  static constexpr float kCoreRatio = 0.984731912612915f;

  // rho = (a^2 + b) - s^2 from a^2 = p + p_lo, for any s near the root: the larger of p and b minus
  // the nearly equal s^2 first (exact), then the smaller term (exact or nearly), then the
  // products' low parts.
  template <class V>
  static V residual(V p, V p_lo, V s, V b) {
    const V s2 = s * s, s2_lo = mul_sub(s, s, s2);
    return ((max(p, b) - s2) + min(p, b)) + (p_lo - s2_lo);
  }

  template <class V>
  struct Core {
    V s, half_s_lo;  // sqrt(a^2 + b) as the pair s + 2 half_s_lo
    V quarter_inv;   // 1 / (4 s) to a relative error of 1.3e-4
    typename V::MaskType inside;  // the lanes within the core's reach (false for NaN and +-inf)
  };
  // The core works with halves (s_lo / 2, 1 / (4 s)): the power of two is exact on every term
  // (1 / (4 s)'s estimate is exactly half of 1 / (2 s)'s), so y = (sum + (e + s_lo)) / 2 becomes
  // two fused multiply-adds with the same rounding, and no final halving.
  template <class V>
  static Core<V> core(V x, V b) {
    const V p = x * x, p_lo = mul_sub(x, x, p);
    const V t = p + b;
    const V s = sqrt(t);
    const V quarter_inv = math::reciprocal_estimate(s * V(4.0f));
    const V rho = neg_mul_add(s, s, t) + (((max(p, b) - t) + min(p, b)) + p_lo);
    // x >= -sqrt(kCoreReach b) as k = x + c s >= 0, c = sqrt(kCoreReach / (kCoreReach + 1)): for
    // x < 0 that is x^2 <= c^2 (x^2 + b), x^2 <= kCoreReach b, and every x >= 0 passes (the
    // roundings move the edge by a few ULP of x, where the core is as accurate). k <= 2^63 keeps x
    // below ~1.008 2^62, which the core still takes in range. NaN and +-inf give k NaN or inf.
    const V k = mul_add(s, V(kCoreRatio), x);
    const auto inside = (k >= V(0.0f)) & (k <= V(0x1p63f));
    return {s, rho * quarter_inv, quarter_inv, inside};
  }
  template <class V>
  static V core_value(V x, const Core<V>& c) {
    const V sum = c.s + x;
    const V e = (c.s - sum) + x;
    return mul_add(V(0.5f), sum, mul_add(V(0.5f), e, c.half_s_lo));
  }
  template <class V>
  static V core_slope(V y, const Core<V>& c) {
    const V quarter_inv = mul_add(c.quarter_inv, neg_mul_add(c.s * V(4.0f), c.quarter_inv, V(1.0f)), c.quarter_inv);
    const V inv = quarter_inv * V(4.0f);  // 1 / s, 1.7e-8
    const V r2 = neg_mul_add(c.s, inv, V(1.0f));  // exact: 1 - s / s~, |r2| < 2^-24
    const V correction = neg_mul_add(c.half_s_lo, inv + inv, r2);  // 2 r - s_lo / s
    return mul_add(y, inv, (y * inv) * correction);
  }

  template <class V>
  struct Root {
    V a, s, d_hi, d_lo;  // from |x| clamped to kHuge
    V inv_s, inv_d;      // 1 / s and 1 / d_hi, each to a couple of ULP
    V rho;               // (a^2 + b) - s^2
    typename V::MaskType near_side;  // x >= 0 or a^2 < b / 16: the first branch
  };
  template <class V>
  static Root<V> wide_root(V x, V b) {
    const V a = min(abs(x), V(kHuge));  // NaN becomes kHuge: the result is NaN by x
    const V p = a * a, p_lo = mul_sub(a, a, p);
    const V s = sqrt(mul_add(a, a, b));
    const V rho = residual(p, p_lo, s, b);
    const V d_hi = s + a;  // s >= a: the pair's error below is exact
    const V w = V(1.0f) / (s * d_hi);
    const V inv_s = w * d_hi;
    const V d_lo = (a - (d_hi - s)) + rho * V(0.5f) * inv_s;
    return {a, s, d_hi, d_lo, inv_s, w * s, rho, (x >= V(0.0f)) | (p < b * V(0.0625f))};
  }
  template <class V>
  static V wide_value(V x, V b, const Root<V>& t) {
    const V near = mul_add(V(0.5f), t.s, mul_add(t.rho * V(0.25f), t.inv_s, x * V(0.5f)));
    const V q = (b * V(0.5f)) * t.inv_d;
    const V residual = neg_mul_add(t.d_hi + t.d_hi, q, b) - (t.d_lo + t.d_lo) * q;
    V y = select(t.near_side, near, mul_add(residual, t.inv_d * V(0.5f), q));
    const auto huge = abs(x) > V(kHuge);
    if (any(huge)) y = select(huge, select(x >= V(0.0f), x, (b * V(0.25f)) / abs(x)), y);
    return propagate_nan(x, y);
  }
  template <class V>
  static V wide_slope(V x, V y, const Root<V>& t) {
    // 1 / sqrt(a^2 + b) to well within an ULP: inv_s (1 + e), e = (1 - s inv_s) - rho / (2 s^2)
    const V e = neg_mul_add(t.s, t.inv_s, V(1.0f)) - (t.rho * V(0.5f)) * (t.inv_s * t.inv_s);
    const V inv_root = mul_add(t.inv_s, e, t.inv_s);
    V d = select(t.near_side, mul_add(x * inv_root, V(0.5f), V(0.5f)), y * inv_root);
    const auto huge = abs(x) > V(kHuge);
    if (any(huge)) d = select(huge, select(x >= V(0.0f), V(1.0f), y / abs(x)), d);
    return propagate_nan(x, d);
  }

  // The results: the core's in every lane within its reach, the wide form's in the others (per
  // lane, so a result does not depend on its neighbours; the wide form only runs for a vector
  // that has such a lane).
  template <class V>
  static V value(V x, V b) {
    const auto c = core(x, b);
    const V y = core_value(x, c);
    if (!any(~c.inside)) return y;
    return select(c.inside, y, wide_value(x, b, wide_root(x, b)));
  }
  template <class V>
  static void value_and_slope(V x, V b, V& y, V& d) {
    const auto c = core(x, b);
    y = core_value(x, c);
    d = core_slope(y, c);
    if (!any(~c.inside)) return;
    const auto t = wide_root(x, b);
    const V wide_y = wide_value(x, b, t);
    y = select(c.inside, y, wide_y);
    d = select(c.inside, d, wide_slope(x, wide_y, t));
  }
};

struct Squareplus {
  template <class V>
  static auto b_in_double(const Params<V>& p) {
    if constexpr (std::is_same_v<typename V::Scalar, double>) {
      return p.a;
    } else {
      return widen(p.a).part[0];
    }
  }
  // s = sqrt(x^2 + b) and |x| / s, from one square root of x^2 + b (one fused rounding) wherever
  // that sum is finite: always for float32 lanes in double (|x| / s = 1 at +-inf). float64 lanes
  // where it overflows (|x| > ~1e154, x = +-inf, or a huge b) take M sqrt(1 + (m / M)^2) instead,
  // M = max(|x|, sqrt b), m the other, and |x| / s = 1 / sqrt(1 + r^2) or r / sqrt(1 + r^2) (no
  // inf / inf at +-inf): a division and a rounding more, computed only for a vector that has such a
  // lane, and taken only in those lanes. |x| / s and y / s share one reciprocal of s.
  template <class D>
  struct Root {
    D s, ratio;  // sqrt(x^2 + b) and |x| / s
    D inv_s;     // 1 / s (math::reciprocal), for y' = y / s
  };
  template <class D>
  struct ScaledRoot {
    D s, ratio;
  };
  template <class D>
  static ScaledRoot<D> scaled_root(D ax, D b) {
    const D rb = sqrt(b);
    const D big = max(rb, ax), small = min(rb, ax);  // NaN: both NaN
    const D r = small / big;
    const D norm = sqrt(mul_add(r, r, D(1.0)));
    return {big * norm, select(ax >= rb, D(1.0), r) / norm};
  }
  template <bool kFloatLanes, class D>
  static Root<D> root(D xd, D b) {
    const D ax = abs(xd);
    const D sum = mul_add(ax, ax, b);
    const D s = sqrt(sum);
    if constexpr (kFloatLanes) {
      const auto inv = math::reciprocal(s);
      const D ratio = math::quotient<false>(ax, inv);
      return {s, select(ax > D(0x1p1000), D(1.0), ratio), inv.r};  // only +-inf is that large; NaN: NaN
    } else {
      const auto overflow = ~(sum <= D(std::numeric_limits<double>::max()));  // and NaN: NaN either way
      D root_s = s, scaled_ratio(0.0);
      if (any(overflow)) {
        const ScaledRoot<D> scaled = scaled_root(ax, b);
        root_s = select(overflow, scaled.s, s);
        scaled_ratio = scaled.ratio;
      }
      const auto inv = math::reciprocal(root_s);
      return {root_s, select(overflow, scaled_ratio, math::quotient<false>(ax, inv)), inv.r};
    }
  }
  template <class D>
  static D value(D xd, D b, const Root<D>& t) {
    // halves first: x + s would overflow near the top of the range
    const D negative = math::quotient(b * D(0.25), math::reciprocal(t.s * D(0.5) + abs(xd) * D(0.5)));
    return select(xd >= D(0.0), xd * D(0.5) + t.s * D(0.5), negative);  // NaN: the negative branch
  }
  template <class D>
  static D slope(D xd, D y, const Root<D>& t) {
    const D negative = math::quotient(y, math::Reciprocal<D>{t.s, t.inv_s});
    return select(xd >= D(0.0), mul_add(t.ratio, D(0.5), D(0.5)), negative);
  }

  template <class V>
  static constexpr bool kFloatLanes = std::is_same_v<typename V::Scalar, float>;

  // float32 lanes in float unless b is outside [2^-60, 2^60] (a per-call choice: b is one value).
  template <class V>
  static bool in_float(const Params<V>& p) {
    if constexpr (kFloatLanes<V>) {
      return !any((p.a < V(0x1p-60f)) | (p.a > V(0x1p60f)));
    } else {
      return false;
    }
  }

  template <class V>
  static V forward(V x, const Params<V>& p) {
    if (in_float(p)) return SquareplusInFloat::value(x, p.a);
    const auto b = b_in_double(p);
    return math::in_double(x, [&](auto xd) { return value(xd, b, root<kFloatLanes<V>>(xd, b)); });
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    if (in_float(p)) {
      V y, d;
      SquareplusInFloat::value_and_slope(x, p.a, y, d);
      return d;
    }
    const auto b = b_in_double(p);
    return math::in_double(x, [&](auto xd) {
      const auto t = root<kFloatLanes<V>>(xd, b);
      return slope(xd, value(xd, b, t), t);
    });
  }
  template <class V>
  static void value_and_derivative(V x, const Params<V>& p, V& y, V& d) {
    if (in_float(p)) {
      SquareplusInFloat::value_and_slope(x, p.a, y, d);
      return;
    }
    const auto b = b_in_double(p);
    math::in_double(x, y, d, [&](auto xd, auto& yd, auto& dd) {
      const auto t = root<kFloatLanes<V>>(xd, b);
      yd = value(xd, b, t);
      dd = slope(xd, yd, t);
    });
  }
};

}  // namespace fastact
