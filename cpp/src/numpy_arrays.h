// Arrays as the op objects see them, through NumPy's public C API: which float format an array
// holds, the one normaliser that turns anything a user passes into an array the kernels take as
// it is, the one rule for the result dtype, the one policy for `out=`, and new arrays.
// module.cpp imports the API (FASTACT_IMPORT_NUMPY); every other file includes this header.
#pragma once

#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL fastact_numpy_api
#ifndef FASTACT_IMPORT_NUMPY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace fastact {
namespace arrays {

// The element formats the kernels take: computed natively (f32, f64) or in float32 inside the
// loop (f16, bf16 = ml_dtypes.bfloat16).
enum class Float { none, f16, bf16, f32, f64 };

// NumPy's type number of ml_dtypes' bfloat16: a user dtype, numbered when ml_dtypes registers it,
// learnt the first time one is seen (is_bfloat16); -1 until then.
inline int bfloat16_type_num = -1;

inline bool native_byte_order(const PyArray_Descr* d) { return PyArray_ISNBO(d->byteorder); }

// Whether d is ml_dtypes' bfloat16 (recognised by its scalar type's name and module, so that
// ml_dtypes stays optional).
inline bool is_bfloat16(PyArray_Descr* d) {
  if (d->type_num == bfloat16_type_num) return true;
  if (d->type_num < NPY_USERDEF || bfloat16_type_num >= 0) return false;
  PyObject* type = reinterpret_cast<PyObject*>(d->typeobj);
  PyObject* name = PyObject_GetAttrString(type, "__name__");
  PyObject* module = name ? PyObject_GetAttrString(type, "__module__") : nullptr;
  const bool yes = module && PyUnicode_Check(name) && PyUnicode_Check(module) &&
                   PyUnicode_CompareWithASCIIString(name, "bfloat16") == 0 &&
                   PyUnicode_CompareWithASCIIString(module, "ml_dtypes") == 0;
  Py_XDECREF(name);
  Py_XDECREF(module);
  PyErr_Clear();
  if (yes) bfloat16_type_num = d->type_num;
  return yes;
}

// The format of a descriptor in native byte order; none for anything else.
inline Float float_of(PyArray_Descr* d) {
  if (!native_byte_order(d)) return Float::none;
  switch (d->type_num) {
    case NPY_FLOAT: return Float::f32;
    case NPY_DOUBLE: return Float::f64;
    case NPY_HALF: return Float::f16;
    default: return is_bfloat16(d) ? Float::bf16 : Float::none;
  }
}

// The format the normaliser converts data of descriptor d to, in either byte order: its own for
// the four float formats, float64 for bool and integers; none for what it rejects.
inline Float target_format(PyArray_Descr* d) {
  switch (d->type_num) {
    case NPY_FLOAT: return Float::f32;
    case NPY_DOUBLE: return Float::f64;
    case NPY_HALF: return Float::f16;
    default:
      if (is_bfloat16(d)) return Float::bf16;
      return PyTypeNum_ISBOOL(d->type_num) || PyTypeNum_ISINTEGER(d->type_num) ? Float::f64 : Float::none;
  }
}

// An array the kernels take as it is: an exact ndarray (subclasses keep NumPy's semantics through
// the normaliser), C-contiguous, of one of the formats in native byte order.
inline Float kernel_ready(PyObject* o) {
  if (Py_TYPE(o) != &PyArray_Type) return Float::none;
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  // Aligned too: a float* to an unaligned address (np.frombuffer(..., offset=1)) is undefined
  // behaviour in C++ even where the CPU allows it; such arrays get an aligned copy.
  if (!PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a)) return Float::none;
  return float_of(PyArray_DESCR(a));
}

inline PyArrayObject* as_array(PyObject* o) { return reinterpret_cast<PyArrayObject*>(o); }
inline std::size_t element_size(Float t) { return t == Float::f64 ? 8 : t == Float::f32 ? 4 : 2; }
inline std::size_t element_count(PyArrayObject* a) { return static_cast<std::size_t>(PyArray_SIZE(a)); }
inline bool is_16bit(Float t) { return t == Float::f16 || t == Float::bf16; }
// The format a kernel computes a t array in (the 16-bit ones inside the float32 loop).
inline Float compute_format(Float t) { return is_16bit(t) ? Float::f32 : t; }

template <class T>
T* data(PyArrayObject* a) {
  return reinterpret_cast<T*>(PyArray_DATA(a));
}

inline bool same_shape(PyArrayObject* a, PyArrayObject* b) {
  return PyArray_NDIM(a) == PyArray_NDIM(b) && PyArray_CompareLists(PyArray_DIMS(a), PyArray_DIMS(b), PyArray_NDIM(a));
}

// NumPy's descriptor of a format (new reference).
inline PyArray_Descr* descriptor(Float t) {
  switch (t) {
    case Float::f16: return PyArray_DescrFromType(NPY_HALF);
    case Float::bf16: return PyArray_DescrFromType(bfloat16_type_num);
    case Float::f32: return PyArray_DescrFromType(NPY_FLOAT);
    default: return PyArray_DescrFromType(NPY_DOUBLE);
  }
}

// An uninitialised C-contiguous array (new reference; nullptr with an exception set on failure).
inline PyArrayObject* new_array(Float t, int ndim, const npy_intp* dims) {
  return as_array(PyArray_NewFromDescr(&PyArray_Type, descriptor(t), ndim, const_cast<npy_intp*>(dims), nullptr,
                                       nullptr, 0, nullptr));
}
inline PyArrayObject* new_like(PyArrayObject* a, Float t) { return new_array(t, PyArray_NDIM(a), PyArray_DIMS(a)); }

// The dtype of a result from two inputs: NumPy's promotion among the four formats (float16 with
// bfloat16 is float32, as ml_dtypes promotes them).
inline Float promote(Float a, Float b) {
  if (a == b) return a;
  if (a == Float::f64 || b == Float::f64) return Float::f64;
  return Float::f32;
}

// src (C-contiguous, 16-bit or float32) converted into dst (C-contiguous, of src's size, float32
// or 16-bit) with the active ISA's vector conversions, split over the pool for large arrays: the
// same round-to-nearest-even bits as NumPy's and ml_dtypes' casts, many times faster where
// results are subnormal.
void convert16(PyArrayObject* src, Float from, PyArrayObject* dst, Float to);

// Converts between the formats: 16-bit <-> float32 with the ISA's vector conversions
// (convert16 in module.cpp), everything else with NumPy's cast. A new C-contiguous array, or a
// and one more reference when it is already in format t.
PyArrayObject* converted(PyArrayObject* a, Float t);

// The normaliser: `value` (an array of any layout, dtype or byte order, a subclass, a list, a
// scalar) as a kernel-ready array with the same values, for the argument `name` of the call.
// bool and integers become float64 (as np.tanh's), the four float formats stay; anything else is
// a TypeError (non-real dtypes) or ValueError (no array at all) naming `name`. Never writes to
// `value`, never runs a kernel. New reference, or nullptr with the exception set.
PyArrayObject* normalized(PyObject* value, const char* name, Float* format);

// Where a call writes a result. `direct`: into the caller's out as it is (kernel-ready, of the
// result's format, and either one of the inputs exactly or overlapping none); `copy`: into a new
// array, then copied into out (strided, foreign byte order, or partly overlapping an input);
// `none`: no out given.
enum class OutUse { none, direct, copy, error };

// The one policy for out=, every family: `out` must be an ndarray (TypeError), of the result's
// dtype in either byte order (TypeError), of the result's shape (ValueError) and writeable
// (ValueError), each error naming `name`. Py_None or nullptr is no out.
OutUse plan_out(PyObject* out, const char* name, Float result, int ndim, const npy_intp* dims,
                std::initializer_list<PyArrayObject*> inputs);

// result copied into out (strides and byte order as out has them); false with an exception set.
bool copy_into(PyObject* out, PyArrayObject* result);

// `axis` as an index into ndim dimensions (negative ones count from the end): a TypeError for a
// non-integer, NumPy's AxisError (a ValueError and an IndexError) out of range, both naming
// `owner`; false with the exception set.
bool normalize_axis(PyObject* axis, int ndim, const char* owner, int* index);

// A shape as a Python tuple (new reference), for error messages.
PyObject* shape_tuple(int ndim, const npy_intp* dims);

// Whether the upstream gradient g has v's shape; otherwise the ValueError naming both shapes
// (backward passes never broadcast), and false.
bool require_same_shape(PyArrayObject* g, PyArrayObject* v, const char* vname);

// A 0-d result as a NumPy scalar (as NumPy's ufuncs return); steals `result`.
PyObject* finished(PyArrayObject* result);

}  // namespace arrays
}  // namespace fastact
