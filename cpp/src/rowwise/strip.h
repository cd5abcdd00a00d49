// How the row-wise kernels walk one reduction group without copying or transposing the array.
// A C-contiguous array reduced along one axis is (outer, len, inner): element (o, k, i) at
// (o * len + k) * inner + i. A walk is `count` steps of U vectors each; vector u of step k starts
// at k * step + u * W. Two walks cover every case:
//   along a row (inner == 1): step k holds elements k*U*W .. (k+1)*U*W - 1 of the row, and all
//     lanes of all U vectors are finally combined into one reduction;
//   across columns (inner > 1): step k holds element k of up to U*W adjacent columns (a stride of
//     `inner` between steps), one reduction per lane. U vectors per step touch U*W*sizeof(T)
//     contiguous bytes of each row: one vector's 32 bytes per 4 KB row would make every load a
//     new cache line and TLB entry.
//   short rows (len <= W, rows_of_one_vector): vector u holds row u of up to U consecutive rows,
//     each row its own reduction: U independent chains for the serial folds of short rows.
// Vectors that would run past the data (the end of a row, fewer columns left than U*W) are loaded
// with their missing lanes set to `fill` and stored back only where they hold data (masked loads
// and stores), so every element goes through the same vector code; for_each() runs the full steps
// first, with plain loads and stores.
#pragma once

#include <cstddef>
#include <type_traits>

#include "../prefetch.h"

namespace fastact::rowwise {

using Full = std::true_type;
using Partial = std::false_type;

template <class V, std::size_t U>
struct Strip {
  using T = typename V::Scalar;
  static constexpr std::size_t W = V::kLanes;
  static constexpr std::size_t kVectors = U;

  std::size_t count;  // steps in the walk
  std::size_t full;   // the first `full` steps have all U*W lanes valid
  std::size_t step;   // elements between the starts of steps k and k + 1
  std::size_t total;  // elements from the start to the end of the walk
  std::size_t lanes;  // valid lanes of a step that is not cut short by `total` (<= U*W)
  std::size_t vector_stride;  // elements between the starts of vectors u and u + 1 of a step
  std::size_t row_len;        // rows_of_one_vector: the length of each vector's row, else 0

  static Strip along_row(std::size_t len) {
    return {(len + U * W - 1) / (U * W), len / (U * W), U * W, len, U * W, W, 0};
  }
  static Strip across_columns(std::size_t len, std::size_t inner, std::size_t lanes) {
    return {len, lanes == U * W ? len : 0, inner, len * inner, lanes, W, 0};
  }
  // `rows` (<= U) consecutive rows of len <= W elements, one per vector.
  static Strip rows_of_one_vector(std::size_t len, std::size_t rows) {
    return {1, 0, U * len, rows * len, U * W, len, len};
  }

  // f(k, Full{}) for the full steps, then f(k, Partial{}) for the rest.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t k = 0; k < full; ++k) f(k, Full{});
    for (std::size_t k = full; k < count; ++k) f(k, Partial{});
  }

  V load(const T* base, std::size_t k, std::size_t u, T, Full) const { return V::load(base + at(k, u)); }
  void store(T* base, std::size_t k, std::size_t u, V v, Full) const { v.store(base + at(k, u)); }

  // A hint to fetch what step k reads kStreamPrefetchBytes further on (a first pass over rows that
  // come from L3 or memory).
  void prefetch(const T* base, std::size_t k) const { prefetch_at(base + at(k, 0), kStreamPrefetchBytes); }
  // A hint to own step k's first line (a row walk's step is one line) for a later pass's stores.
  void prefetch_for_writing(T* base, std::size_t k) const { prefetch_at<1>(base + at(k, 0), 0); }

  // A vector with no data touches no memory (AVX2's masked stores are slow even with an empty mask).
  V load(const T* base, std::size_t k, std::size_t u, T fill, Partial) const {
    const std::size_t n = valid(k, u);
    if (n == 0) return V(fill);
    return n == W ? V::load(base + at(k, u)) : V::load_partial(base + at(k, u), n, fill);
  }
  void store(T* base, std::size_t k, std::size_t u, V v, Partial) const {
    const std::size_t n = valid(k, u);
    if (n == W) v.store(base + at(k, u)); else if (n) v.store_partial(base + at(k, u), n);
  }

 private:
  // Lanes of vector u in step k that hold data: limited by the block's lanes and the walk's end.
  std::size_t at(std::size_t k, std::size_t u) const { return k * step + u * vector_stride; }
  std::size_t valid(std::size_t k, std::size_t u) const {
    if (row_len) return at(k, u) < total ? row_len : 0;
    const std::size_t start = at(k, u);
    if (u * W >= lanes || start >= total) return 0;
    const std::size_t in_block = lanes - u * W, to_end = total - start;
    const std::size_t n = in_block < to_end ? in_block : to_end;
    return n < W ? n : W;
  }
};

}  // namespace fastact::rowwise
