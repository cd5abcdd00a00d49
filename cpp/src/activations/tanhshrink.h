// tanhshrink(x) = x - tanh(x) (PyTorch's Tanhshrink), odd, without the cancellation of the
// plain difference. float64, in two regimes blended per lane:
//   |x| <  c: x^3 Q(x^2), Q a minimax fit of (x - tanh x) / x^3 (tools/fit_minimax.py
//             tanhshrink_f64, c = 1), so the result keeps
//             full relative accuracy down to the smallest x (where x - tanh x would round to 0
//             below |x| ~ 2^-12 in float32);
//   |x| >= c: (|x| - 1) + 2e / (1 + e), e = e^-2|x|, from tanh(|x|) = 1 - 2e / (1 + e): both
//             terms are >= 0, so nothing cancels (|x| - 1 is exact up to |x| = 2).
// float32 stays in float with its own regimes: |x| in [1/2, 9.4] from a table of one degree-5
// polynomial per quarter binade (math/tanhshrink_table.h, tools/fit_lookup_tables.py, picked by
// lookup16 from |x|'s exponent and top two significand bits), below 1/2 x^3 T(x^2) with x^3 as an
// exact pair and T's constant as hi + lo, above 9.4 |x| - 1 (the rest is below half an ULP).
// tanhshrink'(x) = 1 - tanh'(x) = tanh(x)^2: no cancellation. float64 takes it from tanh's kernel;
// float32 from a second table on the same intervals, x^2 (1 + x^2 R(x^2)) below 1/2, 1 above 9.4.
// Where a 32-entry lookup is cheap (AVX-512, scalar: math::kQuarterBinadeTables), float32 takes both from
// 32-entry tables on the quarter binades of [1/16, 10) instead (math/tanhshrink_quarter_tables.h),
// picked straight from |x|'s bits as tanh's is, and the series only below 1/16, computed only for
// the vectors that have such a lane. Like tanh, these results differ from AVX2's in the last bit
// for some x.
#pragma once

#include <type_traits>

#include "../math/polynomial.h"
#include "../math/quarter_binade_table.h"
#include "../math/tanhshrink_quarter_tables.h"
#include "../math/tanhshrink_table.h"
#include "op_support.h"
#include "tanh.h"

namespace fastact {

struct Tanhshrink {
  // Q(s) = (x - tanh x) / x^3 at s = x^2, float64 on s in [0, 1] (16 terms, relative error 1.1e-16
  // with the coefficients rounded).
  template <class D>
  static D cubic_factor(D s) {
    return math::horner(s, 0.3333333333333333, -0.13333333333333092, 0.05396825396804674,
                        -0.02186948852913974, 0.008863235404741142, -0.0035921266808673744,
                        0.0014558247011305005, -0.0005899793319214536, 0.00023895716105748322,
                        -9.646300517211584e-05, 3.838995147853161e-05, -1.4606501923747836e-05,
                        4.988038240591263e-06, -1.379319478010967e-06, 2.633484812550445e-07,
                        -2.5160441116866363e-08);
  }
  // x^3 Q(x^2) with |x| = ax (the sign is put back by the caller).
  template <class D>
  static D small(D ax) {
    const D s = ax * ax;
    return (ax * s) * cubic_factor(s);
  }
  // (|x| - 1) + (1 - tanh|x|).
  template <class V>
  static V large(V ax) {
    using T = typename V::Scalar;
    return (ax - V(T(1))) + Tanh::complement(ax);
  }

  // float32, ax in [1/2, 9.4] (clamped there): the polynomial of Table (TanhshrinkTable: a - tanh a;
  // TanhshrinkSlopeTable: tanh^2 a) for ax's quarter binade.
  template <class Table, class V>
  static V from_table(V ax) {
    const V a = min(max(ax, V(0.5f)), V(9.4f));
    V exponent;
    const V significand = split_exponent(a, exponent);
    // 4 (e + 1) + 4 (m - 1): the entry of [2^e (1 + k/4), 2^e (1 + (k + 1)/4)); entry 15 covers
    // [7, 9.4]. Rounding can move a lane within an ULP of a boundary to the next entry, whose
    // polynomial holds there too.
    const V position = min(mul_add(exponent, V(4.0f), significand * V(4.0f)), V(15.5f));
    const V u = a - lookup16(Table::kCenter, position);  // exact: a is within 1/8 of the center
    const V rest = math::horner(u, lookup16(Table::kC1, position), lookup16(Table::kC2, position),
                                lookup16(Table::kC3, position), lookup16(Table::kC4, position),
                                lookup16(Table::kC5, position));
    return mul_add(u, rest, lookup16(Table::kC0Lo, position)) + lookup16(Table::kC0, position);
  }
  // float32, ax < 1/2: ax^3 T(ax^2), with ax^3 = c + c_lo exactly (up to c_lo's own rounding) and
  // T = t0 + t0_lo + s R(s): one rounding at the end, at the result's scale. The cube is taken of
  // 2^32 ax and scaled back by 2^-96 at the end, so its low part stays a normal number for every
  // result that is one.
  template <class V>
  static V series_in_float(V ax) {
    using Table = math::TanhshrinkTable;
    const V s = ax * ax;
    const V rest = s * math::horner(s, Table::kSeries[0], Table::kSeries[1], Table::kSeries[2], Table::kSeries[3],
                                    Table::kSeries[4], Table::kSeries[5], Table::kSeries[6]);
    const V a = ax * V(0x1p32f);
    const V a2 = a * a, a2_lo = mul_sub(a, a, a2);
    const V c = a2 * a, c_lo = mul_sub(a2, a, c) + a2_lo * a;
    const V y = mul_add(c, V(Table::kSeriesC0Hi), mul_add(c, rest + V(Table::kSeriesC0Lo), c_lo * V(Table::kSeriesC0Hi)));
    return y * V(0x1p-96f);
  }

  // float32 where math::kQuarterBinadeTables: the polynomial of Table for a = ax's quarter binade (a clamped
  // into [1/16 - ulp, 10] for the entry), at u = from - center: from = a for the value, whose top
  // entry is a - 1 with u unclamped (its R, 0, is formed from u clamped to 16, so u = inf gives
  // inf, not inf * 0), from = min(10, a) for the slope. NaN stays NaN through u.
  template <class Table, class V>
  static V from_quarter_table(V ax, V from) {
    const V entry_of = math::quarter_binade_entry(ax);
    const V u = math::quarter_binade_offset<Table>(entry_of, from);
    return math::quarter_binade_polynomial<Table>(entry_of, u, min(u, V(16.0f)));
  }
  // Where math::kQuarterBinadeTables, in two parts (kernel_loops' RareLanes): the table's result,
  // right in every lane at or above 1/16 (`rare` marks the others), and the series' result, right
  // in those. forward() and derivative() take the second only for a vector with a rare lane: each
  // lane's result depends on its own x alone either way.
  template <class V, class = std::enable_if_t<math::kQuarterBinadeTables<V>>>
  static V forward_usual(V x, const Params<V>&, typename V::MaskType& rare) {
    const V ax = abs(x);
    rare = ax < V(0.0625f);
    return copysign(from_quarter_table<math::TanhshrinkQuarterTable>(ax, ax), x);
  }
  template <class V, class = std::enable_if_t<math::kQuarterBinadeTables<V>>>
  static V forward_rare(V x, const Params<V>&) {
    return copysign(series_in_float(abs(x)), x);
  }
  template <class V, class = std::enable_if_t<math::kQuarterBinadeTables<V>>>
  static V derivative_usual(V x, const Params<V>&, typename V::MaskType& rare) {
    const V ax = abs(x);
    rare = ax < V(0.0625f);
    return from_quarter_table<math::TanhshrinkSlopeQuarterTable>(ax, min(V(10.0f), ax));
  }
  template <class V, class = std::enable_if_t<math::kQuarterBinadeTables<V>>>
  static V derivative_rare(V x, const Params<V>&) {
    return slope_series_in_float(abs(x));
  }

  template <class V>
  static V forward(V x, const Params<V>& p) {
    using T = typename V::Scalar;
    if constexpr (math::kQuarterBinadeTables<V>) {
      return with_rare_lanes<V>([&](auto& rare) { return forward_usual(x, p, rare); },
                                [&] { return forward_rare(x, p); });
    } else if constexpr (std::is_same_v<T, float>) {
      const V ax = abs(x);
      const V y = select(ax < V(0.5f), series_in_float(ax),
                         select(ax > V(9.4f), ax - V(1.0f), from_table<math::TanhshrinkTable>(ax)));
      return copysign(propagate_nan(x, y), x);
    } else {
      const V ax = abs(x);
      return copysign(select(ax < V(1.0), small(ax), large(ax)), x);
    }
  }
  // float32, ax < 1/2: tanh^2 = p (1 + p R(p)), p = ax^2 = p + p_lo exactly, rounded once.
  template <class V>
  static V slope_series_in_float(V ax) {
    using S = math::TanhshrinkSlopeTable;
    const V p = ax * ax, p_lo = mul_sub(ax, ax, p);
    const V r = math::horner(p, S::kSeries[0], S::kSeries[1], S::kSeries[2], S::kSeries[3], S::kSeries[4],
                             S::kSeries[5], S::kSeries[6], S::kSeries[7]);
    return mul_add(p, p * r, p_lo) + p;
  }

  // float32: tanh^2 from the series below 1/2, the table up to 9.4, 1 above (where it rounds to 1).
  // float64: tanh^2 from tanh's kernel.
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    if constexpr (math::kQuarterBinadeTables<V>) {
      return with_rare_lanes<V>([&](auto& rare) { return derivative_usual(x, p, rare); },
                                [&] { return derivative_rare(x, p); });
    } else if constexpr (std::is_same_v<typename V::Scalar, float>) {
      const V ax = abs(x);
      const V d = select(ax < V(0.5f), slope_series_in_float(ax),
                         select(ax > V(9.4f), V(1.0f), from_table<math::TanhshrinkSlopeTable>(ax)));
      return propagate_nan(x, d);
    } else {
      const V t = Tanh::forward(x, p);
      return t * t;
    }
  }
};

}  // namespace fastact
