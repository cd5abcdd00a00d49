// The portable path: baseline compiler flags, one lane at a time. It runs everywhere and
// gives the same bits as the AVX2 path (same operation sequence, fused multiply-adds).
#include "kernel_loops.h"
#include "rowwise/row_kernels.h"
#include "simd/vec_scalar.h"

namespace fastact {

void fill_kernels_scalar(KernelTable& table) {
  table.isa = "scalar";
  loops::fill_table<scalar::Vec>(table);
  rowwise::fill_row_table<scalar::Vec>(table);
}

}  // namespace fastact
