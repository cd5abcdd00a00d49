// How the op types (elementwise_op.cpp, gated_op.cpp, prelu_op.cpp, row_op.cpp) receive their
// calls: CPython's tp_call laid out as a vectorcall, keyword names, the CPython-worded error for
// positional-only arguments passed by keyword, and creating a type for the module.
#pragma once

#include <Python.h>
#include <pybind11/pybind11.h>

#include <string>

#include "foreign_arrays.h"

namespace fastact {

inline bool named(PyObject* name, const char* ascii) { return PyUnicode_CompareWithASCIIString(name, ascii) == 0; }

// f(self, args, nargs, kwnames) for a tp_call's tuple and dict (a Python subclass does not
// inherit vectorcall before Python 3.12, so the op types are called this way).
template <class F>
PyObject* call_as_vector(PyObject* self, PyObject* args, PyObject* kwargs, F&& f) {
  constexpr Py_ssize_t kMaxArguments = 32;
  const Py_ssize_t nargs = PyTuple_GET_SIZE(args);
  const Py_ssize_t nkw = kwargs ? PyDict_GET_SIZE(kwargs) : 0;
  if (nargs + nkw > kMaxArguments) {
    PyErr_Format(PyExc_TypeError, "%s() got %zd arguments; no op takes that many", Py_TYPE(self)->tp_name,
                 nargs + nkw);
    return nullptr;
  }
  PyObject* stack[kMaxArguments];
  for (Py_ssize_t i = 0; i < nargs; ++i) stack[i] = PyTuple_GET_ITEM(args, i);
  PyObject* kwnames = nkw ? PyTuple_New(nkw) : nullptr;
  if (nkw && !kwnames) return nullptr;
  Py_ssize_t pos = 0, i = 0;
  PyObject *key, *value;
  while (kwargs && PyDict_Next(kwargs, &pos, &key, &value)) {
    Py_INCREF(key);
    PyTuple_SET_ITEM(kwnames, i, key);
    stack[nargs + i++] = value;
  }
  PyObject* result = f(self, stack, nargs, kwnames);
  Py_XDECREF(kwnames);
  return result;
}

// The tp_call and `backward` entries of an op type whose calls all go to
// Run(self, is_backward, args, nargs, kwnames).
using RunCall = PyObject* (*)(PyObject*, bool, PyObject* const*, Py_ssize_t, PyObject*);
// Arrays of other libraries go to fastact._interop first (foreign_arrays.h).
template <RunCall Run>
PyObject* call_entry(PyObject* self, PyObject* args, PyObject* kwargs) {
  return call_as_vector(self, args, kwargs, [](PyObject* op, PyObject* const* stack, Py_ssize_t n, PyObject* names) {
    PyObject* handed = nullptr;
    if (handed_to_interop(op, "call", stack, n, names, &handed)) return handed;
    return Run(op, false, stack, n, names);
  });
}
template <RunCall Run>
PyObject* backward_entry(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* handed = nullptr;
  if (handed_to_interop(self, "backward", args, nargs, kwnames, &handed)) return handed;
  return Run(self, true, args, nargs, kwnames);
}

// The object of an op type whose instances differ by a kind code only (row_op.cpp: softmax or
// log_softmax; loss_op.cpp: which loss); -1 until _configure(kind) sets it.
struct KindObject {
  PyObject_HEAD
  int kind;
};

inline int kind_of(PyObject* self) { return reinterpret_cast<KindObject*>(self)->kind; }

inline PyObject* kind_new(PyTypeObject* type, PyObject*, PyObject*) {
  PyObject* self = type->tp_alloc(type, 0);
  if (self) reinterpret_cast<KindObject*>(self)->kind = -1;
  return self;
}

// _configure(kind) for a type with `count` kinds (0 .. count - 1), named `what` in the error.
template <int count>
PyObject* kind_configure(PyObject* self, PyObject* args) {
  int kind;
  if (!PyArg_ParseTuple(args, "i", &kind)) return nullptr;
  if (kind < 0 || kind >= count) {
    PyErr_Format(PyExc_ValueError, "unknown kind %d for %s", kind, Py_TYPE(self)->tp_name);
    return nullptr;
  }
  reinterpret_cast<KindObject*>(self)->kind = kind;
  Py_RETURN_NONE;
}

// Collects `name` (a keyword that names a positional-only argument) into `names`, as CPython
// lists them: 'x', 'g'.
inline void add_positional_only(std::string* names, PyObject* name) {
  *names += (names->empty() ? "'" : ", '") + std::string(PyUnicode_AsUTF8(name)) + "'";
}

// CPython's TypeError for positional-only arguments passed by keyword; false.
inline bool positional_only_error(const std::string& call, const std::string& names) {
  PyErr_Format(PyExc_TypeError, "%s got some positional-only arguments passed as keyword arguments: %s", call.c_str(),
               names.c_str());
  return false;
}

// A METH_FASTCALL | METH_KEYWORDS function as the PyCFunction a PyMethodDef holds.
inline PyCFunction as_method(PyObject* (*f)(PyObject*, PyObject* const*, Py_ssize_t, PyObject*)) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

// Creates the type of `spec` and adds it to the module as `name`.
inline pybind11::object add_type(pybind11::module_& m, PyType_Spec& spec, const char* name) {
  PyObject* type = PyType_FromSpec(&spec);
  if (!type) throw pybind11::error_already_set();
  pybind11::object cls = pybind11::reinterpret_steal<pybind11::object>(type);
  m.attr(name) = cls;
  return cls;
}

}  // namespace fastact
