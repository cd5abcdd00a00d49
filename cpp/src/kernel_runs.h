// Running kernels over arrays, for every op type: the kernel lookup, and each family's loop over
// its buffers (elementwise, 16-bit through float32 blocks, gated halves, prelu channel blocks,
// fused bias, row-wise groups) with the GIL kept for small arrays, else released and the work
// split over the pool.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dispatch.h"
#include "gil_release.h"
#include "kernel_table.h"
#include "lookup16.h"
#include "numpy_arrays.h"
#include "parallel.h"
#include "registry.h"

namespace fastact {

namespace py = pybind11;

inline std::size_t op_index(int op) {
  if (op < 0 || static_cast<std::size_t>(op) >= kNumOps) throw py::value_error("unknown op id " + std::to_string(op));
  return static_cast<std::size_t>(op);
}

template <class T>
inline const OpKernels<T>& kernels_of(const KernelTable& table, std::size_t op) {
  if constexpr (sizeof(T) == 4) return table.f32[op]; else return table.f64[op];
}

// f(begin, end) over [0, n) elements of T, spread over the thread pool in fixed-size chunks.
template <class T, class F>
inline void split_elements(std::size_t n, F&& f) {
  parallel_for(n, elementwise_chunk(sizeof(T)), f);
}

// The 16-bit float formats as they sit in an array; kernels see them only through Convert16
// (convert16.h), computing in float32.
struct Float16Bits {
  std::uint16_t bits;
};
struct BFloat16Bits {
  std::uint16_t bits;
};
template <class T>
inline constexpr bool kIs16Bit = std::is_same_v<T, Float16Bits> || std::is_same_v<T, BFloat16Bits>;
// The type the kernels compute a T array in.
template <class T>
using ComputeType = std::conditional_t<kIs16Bit<T>, float, T>;

// Below this many elements a call keeps the GIL: releasing and retaking it costs more than the
// kernel (NumPy's ufuncs draw the same line at 500).
inline constexpr std::size_t kReleaseGilAbove = 500;

// f() with the GIL released when the call touches more than kReleaseGilAbove elements, kept
// otherwise (f spreads its own work over the pool).
template <class F>
inline void releasing_gil_above_threshold(std::size_t elements, F&& f) {
  if (elements <= kReleaseGilAbove) return f();
  GilRelease release;
  f();
}

// f(begin, end) over n elements of T: in one piece holding the GIL when n is small, else with the
// GIL released and spread over the pool.
template <class T, class F>
inline void run_elements(std::size_t n, F&& f) {
  if (n <= kReleaseGilAbove) return f(std::size_t{0}, n);
  GilRelease release;
  split_elements<T>(n, f);
}

template <class T>
inline constexpr bool kIsBFloat16 = std::is_same_v<T, BFloat16Bits>;

// A 16-bit array's elements as their bit patterns.
template <class T>
inline const std::uint16_t* bits16(const T* p) {
  return reinterpret_cast<const std::uint16_t*>(p);
}
template <class T>
inline std::uint16_t* bits16(T* p) {
  return reinterpret_cast<std::uint16_t*>(p);
}

// The active ISA's conversions for a 16-bit format.
inline const Convert16& converter16(bool bfloat16) {
  const KernelTable& table = active_kernels();
  return bfloat16 ? table.bfloat16 : table.float16;
}

// The active ISA's 16-bit loops of a direct-path op (all null for the other ops).
template <class T>
inline const Direct16Kernels& direct16_of(std::size_t id) {
  const KernelTable& table = active_kernels();
  return kIsBFloat16<T> ? table.bfloat16_direct[id] : table.float16_direct[id];
}

// f(in, out, m) with float buffers in[kInputs][m], out[kOutputs][m]: n elements of 16-bit arrays
// converted to float32 a block at a time (the blocks stay in L1) and the results rounded back.
// An output may be one of the inputs (in place): each block is read before it is written.
template <class T, std::size_t kInputs, std::size_t kOutputs, class F>
inline void run_through_float(const T* const (&in)[kInputs], T* const (&out)[kOutputs], std::size_t n, F&& f) {
  const Convert16& c = converter16(kIsBFloat16<T>);
  run_elements<T>(n, [&](std::size_t begin, std::size_t end) {
    // 16 KiB of float buffers in all, half the smallest L1 data cache of the CPUs this runs on (32
    // KiB): 2048 elements a block for one input and one output. Larger blocks pay the kernel's
    // per-call setup (its constants, its loop's prologue) less often.
    constexpr std::size_t kBlock = 4096 / (kInputs + kOutputs) / 256 * 256;
    float in_buf[kInputs][kBlock], out_buf[kOutputs][kBlock];
    for (std::size_t at = begin; at < end; at += kBlock) {
      const std::size_t m = std::min(kBlock, end - at);
      for (std::size_t k = 0; k < kInputs; ++k)
        c.to_float(bits16(in[k] + at), in_buf[k], m);
      f(in_buf, out_buf, m);
      for (std::size_t k = 0; k < kOutputs; ++k)
        c.from_float(out_buf[k], bits16(out[k] + at), m);
    }
  });
}

// Rows of `row_elements` elements each, in chunks of about one elementwise chunk.
template <class T>
std::size_t rows_per_chunk(std::size_t row_elements) {
  const std::size_t per = elementwise_chunk(sizeof(T));
  return row_elements >= per ? 1 : per / (row_elements ? row_elements : 1);
}

// What unary() evaluates: f(x), f'(x), or df/da (the first parameter, for learnable ones).
enum class UnaryKind : int { forward = 0, derivative = 1, param_derivative = 2 };

// out[i] = f(x[i]), f'(x[i]) or df/da(x[i]), as `kind` says.
template <class T>
inline void run_unary(std::size_t id, int kind, const T* xp, T* op_, std::size_t n, const ParamValues& p) {
  const auto& k = kernels_of<ComputeType<T>>(active_kernels(), id);
  UnaryKernel<ComputeType<T>> kernel = nullptr;
  switch (static_cast<UnaryKind>(kind)) {
    case UnaryKind::forward: kernel = k.forward; break;
    case UnaryKind::derivative: kernel = k.derivative; break;
    case UnaryKind::param_derivative: kernel = k.param_derivative; break;
  }
  if (!kernel) throw py::value_error(std::string(kOpNames[id]) + " has no kernel of kind " + std::to_string(kind));
  if constexpr (kIs16Bit<T>) {
    if (const auto table = table16_for(id, static_cast<Table16Kind>(kind), kIsBFloat16<T>, p, n)) {
      const Convert16& c = converter16(kIsBFloat16<T>);
      return run_elements<T>(n, [&](std::size_t b, std::size_t e) {
        c.look_up(table->entries.data(), bits16(xp + b), bits16(op_ + b), e - b);
      });
    }
    const auto& direct = direct16_of<T>(id);
    const auto direct_kernel = static_cast<UnaryKind>(kind) == UnaryKind::forward      ? direct.forward
                               : static_cast<UnaryKind>(kind) == UnaryKind::derivative ? direct.derivative
                                                                                       : nullptr;
    if (direct_kernel) {
      return run_elements<T>(n, [&](std::size_t b, std::size_t e) { direct_kernel(bits16(xp + b), bits16(op_ + b), e - b, p); });
    }
    run_through_float<T, 1, 1>({xp}, {op_}, n, [&](auto& in, auto& out, std::size_t m) { kernel(in[0], out[0], m, p); });
  } else {
    run_elements<T>(n, [&](std::size_t b, std::size_t e) { kernel(xp + b, op_ + b, e - b, p); });
  }
}

// out[i] = g[i] f'(x[i]), or g[i] f'(x[i]) written in y[i] = f(x[i]) (from_output; vp is then y).
template <class T>
inline void run_backward(std::size_t id, bool from_output, const T* gp, const T* vp, T* op_, std::size_t n,
                         const ParamValues& p) {
  const auto& k = kernels_of<ComputeType<T>>(active_kernels(), id);
  const auto kernel = from_output ? k.backward_from_output : k.backward;
  if (!kernel) throw py::value_error(std::string(kOpNames[id]) + " has no backward from its output y");
  if constexpr (kIs16Bit<T>) {
    const auto kind = from_output ? Table16Kind::slope_from_output : Table16Kind::slope;
    if (const auto table = table16_for(id, kind, kIsBFloat16<T>, p, n)) {
      const Convert16& c = converter16(kIsBFloat16<T>);
      return run_elements<T>(n, [&](std::size_t b, std::size_t e) {
        c.look_up_times(table->entries.data(), bits16(gp + b), bits16(vp + b), bits16(op_ + b), e - b);
      });
    }
    const auto& direct = direct16_of<T>(id);
    if (const auto direct_kernel = from_output ? direct.backward_from_output : direct.backward) {
      return run_elements<T>(
          n, [&](std::size_t b, std::size_t e) { direct_kernel(bits16(gp + b), bits16(vp + b), bits16(op_ + b), e - b, p); });
    }
    run_through_float<T, 2, 1>({gp, vp}, {op_}, n,
                               [&](auto& in, auto& out, std::size_t m) { kernel(in[0], in[1], out[0], m, p); });
  } else {
    run_elements<T>(n, [&](std::size_t b, std::size_t e) { kernel(gp + b, vp + b, op_ + b, e - b, p); });
  }
}

// y[i] = f(x[i]) and d[i] = f'(x[i]) in one pass.
template <class T>
inline void run_value_and_derivative(std::size_t id, const T* xp, T* yp, T* dp, std::size_t n, const ParamValues& p) {
  const auto kernel = kernels_of<ComputeType<T>>(active_kernels(), id).value_and_derivative;
  if constexpr (kIs16Bit<T>) {
    const auto values = table16_for(id, Table16Kind::forward, kIsBFloat16<T>, p, n);
    const auto slopes = values ? table16_for(id, Table16Kind::derivative, kIsBFloat16<T>, p, n) : nullptr;
    if (slopes) {  // the bits of the two separate calls, as value_and_derivative gives on every path
      const Convert16& c = converter16(kIsBFloat16<T>);
      return run_elements<T>(n, [&](std::size_t b, std::size_t e) {
        c.look_up_pair(values->entries.data(), slopes->entries.data(), bits16(xp + b), bits16(yp + b), bits16(dp + b),
                       e - b);
      });
    }
    if (const auto direct_kernel = direct16_of<T>(id).value_and_derivative) {
      return run_elements<T>(
          n, [&](std::size_t b, std::size_t e) { direct_kernel(bits16(xp + b), bits16(yp + b), bits16(dp + b), e - b, p); });
    }
    run_through_float<T, 1, 2>({xp}, {yp, dp}, n,
                               [&](auto& in, auto& out, std::size_t m) { kernel(in[0], out[0], out[1], m, p); });
  } else {
    run_elements<T>(n, [&](std::size_t b, std::size_t e) { kernel(xp + b, yp + b, dp + b, e - b, p); });
  }
}

// gx[i] = g[i] f'(x[i]) and the returned sum(g[i] df/da(x[i])) (ops with a learnable parameter), in
// one pass. Fixed chunks whose partial sums are added in chunk order: the same total for any
// thread count.
template <class T>
inline double run_backward_with_param(std::size_t id, const T* gp, const T* xp, T* gxp, std::size_t n,
                                      const ParamValues& p) {
  const auto kernel = kernels_of<T>(active_kernels(), id).backward_with_param;
  if (!kernel) throw py::value_error(std::string(kOpNames[id]) + " has no learnable parameter");
  const std::size_t chunk = elementwise_chunk(sizeof(T));
  const std::size_t chunks = (n + chunk - 1) / chunk;
  std::vector<double> partial(chunks, 0.0);
  run_elements<T>(n, [&](std::size_t b, std::size_t e) {
    // run_elements hands out whole elementwise chunks (the last one short), or all n at once
    // when n is small, which is one chunk too.
    for (std::size_t c = b / chunk; c * chunk < e; ++c) {
      const std::size_t c0 = c * chunk, c1 = c0 + chunk < e ? c0 + chunk : e;
      partial[c] = kernel(gp + c0, xp + c0, gxp + c0, c1 - c0, p);
    }
  });
  double total = 0.0;
  for (double s : partial) total += s;
  return total;
}

// f(x + bias) or f'(x + bias) (derivative) for C-contiguous x and out of (rows, cols), bias of cols.
template <class T>
inline void run_bias_unary(std::size_t id, bool derivative, const T* xp, const T* bp, T* op_, std::size_t rows,
                           std::size_t cols, const ParamValues& p) {
  const auto& k = kernels_of<T>(active_kernels(), id);
  const auto kernel = derivative ? k.bias_derivative : k.bias_forward;
  if (rows * cols <= kReleaseGilAbove) return kernel(xp, bp, op_, rows, cols, p);
  GilRelease release;
  parallel_for(rows, rows_per_chunk<T>(cols), [&](std::size_t b, std::size_t e) {
    kernel(xp + b * cols, bp, op_ + b * cols, e - b, cols, p);
  });
}

// gx = g * f'(x + bias) and gbias (cols values, overwritten) = the column sums of gx in double.
// Chunks of rows fixed by the shape alone, each summing into its own partial gbias; the partials
// are added in chunk order, so the result does not depend on the thread count.
template <class T>
inline void run_bias_backward(std::size_t id, const T* gp, const T* xp, const T* bp, T* gxp, double* gbp,
                              std::size_t rows, std::size_t cols, const ParamValues& p) {
  const auto kernel = kernels_of<T>(active_kernels(), id).bias_backward;
  const std::size_t chunk = rows_per_chunk<T>(cols);
  const std::size_t chunks = rows == 0 ? 0 : (rows + chunk - 1) / chunk;
  std::vector<double> partial(chunks * cols, 0.0);
  releasing_gil_above_threshold(rows * cols, [&] {
    parallel_for(chunks, 1, [&](std::size_t b, std::size_t e) {
      for (std::size_t c = b; c < e; ++c) {
        const std::size_t r0 = c * chunk, r1 = r0 + chunk < rows ? r0 + chunk : rows;
        kernel(gp + r0 * cols, xp + r0 * cols, bp, gxp + r0 * cols, partial.data() + c * cols, r1 - r0, cols, p);
      }
    });
  });
  for (std::size_t j = 0; j < cols; ++j) gbp[j] = 0.0;
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t j = 0; j < cols; ++j) gbp[j] += partial[c * cols + j];
}

// f(block, begin, end) over the `size` elements of each of `blocks` blocks, split over the pool:
// runs of whole blocks, or runs of elements within a block when there is only one (the GIL
// released above the small-array threshold).
template <class T, class F>
void split_blocks(std::size_t blocks, std::size_t size, F&& f) {
  releasing_gil_above_threshold(blocks * size, [&] {
    if (blocks == 1) {
      split_elements<T>(size, [&](std::size_t b, std::size_t e) { f(0, b, e); });
    } else {
      parallel_for(blocks, rows_per_chunk<T>(size), [&](std::size_t b, std::size_t e) {
        for (std::size_t o = b; o < e; ++o) f(o, 0, size);
      });
    }
  });
}

// Gated linear units over a C-contiguous x viewed as (outer, 2, half): per outer index, the two
// halves are contiguous runs of `half` elements; the gate (the op's input) is the first when
// gate_first (swiglu, geglu, reglu), else the second (glu = a * sigmoid(b)). y is (outer, half).
template <class T>
void run_gated_forward(std::size_t id, const T* xp, T* yp, std::size_t outer, std::size_t half, bool gate_first,
                       const ParamValues& p) {
  const auto kernel = kernels_of<T>(active_kernels(), id).gated_forward;
  split_blocks<T>(outer, half, [&](std::size_t o, std::size_t b, std::size_t e) {
    const T* first = xp + o * 2 * half;
    const T* second = first + half;
    kernel((gate_first ? first : second) + b, (gate_first ? second : first) + b, yp + o * half + b, e - b, p);
  });
}

// The gradient gx (x's shape) of a gated unit from g (y's shape), in one pass.
template <class T>
void run_gated_backward(std::size_t id, const T* gp, const T* xp, T* gxp, std::size_t outer, std::size_t half,
                        bool gate_first, const ParamValues& p) {
  const auto kernel = kernels_of<T>(active_kernels(), id).gated_backward;
  split_blocks<T>(outer, half, [&](std::size_t o, std::size_t b, std::size_t e) {
    const std::size_t first = o * 2 * half + b, second = first + half;
    const std::size_t gate = gate_first ? first : second, value = gate_first ? second : first;
    kernel(gp + o * half + b, xp + gate, xp + value, gxp + gate, gxp + value, e - b, p);
  });
}

// What run_prelu evaluates.
enum class PreluKind { forward, derivative, backward };

// PReLU: leaky_relu with one alpha per channel, over a C-contiguous x viewed as (outer, channels,
// inner): each (outer, channel) block of `inner` elements runs the leaky_relu kernel with that
// channel's alpha; in chunks of blocks, or of elements within a block when there is one block.
template <class T>
void run_prelu(PreluKind kind, const T* xp, const T* gp, const T* ap, T* op_, std::size_t outer, std::size_t channels,
               std::size_t inner) {
  const auto& k = kernels_of<T>(active_kernels(), static_cast<std::size_t>(OpId::leaky_relu));
  auto block = [&](std::size_t index, std::size_t b, std::size_t e) {
    const std::size_t at = index * inner + b;
    const ParamValues p{static_cast<double>(ap[index % channels]), 0.0};
    if (kind == PreluKind::forward) k.forward(xp + at, op_ + at, e - b, p);
    else if (kind == PreluKind::derivative) k.derivative(xp + at, op_ + at, e - b, p);
    else k.backward(gp + at, xp + at, op_ + at, e - b, p);
  };
  split_blocks<T>(outer * channels, inner, block);
}

// f(x + bias) or f'(x + bias) for C-contiguous x and out of (outer, channels, inner), bias of
// `channels` values along the middle axis: each run of inner elements with its bias value.
template <class T>
inline void run_channel_bias_unary(std::size_t id, bool derivative, const T* xp, const T* bp, T* op_,
                                   std::size_t outer, std::size_t channels, std::size_t inner, const ParamValues& p) {
  const auto& k = kernels_of<T>(active_kernels(), id);
  const auto kernel = derivative ? k.channel_bias_derivative : k.channel_bias_forward;
  split_blocks<T>(outer * channels, inner, [&](std::size_t block, std::size_t b, std::size_t e) {
    const std::size_t at = block * inner + b;
    kernel(xp + at, bp[block % channels], op_ + at, e - b, p);
  });
}

// gx = g * f'(x + bias) and gbias (channels values, overwritten) = the sums of gx over every axis
// but the middle one, in double. Each run's sum is computed whole by one thread (the runs are
// the units of work, never split), and the runs are added in order: the result depends on the
// shape alone, not on the thread count.
template <class T>
inline void run_channel_bias_backward(std::size_t id, const T* gp, const T* xp, const T* bp, T* gxp, double* gbp,
                                      std::size_t outer, std::size_t channels, std::size_t inner,
                                      const ParamValues& p) {
  const auto kernel = kernels_of<T>(active_kernels(), id).channel_bias_backward;
  const std::size_t blocks = outer * channels;
  std::vector<double> sums(blocks, 0.0);
  releasing_gil_above_threshold(blocks * inner, [&] {
    parallel_for(blocks, rows_per_chunk<T>(inner), [&](std::size_t b, std::size_t e) {
      for (std::size_t block = b; block < e; ++block) {
        const std::size_t at = block * inner;
        sums[block] = kernel(gp + at, xp + at, bp[block % channels], gxp + at, inner, p);
      }
    });
  });
  for (std::size_t c = 0; c < channels; ++c) gbp[c] = 0.0;
  for (std::size_t block = 0; block < blocks; ++block) gbp[block % channels] += sums[block];
}

// Row-wise ops (softmax, log_softmax and their backward passes) along the middle axis of a
// C-contiguous array viewed as (outer, len, inner).
enum class RowKind : int { softmax = 0, log_softmax = 1 };

inline RowKind row_kind(int kind) {
  if (kind != 0 && kind != 1) throw py::value_error("unknown row-wise kind " + std::to_string(kind));
  return static_cast<RowKind>(kind);
}

template <class T>
const RowKernels<T>& row_kernels_of(const KernelTable& table) {
  if constexpr (sizeof(T) == 4) return table.rows_f32; else return table.rows_f64;
}

// The reduction groups of an (outer, len, inner) array split over the pool: runs of whole outer
// indices, or (a single outer index with several columns) runs of columns in multiples of 64, so a
// group is never cut and chunk boundaries do not depend on the thread count.
// f(offset, outer count, columns).
template <class T, class F>
void split_groups(std::size_t outer, std::size_t len, std::size_t inner, F&& f) {
  if (outer > 1 || inner == 1) {
    parallel_for(outer, rows_per_chunk<T>(len * inner),
                 [&](std::size_t b, std::size_t e) { f(b * len * inner, e - b, inner); });
  } else {
    const std::size_t per = rows_per_chunk<T>(len);
    const std::size_t chunk = (per + 63) / 64 * 64;
    parallel_for(inner, chunk, [&](std::size_t b, std::size_t e) { f(b, 1, e - b); });
  }
}

// f(offset, outer count, columns) over all groups: in one piece holding the GIL when the array is
// small (as run_elements), else with the GIL released and split over the pool.
template <class T, class F>
void run_groups(std::size_t outer, std::size_t len, std::size_t inner, F&& f) {
  if (outer * len * inner <= kReleaseGilAbove) return f(std::size_t{0}, outer, inner);
  GilRelease release;
  split_groups<T>(outer, len, inner, f);
}

// y = softmax(x) or log_softmax(x) along the middle axis of (outer, len, inner) contiguous arrays.
template <class T>
void run_rows(RowKind kind, const T* x, T* y, std::size_t outer, std::size_t len, std::size_t inner, bool safe) {
  const auto& k = row_kernels_of<T>(active_kernels());
  const auto kernel = kind == RowKind::softmax ? k.softmax : k.log_softmax;
  run_groups<T>(outer, len, inner, [&](std::size_t at, std::size_t o, std::size_t columns) {
    kernel(x + at, y + at, o, len, inner, columns, safe);
  });
}

// f(in, out, rows, first) over the rows (inner == 1) of 16-bit arrays in[kInputs] -> out, `first`
// the index of the block's first row: a block of whole rows at a time converted to float32 in
// buffers that stay in cache, f run on them, the block rounded back, so the formats cost no
// whole-array passes. The same bits as converting the whole arrays first (the row kernels give a
// row the same result in any block). out may be one of the inputs: each block is read before it
// is written.
template <class T, std::size_t kInputs, class F>
void run_rows_through_float(const T* const (&in)[kInputs], T* out, std::size_t outer, std::size_t len, F&& f) {
  const Convert16& c = converter16(kIsBFloat16<T>);
  constexpr std::size_t kBufferElements = 4096;  // 16 KB per buffer
  run_groups<float>(outer, len, 1, [&](std::size_t at, std::size_t rows, std::size_t) {
    const std::size_t per = len >= kBufferElements ? 1 : kBufferElements / len;
    std::vector<float> buffers((kInputs + 1) * per * len);
    float* in_buf[kInputs];
    for (std::size_t k = 0; k < kInputs; ++k) in_buf[k] = buffers.data() + k * per * len;
    float* out_buf = buffers.data() + kInputs * per * len;
    for (std::size_t r = 0; r < rows; r += per) {
      const std::size_t n = (rows - r < per ? rows - r : per) * len;
      for (std::size_t k = 0; k < kInputs; ++k)
        c.to_float(bits16(in[k] + at + r * len), in_buf[k], n);
      f(in_buf, out_buf, n / len, at / len + r);
      c.from_float(out_buf, bits16(out + at + r * len), n);
    }
  });
}

// y = softmax(x) or log_softmax(x) along the rows of a float16 or bfloat16 array.
template <class T>
void run_rows_16bit(RowKind kind, const T* x, T* y, std::size_t outer, std::size_t len, bool safe) {
  const auto& k = row_kernels_of<float>(active_kernels());
  const auto kernel = kind == RowKind::softmax ? k.softmax : k.log_softmax;
  run_rows_through_float<T, 1>({x}, y, outer, len,
                               [&](float* const (&in)[1], float* out, std::size_t rows, std::size_t) {
                                 kernel(in[0], out, rows, len, 1, 1, safe);
                               });
}

// Their backward passes, from g and the saved output y, along the rows of 16-bit arrays.
template <class T>
void run_rows_backward_16bit(RowKind kind, const T* g, const T* y, T* out, std::size_t outer, std::size_t len) {
  const auto& k = row_kernels_of<float>(active_kernels());
  const auto kernel = kind == RowKind::softmax ? k.softmax_backward : k.log_softmax_backward;
  run_rows_through_float<T, 2>({g, y}, out, outer, len,
                               [&](float* const (&in)[2], float* o, std::size_t rows, std::size_t) {
                                 kernel(in[0], in[1], o, rows, len, 1, 1);
                               });
}

// out = the backward pass of softmax / log_softmax from g and the saved output y.
template <class T>
void run_rows_backward(RowKind kind, const T* g, const T* y, T* out, std::size_t outer, std::size_t len,
                       std::size_t inner) {
  const auto& k = row_kernels_of<T>(active_kernels());
  const auto kernel = kind == RowKind::softmax ? k.softmax_backward : k.log_softmax_backward;
  run_groups<T>(outer, len, inner, [&](std::size_t at, std::size_t o, std::size_t columns) {
    kernel(g + at, y + at, out + at, o, len, inner, columns);
  });
}

// out[o * inner + j] = logsumexp of group (o, j) of an (outer, len, inner) contiguous array, in double.
template <class T>
void run_logsumexp(const T* x, double* out, std::size_t outer, std::size_t len, std::size_t inner,
                   bool refine = true) {
  const auto kernel = row_kernels_of<T>(active_kernels()).logsumexp;
  if (outer * inner == 0) return;
  if (len == 0) return kernel(x, out, outer, 0, inner, inner, refine);
  // split_groups hands out runs of whole outer indices (at = o * len * inner) or, for one outer
  // index, runs of columns (at = the first column): the results start at o * inner or there.
  const bool by_outer = outer > 1 || inner == 1;
  run_groups<T>(outer, len, inner, [&](std::size_t at, std::size_t o, std::size_t columns) {
    kernel(x + at, out + (by_outer ? at / len : at), o, len, inner, columns, refine);
  });
}

}  // namespace fastact
