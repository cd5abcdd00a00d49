// Parsing the elementwise ops' keyword parameters (op_parameters.h).
#include "op_parameters.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "numpy_arrays.h"

namespace fastact {

std::string call_name(const std::string& owner, const char* method) {
  return owner + (*method ? std::string(".") + method : std::string()) + "()";
}

namespace {

// Keywords other libraries spell differently: the hint an unexpected one gets when the op takes it.
const char* other_spelling(const char* name) {
  static const char* const table[][2] = {{"dim", "axis"}, {"negative_slope", "alpha"}, {"input", "x"},
                                         {"inplace", "out"}};
  for (const auto& row : table)
    if (std::strcmp(row[0], name) == 0) return row[1];
  return nullptr;
}

}  // namespace

void unexpected_keyword(const Config& c, const std::string& call, PyObject* key,
                        const std::vector<const char*>& also) {
  const char* name = PyUnicode_AsUTF8(key);
  const char* guess = name ? other_spelling(name) : nullptr;
  std::vector<std::string> expected(also.begin(), also.end());
  for (const Param& p : c.params) expected.push_back(p.name);
  std::string names;
  for (const std::string& e : expected) {
    if (guess && e == guess) {
      PyErr_Format(PyExc_TypeError, "%s got an unexpected keyword argument %R; did you mean %s=?", call.c_str(), key,
                   guess);
      return;
    }
    names += (names.empty() ? "" : ", ") + e;
  }
  PyErr_Format(PyExc_TypeError, "%s got an unexpected keyword argument %R; its parameters are: %s", call.c_str(), key,
               names.empty() ? "none" : names.c_str());
}

bool real_number(PyObject* v, const std::string& owner, const char* name, bool finite, double* out) {
  const bool real = !PyBool_Check(v) && !PyArray_IsScalar(v, Bool) &&
                    (PyFloat_Check(v) || PyLong_Check(v) || PyArray_IsScalar(v, Integer) ||
                     PyArray_IsScalar(v, Floating) ||
                     (PyArray_Check(v) && PyArray_NDIM(arrays::as_array(v)) == 0 &&
                      (PyArray_ISINTEGER(arrays::as_array(v)) || PyArray_ISFLOAT(arrays::as_array(v)))));
  if (!real) {
    PyErr_Format(PyExc_TypeError, "%s: %s must be a real number, got %s", owner.c_str(), name,
                 Py_TYPE(v)->tp_name);
    return false;
  }
  PyObject* f = PyNumber_Float(v);
  if (!f) {
    if (PyErr_ExceptionMatches(PyExc_OverflowError)) {  // an int beyond the float range (10**400)
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "%s: %s is too large for a float64 (an int beyond 1.8e308)", owner.c_str(), name);
    }
    return false;
  }
  *out = PyFloat_AS_DOUBLE(f);
  Py_DECREF(f);
  if (std::isnan(*out)) {
    PyErr_Format(PyExc_ValueError, "%s: %s must not be NaN", owner.c_str(), name);
    return false;
  }
  if (finite && std::isinf(*out)) {
    PyErr_Format(PyExc_ValueError, "%s: %s must be finite, got %s", owner.c_str(), name,
                 *out > 0 ? "inf" : "-inf");
    return false;
  }
  return true;
}

bool params_fit(const Config& c, const Kernel& k, const std::string& owner, arrays::Float t) {
  const bool single = t != arrays::Float::f64;  // the 16-bit formats compute in float32
  const double largest = single ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  const double smallest_normal = single ? std::numeric_limits<float>::min() : std::numeric_limits<double>::min();
  const char* format = single ? "float32" : "float64";
  std::size_t real_index = 0;
  for (std::size_t i = 0; i < c.params.size(); ++i) {
    const Param& p = c.params[i];
    if (p.choice) continue;
    const double v = k.values[real_index++];
    bool divides = false;
    for (const Constraint& check : c.constraints)
      divides |= check.kind == Constraint::nonzero && check.first == static_cast<int>(real_index - 1);
    const double magnitude = std::fabs(v);
    const bool overflows = p.finite && magnitude > largest;  // a parameter that may be inf may round to it
    const bool vanishes = divides && magnitude < smallest_normal;
    if (!overflows && !vanishes) continue;
    PyObject* value = PyFloat_FromDouble(v);
    PyObject* low = PyFloat_FromDouble(smallest_normal);
    PyObject* high = PyFloat_FromDouble(largest);
    if (divides)
      PyErr_Format(PyExc_ValueError, "%s: %s = %R does not fit %s, the format this call computes in: |%s| must be "
                   "between %R and %R", owner.c_str(), p.name.c_str(), value, format, p.name.c_str(), low, high);
    else
      PyErr_Format(PyExc_ValueError, "%s: %s = %R overflows %s, the format this call computes in: |%s| must be at "
                   "most %R", owner.c_str(), p.name.c_str(), value, format, p.name.c_str(), high);
    Py_XDECREF(value);
    Py_XDECREF(low);
    Py_XDECREF(high);
    return false;
  }
  return true;
}

namespace {

bool real_value(PyObject* v, const std::string& owner, const Param& p, double* out) {
  return real_number(v, owner, p.name.c_str(), p.finite, out);
}

bool choice_value(PyObject* v, const std::string& owner, const Param& p, int* kernel) {
  std::string allowed;
  for (const auto& k : p.kernels) allowed += (allowed.empty() ? "'" : ", '") + k.first + "'";
  if (!PyUnicode_Check(v)) {
    PyErr_Format(PyExc_TypeError, "%s: %s must be a string, one of %s; got %s", owner.c_str(), p.name.c_str(),
                 allowed.c_str(), Py_TYPE(v)->tp_name);
    return false;
  }
  for (const auto& k : p.kernels) {
    if (PyUnicode_CompareWithASCIIString(v, k.first.c_str()) == 0) {
      *kernel = k.second;
      return true;
    }
  }
  PyErr_Format(PyExc_ValueError, "%s: %s must be one of %s, got %R", owner.c_str(), p.name.c_str(), allowed.c_str(), v);
  return false;
}

}  // namespace

bool parse_params(const Config& c, const std::string& owner, const char* method, PyObject* const* names,
                  PyObject* const* values, Py_ssize_t count, Kernel* k, const std::vector<const char*>& also) {
  *k = c.defaults;
  if (count == 0) return true;
  int chosen = -1;
  std::size_t real_index = 0;
  for (Py_ssize_t i = 0; i < count; ++i) {
    const Param* param = nullptr;
    for (const Param& p : c.params)
      if (PyUnicode_CompareWithASCIIString(names[i], p.name.c_str()) == 0) param = &p;
    if (!param) {
      unexpected_keyword(c, call_name(owner, method), names[i], also);
      return false;
    }
    if (param->choice) {
      if (!choice_value(values[i], owner, *param, &chosen)) return false;
    } else {
      real_index = 0;
      for (const Param& p : c.params) {
        if (&p == param) break;
        real_index += !p.choice;
      }
      if (!real_value(values[i], owner, *param, &k->values[real_index])) return false;
    }
  }
  for (const Constraint& check : c.constraints) {
    const double a = k->values[check.first], b = check.second >= 0 ? k->values[check.second] : 0.0;
    if (check.kind == Constraint::at_most && a > b) {
      PyObject* pa = PyFloat_FromDouble(a);
      PyObject* pb = PyFloat_FromDouble(b);
      PyErr_Format(PyExc_ValueError, "%s: %s (%R) must not exceed %s (%R)", owner.c_str(),
                   c.params[check.first].name.c_str(), pa, c.params[check.second].name.c_str(), pb);
      Py_XDECREF(pa);
      Py_XDECREF(pb);
      return false;
    }
    if (check.kind == Constraint::nonnegative && !(a >= 0.0)) {
      PyObject* pa = PyFloat_FromDouble(a);
      PyErr_Format(PyExc_ValueError, "%s: %s must be >= 0 (%s), got %R", owner.c_str(),
                   c.params[check.first].name.c_str(), check.reason.c_str(), pa);
      Py_XDECREF(pa);
      return false;
    }
    if (check.kind == Constraint::nonzero && a == 0.0) {
      PyErr_Format(PyExc_ValueError, "%s: %s must not be 0 (%s)", owner.c_str(), c.params[check.first].name.c_str(),
                   check.reason.c_str());
      return false;
    }
  }
  k->op = c.kernel;
  if (c.special_param >= 0 && k->values[c.special_param] == c.special_value) k->op = c.special_kernel;
  if (chosen >= 0) k->op = chosen;
  k->p = c.fixed ? c.fixed_slots : ParamValues{k->values[0], k->values[1]};
  return true;
}

}  // namespace fastact
