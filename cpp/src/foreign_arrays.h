// Arrays of other libraries (PyTorch tensors, Dask and pandas objects, JAX arrays, anything that
// offers __dlpack__): every op entry asks `foreign_arguments` first and, if any argument is such
// an object, hands the whole call to fastact._interop.call(op, method, args, kwargs), which returns
// the same kind of object the user passed (a tensor for a tensor, a lazy Dask array for a Dask
// array, ...) or NotImplemented to let the call go on here as for NumPy input. The test is a few
// type checks per argument, so NumPy calls pay nothing noticeable for it.
#pragma once

#include <Python.h>

#include "numpy_arrays.h"

namespace fastact {

// What the core takes as it is: ndarrays (and subclasses), NumPy and Python scalars (numbers,
// bytes, and strings: the choice parameters), None, lists (nested lists are read by NumPy), and
// dicts and types (which it rejects itself); a tuple (out=(y, d)) is looked into one level.
inline bool is_foreign(PyObject* o, bool look_into_tuples = true) {
  if (PyArray_Check(o) || PyArray_IsAnyScalar(o) || o == Py_None || PyList_Check(o) || PyDict_Check(o) ||
      PyType_Check(o))
    return false;
  if (PyTuple_Check(o)) {
    if (!look_into_tuples) return false;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); ++i)
      if (is_foreign(PyTuple_GET_ITEM(o, i), false)) return true;
    return false;
  }
  // Everything else is for the Python side to judge (it answers NotImplemented for the objects
  // NumPy reads itself, such as memoryviews and objects with __array__ only).
  return true;
}

inline bool foreign_arguments(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  const Py_ssize_t n = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0);
  for (Py_ssize_t i = 0; i < n; ++i)
    if (is_foreign(args[i])) return true;
  return false;
}

// fastact._interop.call(op, method, args, kwargs): a new reference, Py_NotImplemented (new
// reference) to go on natively, or nullptr with the error set.
inline PyObject* foreign_call(PyObject* op, const char* method, PyObject* const* args, Py_ssize_t nargs,
                              PyObject* kwnames) {
  static PyObject* hook = nullptr;  // imported once, kept for the life of the process
  if (!hook) {
    PyObject* module = PyImport_ImportModule("fastact._interop");
    if (!module) return nullptr;
    hook = PyObject_GetAttrString(module, "call");
    Py_DECREF(module);
    if (!hook) return nullptr;
  }
  PyObject* positional = PyTuple_New(nargs);
  if (!positional) return nullptr;
  for (Py_ssize_t i = 0; i < nargs; ++i) {
    Py_INCREF(args[i]);
    PyTuple_SET_ITEM(positional, i, args[i]);
  }
  PyObject* keywords = PyDict_New();
  if (!keywords) {
    Py_DECREF(positional);
    return nullptr;
  }
  for (Py_ssize_t i = 0; kwnames && i < PyTuple_GET_SIZE(kwnames); ++i) {
    if (PyDict_SetItem(keywords, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0) {
      Py_DECREF(positional);
      Py_DECREF(keywords);
      return nullptr;
    }
  }
  PyObject* result = PyObject_CallFunction(hook, "OsOO", op, method, positional, keywords);
  Py_DECREF(positional);
  Py_DECREF(keywords);
  return result;
}

// The start of every op entry: `result` is set and true returned when the call was handed over
// (result may be nullptr with the error set); false to go on natively.
inline bool handed_to_interop(PyObject* op, const char* method, PyObject* const* args, Py_ssize_t nargs,
                              PyObject* kwnames, PyObject** result) {
  if (!foreign_arguments(args, nargs, kwnames)) return false;
  PyObject* r = foreign_call(op, method, args, nargs, kwnames);
  if (r == Py_NotImplemented) {
    Py_DECREF(r);
    return false;
  }
  *result = r;
  return true;
}

}  // namespace fastact
