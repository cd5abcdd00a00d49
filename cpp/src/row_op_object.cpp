// _core.RowOpBase: the C base class of fastact's softmax and log_softmax, for the same reason as
// ElementwiseOpBase (op_object.cpp): at small sizes the call, not the kernel, is the cost (2.1 µs
// through the Python layer for 16 elements). Here
//
//   softmax(x), softmax(x, axis), softmax.backward(g, y), softmax.backward(g, y, axis)
//
// with exact, C-contiguous, native float32/float64 ndarrays of at least one dimension and a plain
// int axis in range run the kernel at once; every other call (keywords, other types, 0-d, a bad
// axis) goes unchanged to the Python methods _call and _backward, which validate and raise.
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
  const auto* a = npy::array_proxy(x);
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
  if (axis < -a->nd || axis >= a->nd) return false;
  if (axis < 0) axis += a->nd;
  dims[0] = dims[2] = 1;
  for (long i = 0; i < a->nd; ++i) {
    const auto d = static_cast<std::size_t>(a->dimensions[i]);
    if (i < axis) dims[0] *= d; else if (i > axis) dims[2] *= d;
  }
  dims[1] = static_cast<std::size_t>(a->dimensions[axis]);
  return true;
}

// softmax(x) / log_softmax(x) along `axis` into a new array; *taken = false, returning nullptr
// with no exception, when the call is not one for the fast path.
PyObject* try_rows(RowObject* self, PyObject* x, PyObject* axis, bool* taken) {
  *taken = false;
  const FastType t = self->kind >= 0 ? fast_type(x) : FastType::none;
  std::size_t dims[3];
  if (t == FastType::none || npy::array_proxy(x)->nd == 0 || !row_dims(x, axis, dims)) return nullptr;
  *taken = true;
  PyObject* y = new_like(x);
  if (!y) return nullptr;
  const bool ok = with_type(t, [&](auto zero) {
    using T = decltype(zero);
    run_rows<T>(static_cast<RowKind>(self->kind), reinterpret_cast<const T*>(npy::array_proxy(x)->data),
                reinterpret_cast<T*>(npy::array_proxy(y)->data), dims[0], dims[1], dims[2], false);
  });
  if (!ok) Py_CLEAR(y);
  return y;
}

// The backward pass from g and the saved output y into a new array; *taken as in try_rows.
PyObject* try_rows_backward(RowObject* self, PyObject* g, PyObject* y, PyObject* axis, bool* taken) {
  *taken = false;
  const FastType t = self->kind >= 0 ? fast_type(y) : FastType::none;
  std::size_t dims[3];
  if (t == FastType::none || fast_type(g) != t || !same_shape(g, y) || npy::array_proxy(y)->nd == 0 ||
      !row_dims(y, axis, dims))
    return nullptr;
  *taken = true;
  PyObject* gx = new_like(y);
  if (!gx) return nullptr;
  const bool ok = with_type(t, [&](auto zero) {
    using T = decltype(zero);
    run_rows_backward<T>(static_cast<RowKind>(self->kind), reinterpret_cast<const T*>(npy::array_proxy(g)->data),
                         reinterpret_cast<const T*>(npy::array_proxy(y)->data),
                         reinterpret_cast<T*>(npy::array_proxy(gx)->data), dims[0], dims[1], dims[2]);
  });
  if (!ok) Py_CLEAR(gx);
  return gx;
}

PyObject* row_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  const Py_ssize_t nargs = PyTuple_GET_SIZE(args);
  if ((nargs == 1 || nargs == 2) && (!kwargs || PyDict_GET_SIZE(kwargs) == 0)) {
    bool taken;
    PyObject* r = try_rows(reinterpret_cast<RowObject*>(self), PyTuple_GET_ITEM(args, 0),
                           nargs == 2 ? PyTuple_GET_ITEM(args, 1) : nullptr, &taken);
    if (taken) return r;
  }
  return general_call(self, "_call", args, kwargs);
}

PyObject* row_backward(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if ((nargs == 2 || nargs == 3) && !kwnames) {
    bool taken;
    PyObject* r = try_rows_backward(reinterpret_cast<RowObject*>(self), args[0], args[1],
                                    nargs == 3 ? args[2] : nullptr, &taken);
    if (taken) return r;
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
