// The normaliser, the out= policy and the conversions of numpy_arrays.h.
#include "numpy_arrays.h"

#include <cstring>

#include "kernel_runs.h"

namespace fastact {
namespace arrays {
void convert16(PyArrayObject* src, Float from, PyArrayObject* dst, Float to) {
  const Convert16& c = converter16(from == Float::bf16 || to == Float::bf16);
  const std::size_t n = element_count(src);
  if (to == Float::f32) {
    const auto* in = data<const std::uint16_t>(src);
    float* out = data<float>(dst);
    run_elements<std::uint16_t>(n, [&](std::size_t b, std::size_t e) { c.to_float(in + b, out + b, e - b); });
  } else {
    const float* in = data<const float>(src);
    auto* out = data<std::uint16_t>(dst);
    run_elements<std::uint16_t>(n, [&](std::size_t b, std::size_t e) { c.from_float(in + b, out + b, e - b); });
  }
}

namespace {

// NumPy's cast of `a` to format t, C-contiguous, with NumPy's floating-point warnings off (inside
// a numpy.errstate(all="ignore")): a value out of t's range becomes inf silently, as in the
// core's own conversions. For the casts the core does not do itself (float64 -> 16-bit, integers).
PyArrayObject* numpy_cast_quietly(PyArrayObject* a, Float t) {
  static PyObject* errstate = nullptr;  // numpy.errstate, looked up once (an errstate enters once)
  if (!errstate) {
    PyObject* numpy = PyImport_ImportModule("numpy");
    errstate = numpy ? PyObject_GetAttrString(numpy, "errstate") : nullptr;
    Py_XDECREF(numpy);
    if (!errstate) return nullptr;
  }
  PyObject* args = PyTuple_New(0);
  PyObject* kwargs = Py_BuildValue("{s:s}", "all", "ignore");
  PyObject* quiet = args && kwargs ? PyObject_Call(errstate, args, kwargs) : nullptr;
  Py_XDECREF(args);
  Py_XDECREF(kwargs);
  if (!quiet) return nullptr;
  PyObject* entered = PyObject_CallMethod(quiet, "__enter__", nullptr);
  if (!entered) {
    Py_DECREF(quiet);
    return nullptr;
  }
  Py_DECREF(entered);
  PyArrayObject* out = as_array(PyArray_FromArray(a, descriptor(t), NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_FORCECAST |
                                                                       NPY_ARRAY_ENSUREARRAY | NPY_ARRAY_ALIGNED));
  PyObject *type, *value, *trace;
  PyErr_Fetch(&type, &value, &trace);  // the cast's error, if any, survives leaving the errstate
  PyObject* left = PyObject_CallMethod(quiet, "__exit__", "OOO", Py_None, Py_None, Py_None);
  Py_DECREF(quiet);
  Py_XDECREF(left);
  if (!left) {
    Py_XDECREF(out);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(trace);
    return nullptr;
  }
  PyErr_Restore(type, value, trace);
  return out;
}

PyObject* shape_of(PyArrayObject* a) { return PyObject_GetAttrString(reinterpret_cast<PyObject*>(a), "shape"); }

}  // namespace

PyObject* shape_tuple(int ndim, const npy_intp* dims) {
  PyObject* t = PyTuple_New(ndim);
  for (int i = 0; t && i < ndim; ++i) PyTuple_SET_ITEM(t, i, PyLong_FromSsize_t(dims[i]));
  return t;
}

bool require_same_shape(PyArrayObject* g, PyArrayObject* v, const char* vname) {
  if (same_shape(g, v)) return true;
  PyObject* gs = shape_of(g);
  PyObject* vs = shape_of(v);
  if (gs && vs)
    PyErr_Format(PyExc_ValueError, "g and %s must have the same shape (no broadcasting), got %S and %S", vname, gs, vs);
  Py_XDECREF(gs);
  Py_XDECREF(vs);
  return false;
}

PyArrayObject* converted(PyArrayObject* a, Float t) {
  const Float from = float_of(PyArray_DESCR(a));
  const bool contiguous = PyArray_IS_C_CONTIGUOUS(a);
  if (from == t && contiguous) {
    Py_INCREF(a);
    return a;
  }
  if (contiguous && ((is_16bit(from) && t == Float::f32) || (from == Float::f32 && is_16bit(t)))) {
    PyArrayObject* out = new_like(a, t);
    if (out) convert16(a, from, out, t);
    return out;
  }
  if (contiguous && from == Float::f64 && t == Float::f32) {  // round to nearest; out of range: inf, silently
    PyArrayObject* out = new_like(a, t);
    if (!out) return nullptr;
    const double* in = data<const double>(a);
    float* o = data<float>(out);
    for (std::size_t i = 0, n = element_count(a); i < n; ++i) o[i] = static_cast<float>(in[i]);
    return out;
  }
  return numpy_cast_quietly(a, t);
}

PyArrayObject* normalized(PyObject* value, const char* name, Float* format) {
  if ((*format = kernel_ready(value)) != Float::none) {
    Py_INCREF(value);
    return as_array(value);
  }
  PyArrayObject* a;
  if (PyArray_Check(value)) {
    Py_INCREF(value);
    a = as_array(value);
  } else {
    a = as_array(PyArray_FromAny(value, nullptr, 0, 0, 0, nullptr));
    if (!a) {
      if (!PyErr_ExceptionMatches(PyExc_ValueError) && !PyErr_ExceptionMatches(PyExc_TypeError)) return nullptr;
      PyObject *type, *error, *trace;
      PyErr_Fetch(&type, &error, &trace);
      PyErr_NormalizeException(&type, &error, &trace);
      PyErr_Format(PyExc_ValueError, "%s: cannot be converted to an array (%S)", name, error);
      Py_XDECREF(type);
      Py_XDECREF(error);
      Py_XDECREF(trace);
      return nullptr;
    }
  }
  PyArray_Descr* d = PyArray_DESCR(a);
  const Float target = target_format(d);
  if (target == Float::none) {
    const char* hint = PyTypeNum_ISFLOAT(d->type_num) ? " (cast it to float64 first)" : "";
    PyErr_Format(PyExc_TypeError,
                 "%s: expected real numbers (a float16/32/64, bfloat16, integer or bool array), got dtype %S%s", name,
                 reinterpret_cast<PyObject*>(d), hint);
    Py_DECREF(a);
    return nullptr;
  }
  // Same values, native byte order, C order, a base-class ndarray; a copy only where needed.
  PyArrayObject* ready = as_array(PyArray_FromArray(
      a, descriptor(target), NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_NOTSWAPPED | NPY_ARRAY_FORCECAST));
  Py_DECREF(a);
  if (!ready) return nullptr;
  if (Py_TYPE(ready) != &PyArray_Type) {  // a subclass passed through: a base-class view of it
    PyObject* view = PyArray_View(ready, nullptr, &PyArray_Type);
    Py_DECREF(ready);
    ready = as_array(view);
    if (!ready) return nullptr;
  }
  *format = target;
  return ready;
}

OutUse plan_out(PyObject* out, const char* name, Float result, int ndim, const npy_intp* dims,
                std::initializer_list<PyArrayObject*> inputs) {
  if (!out || out == Py_None) return OutUse::none;
  if (!PyArray_Check(out)) {
    PyErr_Format(PyExc_TypeError, "%s: expected a numpy.ndarray, got %s", name, Py_TYPE(out)->tp_name);
    return OutUse::error;
  }
  PyArrayObject* o = as_array(out);
  PyArray_Descr* d = PyArray_DESCR(o);
  PyArray_Descr* native = PyArray_DescrNewByteorder(d, NPY_NATIVE);
  const Float format = native ? float_of(native) : Float::none;
  Py_XDECREF(native);
  if (format != result) {
    PyArray_Descr* wanted = descriptor(result);
    PyErr_Format(PyExc_TypeError, "%s: dtype is %S, but the result is %S", name, reinterpret_cast<PyObject*>(d),
                 reinterpret_cast<PyObject*>(wanted));
    Py_XDECREF(wanted);
    return OutUse::error;
  }
  if (PyArray_NDIM(o) != ndim || !PyArray_CompareLists(PyArray_DIMS(o), dims, ndim)) {
    PyObject* has = shape_of(o);
    PyObject* wanted = shape_tuple(ndim, dims);
    if (has && wanted) PyErr_Format(PyExc_ValueError, "%s: shape is %S, but the result has shape %S", name, has, wanted);
    Py_XDECREF(has);
    Py_XDECREF(wanted);
    return OutUse::error;
  }
  if (!PyArray_ISWRITEABLE(o)) {
    PyErr_Format(PyExc_ValueError, "%s: array is read-only", name);
    return OutUse::error;
  }
  if (kernel_ready(out) != result) return OutUse::copy;
  const char* begin = PyArray_BYTES(o);
  const char* end = begin + PyArray_NBYTES(o);
  for (PyArrayObject* in : inputs) {
    const char* b = PyArray_BYTES(in);
    const char* e = b + PyArray_NBYTES(in);
    const bool same = b == begin && e == end && PyArray_DESCR(in)->type_num == d->type_num;
    if (!same && b < end && begin < e) return OutUse::copy;  // partial overlap
  }
  return OutUse::direct;
}

bool normalize_axis(PyObject* axis, int ndim, const char* owner, int* index) {
  const bool integer = (PyLong_Check(axis) && !PyBool_Check(axis)) || PyArray_IsScalar(axis, Integer);
  if (!integer) {
    PyErr_Format(PyExc_TypeError, "%s: axis must be an int, got %s", owner, Py_TYPE(axis)->tp_name);
    return false;
  }
  int overflow = 0;
  const long value = PyLong_AsLongAndOverflow(axis, &overflow);  // NumPy integers through __index__
  if (value == -1 && PyErr_Occurred()) return false;
  if (overflow || value < -ndim || value >= ndim) {
    static PyObject* axis_error = nullptr;  // numpy.exceptions.AxisError (numpy.AxisError before 1.25)
    if (!axis_error) {
      PyObject* module = PyImport_ImportModule("numpy.exceptions");
      if (!module) {
        PyErr_Clear();
        module = PyImport_ImportModule("numpy");
      }
      axis_error = module ? PyObject_GetAttrString(module, "AxisError") : nullptr;
      Py_XDECREF(module);
      if (!axis_error) return false;
    }
    PyObject* error = PyObject_CallFunction(axis_error, "Ois", axis, ndim, owner);
    if (error) {
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error)), error);
      Py_DECREF(error);
    }
    return false;
  }
  *index = static_cast<int>(value < 0 ? value + ndim : value);
  return true;
}

bool copy_into(PyObject* out, PyArrayObject* result) { return PyArray_CopyInto(as_array(out), result) == 0; }

PyObject* finished(PyArrayObject* result) {
  if (!result || PyArray_NDIM(result) != 0) return reinterpret_cast<PyObject*>(result);
  PyObject* scalar = PyArray_Return(result);  // steals the array: a 0-d array becomes its scalar
  return scalar;
}

}  // namespace arrays
}  // namespace fastact
