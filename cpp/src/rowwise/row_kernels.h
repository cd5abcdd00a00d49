// The row-wise entries of one ISA's kernel table: softmax.h's and logsumexp.h's group functions
// run over every reduction group of an (outer, len, inner) array. Included by each ISA's translation unit
// inside that ISA's namespace, like kernel_loops.h.
#pragma once

#include <cstddef>

#include "../kernel_table.h"
#include "logsumexp.h"
#include "softmax.h"

namespace fastact::rowwise {

template <class V>
void softmax(const typename V::Scalar* x, typename V::Scalar* y, std::size_t outer, std::size_t len,
             std::size_t inner, std::size_t columns, bool safe) {
  constexpr std::size_t W = V::kLanes;
  std::size_t done = 0;  // rows
  if (inner == 1 && len > 0 && len <= W) {  // short rows: whole blocks of W with lanes as rows
    for (; done + W <= outer; done += W) softmax_row_block<V>(x + done * len, y + done * len, len, safe);
  }
  for_each_group<V>(outer - done, len, inner, columns, [&](std::size_t at, const auto& strip, bool combine) {
    softmax_group<V>(x + done * len * inner + at, y + done * len * inner + at, strip, combine, safe);
  });
}

template <class V>
void log_softmax(const typename V::Scalar* x, typename V::Scalar* y, std::size_t outer, std::size_t len,
                 std::size_t inner, std::size_t columns, bool /*safe*/) {
  constexpr std::size_t W = V::kLanes;
  std::size_t done = 0;  // rows
  if (inner == 1 && len > 0 && len <= W) {  // short rows: whole blocks of W with lanes as rows
    for (; done + W <= outer; done += W) log_softmax_row_block<V>(x + done * len, y + done * len, len);
  }
  for_each_group<V>(outer - done, len, inner, columns, [&](std::size_t at, const auto& strip, bool combine) {
    log_softmax_group<V>(x + done * len * inner + at, y + done * len * inner + at, strip, combine);
  });
}

template <class V>
void softmax_backward(const typename V::Scalar* g, const typename V::Scalar* y, typename V::Scalar* out,
                      std::size_t outer, std::size_t len, std::size_t inner,
                      std::size_t columns) {
  for_each_group<V>(outer, len, inner, columns, [&](std::size_t at, const auto& strip, bool combine) {
    softmax_backward_group<V>(g + at, y + at, out + at, strip, combine);
  });
}

template <class V>
void log_softmax_backward(const typename V::Scalar* g, const typename V::Scalar* y, typename V::Scalar* out,
                          std::size_t outer, std::size_t len, std::size_t inner,
                      std::size_t columns) {
  for_each_group<V>(outer, len, inner, columns, [&](std::size_t at, const auto& strip, bool combine) {
    log_softmax_backward_group<V>(g + at, y + at, out + at, strip, combine);
  });
}

template <class V>
RowKernels<typename V::Scalar> row_kernels_for() {
  return {&softmax<V>, &log_softmax<V>, &softmax_backward<V>, &log_softmax_backward<V>, &logsumexp<V>};
}

template <template <class> class VecT>
void fill_row_table(KernelTable& table) {
  table.rows_f32 = row_kernels_for<VecT<float>>();
  table.rows_f64 = row_kernels_for<VecT<double>>();
}

}  // namespace fastact::rowwise
