// _core.PReluOp: leaky ReLU with a learnable slope per channel, taking every call itself:
//
//   prelu(x, /, alpha=0.25, axis=1, *, out=None)    prelu.derivative(x, /, alpha=0.25, axis=1, *, out=None)
//   prelu.backward(g, x, /, alpha=0.25, axis=1) -> (gx, galpha)
//
// alpha is one value per channel (the index along `axis`) or a scalar (one slope for all),
// rounded to x's dtype; the leaky_relu kernels run once per channel block. galpha, of alpha's
// shape, sums g * x over the elements where x <= 0 on every axis but the channel axis, in double.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "op_types.h"
#include "call_arguments.h"
#include "op_parameters.h"
#include "op_results.h"

namespace fastact {
namespace {

constexpr const char* kName = "prelu";
constexpr double kDefaultAlpha = 0.25;
constexpr long kDefaultAxis = 1;

enum class Method { call, derivative, backward };

struct PreluArguments {
  PyObject* arrays[2] = {nullptr, nullptr};  // x, or g and x
  PyObject* alpha = nullptr;
  PyObject* axis = nullptr;
  PyObject* out = nullptr;
};

const char* method_name(Method m) {
  return m == Method::call ? "" : m == Method::derivative ? "derivative" : "backward";
}

// Parses a call of `m`, worded as CPython words its errors for the public call.
bool parse(Method m, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, PreluArguments* a) {
  auto call = [&] { return call_name(kName, method_name(m)); };  // for errors only
  const int arrays = m == Method::backward ? 2 : 1;
  const char* names = m == Method::backward ? "g, x, alpha, axis" : "x, alpha, axis";
  if (nargs > arrays + 2) {
    PyErr_Format(PyExc_TypeError, "%s takes at most %d positional argument(s) (%s), %zd given", call().c_str(),
                 arrays + 2, names, nargs);
    return false;
  }
  std::string by_keyword;
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    PyObject* value = args[nargs + i];
    PyObject** slot = named(name, "alpha") ? &a->alpha : named(name, "axis") ? &a->axis : nullptr;
    if (named(name, "x") || (m == Method::backward && named(name, "g"))) {
      add_positional_only(&by_keyword, name);
    } else if (slot) {
      if ((slot == &a->alpha && nargs > arrays) || (slot == &a->axis && nargs > arrays + 1)) {
        PyErr_Format(PyExc_TypeError, "%s got multiple values for argument %R", call().c_str(), name);
        return false;
      }
      *slot = value;
    } else if (m != Method::backward && named(name, "out")) {
      a->out = value == Py_None ? nullptr : value;
    } else {
      static const Config no_parameters;
      unexpected_keyword(no_parameters, call(), name, {"alpha", "axis"});
      return false;
    }
  }
  if (!by_keyword.empty()) return positional_only_error(call(), by_keyword);
  if (nargs < arrays) {
    PyErr_Format(PyExc_TypeError, "%s missing required argument(s): %s", call().c_str(),
                 arrays == 2 && nargs == 0 ? "'g', 'x'" : "'x'");
    return false;
  }
  for (int i = 0; i < arrays; ++i) a->arrays[i] = args[i];
  if (nargs > arrays) a->alpha = args[arrays];
  if (nargs > arrays + 1) a->axis = args[arrays + 1];
  return true;
}

// alpha as the kernels take it (one value per channel, checked finite; rounded to x's dtype when
// the kernel runs) and the (outer, channels, inner) view of x with the channel axis.
struct Channels {
  std::vector<double> alpha;
  bool scalar = true;
  int axis = -1;
  std::size_t outer = 1, channels = 1, inner = 1;
};

// alpha's values as doubles: a Python or NumPy real scalar directly, anything else through an
// array (TypeError for non-real dtypes); *ndim is alpha's number of dimensions, *shape its array.
bool alpha_values(PyObject* alpha_arg, std::vector<double>* values, int* ndim, Owned* array) {
  const bool scalar = PyFloat_Check(alpha_arg) || (PyLong_Check(alpha_arg) && !PyBool_Check(alpha_arg)) ||
                      PyArray_IsScalar(alpha_arg, Floating) || PyArray_IsScalar(alpha_arg, Integer);
  if (scalar && !PyArray_IsScalar(alpha_arg, LongDouble)) {
    const double v = PyFloat_AsDouble(alpha_arg);
    if (v == -1.0 && PyErr_Occurred()) return false;
    values->assign(1, v);
    *ndim = 0;
    return true;
  }
  array->reset(PyArray_FromAny(alpha_arg, nullptr, 0, 0, 0, nullptr));
  if (!array->p) {  // a ragged nesting, say: say which argument NumPy could not read
    if (!PyErr_ExceptionMatches(PyExc_ValueError)) return false;
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_Format(PyExc_ValueError, "prelu: alpha must be a number or an array of numbers (one per channel); "
                 "NumPy could not make an array of it: %S", value ? value : Py_None);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    return false;
  }
  PyArray_Descr* d = PyArray_DESCR(array->array());
  const bool real = PyTypeNum_ISBOOL(d->type_num) || PyTypeNum_ISINTEGER(d->type_num) ||
                    (PyTypeNum_ISFLOAT(d->type_num) && PyDataType_ELSIZE(d) <= 8);
  if (!real) {
    PyErr_Format(PyExc_TypeError, "prelu: alpha must be real numbers, got dtype %S", reinterpret_cast<PyObject*>(d));
    return false;
  }
  Owned as_double(PyArray_FromArray(array->array(), PyArray_DescrFromType(NPY_DOUBLE),
                                    NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST));
  if (!as_double.p) return false;
  const double* v = arrays::data<const double>(as_double.array());
  values->assign(v, v + arrays::element_count(as_double.array()));
  *ndim = PyArray_NDIM(array->array());
  return true;
}

bool channels_of(PyArrayObject* x, PyObject* alpha_arg, PyObject* axis_arg, Channels* c) {
  Owned default_alpha(alpha_arg ? nullptr : PyFloat_FromDouble(kDefaultAlpha));
  Owned array;
  int alpha_ndim = 0;
  if (!alpha_values(alpha_arg ? alpha_arg : default_alpha.p, &c->alpha, &alpha_ndim, &array)) return false;
  // x is in the format the call computes in: a slope that rounds to inf there would make NaN at 0.
  const bool single = PyArray_TYPE(x) == NPY_FLOAT;
  const double largest = single ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  for (double v : c->alpha) {
    if (!std::isfinite(v)) {
      PyErr_SetString(PyExc_ValueError, "prelu: alpha must be finite");
      return false;
    }
    if (std::fabs(v) > largest) {
      Owned value(PyFloat_FromDouble(v)), high(PyFloat_FromDouble(largest));
      PyErr_Format(PyExc_ValueError, "prelu: alpha = %R overflows %s, the format this call computes in: |alpha| "
                   "must be at most %R", value.p, single ? "float32" : "float64", high.p);
      return false;
    }
  }
  const int ndim = PyArray_NDIM(x);
  c->scalar = alpha_ndim == 0;
  if (c->scalar) {
    // An axis given with one slope for all must still be an axis (the default is not checked:
    // one slope serves x of any shape).
    const bool integer = axis_arg && ((PyLong_Check(axis_arg) && !PyBool_Check(axis_arg)) ||
                                      PyArray_IsScalar(axis_arg, Integer));
    int overflow = 0;
    const bool default_axis =
        !axis_arg || (integer && PyLong_AsLongAndOverflow(axis_arg, &overflow) == kDefaultAxis && !overflow);
    PyErr_Clear();  // an integer too large for a long is simply not the default
    int unused;
    if (!default_axis && !arrays::normalize_axis(axis_arg, ndim > 1 ? ndim : 1, kName, &unused)) return false;
    c->inner = arrays::element_count(x);
    return true;
  }
  if (alpha_ndim != 1) {
    Owned shape(PyObject_GetAttrString(array.p, "shape"));
    PyErr_Format(PyExc_ValueError, "prelu: alpha must be a scalar or 1-d (one per channel), got shape %S", shape.p);
    return false;
  }
  if (ndim == 0) {
    PyErr_SetString(PyExc_ValueError, "prelu: a per-channel alpha needs an x with a channel axis");
    return false;
  }
  Owned default_axis(PyLong_FromLong(kDefaultAxis));
  PyObject* axis = axis_arg ? axis_arg : default_axis.p;
  if (!arrays::normalize_axis(axis, ndim, kName, &c->axis)) return false;
  const npy_intp* dims = PyArray_DIMS(x);
  if (static_cast<npy_intp>(c->alpha.size()) != dims[c->axis]) {
    PyErr_Format(PyExc_ValueError, "prelu: alpha has %zd values but x has %zd channels along axis %S",
                 static_cast<Py_ssize_t>(c->alpha.size()), static_cast<Py_ssize_t>(dims[c->axis]), axis);
    return false;
  }
  c->channels = c->alpha.size();
  for (int i = 0; i < ndim; ++i) {
    if (i < c->axis) c->outer *= static_cast<std::size_t>(dims[i]);
    if (i > c->axis) c->inner *= static_cast<std::size_t>(dims[i]);
  }
  return true;
}

template <class T>
void run(PreluKind kind, PyArrayObject* x, PyArrayObject* g, const Channels& c, PyArrayObject* out) {
  const std::vector<T> alpha(c.alpha.begin(), c.alpha.end());  // rounded to x's dtype, as the kernels take it
  run_prelu<T>(kind, arrays::data<const T>(x), g ? arrays::data<const T>(g) : nullptr, alpha.data(),
               arrays::data<T>(out), c.outer, c.channels, c.inner);
}

// prelu(x) or prelu'(x).
PyObject* unary(PreluKind kind, const PreluArguments& a) {
  Float t;
  Owned xa(arrays::normalized(a.arrays[0], "x", &t));
  if (!xa.p) return nullptr;
  const Float compute = arrays::compute_format(t);
  xa.reset(reinterpret_cast<PyObject*>(arrays::converted(xa.array(), compute)));
  Channels c;
  if (!xa.p || !channels_of(xa.array(), a.alpha, a.axis, &c)) return nullptr;
  PyArrayObject* xs = xa.array();
  return compute_result(a.out, t, compute, PyArray_NDIM(xs), PyArray_DIMS(xs), {xs},
                        [&](auto zero, PyArrayObject* result) {
                          using T = decltype(zero);
                          if constexpr (!kIs16Bit<T>) run<T>(kind, xs, nullptr, c, result);
                        });
}

// (gx, galpha).
PyObject* backward(const PreluArguments& a) {
  Owned ga, xa;
  Float t;
  if (!promoted_pair(a.arrays[0], a.arrays[1], "x", true, &ga, &xa, &t)) return nullptr;
  const Float compute = arrays::compute_format(t);
  Channels c;
  if (!channels_of(xa.array(), a.alpha, a.axis, &c)) return nullptr;
  PyArrayObject* gx = arrays::new_like(xa.array(), compute);
  if (!gx) return nullptr;
  std::vector<double> sums(c.channels, 0.0);
  with_format(compute, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      run<T>(PreluKind::backward, xa.array(), ga.array(), c, gx);
      const T* x = arrays::data<const T>(xa.array());
      const T* g = arrays::data<const T>(ga.array());
      for (std::size_t o = 0, at = 0; o < c.outer; ++o)
        for (std::size_t ch = 0; ch < c.channels; ++ch)
          for (std::size_t i = 0; i < c.inner; ++i, ++at)
            if (x[at] <= 0) sums[ch] += static_cast<double>(g[at]) * static_cast<double>(x[at]);
    }
  });
  Owned gx_result(deliver_converted(OutUse::none, nullptr, gx, t));
  if (!gx_result.p) return nullptr;
  npy_intp n = static_cast<npy_intp>(c.channels);
  Owned galpha(arrays::new_array(Float::f64, c.scalar ? 0 : 1, &n));
  if (!galpha.p) return nullptr;
  std::copy(sums.begin(), sums.end(), arrays::data<double>(galpha.array()));
  Owned galpha_result(arrays::finished(arrays::converted(galpha.array(), t)));
  return galpha_result.p ? PyTuple_Pack(2, gx_result.p, galpha_result.p) : nullptr;
}

template <Method m>
PyObject* entry(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* handed = nullptr;
  const char* name = m == Method::call ? "call" : m == Method::derivative ? "derivative" : "backward";
  if (handed_to_interop(self, name, args, nargs, kwnames, &handed)) return handed;
  PreluArguments a;
  if (!parse(m, args, nargs, kwnames, &a)) return nullptr;
  if constexpr (m == Method::backward) return backward(a);
  return unary(m == Method::call ? PreluKind::forward : PreluKind::derivative, a);
}

PyObject* prelu_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  return call_as_vector(self, args, kwargs, [](PyObject* op, PyObject* const* stack, Py_ssize_t n, PyObject* names) {
    return entry<Method::call>(op, stack, n, names);
  });
}

PyMethodDef prelu_methods[] = {
    {"derivative", as_method(entry<Method::derivative>), METH_FASTCALL | METH_KEYWORDS,
     "derivative($self, x, /, alpha=0.25, axis=1, *, out=None)\n--\n\n"
     "prelu'(x): 1 where x > 0, alpha[c] elsewhere (prelu'(0) = alpha, as leaky_relu and PyTorch)."},
    {"backward", as_method(entry<Method::backward>), METH_FASTCALL | METH_KEYWORDS,
     "backward($self, g, x, /, alpha=0.25, axis=1)\n--\n\n"
     "(gx, galpha): g * prelu'(x), and the sum of g * x over x <= 0 per channel (alpha's shape),\n"
     "accumulated in float64."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot prelu_slots[] = {
    {Py_tp_call, reinterpret_cast<void*>(prelu_call)},
    {Py_tp_methods, prelu_methods},
    {Py_tp_doc, const_cast<char*>("PReLU (see fastact.PReLU).")},
    {0, nullptr}};

PyType_Spec prelu_spec = {"fastact._core.PReluOp", sizeof(PyObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
                          prelu_slots};

}  // namespace

void add_prelu_op(py::module_& m) {
  add_type(m, prelu_spec, "PReluOp");
}

}  // namespace fastact
