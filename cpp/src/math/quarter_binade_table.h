// Evaluating a 32-entry table of per-interval polynomials picked by quarter binade (float32 tanh,
// tanhshrink: tools/fit_lookup_tables.py writes the tables), where a 32-entry lookup is cheap
// (V::kCheapLookup32: AVX-512's VPERMI2PS, the scalar path's load).
//
// The entry is a's exponent and top two significand bits, (bits of a >> 21) mod 32, with a clamped
// by quarter_binade_entry so that every entry it can reach is one the table fills. The polynomial
// c(u) = c0 + c1 u + u^2 R(u), u = a - center, is assembled as c0 + [c1 u + (u^2 R(u) + c0_lo)]:
// c0's rounding error (c0_lo) is added back, and the bracket's last step, the largest term's, is
// one fused multiply-add. Where c changes fast across the interval (a^3 near the bottom of
// tanhshrink's table), c1 u is up to half the result, so rounding c1 + u R(u) first, as plain
// Horner does, would cost a quarter ULP more.
#pragma once

#include <type_traits>

#include "polynomial.h"

namespace fastact::math {

// The vector types that take the quarter-binade tables for float32 (tanh, tanhshrink).
template <class V>
inline constexpr bool kQuarterBinadeTables = std::is_same_v<typename V::Scalar, float> && V::kCheapLookup32;

// Where the tables cover: the quarter binades of [1/16, 10). |x| clamped to [1/16 - ulp, 10] picks
// the entry, so below 1/16 every lane reads the entry just below the first binade's, and from 10 on
// the entry of 10 (each table fills both with its own continuation).
template <class V>
inline V quarter_binade_entry(V ax) {
  return min(max(ax, V(0x1.fffffep-5f)), V(10.0f));
}

// c(u) for the entry of `entry_of`'s quarter binade; u_for_rest is u, or u clamped where the
// caller's top entry is a constant or linear (so u = inf meets no 0 * inf in R).
template <class Table, class V>
inline V quarter_binade_polynomial(V entry_of, V u, V u_for_rest) {
  const auto lookup = [entry_of](const float* table) { return lookup32_by_quarter_binade(table, entry_of); };
  const V r = horner(u_for_rest, lookup(Table::kC2), lookup(Table::kC3), lookup(Table::kC4), lookup(Table::kC5));
  const V bracket = mul_add(u, lookup(Table::kC1), mul_add(u_for_rest * u_for_rest, r, lookup(Table::kC0Lo)));
  return bracket + lookup(Table::kC0);
}

// u = from - center for the entry of `entry_of`.
template <class Table, class V>
inline V quarter_binade_offset(V entry_of, V from) {
  return from - lookup32_by_quarter_binade(Table::kCenter, entry_of);
}

}  // namespace fastact::math
