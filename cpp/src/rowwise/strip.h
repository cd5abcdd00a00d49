// How the row-wise kernels walk one reduction group without copying or transposing the array.
// A C-contiguous array reduced along one axis is (outer, len, inner): element (o, k, i) at
// (o * len + k) * inner + i. Two walks cover every case:
//   along a row (inner == 1): vector k holds elements k*W .. k*W + W - 1 of the row, and the
//     lanes are finally combined into one reduction;
//   across columns (inner > 1): vector k holds element k of `lanes` adjacent columns (a stride
//     of `inner` between vectors), one reduction per lane.
// Vectors that would run past the data (the end of a row, fewer than W columns left) are loaded
// through a buffer padded with `fill` and stored back through one, so every element goes through
// the same vector code; for_each() runs the full vectors first, with plain loads and stores.
#pragma once

#include <cstddef>
#include <type_traits>

namespace fastact::rowwise {

using Full = std::true_type;
using Partial = std::false_type;

template <class V>
struct Strip {
  using T = typename V::Scalar;
  static constexpr std::size_t W = V::kLanes;

  std::size_t count;  // vectors in the walk
  std::size_t full;   // the first `full` of them hold W valid lanes
  std::size_t step;   // elements between the starts of vectors k and k + 1
  std::size_t total;  // elements from the start to the end of the walk
  std::size_t lanes;  // valid lanes of a vector that is not cut short by `total`

  static Strip along_row(std::size_t len) { return {(len + W - 1) / W, len / W, W, len, W}; }
  static Strip across_columns(std::size_t len, std::size_t inner, std::size_t lanes) {
    return {len, lanes == W ? len : 0, inner, len * inner, lanes};
  }

  // f(k, Full{}) for the full vectors, then f(k, Partial{}) for the rest.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t k = 0; k < full; ++k) f(k, Full{});
    for (std::size_t k = full; k < count; ++k) f(k, Partial{});
  }

  V load(const T* base, std::size_t k, T, Full) const { return V::load(base + k * step); }
  void store(T* base, std::size_t k, V v, Full) const { v.store(base + k * step); }

  V load(const T* base, std::size_t k, T fill, Partial) const {
    const std::size_t n = valid(k);
    T buf[W];
    for (std::size_t i = 0; i < W; ++i) buf[i] = i < n ? base[k * step + i] : fill;
    return V::load(buf);
  }
  void store(T* base, std::size_t k, V v, Partial) const {
    const std::size_t n = valid(k);
    T buf[W];
    v.store(buf);
    for (std::size_t i = 0; i < n; ++i) base[k * step + i] = buf[i];
  }

 private:
  std::size_t valid(std::size_t k) const {
    const std::size_t rest = total - k * step;
    return rest < lanes ? rest : lanes;
  }
};

}  // namespace fastact::rowwise
