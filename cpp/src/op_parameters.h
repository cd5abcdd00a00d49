// The keyword parameters of the elementwise ops as the core holds them (a Config per op, made
// by ElementwiseOp._configure from the Python catalogue) and their parsing: validated values,
// the kernel they select, and CPython-worded errors naming the public call. Shared by the
// elementwise ops (elementwise_op.cpp) and the gated units, which run an activation's kernels
// under their own name (gated_op.cpp).
#pragma once

#include <Python.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "activations/op_support.h"
#include "numpy_arrays.h"

namespace fastact {

// A keyword parameter of an op: a real number (alpha) or a choice between kernels (approximate).
struct Param {
  std::string name;
  bool choice = false;
  double default_value = 0.0;
  bool finite = true;                            // real: reject +-inf as well as NaN
  std::string default_choice;                    // choice: its default value
  std::vector<std::pair<std::string, int>> kernels;  // choice: value -> kernel id
};

// A constraint between parameter values, checked on every call with parameters.
struct Constraint {
  enum Kind { at_most, nonzero, nonnegative } kind;
  int first, second;   // parameter indices (second: at_most only)
  std::string reason;  // nonzero, nonnegative: why, for the error
};

// What a call runs: the kernel, its two scalar slots, and the real parameters' values.
struct Kernel {
  int op = -1;
  ParamValues p{0.0, 0.0};
  double values[4] = {0, 0, 0, 0};
};

struct Config {
  std::string name;
  int kernel = -1;
  std::vector<Param> params;
  bool fixed = false;  // the kernel slots are fixed (relu6 is hardtanh with 0, 6)
  ParamValues fixed_slots{0.0, 0.0};
  int special_param = -1;  // a kernel for one value of one parameter (softplus with beta = 1)
  double special_value = 0.0;
  int special_kernel = -1;
  std::vector<Constraint> constraints;
  int output_backward_nonnegative = -1;  // backward(g, y=) needs this parameter >= 0 (elu's alpha)
  bool output_backward = false;
  std::string learnable;  // the parameter backward() also returns a gradient for, if any
  Kernel defaults;
};

// "relu()", "relu.backward()": how errors name a call of `method` of `owner`.
std::string call_name(const std::string& owner, const char* method);

// CPython's TypeError for a keyword the call does not take, with the likely intended one
// (PyTorch's dim -> axis=) or the list of those it does take (`also` first, then the op's).
void unexpected_keyword(const Config& c, const std::string& call, PyObject* key,
                        const std::vector<const char*>& also = {});

// The kernel for keyword parameters names[i] = values[i] of a call of `method` (errors name the
// call as `owner`.method()); false with the exception set. `also`: other keywords the call takes,
// listed in the unexpected-keyword error.
bool parse_params(const Config& c, const std::string& owner, const char* method, PyObject* const* names,
                  PyObject* const* values, Py_ssize_t count, Kernel* k, const std::vector<const char*>& also = {});

// A real parameter `name` of `owner` as a double: a Python or NumPy real number or a 0-d real
// array (TypeError otherwise), never NaN, and finite when `finite` (ValueError), errors naming it.
bool real_number(PyObject* v, const std::string& owner, const char* name, bool finite, double* out);

// Whether the real parameters of `k` survive rounding to the compute format `t` (float32 or
// float64): a parameter that must be finite must stay finite (|v| <= the format's largest), and a parameter the op
// divides by ("nonzero") must stay a normal number, so that neither it nor its reciprocal becomes
// 0 or inf and turns results into NaN. False with a ValueError naming the parameter, the value
// and the range. Only parameters given in the call can fail (the defaults always fit).
bool params_fit(const Config& c, const Kernel& k, const std::string& owner, arrays::Float t);

// The Config of an elementwise op object (an instance of _core.ElementwiseOp), or nullptr.
const Config* elementwise_config(PyObject* op);

}  // namespace fastact
