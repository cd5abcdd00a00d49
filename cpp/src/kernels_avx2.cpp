// The AVX2 + FMA path: the ONLY translation unit compiled with -mavx2 -mfma. It holds no
// static initialisers and is entered only after cpu_features.cpp has confirmed AVX2, FMA
// and OS support for the YMM state.
#include "kernel_loops.h"
#include "rowwise/row_kernels.h"
#include "simd/vec_avx2.h"

namespace fastact {

void fill_kernels_avx2(KernelTable& table) {
  table.isa = "avx2";
  loops::fill_table<avx2::Vec>(table);
  rowwise::fill_row_table<avx2::Vec>(table);
}

}  // namespace fastact
