// _core.GatedOp: the GLU family (glu, swiglu, geglu, reglu). x is split into halves (a, b) along
// an axis and one half, the gate, goes through an activation: glu = a * sigmoid(b) (PyTorch's
// convention: the second half is the gate), swiglu = silu(a) * b, geglu = gelu(a) * b,
// reglu = relu(a) * b. Each unit runs its activation's gated kernels (kernel_loops.h) with that
// activation's parameters, parsed and reported under the unit's own name, and takes every call
// itself:
//
//   unit(x, /, axis=-1, *, out=None, **params)      unit.backward(g, x, /, axis=-1, **params)
//
// A C-contiguous x viewed as (outer, 2, half) has both halves of each outer index as contiguous
// runs, so no half is copied.
#include <string>

#include "op_types.h"
#include "call_arguments.h"
#include "op_parameters.h"
#include "op_results.h"

namespace fastact {
namespace {

struct GatedObject {
  PyObject_HEAD
  PyObject* activation;  // the ElementwiseOp whose kernels and parameters the unit uses
  bool gate_first;
  std::string* name;
};

GatedObject& unit_of(PyObject* self) { return *reinterpret_cast<GatedObject*>(self); }

// The arguments of a call: the arrays, the axis, out= and the activation's kernel.
struct GatedArguments {
  PyObject* arrays[2] = {nullptr, nullptr};  // x, or g and x
  PyObject* axis = nullptr;
  PyObject* out = nullptr;
  Kernel kernel;
};

// Parses unit(x, /, axis=-1, *, out=None, **params) or unit.backward(g, x, /, axis=-1, **params)
// (`backward`), worded as CPython words its errors for the public call.
bool parse(PyObject* self, bool backward, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
           GatedArguments* a) {
  const GatedObject& unit = unit_of(self);
  const Config& c = *elementwise_config(unit.activation);
  const char* method = backward ? "backward" : "";
  auto call = [&] { return call_name(*unit.name, method); };  // for errors only
  const int arrays = backward ? 2 : 1;
  const char* names = backward ? "g, x, axis" : "x, axis";
  if (nargs > arrays + 1) {
    PyErr_Format(PyExc_TypeError, "%s takes at most %d positional argument(s) (%s), %zd given", call().c_str(),
                 arrays + 1, names, nargs);
    return false;
  }
  constexpr Py_ssize_t kMaxParams = 8;
  PyObject* param_names[kMaxParams];
  PyObject* param_values[kMaxParams];
  Py_ssize_t params = 0;
  std::string by_keyword;
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    PyObject* value = args[nargs + i];
    if (named(name, "x") || (backward && named(name, "g"))) {
      add_positional_only(&by_keyword, name);
    } else if (named(name, "axis")) {
      if (nargs > arrays) {
        PyErr_Format(PyExc_TypeError, "%s got multiple values for argument 'axis'", call().c_str());
        return false;
      }
      a->axis = value;
    } else if (!backward && named(name, "out")) {
      a->out = value == Py_None ? nullptr : value;
    } else if (params < kMaxParams) {
      param_names[params] = name;
      param_values[params++] = value;
    } else {
      unexpected_keyword(c, call(), name, {"axis", "out"});
      return false;
    }
  }
  if (!by_keyword.empty()) return positional_only_error(call(), by_keyword);
  if (nargs < arrays) {
    PyErr_Format(PyExc_TypeError, "%s missing required argument(s): %s", call().c_str(),
                 backward && nargs == 0 ? "'g', 'x'" : "'x'");
    return false;
  }
  for (int i = 0; i < arrays; ++i) a->arrays[i] = args[i];
  if (nargs > arrays) a->axis = args[arrays];
  return parse_params(c, *unit.name, method, param_names, param_values, params, &a->kernel,
                      backward ? std::initializer_list<const char*>{"axis"}
                               : std::initializer_list<const char*>{"axis", "out"});
}

// x's split along `axis`: (outer, half) of the (outer, 2, half) view and the result's shape.
struct Split {
  std::size_t outer = 1, half = 1;
  int ndim = 0;
  npy_intp shape[NPY_MAXDIMS];
};

bool split(const std::string& name, PyArrayObject* x, PyObject* axis_arg, Split* s) {
  s->ndim = PyArray_NDIM(x);
  if (s->ndim == 0) {
    PyErr_Format(PyExc_ValueError, "%s: x must have at least one axis to split", name.c_str());
    return false;
  }
  int axis = s->ndim - 1;
  if (axis_arg && !arrays::normalize_axis(axis_arg, s->ndim, name.c_str(), &axis)) return false;
  const npy_intp* dims = PyArray_DIMS(x);
  if (dims[axis] % 2) {
    PyObject* given = axis_arg ? axis_arg : PyLong_FromLong(-1);
    PyErr_Format(PyExc_ValueError,
                 "%s: x has %zd elements along axis %S; an even size is needed to split it in halves", name.c_str(),
                 static_cast<Py_ssize_t>(dims[axis]), given);
    if (!axis_arg) Py_XDECREF(given);
    return false;
  }
  for (int i = 0; i < s->ndim; ++i) {
    s->shape[i] = i == axis ? dims[i] / 2 : dims[i];
    if (i < axis) s->outer *= static_cast<std::size_t>(dims[i]);
    else s->half *= static_cast<std::size_t>(s->shape[i]);
  }
  return true;
}

PyObject* forward(PyObject* self, const GatedArguments& a) {
  const GatedObject& unit = unit_of(self);
  Float t;
  Owned xa(arrays::normalized(a.arrays[0], "x", &t));
  Split s;
  if (!xa.p || !split(*unit.name, xa.array(), a.axis, &s)) return nullptr;
  const Float compute = arrays::compute_format(t);
  Owned xc(arrays::converted(xa.array(), compute));
  if (!xc.p) return nullptr;
  return compute_result(a.out, t, compute, s.ndim, s.shape, {xc.array()}, [&](auto zero, PyArrayObject* y) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      run_gated_forward<T>(static_cast<std::size_t>(a.kernel.op), arrays::data<const T>(xc.array()),
                           arrays::data<T>(y), s.outer, s.half, unit.gate_first, a.kernel.p);
    }
  });
}

PyObject* backward(PyObject* self, const GatedArguments& a) {
  const GatedObject& unit = unit_of(self);
  Float gt, xt;
  Owned xa(arrays::normalized(a.arrays[1], "x", &xt));
  Owned ga(xa.p ? arrays::normalized(a.arrays[0], "g", &gt) : nullptr);
  Split s;
  if (!ga.p || !split(*unit.name, xa.array(), a.axis, &s)) return nullptr;
  PyArrayObject* gs = ga.array();
  if (PyArray_NDIM(gs) != s.ndim || !PyArray_CompareLists(PyArray_DIMS(gs), s.shape, s.ndim)) {
    Owned gshape(PyObject_GetAttrString(ga.p, "shape")), xshape(PyObject_GetAttrString(xa.p, "shape"));
    PyObject* given = a.axis ? a.axis : PyLong_FromLong(-1);
    PyObject* wanted = arrays::shape_tuple(s.ndim, s.shape);
    PyErr_Format(PyExc_ValueError, "g must have the output's shape %S (x %S halved along axis %S), got %S", wanted,
                 xshape.p, given, gshape.p);
    Py_XDECREF(wanted);
    if (!a.axis) Py_XDECREF(given);
    return nullptr;
  }
  const Float t = arrays::promote(xt, gt), compute = arrays::compute_format(t);
  Owned xc(arrays::converted(xa.array(), compute)), gc(arrays::converted(gs, compute));
  if (!xc.p || !gc.p) return nullptr;
  PyArrayObject* gx = arrays::new_like(xc.array(), compute);
  if (!gx) return nullptr;
  const bool ok = with_format(compute, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      run_gated_backward<T>(static_cast<std::size_t>(a.kernel.op), arrays::data<const T>(gc.array()),
                            arrays::data<const T>(xc.array()), arrays::data<T>(gx), s.outer, s.half, unit.gate_first,
                            a.kernel.p);
    }
  });
  if (!ok) {
    Py_DECREF(gx);
    return nullptr;
  }
  return deliver_converted(OutUse::none, nullptr, gx, t);
}

PyObject* run(PyObject* self, bool is_backward, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (!unit_of(self).activation) {
    PyErr_SetString(PyExc_TypeError, "this gated unit was not configured");
    return nullptr;
  }
  GatedArguments a;
  if (!parse(self, is_backward, args, nargs, kwnames, &a)) return nullptr;
  return is_backward ? backward(self, a) : forward(self, a);
}

// _configure(name, activation, gate_first): the unit's name and the ElementwiseOp it gates with.
void configure(py::object self, const std::string& name, py::object activation, bool gate_first) {
  if (!elementwise_config(activation.ptr())) throw py::type_error("activation: expected an elementwise op");
  GatedObject& unit = unit_of(self.ptr());
  Py_XSETREF(unit.activation, activation.release().ptr());
  delete unit.name;
  unit.name = new std::string(name);
  unit.gate_first = gate_first;
}

PyObject* gated_new(PyTypeObject* type, PyObject*, PyObject*) {
  PyObject* self = type->tp_alloc(type, 0);
  if (self) {
    unit_of(self).activation = nullptr;
    unit_of(self).name = nullptr;
  }
  return self;
}

void gated_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  Py_CLEAR(unit_of(self).activation);
  delete unit_of(self).name;
  type->tp_free(self);
  Py_DECREF(type);
}

PyMethodDef gated_methods[] = {
    {"backward", as_method(backward_entry<run>),
     METH_FASTCALL | METH_KEYWORDS,
     "backward($self, g, x, /, axis=-1, **params)\n--\n\n"
     "The gradient with respect to x (x's shape) from the upstream gradient g (the output's shape), in\n"
     "one pass: the gate half g * value * f'(gate), the other half g * f(gate)."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot gated_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(gated_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(gated_dealloc)},
    {Py_tp_call, reinterpret_cast<void*>(call_entry<run>)},
    {Py_tp_methods, gated_methods},
    {Py_tp_doc, const_cast<char*>("A gated linear unit (see fastact.Gated).")},
    {0, nullptr}};

PyType_Spec gated_spec = {"fastact._core.GatedOp", sizeof(GatedObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
                          gated_slots};

}  // namespace

void add_gated_op(py::module_& m) {
  py::object cls = add_type(m, gated_spec, "GatedOp");
  cls.attr("_configure") = py::cpp_function(&configure, py::is_method(cls), py::arg("name"), py::arg("activation"),
                                            py::arg("gate_first"));
}

}  // namespace fastact
