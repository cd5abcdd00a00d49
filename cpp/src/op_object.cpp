// _core.ElementwiseOpBase: the C base class of fastact.Activation, so that the commonest calls of
// an op cost what a NumPy ufunc call costs. At 16 elements a call is all overhead (a Python-level
// __call__ plus a pybind11 call cost several times the kernel). Here
//
//   f(x), f(x, out=o), f.derivative(x), f.derivative(x, out=o), f.backward(g, x),
//   f.backward(g, x, out=o), f.value_and_derivative(x), f.value_and_derivative(x, out=(y, d))
//
// with exact ndarrays of float32/float64 in native byte order, C-contiguous, with matching shapes,
// run the kernel at once (CPython's own call protocol, no argument parsing): with the op's default
// parameters, or for f(x, alpha=...) and f.derivative(x, alpha=...) with those the Python method
// _kernel_params validates (and caches). Every other call is handed on unchanged to the Python
// methods _call, _derivative, _backward and _value_and_derivative, which validate, convert and
// raise the user-facing errors; so this file only decides "fast or not" and never reports a bad
// argument itself.
#include "op_object.h"

#include "fast_call.h"

#include <cstring>
#include <string>

namespace fastact {
namespace {

using namespace fast_call;

struct OpObject {
  PyObject_HEAD
  int op;            // kernel id for the default parameters; -1 (the state after __new__): no fast path
  double a, b;       // the defaults' two kernel parameters
  int backward_ok;   // backward(g, x) may take the fast path (false for ops with a learnable parameter)
};

// The kernel a call runs and where its result goes.
struct KernelCall {
  int op;
  double a, b;
  PyObject* out;  // borrowed; nullptr: a new array
};

// f(x) or f'(x) (kind: UnaryKind) as `call` says. Sets *taken = false, returning nullptr with no
// exception, when the call is not one for the fast path.
PyObject* try_unary(const KernelCall& call, int kind, PyObject* x, bool* taken) {
  *taken = false;
  PyObject* out = call.out;
  const FastType t = call.op >= 0 ? elementwise_type(x) : FastType::none;
  if (t == FastType::none || (out && !usable_out(out, x, t))) return nullptr;
  *taken = true;
  PyObject* result = result_for(out, x);
  if (!result) return nullptr;
  const std::size_t n = element_count(x);
  const ParamValues p{call.a, call.b};
  const bool ok = with_elementwise_type(t, [&](auto zero) {
    using T = decltype(zero);
    run_unary<T>(static_cast<std::size_t>(call.op), kind, data<const T>(x), data<T>(result), n, p);
  });
  if (!ok) {
    Py_DECREF(result);
    return nullptr;
  }
  return out ? result : finish(result);
}

// g * f'(x) (ops without a learnable parameter) into `out`, or a new array when out is nullptr;
// *taken as in try_unary.
PyObject* try_backward(OpObject* self, PyObject* g, PyObject* x, PyObject* out, bool* taken) {
  *taken = false;
  const FastType t = self->op >= 0 && self->backward_ok ? elementwise_type(x) : FastType::none;
  if (t == FastType::none || elementwise_type(g) != t || !same_shape(g, x) ||
      (out && !(usable_out(out, x, t) && usable_out(out, g, t))))
    return nullptr;
  *taken = true;
  PyObject* result = result_for(out, x);
  if (!result) return nullptr;
  const std::size_t n = element_count(x);
  const ParamValues p{self->a, self->b};
  const bool ok = with_elementwise_type(t, [&](auto zero) {
    using T = decltype(zero);
    run_backward<T>(static_cast<std::size_t>(self->op), false, data<const T>(g), data<const T>(x), data<T>(result), n,
                    p);
  });
  if (!ok) {
    Py_DECREF(result);
    return nullptr;
  }
  return out ? result : finish(result);
}

// (f(x), f'(x)) in one pass, into two new arrays or into `out` = (y, d) (a tuple of two usable,
// non-overlapping arrays; anything else is for the general path); *taken as in try_unary.
PyObject* try_value_and_derivative(OpObject* self, PyObject* x, PyObject* out, bool* taken) {
  *taken = false;
  const FastType t = self->op >= 0 ? elementwise_type(x) : FastType::none;
  if (t == FastType::none) return nullptr;
  if (out && !(PyTuple_CheckExact(out) && PyTuple_GET_SIZE(out) == 2 && usable_out(PyTuple_GET_ITEM(out, 0), x, t) &&
               usable_out(PyTuple_GET_ITEM(out, 1), x, t) &&
               usable_out(PyTuple_GET_ITEM(out, 0), PyTuple_GET_ITEM(out, 1), t) &&
               data<char>(PyTuple_GET_ITEM(out, 0)) != data<char>(PyTuple_GET_ITEM(out, 1))))
    return nullptr;
  *taken = true;
  PyObject* y = result_for(out ? PyTuple_GET_ITEM(out, 0) : nullptr, x);
  PyObject* d = y ? result_for(out ? PyTuple_GET_ITEM(out, 1) : nullptr, x) : nullptr;
  const std::size_t n = element_count(x);
  const ParamValues p{self->a, self->b};
  const bool ok = d && with_elementwise_type(t, [&](auto zero) {
    using T = decltype(zero);
    run_value_and_derivative<T>(static_cast<std::size_t>(self->op), data<const T>(x), data<T>(y), data<T>(d), n, p);
  });
  if (!ok) {
    Py_XDECREF(y);
    Py_XDECREF(d);
    return nullptr;
  }
  if (out) {
    Py_DECREF(y);
    Py_DECREF(d);
    Py_INCREF(out);
    return out;
  }
  y = finish(y);
  d = y ? finish(d) : (Py_DECREF(d), nullptr);
  if (!y || !d) {
    Py_XDECREF(y);
    return nullptr;
  }
  PyObject* pair = PyTuple_Pack(2, y, d);
  Py_DECREF(y);
  Py_DECREF(d);
  return pair;
}

bool named(PyObject* name, const char* ascii) { return PyUnicode_CompareWithASCIIString(name, ascii) == 0; }

enum class Route { fast, general, error };

// What the keyword arguments (names[i] = values[i]) make of f(x) / f'(x): out= says where the
// result goes; bias= (or x=, which the general path reports) sends the call to the general path;
// the rest are the op's parameters, turned into the kernel's by the Python method _kernel_params,
// which validates them (raising the user-facing error: Route::error) and caches the answer.
Route route_keywords(OpObject* self, int kind, PyObject* const* names, PyObject* const* values, Py_ssize_t count,
                     KernelCall* call) {
  *call = {self->op, self->a, self->b, nullptr};
  if (self->op < 0) return Route::general;
  PyObject* params = nullptr;
  for (Py_ssize_t i = 0; i < count; ++i) {
    if (named(names[i], "out")) {
      call->out = values[i] == Py_None ? nullptr : values[i];
      continue;
    }
    if (named(names[i], "bias") || named(names[i], "x") || (!params && !(params = PyDict_New())) ||
        PyDict_SetItem(params, names[i], values[i]) < 0) {
      const bool failed = PyErr_Occurred() != nullptr;
      Py_XDECREF(params);
      return failed ? Route::error : Route::general;
    }
  }
  if (!params) return Route::fast;
  static PyObject* const method = PyUnicode_InternFromString("_kernel_params");
  static PyObject* const call_name = PyUnicode_InternFromString("");  // the names errors give the call
  static PyObject* const derivative_name = PyUnicode_InternFromString("derivative");
  PyObject* named_as = kind == static_cast<int>(UnaryKind::derivative) ? derivative_name : call_name;
  PyObject* kernel = method && named_as ? PyObject_CallMethodObjArgs(reinterpret_cast<PyObject*>(self), method, params,
                                                                     named_as, nullptr)
                                        : nullptr;
  Py_DECREF(params);
  if (!kernel) return Route::error;
  const bool parsed = PyArg_ParseTuple(kernel, "idd", &call->op, &call->a, &call->b) != 0;
  Py_DECREF(kernel);
  return parsed ? Route::fast : Route::error;
}

// f(x) / f'(x) with keywords as route_keywords takes them: the result, or nullptr with *taken =
// false for the general path (nullptr with *taken = true: an exception is set).
PyObject* unary_call(PyObject* self, int kind, PyObject* x, PyObject* const* names, PyObject* const* values,
                     Py_ssize_t count, bool* taken) {
  KernelCall call;
  switch (route_keywords(reinterpret_cast<OpObject*>(self), kind, names, values, count, &call)) {
    case Route::error:
      *taken = true;
      return nullptr;
    case Route::general:
      *taken = false;
      return nullptr;
    case Route::fast:
      break;
  }
  return try_unary(call, kind, x, taken);
}

// Keywords of a vectorcall: names from kwnames, values after the positional arguments.
PyObject* unary_entry(PyObject* self, int kind, const char* general, PyObject* const* args, std::size_t nargsf,
                      PyObject* kwnames) {
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  if (nargs == 1) {
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject* const* names = nkw ? &PyTuple_GET_ITEM(kwnames, 0) : nullptr;
    bool taken;
    PyObject* r = unary_call(self, kind, args[0], names, args + 1, nkw, &taken);
    if (taken) return r;
  }
  return general_path(self, general, args, nargsf, kwnames);
}

PyObject* op_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  // tp_call hands a tuple and a dict (a Python subclass does not inherit vectorcall before 3.12).
  constexpr Py_ssize_t kMaxKeywords = 8;
  const Py_ssize_t nkw = kwargs ? PyDict_GET_SIZE(kwargs) : 0;
  if (PyTuple_GET_SIZE(args) == 1 && nkw <= kMaxKeywords) {
    PyObject* names[kMaxKeywords];
    PyObject* values[kMaxKeywords];
    Py_ssize_t pos = 0, i = 0;
    while (kwargs && PyDict_Next(kwargs, &pos, &names[i], &values[i])) ++i;
    bool taken;
    PyObject* r = unary_call(self, static_cast<int>(UnaryKind::forward), PyTuple_GET_ITEM(args, 0), names, values,
                             nkw, &taken);
    if (taken) return r;
  }
  return general_call(self, "_call", args, kwargs);
}

PyObject* op_derivative(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return unary_entry(self, static_cast<int>(UnaryKind::derivative), "_derivative", args,
                     static_cast<std::size_t>(nargs), kwnames);
}

PyObject* op_backward(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  if (nargs == 2 && (nkw == 0 || (nkw == 1 && named(PyTuple_GET_ITEM(kwnames, 0), "out")))) {
    PyObject* out = nkw && args[2] != Py_None ? args[2] : nullptr;
    bool taken;
    PyObject* r = try_backward(reinterpret_cast<OpObject*>(self), args[0], args[1], out, &taken);
    if (taken) return r;
  }
  return general_path(self, "_backward", args, static_cast<std::size_t>(nargs), kwnames);
}

PyObject* op_value_and_derivative(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  if (nargs == 1 && (nkw == 0 || (nkw == 1 && named(PyTuple_GET_ITEM(kwnames, 0), "out")))) {
    PyObject* out = nkw && args[1] != Py_None ? args[1] : nullptr;
    bool taken;
    PyObject* r = try_value_and_derivative(reinterpret_cast<OpObject*>(self), args[0], out, &taken);
    if (taken) return r;
  }
  return general_path(self, "_value_and_derivative", args, static_cast<std::size_t>(nargs), kwnames);
}

PyObject* op_set_fast_path(PyObject* self, PyObject* args) {
  int op, backward_ok;
  double a, b;
  if (!PyArg_ParseTuple(args, "iddp", &op, &a, &b, &backward_ok)) return nullptr;
  if (op < 0 || static_cast<std::size_t>(op) >= kNumOps) {
    PyErr_Format(PyExc_ValueError, "unknown op id %d", op);
    return nullptr;
  }
  auto* o = reinterpret_cast<OpObject*>(self);
  o->op = op;
  o->a = a;
  o->b = b;
  o->backward_ok = backward_ok;
  Py_RETURN_NONE;
}

PyObject* op_new(PyTypeObject* type, PyObject*, PyObject*) {
  PyObject* self = type->tp_alloc(type, 0);
  if (self) reinterpret_cast<OpObject*>(self)->op = -1;
  return self;
}

PyMethodDef op_methods[] = {
    {"derivative", as_method(op_derivative),
     METH_FASTCALL | METH_KEYWORDS,
     "derivative($self, x, /, *, out=None, bias=None, **params)\n--\n\n"
     "f'(x), elementwise (same parameters, dtype rules, ``bias=`` and ``out=`` as calling the op)."},
    {"backward", as_method(op_backward),
     METH_FASTCALL | METH_KEYWORDS,
     "backward($self, g, x=None, /, *, y=None, out=None, bias=None, **params)\n--\n\n"
     "The vector-Jacobian product g * f'(x), from the input ``x`` or (where the op allows it, see\n"
     "``has_output_backward``) from the saved output ``y = f(x)``. ``g`` and ``x``/``y`` must have the\n"
     "same shape; the result has the promoted dtype of the two. For an op with a learnable parameter\n"
     "p (swish's beta) it returns ``(gx, gp)``, gp = sum(g * df/dp) accumulated in float64. With\n"
     "``bias=`` (the op applied to x + bias, bias along the last axis) it also returns the bias\n"
     "gradient last: ``(gx, gbias)`` or ``(gx, gp, gbias)``."},
    {"value_and_derivative", as_method(op_value_and_derivative),
     METH_FASTCALL | METH_KEYWORDS,
     "value_and_derivative($self, x, /, *, out=None, **params)\n--\n\n"
     "``(f(x), f'(x))`` computed in one pass over ``x``; ``out=(y, d)`` writes them into two arrays\n"
     "(as NumPy's two-output ufuncs take ``out``)."},
    {"_set_fast_path", op_set_fast_path, METH_VARARGS,
     "_set_fast_path(op, a, b, backward_ok): the kernel id and parameters of the op's defaults."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot op_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(op_new)},
    {Py_tp_call, reinterpret_cast<void*>(op_call)},
    {Py_tp_methods, op_methods},
    {Py_tp_doc, const_cast<char*>("Fast paths of an elementwise op's common calls (private; see fastact.Activation).")},
    {0, nullptr}};

PyType_Spec op_spec = {"fastact._core.ElementwiseOpBase", sizeof(OpObject), 0,
                       Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, op_slots};

// A method descriptor of `cls` (a subclass) for the base class's method `name`, documented by
// `doc` (which opens with the op's own text signature, as CPython's "name($self, ...)\n--\n\n"),
// so that inspect.signature(fa.elu.derivative) lists elu's parameters. The definition is kept for
// the life of the process: one per op and method.
py::object op_method(const py::type& cls, const std::string& name, const std::string& doc) {
  for (const PyMethodDef* m = op_methods; m->ml_name; ++m) {
    if (name != m->ml_name) continue;
    char* text = new char[doc.size() + 1];
    std::memcpy(text, doc.c_str(), doc.size() + 1);
    auto* def = new PyMethodDef{m->ml_name, m->ml_meth, m->ml_flags, text};
    PyObject* descriptor = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), def);
    if (!descriptor) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(descriptor);
  }
  throw py::value_error("no op method " + name);
}

}  // namespace

void add_elementwise_op_base(py::module_& m) {
  fast_call::add_type(m, op_spec, "ElementwiseOpBase");
  m.def("op_method", &op_method, py::arg("cls"), py::arg("name"), py::arg("doc"),
        "A method descriptor of cls for ElementwiseOpBase's method `name` with its own docstring.");
}

}  // namespace fastact
