// PYBIND11_MODULE(_core): the op types (elementwise_op.cpp, row_op_object.cpp) and the module's
// functions: the kernels of the families whose arguments the Python layer still parses (prelu,
// the gated units, the row-wise general path), `unary` (one kernel by id, for tools that compare
// builds), the conversions, and the ISA and thread settings. Every buffer handed to a function
// here is checked (dtype, size, layout, writeability) so no call reaches a kernel with bad
// pointers; the GIL is released while a kernel runs.
// This file imports NumPy's C API for the module (numpy_arrays.h).
#define FASTACT_IMPORT_NUMPY

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "binding_support.h"
#include "fast_call.h"
#include "op_object.h"

namespace py = pybind11;

namespace fastact {
namespace {

bool unary(int op, int kind, const py::array& x, py::array& out, double a, double b) {
  if (!buffers_usable({{&x, "x"}}, {{&out, "out"}})) return false;
  const std::size_t id = op_index(op);
  const ParamValues p{a, b};
  const auto n = static_cast<std::size_t>(x.size());
  if (dtype_of(x, "x") == DType::f32) {
    run_unary<float>(id, kind, in_ptr<float>(x), out_ptr<float>(out), n, p);
  } else {
    run_unary<double>(id, kind, in_ptr<double>(x), out_ptr<double>(out), n, p);
  }
  return true;
}

// PReLU: leaky_relu with one alpha per channel. x (C-contiguous) is viewed as
// (outer, channels, inner); each (outer, channel) block of `inner` elements runs the leaky_relu
// kernel of `kind` (0 forward, 1 derivative, 3 backward with g) with that channel's alpha.
void prelu(int kind, const py::array& x, const py::array& g, const py::array& alpha, py::array& out,
           std::size_t outer, std::size_t channels, std::size_t inner) {
  if (!buffers_usable({{&x, "x"}, {&g, "g"}}, {{&out, "out"}}) || !(x.flags() & py::array::c_style))
    throw py::value_error("prelu: x, g and out must be C-contiguous and not partially overlapping");
  if (outer * channels * inner != static_cast<std::size_t>(x.size()))
    throw py::value_error("prelu: outer * channels * inner must equal x.size");
  if (static_cast<std::size_t>(alpha.size()) != channels || dtype_of(alpha, "alpha") != dtype_of(x, "x") ||
      !(alpha.flags() & py::array::c_style))
    throw py::value_error("prelu: alpha must be a contiguous array of one value per channel, in x's dtype");
  if (kind != 0 && kind != 1 && kind != 3) throw py::value_error("prelu: unknown kind");
  const std::size_t id = static_cast<std::size_t>(OpId::leaky_relu);
  const KernelTable& table = active_kernels();
  auto run = [&](auto zero) {
    using T = decltype(zero);
    const auto& k = kernels_of<T>(table, id);
    const T* xp = in_ptr<T>(x);
    const T* gp = in_ptr<T>(g);
    const T* ap = in_ptr<T>(alpha);
    T* op_ = out_ptr<T>(out);
    GilRelease release;
    // Blocks of `inner` elements, one channel each; in chunks of blocks (or of elements within a
    // block when one block is larger than a chunk).
    auto block = [&](std::size_t index, std::size_t b, std::size_t e) {
      const std::size_t at = index * inner + b;
      const ParamValues p{static_cast<double>(ap[index % channels]), 0.0};
      if (kind == 0) k.forward(xp + at, op_ + at, e - b, p);
      else if (kind == 1) k.derivative(xp + at, op_ + at, e - b, p);
      else k.backward(gp + at, xp + at, op_ + at, e - b, p);
    };
    const std::size_t blocks = outer * channels;
    if (blocks == 1) {
      split_elements<T>(inner, [&](std::size_t b, std::size_t e) { block(0, b, e); });
    } else {
      parallel_for(blocks, rows_per_chunk<T>(inner), [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) block(i, 0, inner);
      });
    }
  };
  if (dtype_of(x, "x") == DType::f32) run(0.0f); else run(0.0);
}

// Checks for the kernels whose arrays differ in size (gated, bias): each array C-contiguous, of the
// dtype `like` has and of `size` elements; outputs writeable. Python allocates or copies so these hold.
void check_c_array(const py::array& a, const char* name, DType like, std::size_t size, bool output) {
  if (dtype_of(a, name) != like) throw py::type_error(std::string(name) + ": dtype differs from the input's");
  if (!(a.flags() & py::array::c_style)) throw py::value_error(std::string(name) + ": must be C-contiguous");
  if (static_cast<std::size_t>(a.size()) != size) throw py::value_error(std::string(name) + ": wrong size");
  if (output && !a.writeable()) throw py::value_error(std::string(name) + ": array is read-only");
}

// f(o, begin, end) over the `half` elements of each of `outer` blocks, split over the pool: runs of
// whole blocks, or runs of elements within a block when there is only one.
template <class T, class F>
void split_halves(std::size_t outer, std::size_t half, F&& f) {
  if (outer == 1) {
    split_elements<T>(half, [&](std::size_t b, std::size_t e) { f(0, b, e); });
  } else {
    parallel_for(outer, rows_per_chunk<T>(half), [&](std::size_t b, std::size_t e) {
      for (std::size_t o = b; o < e; ++o) f(o, 0, half);
    });
  }
}

// Gated linear units over a C-contiguous x viewed as (outer, 2, half): per outer index, the two
// halves are contiguous runs of `half` elements; the gate (the op's input) is the first when
// gate_first (swiglu, geglu, reglu), else the second (glu = a * sigmoid(b)).
void gated_forward(int op, const py::array& x, py::array& y, std::size_t outer, std::size_t half, bool gate_first,
                   double a, double b) {
  const DType dt = dtype_of(x, "x");
  check_c_array(x, "x", dt, outer * 2 * half, false);
  check_c_array(y, "out", dt, outer * half, true);
  const ParamValues p{a, b};
  with_kernels(op, dt, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = k.gated_forward;
    const T* xp = in_ptr<T>(x);
    T* yp = out_ptr<T>(y);
    GilRelease release;
    split_halves<T>(outer, half, [&](std::size_t o, std::size_t b, std::size_t e) {
      const T* first = xp + o * 2 * half;
      const T* second = first + half;
      kernel((gate_first ? first : second) + b, (gate_first ? second : first) + b, yp + o * half + b, e - b, p);
    });
  });
}

void gated_backward(int op, const py::array& g, const py::array& x, py::array& gx, std::size_t outer,
                    std::size_t half, bool gate_first, double a, double b) {
  const DType dt = dtype_of(x, "x");
  check_c_array(x, "x", dt, outer * 2 * half, false);
  check_c_array(g, "g", dt, outer * half, false);
  check_c_array(gx, "out", dt, outer * 2 * half, true);
  const ParamValues p{a, b};
  with_kernels(op, dt, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = k.gated_backward;
    const T* xp = in_ptr<T>(x);
    const T* gp = in_ptr<T>(g);
    T* gxp = out_ptr<T>(gx);
    GilRelease release;
    split_halves<T>(outer, half, [&](std::size_t o, std::size_t b, std::size_t e) {
      const std::size_t first = o * 2 * half + b, second = first + half;
      const std::size_t gate = gate_first ? first : second, value = gate_first ? second : first;
      kernel(gp + o * half + b, xp + gate, xp + value, gxp + gate, gxp + value, e - b, p);
    });
  });
}

void check_row_shape(const py::array& x, std::size_t outer, std::size_t len, std::size_t inner) {
  if (outer * len * inner != static_cast<std::size_t>(x.size()))
    throw py::value_error("outer * len * inner must equal the array's size");
}

// Row-wise ops (softmax, log_softmax and their backward passes) along the middle axis of a
// C-contiguous array viewed as (outer, len, inner). Return false, having done nothing, when the
// buffers are not all C-contiguous or an output partially overlaps an input.
bool rowwise(int kind, const py::array& x, py::array& out, std::size_t outer, std::size_t len, std::size_t inner,
             bool safe) {
  if (!buffers_usable({{&x, "x"}}, {{&out, "out"}})) return false;
  if (!(x.flags() & py::array::c_style) || !(out.flags() & py::array::c_style)) return false;
  check_row_shape(x, outer, len, inner);
  const RowKind k = row_kind(kind);
  if (dtype_of(x, "x") == DType::f32) {
    run_rows<float>(k, in_ptr<float>(x), out_ptr<float>(out), outer, len, inner, safe);
  } else {
    run_rows<double>(k, in_ptr<double>(x), out_ptr<double>(out), outer, len, inner, safe);
  }
  return true;
}

bool rowwise_backward(int kind, const py::array& g, const py::array& y, py::array& out, std::size_t outer,
                      std::size_t len, std::size_t inner) {
  if (!buffers_usable({{&g, "g"}, {&y, "y"}}, {{&out, "out"}})) return false;
  for (const py::array* a : {&g, &y, static_cast<const py::array*>(&out)})
    if (!(a->flags() & py::array::c_style)) return false;
  check_row_shape(y, outer, len, inner);
  const RowKind k = row_kind(kind);
  if (dtype_of(y, "y") == DType::f32) {
    run_rows_backward<float>(k, in_ptr<float>(g), in_ptr<float>(y), out_ptr<float>(out), outer, len, inner);
  } else {
    run_rows_backward<double>(k, in_ptr<double>(g), in_ptr<double>(y), out_ptr<double>(out), outer, len, inner);
  }
  return true;
}

py::list op_table() {
  py::list ops;
  const KernelTable& table = active_kernels();
  for (std::size_t i = 0; i < kNumOps; ++i) {
    ops.append(py::make_tuple(kOpNames[i], static_cast<int>(i), table.f32[i].backward_from_output != nullptr,
                              table.f32[i].param_derivative != nullptr));
  }
  return ops;
}

py::dict cpu_info() {
  py::dict info;
  info["isa"] = active_kernels().isa;
  info["compiled_isas"] = compiled_isas();
  info["available_isas"] = available_isas();
  info["threads"] = num_threads();
  info["available_cpus"] = available_cpus();
  info["hardware_threads"] = std::thread::hardware_concurrency();
  return info;
}

// dst = src converted between a 16-bit format (float16, bfloat16) and float32 (numpy_arrays.h:
// the ISA's conversions, round to nearest even). Both C-contiguous, of one size.
void convert16(const py::array& src, py::array& dst) {
  using arrays::Float;
  const Float from = arrays::kernel_ready(src.ptr()), to = arrays::kernel_ready(dst.ptr());
  if (src.size() != dst.size()) throw py::value_error("convert16: sizes differ");
  if (!dst.writeable()) throw py::value_error("convert16: destination is read-only");
  const bool narrow16 = from == Float::f32 && arrays::is_16bit(to);
  const bool widen16 = to == Float::f32 && arrays::is_16bit(from);
  if (!narrow16 && !widen16)
    throw py::type_error("convert16: expected C-contiguous float16/bfloat16 and float32 arrays");
  arrays::convert16(arrays::as_array(src.ptr()), from, arrays::as_array(dst.ptr()), to);
}

}  // namespace
}  // namespace fastact

PYBIND11_MODULE(_core, m) {
  using namespace fastact;
  m.doc() = "fastact's compiled core: vectorised activation kernels (private; use the fastact package)";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  // The FASTACT_ISA override is applied by fastact/__init__.py through set_isa, so that a bad
  // value is a plain ValueError there (an exception here would surface as an ImportError).
  select_isa("auto");

  if (_import_array() < 0) throw py::error_already_set();
  add_elementwise_op(m);
  add_row_op_base(m);
  m.def("op_table", &op_table, "[(kernel name, op id, has backward from output, has param derivative)] in registry order");
  m.def("unary", &unary, py::arg("op"), py::arg("kind"), py::arg("x").noconvert(), py::arg("out").noconvert(), py::arg("a"), py::arg("b"));
  m.def("prelu", &prelu, py::arg("kind"), py::arg("x").noconvert(), py::arg("g").noconvert(),
        py::arg("alpha").noconvert(), py::arg("out").noconvert(), py::arg("outer"), py::arg("channels"),
        py::arg("inner"));
  m.def("rowwise", &rowwise, py::arg("kind"), py::arg("x").noconvert(), py::arg("out").noconvert(),
        py::arg("outer"), py::arg("len"), py::arg("inner"), py::arg("safe"));
  m.def("rowwise_backward", &rowwise_backward, py::arg("kind"), py::arg("g").noconvert(), py::arg("y").noconvert(),
        py::arg("out").noconvert(), py::arg("outer"), py::arg("len"), py::arg("inner"));
  m.def("gated_forward", &gated_forward, py::arg("op"), py::arg("x").noconvert(), py::arg("out").noconvert(),
        py::arg("outer"), py::arg("half"), py::arg("gate_first"), py::arg("a"), py::arg("b"));
  m.def("gated_backward", &gated_backward, py::arg("op"), py::arg("g").noconvert(), py::arg("x").noconvert(),
        py::arg("out").noconvert(), py::arg("outer"), py::arg("half"), py::arg("gate_first"), py::arg("a"),
        py::arg("b"));
  m.def("cpu_info", &cpu_info);
  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  m.def("get_num_threads", &num_threads);
  m.def("set_isa", &select_isa, py::arg("name"), "Switch kernel tables (for tests): 'auto', 'avx512', 'avx2' or 'scalar'.");
  m.def("convert16", &convert16, py::arg("src").noconvert(), py::arg("dst").noconvert(),
        "dst = src converted between float16/bfloat16 and float32 (C-contiguous, same size).");
}
