// The function table one ISA fills: for every op and dtype, the loops over a buffer (forward,
// derivative, backward from x or y, value and derivative, and for learnable parameters two more).
// Kernels trust their pointers and n (module.cpp checks them); a null entry means the op
// has no such kernel (e.g. no derivative in terms of its output).
#pragma once

#include <cstddef>
#include <cstdint>

#include "activations/op_support.h"
#include "convert16.h"
#include "registry.h"

namespace fastact {

template <class T>
using UnaryKernel = void (*)(const T* x, T* out, std::size_t n, const ParamValues& p);
template <class T>
using BinaryKernel = void (*)(const T* g, const T* x, T* out, std::size_t n, const ParamValues& p);
template <class T>
using DualKernel = void (*)(const T* x, T* y, T* d, std::size_t n, const ParamValues& p);

// Trivial aggregates (no member initialisers): a constructor would be an inline function
// emitted by every TU, and the linker could keep the copy compiled with -mavx2.
template <class T>
using ParamBackwardKernel = double (*)(const T* g, const T* x, T* gx, std::size_t n, const ParamValues& p);

template <class T>
using GatedBackwardKernel = void (*)(const T* g, const T* gate, const T* value, T* g_gate, T* g_value, std::size_t n,
                                     const ParamValues& p);
template <class T>
using BiasKernel = void (*)(const T* x, const T* bias, T* out, std::size_t rows, std::size_t cols,
                            const ParamValues& p);
// Bias along a middle axis (x viewed as (outer, channels, inner), inner > 1): each run of n
// elements of one channel sees the same bias value, broadcast in a register.
template <class T>
using ChannelBiasKernel = void (*)(const T* x, T bias, T* out, std::size_t n, const ParamValues& p);
// gx = g f'(x + bias) over a run of one channel, returning sum(gx) in double (block_sum: the same
// bits on every ISA).
template <class T>
using ChannelBiasBackwardKernel = double (*)(const T* g, const T* x, T bias, T* gx, std::size_t n,
                                             const ParamValues& p);
template <class T>
using BiasBackwardKernel = void (*)(const T* g, const T* x, const T* bias, T* gx, double* gbias, std::size_t rows,
                                    std::size_t cols, const ParamValues& p);

// `rows` (<= kUnitStatsRows) rows of n units (one after another) folded into the units' running counts and sums
// (fastact.analysis.unit_stats): inactive += (f'(z) == 0), saturated += (|f'(z)| < tol), shifted
// += f(z) - origin, squares += (f(z) - origin)^2, every total in double (counts stay exact to 2^53).
// 32 rows: the totals are read and written once per 32 rows of each unit instead of once per 16
// (with 16 that traffic was half of z's own), and the kernel's prefetch keeps 32 row streams fed.
constexpr std::size_t kUnitStatsRows = 32;
template <class T>
using UnitStatsKernel = void (*)(const T* z, std::size_t rows, std::size_t n, const T* origin,
                                 double tol, double* inactive, double* saturated, double* shifted,
                                 double* squares, const ParamValues& p);

template <class T>
struct OpKernels {
  UnaryKernel<T> forward;
  UnaryKernel<T> derivative;
  BinaryKernel<T> backward;              // g * f'(x)
  BinaryKernel<T> backward_from_output;  // g * f'(x) written in y = f(x); may be null
  DualKernel<T> value_and_derivative;
  UnitStatsKernel<T> unit_stats;  // fastact.analysis.unit_stats over a tile of rows
  UnaryKernel<T> param_derivative;       // d f / d (first parameter), for learnable ones; may be null
  ParamBackwardKernel<T> backward_with_param;  // gx = g f'(x), returning sum(g df/da) in double; with param_derivative
  BinaryKernel<T> gated_forward;          // f(gate) * value: (gate, value, out)
  GatedBackwardKernel<T> gated_backward;  // (g_gate, g_value) from g
  BiasKernel<T> bias_forward;             // f(x + bias), bias along the last axis
  BiasKernel<T> bias_derivative;          // f'(x + bias)
  BiasBackwardKernel<T> bias_backward;    // g f'(x + bias), and gbias += its column sums
  ChannelBiasKernel<T> channel_bias_forward;     // f(x + bias) over one channel's run, bias along a middle axis
  ChannelBiasKernel<T> channel_bias_derivative;  // f'(x + bias) likewise
  ChannelBiasBackwardKernel<T> channel_bias_backward;  // g f'(x + bias), returning the run's sum of gx
};

// Reductions along one axis of a C-contiguous array viewed as (outer, len, inner) (rowwise/).
// `columns` (<= inner) of the inner columns are processed, starting at the pointers; `inner` is the
// stride between successive elements along the reduced axis.
template <class T>
using RowKernel = void (*)(const T* x, T* y, std::size_t outer, std::size_t len, std::size_t inner,
                           std::size_t columns, bool safe);
template <class T>
using RowBackwardKernel = void (*)(const T* g, const T* y, T* out, std::size_t outer, std::size_t len,
                                   std::size_t inner, std::size_t columns);

// One double per reduction group (logsumexp), at out[o * inner + j] for group (o, j); `refine`:
// float groups whose result may cancel are summed again in double (rowwise/logsumexp.h).
template <class T>
using RowTotalKernel = void (*)(const T* x, double* out, std::size_t outer, std::size_t len, std::size_t inner,
                                std::size_t columns, bool refine);

template <class T>
struct RowKernels {
  RowKernel<T> softmax;      // `safe`: a row of -inf only gives zeros instead of NaN
  RowKernel<T> log_softmax;  // `safe` unused
  RowBackwardKernel<T> softmax_backward;      // from the saved output y
  RowBackwardKernel<T> log_softmax_backward;  // from the saved output y
  RowTotalKernel<T> logsumexp;                // in double, before rounding (cross_entropy uses it so)
};

// The cheap piecewise ops (the relu family, the shrinkages, hardsigmoid, hardswish, sparse_plus):
// a few vector instructions per element. Their float16 and bfloat16 calls run loops of their own
// (Direct16Kernels) instead of a table (lookup16.h): each vector is widened to float32 in
// registers, goes through the float32 op and is rounded back, so the result is the float32
// kernel's rounded once, with no pass through a float buffer.
constexpr bool takes_direct_path(OpId id) {
  switch (id) {
    case OpId::relu:
    case OpId::leaky_relu:
    case OpId::hardtanh:
    case OpId::threshold:
    case OpId::hardshrink:
    case OpId::softshrink:
    case OpId::squared_relu:
    case OpId::sparse_sigmoid:
    case OpId::sparse_plus:
    case OpId::hardsigmoid:
    case OpId::hardswish:
      return true;
    default:
      return false;
  }
}

// One 16-bit format's loops of a direct-path op, on the arrays' bits (null for the other ops):
// as OpKernels' forward, derivative, backward (g f' in float32, rounded once), backward from the
// output, value and derivative.
struct Direct16Kernels {
  UnaryKernel<std::uint16_t> forward;
  UnaryKernel<std::uint16_t> derivative;
  BinaryKernel<std::uint16_t> backward;
  BinaryKernel<std::uint16_t> backward_from_output;  // may be null
  DualKernel<std::uint16_t> value_and_derivative;
};

struct KernelTable {
  const char* isa;
  OpKernels<float> f32[kNumOps];
  OpKernels<double> f64[kNumOps];
  RowKernels<float> rows_f32;
  RowKernels<double> rows_f64;
  Convert16 float16;   // float16 <-> float32, for running the f32 kernels on float16 arrays
  Convert16 bfloat16;  // the same for bfloat16
  Direct16Kernels float16_direct[kNumOps];   // the direct-path ops on float16 arrays
  Direct16Kernels bfloat16_direct[kNumOps];  // and on bfloat16 arrays
};

// Each ISA's translation unit defines its filler; dispatch.cpp calls only those compiled in.
void fill_kernels_scalar(KernelTable& table);
#if defined(FASTACT_HAVE_AVX2)
void fill_kernels_avx2(KernelTable& table);
#endif
#if defined(FASTACT_HAVE_AVX512)
void fill_kernels_avx512(KernelTable& table);
#endif
#if defined(FASTACT_HAVE_AVX512_BF16)
// bfloat16 stores by VCVTNEPS2BF16 (convert16_avx512bf16.cpp), for the AVX-512 table's
// bfloat16.from_float where the CPU has AVX-512 BF16: the same bits as the table's own.
void bfloat16_from_float_avx512bf16(const float* in, std::uint16_t* out, std::size_t n);
#endif

}  // namespace fastact
