// What the C fast paths of the op objects (op_object.cpp, row_op_object.cpp) share: deciding
// whether an argument is an array the kernels can take as it is, making the result array, and
// handing a call on to the Python method that handles everything else.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstring>
#include <new>

#include "binding_support.h"

namespace fastact {
namespace fast_call {

namespace npy = py::detail;

enum class FastType { none, f32, f64, f16, bf16 };

// NumPy's type number of ml_dtypes' bfloat16 (a user dtype, numbered when ml_dtypes registers it),
// told by the Python layer the first time it meets one (_core.register_bfloat16); -1 until then.
inline int bfloat16_type_num = -1;

// What the elementwise fast path accepts: an exact ndarray (no subclass: those keep NumPy's
// semantics through the Python path), C-contiguous, float16/32/64 or bfloat16 in this machine's
// byte order.
inline FastType elementwise_type(PyObject* o) {
  if (Py_TYPE(o) != npy::npy_api::get().PyArray_Type_) return FastType::none;
  const auto* a = npy::array_proxy(o);
  if (!(a->flags & npy::npy_api::NPY_ARRAY_C_CONTIGUOUS_)) return FastType::none;
  const auto* d = npy::array_descriptor_proxy(a->descr);
  if (!native_byte_order(d->byteorder)) return FastType::none;
  constexpr int kHalf = 23;  // NPY_HALF
  if (d->type_num == npy::npy_api::NPY_FLOAT_) return FastType::f32;
  if (d->type_num == npy::npy_api::NPY_DOUBLE_) return FastType::f64;
  if (d->type_num == kHalf) return FastType::f16;
  if (d->type_num == bfloat16_type_num) return FastType::bf16;
  return FastType::none;
}

// The same for the row-wise ops, whose kernels take float32 and float64 only.
inline FastType fast_type(PyObject* o) {
  const FastType t = elementwise_type(o);
  return t == FastType::f32 || t == FastType::f64 ? t : FastType::none;
}

inline std::size_t element_size(FastType t) {
  return t == FastType::f64 ? sizeof(double) : t == FastType::f32 ? sizeof(float) : sizeof(std::uint16_t);
}

inline bool same_shape(PyObject* p, PyObject* q) {
  const auto* a = npy::array_proxy(p);
  const auto* b = npy::array_proxy(q);
  return a->nd == b->nd && std::memcmp(a->dimensions, b->dimensions, sizeof(*a->dimensions) * a->nd) == 0;
}

inline std::size_t element_count(PyObject* o) {
  const auto* a = npy::array_proxy(o);
  std::size_t n = 1;
  for (int i = 0; i < a->nd; ++i) n *= static_cast<std::size_t>(a->dimensions[i]);
  return n;
}

// An uninitialised C-contiguous array of x's shape and dtype (new reference; nullptr with an
// exception set when allocation fails).
inline PyObject* new_like(PyObject* x) {
  const auto& api = npy::npy_api::get();
  auto* a = npy::array_proxy(x);
  Py_INCREF(a->descr);  // PyArray_NewFromDescr steals it
  return api.PyArray_NewFromDescr_(api.PyArray_Type_, a->descr, a->nd, a->dimensions, nullptr, nullptr, 0, nullptr);
}

// Where a result goes: `out` (a new reference to it) or, when out is nullptr, a new array like x.
inline PyObject* result_for(PyObject* out, PyObject* x) {
  if (!out) return new_like(x);
  Py_INCREF(out);
  return out;
}

// An array's data as T*.
template <class T>
T* data(PyObject* a) {
  return reinterpret_cast<T*>(npy::array_proxy(a)->data);
}

// `out` as the fast path can write it: a fast-type ndarray of x's dtype and shape, writeable, and
// either x itself (in place) or not overlapping it.
inline bool usable_out(PyObject* out, PyObject* x, FastType t) {
  if (elementwise_type(out) != t || !same_shape(out, x)) return false;
  const auto* o = npy::array_proxy(out);
  if (!(o->flags & npy::npy_api::NPY_ARRAY_WRITEABLE_)) return false;
  const char* op = o->data;
  const char* xp = npy::array_proxy(x)->data;
  const std::size_t bytes = element_count(x) * element_size(t);
  return op == xp || op + bytes <= xp || xp + bytes <= op;
}

// A 0-d result as a NumPy scalar (what NumPy's ufuncs return); any other array as it is.
inline PyObject* finish(PyObject* result) {
  if (!result || npy::array_proxy(result)->nd != 0) return result;
  PyObject* empty = PyTuple_New(0);
  PyObject* scalar = empty ? PyObject_GetItem(result, empty) : nullptr;
  Py_XDECREF(empty);
  Py_DECREF(result);
  return scalar;
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

// The same for the elementwise ops, which also take the 16-bit formats (binding_support.h).
template <class F>
inline bool with_elementwise_type(FastType t, F&& f) {
  return guarded([&] {
    switch (t) {
      case FastType::f16: return f(Float16Bits{});
      case FastType::bf16: return f(BFloat16Bits{});
      case FastType::f32: return f(0.0f);
      default: return f(0.0);
    }
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
