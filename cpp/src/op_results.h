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

// `value` normalised (arrays::normalized, its format in *format) and converted to the format its
// kernels compute in (the 16-bit formats to float32): empty, with the Python error set, on failure.
inline void in_compute_format(PyObject* value, const char* name, Float* format, Owned& result) {
  result.reset(reinterpret_cast<PyObject*>(arrays::normalized(value, name, format)));
  if (!result.p) return;
  result.reset(reinterpret_cast<PyObject*>(arrays::converted(result.array(), arrays::compute_format(*format))));
}

// The destination of a result of format t and shape (ndim, dims): out itself (direct) or a new array.
inline PyArrayObject* destination(OutUse use, PyObject* out, Float t, int ndim, const npy_intp* dims) {
  if (use == OutUse::direct) {
    Py_INCREF(out);
    return arrays::as_array(out);
  }
  return arrays::new_array(t, ndim, dims);
}

// The upstream gradient g and the input or output v of a backward pass: normalised, of one shape
// (else the ValueError), and converted to their promoted format *t, or to the format the kernels
// compute it in when `in_compute_format` (the families without 16-bit loops).
inline bool promoted_pair(PyObject* g, PyObject* v, const char* vname, bool in_compute_format, Owned* ga, Owned* va,
                          Float* t) {
  Float gt, vt;
  ga->reset(reinterpret_cast<PyObject*>(arrays::normalized(g, "g", &gt)));
  if (!ga->p) return false;
  va->reset(reinterpret_cast<PyObject*>(arrays::normalized(v, vname, &vt)));
  if (!va->p || !arrays::require_same_shape(ga->array(), va->array(), vname)) return false;
  *t = arrays::promote(gt, vt);
  const Float want = in_compute_format ? arrays::compute_format(*t) : *t;
  ga->reset(reinterpret_cast<PyObject*>(arrays::converted(ga->array(), want)));
  va->reset(ga->p ? reinterpret_cast<PyObject*>(arrays::converted(va->array(), want)) : nullptr);
  return va->p != nullptr;
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

// The common course of a call once its inputs are ready: plans out= for a result of format t and
// shape (ndim, dims) computed in format `compute` (written directly only when the two agree),
// makes the destination, runs kernel(zero, destination) with `zero` of the compute format's
// element type, and delivers the result (into out, or converted to t and returned).
template <class F>
PyObject* compute_result(PyObject* out, Float t, Float compute, int ndim, const npy_intp* dims,
                         std::initializer_list<PyArrayObject*> inputs, F&& kernel) {
  OutUse use = arrays::plan_out(out, "out", t, ndim, dims, inputs);
  if (use == OutUse::error) return nullptr;
  if (use == OutUse::direct && compute != t) use = OutUse::copy;
  PyArrayObject* dst = destination(use, out, compute, ndim, dims);
  if (!dst) return nullptr;
  if (!with_format(compute, [&](auto zero) { kernel(zero, dst); })) {
    Py_DECREF(dst);
    return nullptr;
  }
  return deliver_converted(use, out, dst, t);
}

}  // namespace fastact
