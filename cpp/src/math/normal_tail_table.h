// Float32 GELU's tail terms from tables, evaluated in float (no widening to double):
//   Phi(-a) = e^(-a^2/2) K(a)   and   Phi(-a) - a phi(a) = e^(-a^2/2) P2(a)   for a = |x| < 15,
// K and P2 one degree-6 polynomial per interval of width 1/2 (math/gelu_tables.h, fitted by
// tools/fit_lookup_tables.py to < 1e-8 relative), picked per lane by a table lookup (lookup32).
//
// Why it stays within 2 ULP in float arithmetic: the error budget is spent only where it must be.
// e^(-a^2/2) takes a^2 as an exact pair and keeps 1 + q as an unrounded sum (exp_split_unrounded);
// the polynomial's constant term carries its rounding error (kC0Lo); and c(u) (1 + q) is
// assembled as c0 + [u R(u) (1 + q) + c0 q], where every rounding but the last falls on a term
// smaller than the result. The sum is rounded once, then scaled by 2^n exactly.
#pragma once

#include <array>

#include "coefficient_rows.h"
#include "exp.h"
#include "gelu_tables.h"
#include "polynomial.h"

namespace fastact::math {

// Where the tables end: a = 14.75 sits in the last interval (30 intervals of width 1/2), and
// beyond it both results are below 2^-150 (a Phi(-a) < 1e-46), so they round to 0.
inline constexpr float kNormalTailTableEnd = 14.75f;

// What both tables share for one x: the lane's position in the tables and e^(-a^2/2).
template <class V>
struct NormalTailPoint {
  V a;         // |x| up to kNormalTailTableEnd; beyond it, and for NaN, 0 (callers keep NaN in x)
  V position;  // 2 a: the table entry is floor(position)
  V scale;     // 2^(n + 64), so that e^(-a^2/2) = 2^-64 scale (1 + q) stays normal down to a = 14.75
  V q_hi, q_lo;
  typename V::MaskType beyond;  // |x| > kNormalTailTableEnd
};

// Lanes beyond the end (their results are 0) and NaN lanes (NaN, from x) evaluate at a = 0: at the
// end itself e^(-a^2/2) (2^-157) would make the final scalings' products subnormal, and each such
// instruction takes a microcode assist on many x86 CPUs, though its lanes are discarded.
template <class V>
inline NormalTailPoint<V> normal_tail_point(V abs_x) {
  using T = typename V::Scalar;
  const V a = select(abs_x <= V(kNormalTailTableEnd), abs_x, V(T(0)));
  const V a2 = a * a;
  const V a2_lo = mul_sub(a, a, a2);  // a^2 = a2 + a2_lo exactly
  const ExpSplitUnrounded<V> e = exp_split_unrounded(a2 * V(T(-0.5)), a2_lo * V(T(-0.5)));
  return {a, a + a, pow2_from_biased(e.biased + V(T(64))), e.q_hi, e.q_lo, V(kNormalTailTableEnd) < abs_x};
}

// c(u) (1 + q) for the table's polynomial c, as c0 + rest with the sum not yet formed: every
// rounding but that of the sum falls on rest, a term smaller than the result. The value is
// e^(-a^2/2) c(a) = 2^-64 scale (c0 + rest).
template <class V>
struct NormalTailSum {
  V c0, rest;
};

// A table's c0_lo, c0, c1, ..., c6 columns, and the same as rows (math/coefficient_rows.h).
template <class Table>
struct NormalTailColumns {
  static constexpr const float* kColumns[8] = {Table::kC0Lo, Table::kC0, Table::kC1, Table::kC2,
                                               Table::kC3,   Table::kC4, Table::kC5, Table::kC6};
  alignas(32) static constexpr std::array<float, 32 * 8> kRows = rows_of<32>(kColumns);
};

template <class Table, class V>
inline NormalTailSum<V> normal_tail_sum(const NormalTailPoint<V>& p) {
  const V u = p.a - lookup32(Table::kCenter, p.position);  // exact: Sterbenz, or center 0 (not for a < 1/8 about 1/4)
  V c[8];  // c0_lo, c0, c1, ..., c6
  using C = NormalTailColumns<Table>;
  lookup_columns32(C::kColumns, C::kRows.data(), p.position, c);
  const V rest = horner(u, c[2], c[3], c[4], c[5], c[6], c[7]);
  const V rest_times_e = mul_add(rest, p.q_hi + p.q_lo, rest);  // R(u) (1 + q)
  const V c0_q = mul_add(c[1], p.q_hi, mul_add(c[1], p.q_lo, c[0]));
  return {c[1], mul_add(u, rest_times_e, c0_q)};
}

// e^(-a^2/2) c(a) (GeluSlopeTable: Phi(-a) - a phi(a)), rounded once before its exact scaling, 0
// beyond the table's end. Results below 2^-126 are rounded twice.
template <class Table, class V>
inline V normal_tail_times(const NormalTailPoint<V>& p) {
  using T = typename V::Scalar;
  const NormalTailSum<V> s = normal_tail_sum<Table>(p);
  return select(p.beyond, V(T(0)), (p.scale * (s.c0 + s.rest)) * V(T(5.421010862427522e-20)));  // 2^-64
}

}  // namespace fastact::math
