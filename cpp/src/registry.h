// The single list of kernels. Every other layer (dispatch table, bindings, Python catalogue,
// tests, accuracy sweeps, benchmarks) enumerates it: a new activation is one struct in
// activations/ plus one line here (and its entry in python/fastact/_catalogue.py).
#pragma once

#include <cstddef>

#include "activations/exponential_linear.h"
#include "activations/gelu.h"
#include "activations/log1mexp.h"
#include "activations/mish.h"
#include "activations/piecewise_linear.h"
#include "activations/rational.h"
#include "activations/sigmoid.h"
#include "activations/sign_of_zero.h"
#include "activations/softplus.h"
#include "activations/sparse.h"
#include "activations/subnormal_inputs.h"
#include "activations/x_sigmoid.h"
#include "activations/tanh.h"
#include "activations/tanhshrink.h"

namespace fastact {

// Ops whose zero results get x's sign back (activations/sign_of_zero.h), named for the list below
// (a macro argument cannot hold a comma).
using SignedElu = SignFixed<Elu, ZeroHasSignOfX>;
using SignedSelu = SignFixed<Selu, ZeroHasSignOfX>;
using SignedHardswish = SignFixed<FlushSubnormalInputs<Hardswish>, ValueHasSignOfX>;
using SignedSilu = SignFixed<FlushSubnormalInputs<Silu>, ValueHasSignOfX>;
using SignedSwish = SignFixed<FlushSubnormalInputs<Swish>, ValueHasSignOfX>;
using SignedMish = SignFixed<FlushSubnormalInputs<Mish>, ValueHasSignOfX>;
using SignedGelu = SignFixed<FlushSubnormalInputs<Gelu>, ValueHasSignOfX>;
using SignedGeluTanh = SignFixed<FlushSubnormalInputs<GeluTanh>, ValueHasSignOfX>;

}  // namespace fastact

// X(name, Struct): `name` is the kernel name the Python catalogue refers to. The smooth ops run
// through FlushSubnormalInputs (activations/subnormal_inputs.h): same results, no slow path for
// subnormal x. The piecewise-linear ones are exact and have no slow path to avoid; elu and selu,
// kinked at 0, flush inside their exponential branch. SignFixed (activations/sign_of_zero.h) gives
// zero results the sign IEEE arithmetic gives them.
#define FASTACT_FOR_EACH_OP(X)                         \
  X(relu, Relu)                                        \
  X(leaky_relu, LeakyRelu)                             \
  X(hardtanh, Hardtanh)                                \
  X(threshold, Threshold)                              \
  X(hardshrink, Hardshrink)                            \
  X(softshrink, Softshrink)                            \
  X(squared_relu, SquaredRelu)                         \
  X(sparse_sigmoid, SparseSigmoid)                     \
  X(sparse_plus, SparsePlus)                           \
  X(squareplus, Squareplus)                            \
  X(sigmoid, FlushSubnormalInputs<Sigmoid>)            \
  X(tanh, FlushSubnormalInputs<Tanh>)                  \
  X(tanhshrink, FlushSubnormalInputs<Tanhshrink>)      \
  X(elu, SignedElu)                                    \
  X(selu, SignedSelu)                                  \
  X(celu, FlushSubnormalInputs<Celu>)                  \
  X(softsign, FlushSubnormalInputs<Softsign>)          \
  X(hardsigmoid, FlushSubnormalInputs<Hardsigmoid>)    \
  X(hardswish, SignedHardswish)                        \
  X(silu, SignedSilu)                                  \
  X(swish, SignedSwish)                                \
  X(softplus, FlushSubnormalInputs<Softplus>)          \
  X(softplus_unit, FlushSubnormalInputs<SoftplusUnit>) \
  X(log_sigmoid, FlushSubnormalInputs<LogSigmoid>)     \
  X(log1mexp, Log1mexp)                                \
  X(mish, SignedMish)                                  \
  X(gelu, SignedGelu)                                  \
  X(gelu_tanh, SignedGeluTanh)

namespace fastact {

enum class OpId : int {
#define FASTACT_OP_ENUM(name, Struct) name,
  FASTACT_FOR_EACH_OP(FASTACT_OP_ENUM)
#undef FASTACT_OP_ENUM
};

inline constexpr const char* kOpNames[] = {
#define FASTACT_OP_NAME(name, Struct) #name,
    FASTACT_FOR_EACH_OP(FASTACT_OP_NAME)
#undef FASTACT_OP_NAME
};

inline constexpr std::size_t kNumOps = sizeof(kOpNames) / sizeof(kOpNames[0]);

}  // namespace fastact
