// _core.RowOpBase: the C base class of fastact's softmax and log_softmax, for the same reason as
// the elementwise ops' type (elementwise_op.cpp): at small sizes the call, not the kernel, is the cost. Here
//
//   softmax(x), softmax(x, axis), softmax.backward(g, y), softmax.backward(g, y, axis),
//   axis= and out= also as keywords, and softmax's safe=True/False
//
// with exact, C-contiguous, native float32/float64 ndarrays of at least one dimension and a plain
// int axis in range run the kernel at once; every other call (other keywords such as safe=, other
// types, 0-d, a bad axis) goes unchanged to the Python methods _call and _backward, which validate
// and raise.
#include "fast_call.h"
#include "op_object.h"

namespace fastact {
namespace {

using namespace fast_call;

struct RowObject {
  PyObject_HEAD
  int kind;  // RowKind; -1 (the state after __new__): no fast path
};

// (outer, len, inner) of a C-contiguous array reduced along `axis` (positional argument or -1),
// or false when the axis is not a plain int in range.
bool row_dims(PyObject* x, PyObject* axis_arg, std::size_t dims[3]) {
  const int nd = ndim(x);
  const npy_intp* shape = PyArray_DIMS(as_array(x));
  long axis = -1;
  if (axis_arg) {
    if (!PyLong_CheckExact(axis_arg)) return false;
    int overflow = 0;
    axis = PyLong_AsLongAndOverflow(axis_arg, &overflow);
    if (overflow || (axis == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      return false;
    }
  }
  if (axis < -nd || axis >= nd) return false;
  if (axis < 0) axis += nd;
  dims[0] = dims[2] = 1;
  for (long i = 0; i < nd; ++i) {
    const auto d = static_cast<std::size_t>(shape[i]);
    if (i < axis) dims[0] *= d; else if (i > axis) dims[2] *= d;
  }
  dims[1] = static_cast<std::size_t>(shape[axis]);
  return true;
}

// The keywords the fast paths take: axis= (unless the axis came positionally), out= (None
// meaning none) and, where `safe` is given (softmax's forward), safe=True/False. False for any
// other keyword or value (the general path handles or reports it).
bool row_keywords(PyObject* const* names, PyObject* const* values, Py_ssize_t count, PyObject** axis,
                  PyObject** out, bool* safe = nullptr) {
  for (Py_ssize_t i = 0; i < count; ++i) {
    if (PyUnicode_CompareWithASCIIString(names[i], "out") == 0) {
      *out = values[i] == Py_None ? nullptr : values[i];
    } else if (PyUnicode_CompareWithASCIIString(names[i], "axis") == 0 && !*axis) {
      *axis = values[i];
    } else if (safe && PyUnicode_CompareWithASCIIString(names[i], "safe") == 0 &&
               (values[i] == Py_True || values[i] == Py_False)) {
      *safe = values[i] == Py_True;
    } else {
      return false;
    }
  }
  return true;
}

// softmax(x) / log_softmax(x) along `axis` into `out` (or a new array when out is nullptr);
// *taken = false, returning nullptr with no exception, when the call is not one for the fast path.
PyObject* try_rows(RowObject* self, PyObject* x, PyObject* axis, PyObject* out, bool safe, bool* taken) {
  *taken = false;
  const FastType t = self->kind >= 0 ? fast_type(x) : FastType::none;
  std::size_t dims[3];
  if (t == FastType::none || ndim(x) == 0 || !row_dims(x, axis, dims) ||
      (out && !usable_out(out, x, t)))
    return nullptr;
  *taken = true;
  PyObject* y = result_for(out, x);
  if (!y) return nullptr;
  const bool ok = with_type(t, [&](auto zero) {
    using T = decltype(zero);
    run_rows<T>(static_cast<RowKind>(self->kind), data<const T>(x), data<T>(y), dims[0], dims[1], dims[2], safe);
  });
  if (!ok) Py_CLEAR(y);
  return y;
}

// The backward pass from g and the saved output y into `out` (or a new array); *taken as in try_rows.
PyObject* try_rows_backward(RowObject* self, PyObject* g, PyObject* y, PyObject* axis, PyObject* out, bool* taken) {
  *taken = false;
  const FastType t = self->kind >= 0 ? fast_type(y) : FastType::none;
  std::size_t dims[3];
  if (t == FastType::none || fast_type(g) != t || !same_shape(g, y) || ndim(y) == 0 ||
      !row_dims(y, axis, dims) || (out && !(usable_out(out, y, t) && usable_out(out, g, t))))
    return nullptr;
  *taken = true;
  PyObject* gx = result_for(out, y);
  if (!gx) return nullptr;
  const bool ok = with_type(t, [&](auto zero) {
    using T = decltype(zero);
    run_rows_backward<T>(static_cast<RowKind>(self->kind), data<const T>(g), data<const T>(y), data<T>(gx), dims[0],
                         dims[1], dims[2]);
  });
  if (!ok) Py_CLEAR(gx);
  return gx;
}

PyObject* row_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  constexpr Py_ssize_t kMaxKeywords = 3;
  const Py_ssize_t nargs = PyTuple_GET_SIZE(args);
  const Py_ssize_t nkw = kwargs ? PyDict_GET_SIZE(kwargs) : 0;
  if ((nargs == 1 || nargs == 2) && nkw <= kMaxKeywords) {
    PyObject* names[kMaxKeywords];
    PyObject* values[kMaxKeywords];
    Py_ssize_t pos = 0, i = 0;
    while (kwargs && PyDict_Next(kwargs, &pos, &names[i], &values[i])) ++i;
    PyObject* axis = nargs == 2 ? PyTuple_GET_ITEM(args, 1) : nullptr;
    PyObject* out = nullptr;
    bool safe = false;
    auto* op = reinterpret_cast<RowObject*>(self);
    if (row_keywords(names, values, nkw, &axis, &out, op->kind == static_cast<int>(RowKind::softmax) ? &safe : nullptr)) {
      bool taken;
      PyObject* r = try_rows(op, PyTuple_GET_ITEM(args, 0), axis, out, safe, &taken);
      if (taken) return r;
    }
  }
  return general_call(self, "_call", args, kwargs);
}

PyObject* row_backward(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  if (nargs == 2 || nargs == 3) {
    PyObject* axis = nargs == 3 ? args[2] : nullptr;
    PyObject* out = nullptr;
    if (row_keywords(nkw ? &PyTuple_GET_ITEM(kwnames, 0) : nullptr, args + nargs, nkw, &axis, &out)) {
      bool taken;
      PyObject* r = try_rows_backward(reinterpret_cast<RowObject*>(self), args[0], args[1], axis, out, &taken);
      if (taken) return r;
    }
  }
  return general_path(self, "_backward", args, static_cast<std::size_t>(nargs), kwnames);
}

PyObject* row_set_fast_path(PyObject* self, PyObject* args) {
  int kind;
  if (!PyArg_ParseTuple(args, "i", &kind)) return nullptr;
  if (kind != static_cast<int>(RowKind::softmax) && kind != static_cast<int>(RowKind::log_softmax)) {
    PyErr_Format(PyExc_ValueError, "unknown row-wise kind %d", kind);
    return nullptr;
  }
  reinterpret_cast<RowObject*>(self)->kind = kind;
  Py_RETURN_NONE;
}

PyObject* row_new(PyTypeObject* type, PyObject*, PyObject*) {
  PyObject* self = type->tp_alloc(type, 0);
  if (self) reinterpret_cast<RowObject*>(self)->kind = -1;
  return self;
}

PyMethodDef row_methods[] = {
    {"backward", as_method(row_backward),
     METH_FASTCALL | METH_KEYWORDS,
     "backward($self, g, y, /, axis=-1, *, out=None)\n--\n\n"
     "The vector-Jacobian product from the saved output ``y`` (same shape as ``g``)."},
    {"_set_fast_path", row_set_fast_path, METH_VARARGS, "_set_fast_path(kind): 0 softmax, 1 log_softmax."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot row_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(row_new)},
    {Py_tp_call, reinterpret_cast<void*>(row_call)},
    {Py_tp_methods, row_methods},
    {Py_tp_doc, const_cast<char*>("Fast paths of softmax's and log_softmax's common calls (private).")},
    {0, nullptr}};

PyType_Spec row_spec = {"fastact._core.RowOpBase", sizeof(RowObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
                        row_slots};

}  // namespace

void add_row_op_base(py::module_& m) { fast_call::add_type(m, row_spec, "RowOpBase"); }

}  // namespace fastact
