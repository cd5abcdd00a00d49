// _core.RowOp: softmax and log_softmax (its `kind`), taking every call itself:
//
//   softmax(x, /, axis=-1, *, safe=False, out=None)    log_softmax(x, /, axis=-1, *, out=None)
//   op.backward(g, y, /, axis=-1, *, out=None)          (from the saved output y)
//
// Any shape and axis: the kernels (rowwise/) view a C-contiguous array as (outer, len, inner) and
// reduce along the middle axis, so no axis needs a transposed copy; input that is not
// kernel-ready is normalised once (numpy_arrays.h). A 0-d input is a row of one element.
#include <string>

#include "op_types.h"
#include "call_arguments.h"
#include "op_parameters.h"
#include "op_results.h"

namespace fastact {
namespace {

const char* name_of(int kind) { return kind == static_cast<int>(RowKind::softmax) ? "softmax" : "log_softmax"; }

struct RowArguments {
  PyObject* arrays[2] = {nullptr, nullptr};  // x, or g and y
  PyObject* axis = nullptr;
  PyObject* out = nullptr;
  bool safe = false;
};

// Parses a call (backward: g, y) as CPython words its errors for the public call.
bool parse(int kind, bool backward, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, RowArguments* a) {
  const char* owner = name_of(kind);
  auto call = [&] { return call_name(owner, backward ? "backward" : ""); };  // for errors only
  const int arrays = backward ? 2 : 1;
  const bool takes_safe = !backward && kind == static_cast<int>(RowKind::softmax);
  if (nargs > arrays + 1) {
    PyErr_Format(PyExc_TypeError, "%s takes at most %d positional argument(s) (%s), %zd given", call().c_str(),
                 arrays + 1, backward ? "g, y, axis" : "x, axis", nargs);
    return false;
  }
  std::string by_keyword;
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    PyObject* value = args[nargs + i];
    if (named(name, backward ? "y" : "x") || (backward && named(name, "g"))) {
      add_positional_only(&by_keyword, name);
    } else if (named(name, "axis")) {
      if (nargs > arrays) {
        PyErr_Format(PyExc_TypeError, "%s got multiple values for argument 'axis'", call().c_str());
        return false;
      }
      a->axis = value;
    } else if (named(name, "out")) {
      a->out = value == Py_None ? nullptr : value;
    } else if (takes_safe && named(name, "safe")) {
      if (!PyBool_Check(value) && !PyArray_IsScalar(value, Bool)) {
        PyErr_Format(PyExc_TypeError, "softmax: safe must be a bool, got %s", Py_TYPE(value)->tp_name);
        return false;
      }
      a->safe = PyObject_IsTrue(value) == 1;
    } else {
      static const Config no_parameters;
      unexpected_keyword(no_parameters, call(), name,
                         takes_safe ? std::initializer_list<const char*>{"axis", "safe", "out"}
                                    : std::initializer_list<const char*>{"axis", "out"});
      return false;
    }
  }
  if (!by_keyword.empty()) return positional_only_error(call(), by_keyword);
  if (nargs < arrays) {
    PyErr_Format(PyExc_TypeError, "%s missing required argument(s): %s", call().c_str(),
                 !backward ? "'x'" : nargs == 0 ? "'g', 'y'" : "'y'");
    return false;
  }
  for (int i = 0; i < arrays; ++i) a->arrays[i] = args[i];
  if (nargs > arrays) a->axis = args[arrays];
  return true;
}

// (outer, len, inner) of an array of `shape` reduced along `axis` (a 0-d array: a row of one).
bool row_dims(int kind, PyArrayObject* x, PyObject* axis_arg, std::size_t dims[3]) {
  const int nd = PyArray_NDIM(x);
  dims[0] = dims[1] = dims[2] = 1;
  int axis = nd - 1;
  if (axis_arg && !arrays::normalize_axis(axis_arg, nd > 0 ? nd : 1, name_of(kind), &axis)) return false;
  const npy_intp* shape = PyArray_DIMS(x);
  for (int i = 0; i < nd; ++i) {
    const auto d = static_cast<std::size_t>(shape[i]);
    if (i < axis) dims[0] *= d; else if (i > axis) dims[2] *= d; else dims[1] = d;
  }
  return true;
}

PyObject* forward(int kind, const RowArguments& a) {
  Float t;
  Owned xa(arrays::normalized(a.arrays[0], "x", &t));
  std::size_t dims[3];
  if (!xa.p || !row_dims(kind, xa.array(), a.axis, dims)) return nullptr;
  if (arrays::is_16bit(t) && dims[2] == 1 && dims[1] > 0) {  // rows: converted a block at a time
    PyArrayObject* xs = xa.array();
    return compute_result(a.out, t, t, PyArray_NDIM(xs), PyArray_DIMS(xs), {xs}, [&](auto zero, PyArrayObject* y) {
      using T = decltype(zero);
      if constexpr (kIs16Bit<T>) {
        run_rows_16bit<T>(static_cast<RowKind>(kind), arrays::data<const T>(xs), arrays::data<T>(y), dims[0], dims[1],
                          a.safe);
      }
    });
  }
  const Float compute = arrays::compute_format(t);
  xa.reset(reinterpret_cast<PyObject*>(arrays::converted(xa.array(), compute)));
  if (!xa.p) return nullptr;
  PyArrayObject* xs = xa.array();
  return compute_result(a.out, t, compute, PyArray_NDIM(xs), PyArray_DIMS(xs), {xs}, [&](auto zero, PyArrayObject* y) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      run_rows<T>(static_cast<RowKind>(kind), arrays::data<const T>(xs), arrays::data<T>(y), dims[0], dims[1],
                  dims[2], a.safe);
    }
  });
}

PyObject* backward(int kind, const RowArguments& a) {
  Owned ga, ya;
  Float t;
  if (!promoted_pair(a.arrays[0], a.arrays[1], "y", false, &ga, &ya, &t)) return nullptr;
  std::size_t dims[3];
  if (!row_dims(kind, ya.array(), a.axis, dims)) return nullptr;
  if (arrays::is_16bit(t) && dims[2] == 1 && dims[1] > 0) {  // rows: converted a block at a time
    PyArrayObject* gs = ga.array();
    PyArrayObject* ys = ya.array();
    return compute_result(a.out, t, t, PyArray_NDIM(ys), PyArray_DIMS(ys), {gs, ys}, [&](auto zero, PyArrayObject* gx) {
      using T = decltype(zero);
      if constexpr (kIs16Bit<T>) {
        run_rows_backward_16bit<T>(static_cast<RowKind>(kind), arrays::data<const T>(gs), arrays::data<const T>(ys),
                                   arrays::data<T>(gx), dims[0], dims[1]);
      }
    });
  }
  const Float compute = arrays::compute_format(t);
  ga.reset(reinterpret_cast<PyObject*>(arrays::converted(ga.array(), compute)));
  ya.reset(ga.p ? reinterpret_cast<PyObject*>(arrays::converted(ya.array(), compute)) : nullptr);
  if (!ya.p) return nullptr;
  PyArrayObject* ys = ya.array();
  return compute_result(a.out, t, compute, PyArray_NDIM(ys), PyArray_DIMS(ys), {ga.array(), ys},
                        [&](auto zero, PyArrayObject* gx) {
                          using T = decltype(zero);
                          if constexpr (!kIs16Bit<T>) {
                            run_rows_backward<T>(static_cast<RowKind>(kind), arrays::data<const T>(ga.array()),
                                                 arrays::data<const T>(ys), arrays::data<T>(gx), dims[0], dims[1],
                                                 dims[2]);
                          }
                        });
}

PyObject* run(PyObject* self, bool is_backward, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  const int kind = kind_of(self);  // RowKind
  if (kind < 0) {
    PyErr_SetString(PyExc_TypeError, "this row-wise op was not configured");
    return nullptr;
  }
  RowArguments a;
  if (!parse(kind, is_backward, args, nargs, kwnames, &a)) return nullptr;
  return is_backward ? backward(kind, a) : forward(kind, a);
}

PyMethodDef row_methods[] = {
    {"backward", as_method(backward_entry<run>),
     METH_FASTCALL | METH_KEYWORDS,
     "backward($self, g, y, /, axis=-1, *, out=None)\n--\n\n"
     "The vector-Jacobian product from the saved output ``y`` (same shape as ``g``)."},
    {"_configure", kind_configure<2>, METH_VARARGS,
     "_configure(kind): which op this is (RowKind: 0 softmax, 1 log_softmax; _core.ROW_KINDS)."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot row_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(kind_new)},
    {Py_tp_call, reinterpret_cast<void*>(call_entry<run>)},
    {Py_tp_methods, row_methods},
    {Py_tp_doc, const_cast<char*>("softmax and log_softmax (see fastact.Softmax, fastact.LogSoftmax).")},
    {0, nullptr}};

PyType_Spec row_spec = {"fastact._core.RowOp", sizeof(KindObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
                        row_slots};

}  // namespace

void add_row_op(py::module_& m) {
  add_type(m, row_spec, "RowOp");
  py::dict kinds;  // the kind codes, from the C++ enum (no literal codes in Python)
  kinds["softmax"] = static_cast<int>(RowKind::softmax);
  kinds["log_softmax"] = static_cast<int>(RowKind::log_softmax);
  m.attr("ROW_KINDS") = kinds;
}

}  // namespace fastact
