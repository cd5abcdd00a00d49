// PYBIND11_MODULE(_core): the op types (op_types.h) and the module's functions: `unary` (one kernel by id, for tools that compare builds),
// the kernel table's listing, and the ISA and thread settings. Every buffer handed to a function
// here is checked (dtype, size, layout, writeability) so no call reaches a kernel with bad
// pointers; the GIL is released while a kernel runs.
// This file imports NumPy's C API for the module (numpy_arrays.h).
#define FASTACT_IMPORT_NUMPY

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kernel_runs.h"
#include "op_types.h"

namespace py = pybind11;

namespace fastact {
namespace {

// One kernel by id, for tools that compare builds: out = f(x) (kind: UnaryKind) for a
// kernel-ready float32/float64 x and an out that plan_out lets the kernel write directly (same
// dtype and shape, writeable, x itself or not overlapping it). False, having written nothing,
// for any other buffers (the op objects handle those).
bool unary(int op, int kind, const py::array& x, py::array& out, double a, double b) {
  const arrays::Float t = arrays::kernel_ready(x.ptr());
  if (t != arrays::Float::f32 && t != arrays::Float::f64) return false;
  PyArrayObject* xs = arrays::as_array(x.ptr());
  const arrays::OutUse use = arrays::plan_out(out.ptr(), "out", t, PyArray_NDIM(xs), PyArray_DIMS(xs), {xs});
  if (use == arrays::OutUse::error) throw py::error_already_set();
  if (use != arrays::OutUse::direct) return false;
  const std::size_t id = op_index(op);
  const ParamValues p{a, b};
  const std::size_t n = arrays::element_count(xs);
  PyArrayObject* o = arrays::as_array(out.ptr());
  if (t == arrays::Float::f32) run_unary<float>(id, kind, arrays::data<const float>(xs), arrays::data<float>(o), n, p);
  else run_unary<double>(id, kind, arrays::data<const double>(xs), arrays::data<double>(o), n, p);
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

// A method descriptor of `cls` (a subclass of a C op type) for its base's method `name`,
// documented by `doc` (which opens with the op's own text signature, as CPython's
// "name($self, ...)\n--\n\n"), so that inspect.signature(fa.elu.derivative) lists elu's own
// parameters while the call stays the C method. The definition lives as long as the process: one
// per op and method.
py::object op_method(const py::type& cls, const std::string& name, const std::string& doc) {
  py::object base_method = cls.attr(name.c_str());
  if (!PyObject_TypeCheck(base_method.ptr(), &PyMethodDescr_Type))
    throw py::type_error(name + " is not a method of a C op type");
  const PyMethodDef* m = reinterpret_cast<PyMethodDescrObject*>(base_method.ptr())->d_method;
  char* text = new char[doc.size() + 1];
  std::memcpy(text, doc.c_str(), doc.size() + 1);
  auto* def = new PyMethodDef{m->ml_name, m->ml_meth, m->ml_flags, text};
  PyObject* descriptor = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), def);
  if (!descriptor) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(descriptor);
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
  add_gated_op(m);
  add_prelu_op(m);
  m.def("op_method", &op_method, py::arg("cls"), py::arg("name"), py::arg("doc"),
        "A method descriptor of cls for its C base's method `name`, with its own docstring and signature.");
  add_row_op(m);
  add_loss_op(m);
  add_unit_stats(m);
  add_logsumexp(m);
  m.def("op_table", &op_table, "[(kernel name, op id, has backward from output, has param derivative)] in registry order");
  py::dict unary_kinds;  // what `unary` evaluates, from the C++ enum (no literal codes in Python)
  unary_kinds["forward"] = static_cast<int>(UnaryKind::forward);
  unary_kinds["derivative"] = static_cast<int>(UnaryKind::derivative);
  unary_kinds["param_derivative"] = static_cast<int>(UnaryKind::param_derivative);
  m.attr("UNARY_KINDS") = unary_kinds;
  m.def("unary", &unary, py::arg("op"), py::arg("kind"), py::arg("x").noconvert(), py::arg("out").noconvert(), py::arg("a"), py::arg("b"));
  m.def("cpu_info", &cpu_info);
  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  // A thread the system refuses (kernel_runs.h -> parallel.h) becomes a RuntimeWarning, once; under
  // -W error it cannot interrupt the call that hit it, so it is reported as unraisable instead.
  set_thread_warning([](const char* message) {
    const PyGILState_STATE state = PyGILState_Ensure();
    if (PyErr_WarnEx(PyExc_RuntimeWarning, message, 1) < 0) PyErr_WriteUnraisable(nullptr);
    PyGILState_Release(state);
  });
  m.def("get_num_threads", &num_threads);
  m.def("set_isa", &select_isa, py::arg("name"), "Switch kernel tables (for tests): 'auto', 'avx512', 'avx2' or 'scalar'.");
}
