// The function table one ISA fills: for every op and dtype, the loops over a buffer (forward,
// derivative, backward from x or y, value and derivative, and for learnable parameters two more).
// Kernels trust their pointers and n (bindings.cpp checks them); a null entry means the op
// has no such kernel (e.g. no derivative in terms of its output).
#pragma once

#include <cstddef>

#include "activations/op_support.h"
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
using BinaryDualKernel = void (*)(const T* g, const T* x, T* gx, T* gp, std::size_t n, const ParamValues& p);

template <class T>
struct OpKernels {
  UnaryKernel<T> forward;
  UnaryKernel<T> derivative;
  BinaryKernel<T> backward;              // g * f'(x)
  BinaryKernel<T> backward_from_output;  // g * f'(x) written in y = f(x); may be null
  DualKernel<T> value_and_derivative;
  UnaryKernel<T> param_derivative;       // d f / d (first parameter), for learnable ones; may be null
  BinaryDualKernel<T> backward_with_param;  // g f'(x) and g df/da in one pass; with param_derivative
};

struct KernelTable {
  const char* isa;
  OpKernels<float> f32[kNumOps];
  OpKernels<double> f64[kNumOps];
};

// Each ISA's translation unit defines its filler; dispatch.cpp calls only those compiled in.
void fill_kernels_scalar(KernelTable& table);
#if defined(FASTACT_HAVE_AVX2)
void fill_kernels_avx2(KernelTable& table);
#endif

}  // namespace fastact
