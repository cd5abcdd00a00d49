// The C fast paths of softmax and log_softmax (row_op_object.cpp): deciding whether an argument
// is an array the kernels can take as it is, making the result array, and handing a call on to
// the Python method that handles everything else.
#pragma once

#include <pybind11/pybind11.h>

#include <cstring>
#include <new>

#include "binding_support.h"
#include "numpy_arrays.h"

namespace fastact {
namespace fast_call {

using arrays::as_array;

// The row-wise kernels take float32 and float64 only: those formats of a kernel-ready array.
enum class FastType { none, f32, f64 };

inline FastType fast_type(PyObject* o) {
  switch (arrays::kernel_ready(o)) {
    case arrays::Float::f32: return FastType::f32;
    case arrays::Float::f64: return FastType::f64;
    default: return FastType::none;
  }
}

inline std::size_t element_size(FastType t) { return t == FastType::f64 ? sizeof(double) : sizeof(float); }
inline bool same_shape(PyObject* p, PyObject* q) { return arrays::same_shape(as_array(p), as_array(q)); }
inline std::size_t element_count(PyObject* o) { return arrays::element_count(as_array(o)); }
inline int ndim(PyObject* o) { return PyArray_NDIM(as_array(o)); }

// Where a result goes: `out` (a new reference to it) or, when out is nullptr, a new array like x.
inline PyObject* result_for(PyObject* out, PyObject* x) {
  if (!out) return reinterpret_cast<PyObject*>(arrays::new_like(as_array(x), arrays::kernel_ready(x)));
  Py_INCREF(out);
  return out;
}

// An array's data as T*.
template <class T>
T* data(PyObject* a) {
  return arrays::data<T>(as_array(a));
}

// `out` as the fast path can write it: a kernel-ready array of x's format and shape, writeable,
// and either x itself (in place) or not overlapping it.
inline bool usable_out(PyObject* out, PyObject* x, FastType t) {
  if (fast_type(out) != t || !same_shape(out, x) || !PyArray_ISWRITEABLE(as_array(out))) return false;
  const char* op = PyArray_BYTES(as_array(out));
  const char* xp = PyArray_BYTES(as_array(x));
  const std::size_t bytes = element_count(x) * element_size(t);
  return op == xp || op + bytes <= xp || xp + bytes <= op;
}

// Runs f(), turning a C++ exception into the matching Python one; false if one was raised.
template <class F>
inline bool guarded(F&& f) {
  try {
    f();
    return true;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (py::builtin_exception& e) {
    e.set_error();
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return false;
}

// f(zero) with a value of the array type t (float32 or float64), exceptions turned into Python's.
template <class F>
inline bool with_type(FastType t, F&& f) {
  return guarded([&] {
    if (t == FastType::f32) f(0.0f); else f(0.0);
  });
}

// The Python method `name` of self called with the same arguments (the general path).
inline PyObject* general_path(PyObject* self, const char* name, PyObject* const* args, std::size_t nargsf,
                       PyObject* kwnames) {
  PyObject* method = PyObject_GetAttrString(self, name);
  if (!method) return nullptr;
  PyObject* r = PyObject_Vectorcall(method, args, nargsf, kwnames);
  Py_DECREF(method);
  return r;
}


// The same for a tp_call (arguments as a tuple and a dict).
inline PyObject* general_call(PyObject* self, const char* name, PyObject* args, PyObject* kwargs) {
  PyObject* method = PyObject_GetAttrString(self, name);
  if (!method) return nullptr;
  PyObject* r = PyObject_Call(method, args, kwargs);
  Py_DECREF(method);
  return r;
}

// A METH_FASTCALL | METH_KEYWORDS function as the PyCFunction a PyMethodDef holds.
inline PyCFunction as_method(PyObject* (*f)(PyObject*, PyObject* const*, Py_ssize_t, PyObject*)) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

// Creates the type of `spec` and adds it to the module as `name`.
inline void add_type(py::module_& m, PyType_Spec& spec, const char* name) {
  PyObject* type = PyType_FromSpec(&spec);
  if (!type) throw py::error_already_set();
  m.attr(name) = py::reinterpret_steal<py::object>(type);
}

}  // namespace fast_call
}  // namespace fastact
