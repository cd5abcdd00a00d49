// What the op types do with arrays around a kernel call: owned references, running a kernel on
// the element type of an array format, and delivering a result (into out= or as a new array or
// scalar, as numpy_arrays.h's plan_out decided).
#pragma once

#include "kernel_runs.h"
#include "numpy_arrays.h"

namespace fastact {

using arrays::Float;
using arrays::OutUse;

// f(zero) with a value of the array format's element type; C++ exceptions become Python's.
template <class F>
inline bool with_format(Float t, F&& f) {
  try {
    switch (t) {
      case Float::f16: f(Float16Bits{}); break;
      case Float::bf16: f(BFloat16Bits{}); break;
      case Float::f32: f(0.0f); break;
      default: f(0.0); break;
    }
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

// Owned references, released at scope exit.
struct Owned {
  PyObject* p = nullptr;
  Owned() = default;
  explicit Owned(PyObject* o) : p(o) {}
  explicit Owned(PyArrayObject* o) : p(reinterpret_cast<PyObject*>(o)) {}
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { Py_XDECREF(p); }
  PyArrayObject* array() const { return arrays::as_array(p); }
  PyObject* release() {
    PyObject* o = p;
    p = nullptr;
    return o;
  }
  void reset(PyObject* o) {
    Py_XDECREF(p);
    p = o;
  }
};

// The destination of a result of format t shaped like `like`: out itself (direct) or a new array.
inline PyArrayObject* destination(OutUse use, PyObject* out, PyArrayObject* like, Float t) {
  if (use == OutUse::direct) {
    Py_INCREF(out);
    return arrays::as_array(out);
  }
  return arrays::new_like(like, t);
}

// What a call returns for a result computed into `result` (owned): out itself when one was given
// (copied into it first unless the kernel wrote it directly), else the result (0-d: a scalar).
inline PyObject* deliver(OutUse use, PyObject* out, PyArrayObject* result) {
  if (use == OutUse::copy) {
    const bool ok = arrays::copy_into(out, result);
    Py_DECREF(result);
    if (!ok) return nullptr;
    Py_INCREF(out);
    return out;
  }
  if (use == OutUse::direct) return reinterpret_cast<PyObject*>(result);
  return arrays::finished(result);
}

// The result of a computation in `computed` (compute format) for a call whose result format is
// `t`: delivered into out (use), or converted to t and returned.
inline PyObject* deliver_converted(OutUse use, PyObject* out, PyArrayObject* computed, Float t) {
  if (use == OutUse::direct) return reinterpret_cast<PyObject*>(computed);
  PyArrayObject* result = arrays::converted(computed, t);
  Py_DECREF(computed);
  if (!result) return nullptr;
  return deliver(use, out, result);
}

// For a result of format t computed in format `compute`: out is written directly only when the
// kernel's format is the result's.
inline OutUse plan_computed_out(PyObject* out, Float t, Float compute, PyArrayObject* like,
                         std::initializer_list<PyArrayObject*> inputs) {
  OutUse use = arrays::plan_out(out, "out", t, PyArray_NDIM(like), PyArray_DIMS(like), inputs);
  return use == OutUse::direct && compute != t ? OutUse::copy : use;
}

}  // namespace fastact
