// The single list of kernels. Every other layer (dispatch table, bindings, Python catalogue,
// tests, accuracy sweeps, benchmarks) enumerates it: a new activation is one struct in
// activations/ plus one line here (and its entry in python/fastact/_catalogue.py).
#pragma once

#include <cstddef>

#include "activations/exponential_linear.h"
#include "activations/gelu.h"
#include "activations/mish.h"
#include "activations/piecewise_linear.h"
#include "activations/rational.h"
#include "activations/sigmoid.h"
#include "activations/softplus.h"
#include "activations/swish.h"
#include "activations/tanh.h"

// X(name, Struct): `name` is the kernel name the Python catalogue refers to.
#define FASTACT_FOR_EACH_OP(X) \
  X(relu, Relu)                \
  X(leaky_relu, LeakyRelu)     \
  X(hardtanh, Hardtanh)        \
  X(sigmoid, Sigmoid)          \
  X(tanh, Tanh)                \
  X(elu, Elu)                  \
  X(selu, Selu)                \
  X(celu, Celu)                \
  X(softsign, Softsign)        \
  X(hardsigmoid, Hardsigmoid)  \
  X(hardswish, Hardswish)      \
  X(silu, Silu)                \
  X(swish, Swish)              \
  X(softplus, Softplus)        \
  X(softplus_unit, SoftplusUnit) \
  X(log_sigmoid, LogSigmoid)   \
  X(mish, Mish)                \
  X(gelu, Gelu)                \
  X(gelu_tanh, GeluTanh)

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
