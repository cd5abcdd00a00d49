// The AVX-512 path (F + DQ + BW + VL): the ONLY translation unit compiled with the AVX-512 flags.
// It holds no static initialisers and is entered only after cpu_features.cpp has confirmed the
// features and OS support for the opmask and ZMM state. Same templates as every other ISA.
#include "kernel_loops.h"
#include "rowwise/row_kernels.h"
#include "simd/vec_avx512.h"

namespace fastact {

void fill_kernels_avx512(KernelTable& table) {
  table.isa = "avx512";
  loops::fill_table<avx512::Vec>(table);
  rowwise::fill_row_table<avx512::Vec>(table);
}

}  // namespace fastact
