// Row-major copies of per-interval coefficient tables, for the ISAs that read a whole row of 8
// floats per lane and transpose (V::kLookupRows8: AVX2's lookup_rows8), where per-coefficient
// lookups cost several permutes and blends each. Built at compile time from the tables' columns,
// so both layouts always hold the same values.
#pragma once

#include <array>
#include <cstddef>

namespace fastact::math {

// rows[8 i + k] = columns[k][i] for the kEntries entries of 8 columns.
template <std::size_t kEntries>
constexpr std::array<float, kEntries * 8> rows_of(const float* const (&columns)[8]) {
  std::array<float, kEntries * 8> rows{};
  for (std::size_t i = 0; i < kEntries; ++i)
    for (std::size_t k = 0; k < 8; ++k) rows[8 * i + k] = columns[k][i];
  return rows;
}

// out[k] = columns[k][floor(position)] per lane for a table of 32 entries: a row per lane and one
// transpose where V::kLookupRows8 (rows: rows_of<32>(columns)), else one lookup32 per column. (A
// 16-entry table, tanhshrink's on AVX2, gained nothing from rows: lookup16 is two permutes and a
// blend.)
template <class V>
inline void lookup_columns32(const float* const (&columns)[8], const float* rows, V position, V (&out)[8]) {
  if constexpr (V::kLookupRows8) {
    lookup_rows8(rows, position, out);
  } else {
    for (std::size_t k = 0; k < 8; ++k) out[k] = lookup32(columns[k], position);
  }
}

}  // namespace fastact::math
