// _core.ElementwiseOp: every public elementwise activation is an instance of this type (through a
// Python subclass per op that only adds its documentation). It owns the op's state (kernel ids,
// parameter names, defaults and constraints, the learnable flag) and takes every call itself:
//
//   f(x), f.derivative(x), f.backward(g, x) / f.backward(g, y=y), f.value_and_derivative(x),
//   f.param_derivative(x), each with out=, the op's keyword parameters, and bias= where it applies
//
// parsing the arguments once, normalising inputs the kernels cannot take as they are
// (numpy_arrays.h: lists, integers, strides, foreign byte order, subclasses), deciding where the
// result goes (plan_out), and running the kernel (kernel_runs.h). Calls only go down: nothing
// here calls back into fastact's Python code.
#include "op_types.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "call_arguments.h"
#include "op_parameters.h"
#include "op_results.h"

namespace fastact {
namespace {

struct OpObject {
  PyObject_HEAD
  Config* config;  // nullptr until _configure
};

Config& config_of(PyObject* self) { return *reinterpret_cast<OpObject*>(self)->config; }

PyTypeObject* elementwise_type = nullptr;  // _core.ElementwiseOp, once the module has made it

// -- arguments --------------------------------------------------------------------------------

enum class Method { call, derivative, backward, value_and_derivative, param_derivative };

struct MethodSpec {
  const char* name;  // as errors name it ("" for the call itself)
  const char* positional[2];
  int positional_count, required;
  bool bias, y;
};

const MethodSpec& spec_of(Method m) {
  static const MethodSpec specs[] = {
      {"", {"x", nullptr}, 1, 1, true, false},
      {"derivative", {"x", nullptr}, 1, 1, true, false},
      {"backward", {"g", "x"}, 2, 1, true, true},
      {"value_and_derivative", {"x", nullptr}, 1, 1, false, false},
      {"param_derivative", {"x", nullptr}, 1, 1, false, false},
  };
  return specs[static_cast<int>(m)];
}

struct Arguments {
  PyObject* positional[2] = {nullptr, nullptr};
  PyObject* out = nullptr;
  PyObject* bias = nullptr;
  PyObject* axis = nullptr;  // the axis bias runs along (with bias= only); the last when not given
  PyObject* y = nullptr;
  Kernel kernel;
  bool params_given = false;  // a parameter was passed (the defaults fit every format)
};

// Parses a vectorcall-style call of `m` as CPython would word its errors for the public call.
bool parse(PyObject* self, Method m, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, Arguments* a) {
  const Config& c = config_of(self);
  const MethodSpec& s = spec_of(m);
  auto call = [&] { return call_name(c.name, s.name); };  // for errors only: no string per call
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  constexpr Py_ssize_t kMaxParams = 8;
  PyObject* param_names[kMaxParams];
  PyObject* param_values[kMaxParams];
  Py_ssize_t params = 0;
  std::string positional_by_keyword;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    PyObject* value = args[nargs + i];
    bool positional = false;
    for (int j = 0; j < s.positional_count; ++j) positional |= named(name, s.positional[j]);
    if (positional) {
      add_positional_only(&positional_by_keyword, name);
    } else if (named(name, "out")) {
      a->out = value == Py_None ? nullptr : value;
    } else if (s.bias && named(name, "bias")) {
      a->bias = value == Py_None ? nullptr : value;
    } else if (s.bias && named(name, "axis")) {
      a->axis = value == Py_None ? nullptr : value;
    } else if (s.y && named(name, "y")) {
      a->y = value == Py_None ? nullptr : value;
    } else if (params < kMaxParams) {
      param_names[params] = name;
      param_values[params++] = value;
    } else {
      unexpected_keyword(c, call(), name);
      return false;
    }
  }
  if (!positional_by_keyword.empty()) return positional_only_error(call(), positional_by_keyword);
  if (a->axis && !a->bias) {
    PyErr_Format(PyExc_ValueError, "%s: axis= is the axis bias= runs along; it needs bias=", call().c_str());
    return false;
  }
  if (nargs > s.positional_count) {
    PyErr_Format(PyExc_TypeError, "%s takes at most %d positional argument(s) (%s), %zd given", call().c_str(),
                 s.positional_count, s.positional_count == 1 ? s.positional[0] : "g, x", nargs);
    return false;
  }
  if (nargs < s.required) {
    PyErr_Format(PyExc_TypeError, "%s missing required argument(s): '%s'", call().c_str(), s.positional[0]);
    return false;
  }
  for (Py_ssize_t i = 0; i < nargs; ++i) a->positional[i] = args[i] == Py_None && i > 0 ? nullptr : args[i];
  a->params_given = params > 0;
  return parse_params(c, c.name, s.name, param_names, param_values, params, &a->kernel);
}

// -- running kernels --------------------------------------------------------------------------

// f(x), f'(x) or df/dp(x) (kind: UnaryKind), without bias.
PyObject* unary(int kind, PyObject* x, PyObject* out, const Kernel& k) {
  Float t;
  Owned xa(arrays::normalized(x, "x", &t));
  if (!xa.p) return nullptr;
  PyArrayObject* xs = xa.array();
  return compute_result(out, t, t, PyArray_NDIM(xs), PyArray_DIMS(xs), {xs}, [&](auto zero, PyArrayObject* result) {
    using T = decltype(zero);
    run_unary<T>(static_cast<std::size_t>(k.op), kind, arrays::data<const T>(xs), arrays::data<T>(result),
                 arrays::element_count(xs), k.p);
  });
}

// -- bias= ------------------------------------------------------------------------------------

// x, bias (and g) for f(x + bias), bias one value per entry of x's axis `axis` (default the last;
// or a scalar): C-contiguous arrays of one compute format (16-bit results compute in float32), the
// result's format, and x viewed as (outer, channels, inner) around that axis. A Python number for
// bias is weak (x + 0.5 keeps x's dtype), as in NumPy's own x + bias.
struct BiasInputs {
  Owned x, bias, g;
  Owned bias_broadcast;  // bias shaped (channels, 1, ..., 1), to broadcast against x in NumPy
  Float result = Float::none, compute = Float::none;
  std::size_t outer = 0, channels = 0, inner = 0;
};

// v (a 1-d array) as (n, 1, ..., 1) with `ones` trailing axes of length 1: a new reference.
PyObject* with_trailing_axes(PyObject* v, int ones) {
  if (ones == 0) {
    Py_INCREF(v);
    return v;
  }
  npy_intp dims[NPY_MAXDIMS];
  dims[0] = PyArray_DIM(reinterpret_cast<PyArrayObject*>(v), 0);
  for (int i = 1; i <= ones; ++i) dims[i] = 1;
  PyArray_Dims shape{dims, ones + 1};
  return PyArray_Newshape(reinterpret_cast<PyArrayObject*>(v), &shape, NPY_CORDER);
}

bool bias_inputs(PyObject* x, const char* xname, PyObject* bias, PyObject* axis, PyObject* g, BiasInputs* in) {
  Float xt, bt, gt;
  in->x.reset(reinterpret_cast<PyObject*>(arrays::normalized(x, xname, &xt)));
  if (!in->x.p) return false;
  Owned b(arrays::normalized(bias, "bias", &bt));
  if (!b.p) return false;
  PyArrayObject* xs = in->x.array();
  PyArrayObject* bs = b.array();
  const int ndim = PyArray_NDIM(xs);
  if (ndim == 0) {
    PyErr_SetString(PyExc_ValueError, "bias: needs an x with at least one axis (bias runs along one of them)");
    return false;
  }
  int ax = ndim - 1;
  if (axis && !arrays::normalize_axis(axis, ndim, "bias", &ax)) return false;
  const npy_intp cols = PyArray_DIM(xs, ax);
  if (PyArray_NDIM(bs) > 1 || (PyArray_NDIM(bs) == 1 && PyArray_DIM(bs, 0) != cols)) {
    Owned xshape(PyObject_GetAttrString(in->x.p, "shape")), bshape(PyObject_GetAttrString(b.p, "shape"));
    PyErr_Format(PyExc_ValueError,
                 "bias: expected a scalar or one value per entry of axis %d (shape (%zd,)) for x of shape %S, "
                 "got shape %S",
                 ax, static_cast<Py_ssize_t>(cols), xshape.p, bshape.p);
    return false;
  }
  std::size_t outer = 1, inner = 1;
  for (int i = 0; i < ax; ++i) outer *= static_cast<std::size_t>(PyArray_DIM(xs, i));
  for (int i = ax + 1; i < ndim; ++i) inner *= static_cast<std::size_t>(PyArray_DIM(xs, i));
  const int trailing = ndim - 1 - ax;
  in->result = xt;
  // Exactly a Python float or int: NumPy scalars (np.float64 is a float subclass) are strongly typed.
  const bool weak = PyFloat_CheckExact(bias) || PyLong_CheckExact(bias);
  if (!weak) in->result = arrays::promote(in->result, bt);
  if (g) {
    in->g.reset(reinterpret_cast<PyObject*>(arrays::normalized(g, "g", &gt)));
    if (!in->g.p) return false;
    if (!arrays::require_same_shape(in->g.array(), xs, xname)) return false;
    in->result = arrays::promote(in->result, gt);
  }
  in->compute = arrays::compute_format(in->result);
  // float16 / bfloat16: the kernels add in float32, which would skip the rounding of x + b to the
  // 16-bit result. So x + b is formed here, in the result's format (NumPy rounds it once), and the
  // kernels add -0.0 (x + -0.0 is x, the sign of a zero included). Not for y=, which has b in it.
  const bool pre_add = arrays::is_16bit(in->result) && std::strcmp(xname, "x") == 0;
  if (pre_add) {
    Owned x16(arrays::converted(xs, in->result)), b16(arrays::converted(bs, in->result));
    if (!x16.p || !b16.p) return false;
    if (PyArray_NDIM(bs) == 1) b16.reset(with_trailing_axes(b16.p, trailing));
    if (!b16.p) return false;
    Owned sum(PyNumber_Add(x16.p, b16.p));
    if (!sum.p) return false;
    in->x.reset(reinterpret_cast<PyObject*>(arrays::converted(reinterpret_cast<PyArrayObject*>(sum.p), in->compute)));
  } else {
    in->x.reset(reinterpret_cast<PyObject*>(arrays::converted(xs, in->compute)));
  }
  if (!in->x.p) return false;
  if (g) {
    in->g.reset(reinterpret_cast<PyObject*>(arrays::converted(in->g.array(), in->compute)));
    if (!in->g.p) return false;
  }
  Owned bc(pre_add ? PyFloat_FromDouble(-0.0) : reinterpret_cast<PyObject*>(arrays::converted(bs, in->compute)));
  if (!bc.p) return false;
  if (pre_add || PyArray_NDIM(bs) == 0) {  // a scalar: one value per column
    npy_intp n = cols;
    in->bias.reset(reinterpret_cast<PyObject*>(arrays::new_array(in->compute, 1, &n)));
    if (!in->bias.p || PyArray_FillWithScalar(in->bias.array(), bc.p) < 0) return false;
  } else {
    in->bias.reset(bc.release());
  }
  in->bias_broadcast.reset(with_trailing_axes(in->bias.p, trailing));
  if (!in->bias_broadcast.p) return false;
  in->outer = outer;
  in->channels = static_cast<std::size_t>(cols);
  in->inner = inner;
  return true;
}

// Bias along the last axis runs row by row with the bias vector as a second stream; along
// another axis, each run of `inner` elements with its channel's value broadcast.
PyObject* unary_with_bias(bool derivative, PyObject* x, PyObject* bias, PyObject* axis, PyObject* out,
                          const Kernel& k) {
  BiasInputs in;
  if (!bias_inputs(x, "x", bias, axis, nullptr, &in)) return nullptr;
  PyArrayObject* xs = in.x.array();
  return compute_result(out, in.result, in.compute, PyArray_NDIM(xs), PyArray_DIMS(xs), {xs},
                        [&](auto zero, PyArrayObject* dst) {
                          using T = decltype(zero);
                          if constexpr (!kIs16Bit<T>) {
                            const auto id = static_cast<std::size_t>(k.op);
                            const T* bp = arrays::data<const T>(in.bias.array());
                            if (in.inner == 1) {
                              run_bias_unary<T>(id, derivative, arrays::data<const T>(xs), bp, arrays::data<T>(dst),
                                                in.outer, in.channels, k.p);
                            } else {
                              run_channel_bias_unary<T>(id, derivative, arrays::data<const T>(xs), bp,
                                                        arrays::data<T>(dst), in.outer, in.channels, in.inner, k.p);
                            }
                          }
                        });
}

PyObject* backward(PyObject* self, const Arguments& a);

// Sums of gx viewed as (outer, channels, inner) over its first and last axes, in double, as the
// result format (a 1-d array of `channels` values).
PyObject* channel_sums(PyObject* gx, std::size_t outer, std::size_t channels, std::size_t inner, Float t) {
  Float gt;
  Owned g64(arrays::normalized(gx, "gx", &gt));
  if (!g64.p) return nullptr;
  g64.reset(reinterpret_cast<PyObject*>(arrays::converted(g64.array(), Float::f64)));
  if (!g64.p) return nullptr;
  npy_intp n = static_cast<npy_intp>(channels);
  Owned sums(arrays::new_array(Float::f64, 1, &n));
  if (!sums.p) return nullptr;
  const double* gp = arrays::data<const double>(g64.array());
  double* s = arrays::data<double>(sums.array());
  for (std::size_t j = 0; j < channels; ++j) s[j] = 0.0;
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t j = 0; j < channels; ++j)
      for (std::size_t i = 0; i < inner; ++i) s[j] += gp[(o * channels + j) * inner + i];
  return reinterpret_cast<PyObject*>(arrays::converted(sums.array(), t));
}

// backward(g, x or y=, bias=b): (gx, gbias), or (gx, gp, gbias) for a learnable parameter.
// (backward has checked that exactly one of x and y= is given.)
PyObject* backward_with_bias(PyObject* self, const Arguments& a) {
  const Config& c = config_of(self);
  PyObject* g = a.positional[0];
  PyObject* x = a.positional[1];
  BiasInputs in;
  if (!bias_inputs(x ? x : a.y, x ? "x" : "y", a.bias, a.axis, g, &in)) return nullptr;
  if (x && c.learnable.empty()) {  // one fused pass: gx and the bias gradient
    PyArrayObject* xs = in.x.array();
    npy_intp n = static_cast<npy_intp>(in.channels);
    Owned gbias(arrays::new_array(Float::f64, 1, &n));
    if (!gbias.p) return nullptr;
    Owned gx(compute_result(a.out, in.result, in.compute, PyArray_NDIM(xs), PyArray_DIMS(xs), {xs, in.g.array()},
                            [&](auto zero, PyArrayObject* dst) {
                              using T = decltype(zero);
                              if constexpr (!kIs16Bit<T>) {
                                const auto id = static_cast<std::size_t>(a.kernel.op);
                                const T* gp = arrays::data<const T>(in.g.array());
                                const T* bp = arrays::data<const T>(in.bias.array());
                                double* gbp = arrays::data<double>(gbias.array());
                                if (in.inner == 1) {
                                  run_bias_backward<T>(id, gp, arrays::data<const T>(xs), bp, arrays::data<T>(dst), gbp,
                                                       in.outer, in.channels, a.kernel.p);
                                } else {
                                  run_channel_bias_backward<T>(id, gp, arrays::data<const T>(xs), bp,
                                                               arrays::data<T>(dst), gbp, in.outer, in.channels,
                                                               in.inner, a.kernel.p);
                                }
                              }
                            }));
    if (!gx.p) return nullptr;
    Owned gb(arrays::converted(gbias.array(), in.result));
    return gb.p ? PyTuple_Pack(2, gx.p, gb.p) : nullptr;
  }
  // From y (bias is already in it), or a learnable parameter: the backward pass at x + bias (or
  // y), then the sums of gx per channel.
  Arguments inner = a;
  inner.bias = nullptr;
  inner.axis = nullptr;
  inner.positional[0] = in.g.p;
  Owned shifted;
  if (x) {
    shifted.reset(PyNumber_Add(in.x.p, in.bias_broadcast.p));
    if (!shifted.p) return nullptr;
    inner.positional[1] = shifted.p;
  } else {
    inner.y = in.x.p;
  }
  Owned r(backward(self, inner));
  if (!r.p) return nullptr;
  // The inner pass saw the arrays in the compute format (float32 for 16-bit): results go back to
  // the caller's format, as every other path returns them (out= keeps its own dtype).
  Owned gx(c.learnable.empty() ? r.p : PyTuple_GET_ITEM(r.p, 0));
  Py_INCREF(gx.p);
  Owned gp(c.learnable.empty() ? nullptr : PyTuple_GET_ITEM(r.p, 1));
  Py_XINCREF(gp.p);
  if (in.result != in.compute) {
    Owned descr(reinterpret_cast<PyObject*>(arrays::descriptor(in.result)));
    if (!descr.p) return nullptr;
    if (!a.out) gx.reset(PyObject_CallMethod(gx.p, "astype", "O", descr.p));
    if (gp.p) gp.reset(PyObject_CallMethod(gp.p, "astype", "O", descr.p));  // an array or a NumPy scalar
    if (!gx.p || (!c.learnable.empty() && !gp.p)) return nullptr;
  }
  Owned gbias(channel_sums(gx.p, in.outer, in.channels, in.inner, in.result));
  if (!gbias.p) return nullptr;
  if (c.learnable.empty()) return PyTuple_Pack(2, gx.p, gbias.p);
  return PyTuple_Pack(3, gx.p, gp.p, gbias.p);
}

// -- the methods ------------------------------------------------------------------------------

// backward(g, x) for an op with a learnable parameter: (gx, gp), gp = sum(g df/dp) in double.
PyObject* backward_learnable(const Kernel& k, PyArrayObject* g, PyArrayObject* x, Float t, PyObject* out) {
  const Float compute = arrays::compute_format(t);
  Owned gc(arrays::converted(g, compute)), xc(arrays::converted(x, compute));
  if (!gc.p || !xc.p) return nullptr;
  PyArrayObject* xs = xc.array();
  double total = 0.0;
  Owned gx(compute_result(out, t, compute, PyArray_NDIM(xs), PyArray_DIMS(xs), {gc.array(), xs},
                          [&](auto zero, PyArrayObject* dst) {
                            using T = decltype(zero);
                            if constexpr (!kIs16Bit<T>) {
                              total = run_backward_with_param<T>(
                                  static_cast<std::size_t>(k.op), arrays::data<const T>(gc.array()),
                                  arrays::data<const T>(xs), arrays::data<T>(dst), arrays::element_count(xs), k.p);
                            }
                          }));
  if (!gx.p) return nullptr;
  Owned sum(arrays::new_array(Float::f64, 0, nullptr));
  if (!sum.p) return nullptr;
  *arrays::data<double>(sum.array()) = total;
  Owned gp(arrays::finished(arrays::converted(sum.array(), t)));
  return gp.p ? PyTuple_Pack(2, gx.p, gp.p) : nullptr;
}

PyObject* backward(PyObject* self, const Arguments& a) {
  const Config& c = config_of(self);
  PyObject* g = a.positional[0];
  PyObject* x = a.positional[1];
  if ((x == nullptr) == (a.y == nullptr)) {
    PyErr_Format(PyExc_TypeError, "%s.backward(): pass exactly one of x (the input) or y= (the output)",
                 c.name.c_str());
    return nullptr;
  }
  if (a.bias) return backward_with_bias(self, a);
  const bool from_output = a.y != nullptr;
  if (from_output && !c.output_backward) {
    PyErr_Format(PyExc_ValueError, "%s.backward(): this op has no derivative in terms of its output; pass x",
                 c.name.c_str());
    return nullptr;
  }
  if (from_output && c.output_backward_nonnegative >= 0 && a.kernel.values[c.output_backward_nonnegative] < 0) {
    PyErr_Format(PyExc_ValueError,
                 "%s.backward(): y= needs %s >= 0 (with %s < 0, y does not determine x); pass x", c.name.c_str(),
                 c.params[c.output_backward_nonnegative].name.c_str(),
                 c.params[c.output_backward_nonnegative].name.c_str());
    return nullptr;
  }
  Owned ga, va;
  Float t;
  if (!promoted_pair(g, from_output ? a.y : x, from_output ? "y" : "x", false, &ga, &va, &t)) return nullptr;
  if (!c.learnable.empty()) {
    if (from_output) {
      PyErr_Format(PyExc_TypeError, "%s.backward(): the gradient of %s needs x, not y", c.name.c_str(),
                   c.learnable.c_str());
      return nullptr;
    }
    return backward_learnable(a.kernel, ga.array(), va.array(), t, a.out);
  }
  PyArrayObject* vs = va.array();
  return compute_result(a.out, t, t, PyArray_NDIM(vs), PyArray_DIMS(vs), {ga.array(), vs},
                        [&](auto zero, PyArrayObject* result) {
                          using T = decltype(zero);
                          run_backward<T>(static_cast<std::size_t>(a.kernel.op), from_output,
                                          arrays::data<const T>(ga.array()), arrays::data<const T>(vs),
                                          arrays::data<T>(result), arrays::element_count(vs), a.kernel.p);
                        });
}

// Whether two arrays share memory (NumPy's exact answer: interleaved views do not).
int share_memory(PyObject* p, PyObject* q) {
  static PyObject* shares = nullptr;  // numpy.shares_memory, looked up once
  if (!shares) {
    Owned numpy(PyImport_ImportModule("numpy"));
    if (!numpy.p || !(shares = PyObject_GetAttrString(numpy.p, "shares_memory"))) return -1;
  }
  Owned r(PyObject_CallFunctionObjArgs(shares, p, q, nullptr));
  return r.p ? PyObject_IsTrue(r.p) : -1;
}

PyObject* value_and_derivative(const Arguments& a) {
  Float t;
  Owned xa(arrays::normalized(a.positional[0], "x", &t));
  if (!xa.p) return nullptr;
  PyArrayObject* xs = xa.array();
  PyObject* outs[2] = {nullptr, nullptr};
  if (a.out) {
    if (!PyTuple_Check(a.out) || PyTuple_GET_SIZE(a.out) != 2) {
      if (PyTuple_Check(a.out))
        PyErr_Format(PyExc_TypeError, "out: expected a tuple of two arrays (y, d), got a tuple of %zd",
                     PyTuple_GET_SIZE(a.out));
      else
        PyErr_Format(PyExc_TypeError, "out: expected a tuple of two arrays (y, d), got %s", Py_TYPE(a.out)->tp_name);
      return nullptr;
    }
    outs[0] = PyTuple_GET_ITEM(a.out, 0);
    outs[1] = PyTuple_GET_ITEM(a.out, 1);
  }
  OutUse use[2];
  for (int i = 0; i < 2; ++i) {
    use[i] = arrays::plan_out(outs[i], i ? "out[1]" : "out[0]", t, PyArray_NDIM(xs), PyArray_DIMS(xs), {xs});
    if (use[i] == OutUse::error) return nullptr;
  }
  if (a.out) {
    const int shared = share_memory(outs[0], outs[1]);
    if (shared < 0) return nullptr;
    if (shared) {
      PyErr_SetString(PyExc_ValueError, "out: the two arrays must not overlap");
      return nullptr;
    }
  }
  Owned y(destination(use[0], outs[0], t, PyArray_NDIM(xs), PyArray_DIMS(xs)));
  Owned d(y.p ? destination(use[1], outs[1], t, PyArray_NDIM(xs), PyArray_DIMS(xs)) : nullptr);
  if (!d.p) return nullptr;
  const bool ok = with_format(t, [&](auto zero) {
    using T = decltype(zero);
    run_value_and_derivative<T>(static_cast<std::size_t>(a.kernel.op), arrays::data<const T>(xs),
                                arrays::data<T>(y.array()), arrays::data<T>(d.array()), arrays::element_count(xs),
                                a.kernel.p);
  });
  if (!ok) return nullptr;
  Owned yr(deliver(use[0], outs[0], y.array()));
  y.release();
  Owned dr(deliver(use[1], outs[1], d.array()));
  d.release();
  if (!yr.p || !dr.p) return nullptr;
  if (a.out) {
    Py_INCREF(a.out);
    return a.out;
  }
  return PyTuple_Pack(2, yr.p, dr.p);
}

// The format an input will compute in, read without converting it where that is possible (an
// array's or NumPy scalar's dtype, a Python number's float64); none for what the method itself
// will reject (arrays::target_format: bool and integers compute in float64).
Float input_format(PyObject* v) {
  if (PyFloat_Check(v) || PyLong_Check(v)) return Float::f64;
  PyArray_Descr* d = nullptr;
  if (PyArray_Check(v)) {
    d = PyArray_DESCR(arrays::as_array(v));
    Py_INCREF(d);
  } else if (PyArray_IsScalar(v, Generic)) {
    d = PyArray_DescrFromScalar(v);
  } else {  // a list or another sequence: what NumPy makes of it
    Float t;
    Owned va(arrays::normalized(v, "x", &t));
    if (!va.p) PyErr_Clear();
    return va.p ? t : Float::none;
  }
  if (!d) {
    PyErr_Clear();
    return Float::none;
  }
  const Float t = arrays::target_format(d);
  Py_DECREF(d);
  return t;
}

// Whether the given parameters fit the format the call computes in (op_parameters.h params_fit),
// the promotion of its inputs' formats (a Python-number bias is weak, as in x + b). Run only when
// a parameter was passed, so default calls pay nothing for it.
bool params_fit_inputs(const Config& c, const Arguments& a) {
  Float widest = Float::none;
  for (PyObject* v : {a.positional[0], a.positional[1], a.y, a.bias}) {
    if (!v || (v == a.bias && (PyFloat_CheckExact(v) || PyLong_CheckExact(v)))) continue;
    const Float t = input_format(v);
    if (t != Float::none) widest = widest == Float::none ? t : arrays::promote(widest, t);
  }
  return widest == Float::none || params_fit(c, a.kernel, c.name, arrays::compute_format(widest));
}

PyObject* run_method(PyObject* self, Method m, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (!reinterpret_cast<OpObject*>(self)->config) {
    PyErr_SetString(PyExc_TypeError, "this op object was not configured");
    return nullptr;
  }
  PyObject* handed = nullptr;
  const char* name = m == Method::call ? "call" : spec_of(m).name;
  if (handed_to_interop(self, name, args, nargs, kwnames, &handed)) return handed;
  Arguments a;
  if (!parse(self, m, args, nargs, kwnames, &a)) return nullptr;
  const Config& c = config_of(self);
  if (a.params_given && !params_fit_inputs(c, a)) return nullptr;
  switch (m) {
    case Method::call:
      return a.bias ? unary_with_bias(false, a.positional[0], a.bias, a.axis, a.out, a.kernel)
                    : unary(static_cast<int>(UnaryKind::forward), a.positional[0], a.out, a.kernel);
    case Method::derivative:
      return a.bias ? unary_with_bias(true, a.positional[0], a.bias, a.axis, a.out, a.kernel)
                    : unary(static_cast<int>(UnaryKind::derivative), a.positional[0], a.out, a.kernel);
    case Method::backward:
      return backward(self, a);
    case Method::value_and_derivative:
      return value_and_derivative(a);
    case Method::param_derivative:
      if (c.learnable.empty()) {
        PyErr_Format(PyExc_TypeError, "%s has no learnable parameter", c.name.c_str());
        return nullptr;
      }
      return unary(static_cast<int>(UnaryKind::param_derivative), a.positional[0], a.out, a.kernel);
  }
  return nullptr;
}

PyObject* op_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  return call_as_vector(self, args, kwargs, [](PyObject* op, PyObject* const* stack, Py_ssize_t n, PyObject* names) {
    return run_method(op, Method::call, stack, n, names);
  });
}

template <Method m>
PyObject* method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return run_method(self, m, args, nargs, kwnames);
}

// -- configuration ----------------------------------------------------------------------------

int param_index(const Config& c, const std::string& name) {
  for (std::size_t i = 0; i < c.params.size(); ++i)
    if (c.params[i].name == name) return static_cast<int>(i);
  throw py::value_error(c.name + ": no parameter " + name);
}

// _configure(name, kernel, params, fixed, special, constraints, output_backward, output_backward_nonnegative,
// learnable): the op's state, from the Python catalogue (fastact/_activation.py).
void configure(py::object self, const std::string& name, int kernel, py::list params, py::object fixed,
               py::object special, py::list constraints, bool output_backward, py::object output_backward_nonnegative,
               py::object learnable) {
  auto* config = new Config;
  Config& c = *config;
  try {
    c.name = name;
    c.kernel = static_cast<int>(op_index(kernel));
    for (py::handle item : params) {
      auto t = item.cast<py::tuple>();
      Param p;
      p.name = t[0].cast<std::string>();
      if (py::isinstance<py::str>(t[1])) {
        p.choice = true;
        p.default_choice = t[1].cast<std::string>();
        for (auto kv : t[2].cast<py::dict>())
          p.kernels.emplace_back(kv.first.cast<std::string>(), static_cast<int>(op_index(kv.second.cast<int>())));
      } else {
        p.default_value = t[1].cast<double>();
        p.finite = t[2].cast<bool>();
      }
      c.params.push_back(p);
    }
    std::size_t reals = 0;
    for (const Param& p : c.params) reals += !p.choice;
    if (reals > 4) throw py::value_error(name + ": at most four real parameters");
    if (!fixed.is_none()) {
      auto t = fixed.cast<py::tuple>();
      c.fixed = true;
      c.fixed_slots = {t[0].cast<double>(), t[1].cast<double>()};
    }
    if (!special.is_none()) {
      auto t = special.cast<py::tuple>();
      c.special_param = param_index(c, t[0].cast<std::string>());
      c.special_value = t[1].cast<double>();
      c.special_kernel = static_cast<int>(op_index(t[2].cast<int>()));
    }
    for (py::handle item : constraints) {
      auto t = item.cast<py::tuple>();
      const auto kind = t[0].cast<std::string>();
      Constraint check{};
      check.first = param_index(c, t[1].cast<std::string>());
      if (kind == "at_most") {
        check.kind = Constraint::at_most;
        check.second = param_index(c, t[2].cast<std::string>());
      } else if (kind == "nonzero" || kind == "nonnegative") {
        check.kind = kind == "nonzero" ? Constraint::nonzero : Constraint::nonnegative;
        check.second = -1;
        check.reason = t[2].cast<std::string>();
      } else {
        throw py::value_error(name + ": unknown constraint " + kind);
      }
      c.constraints.push_back(check);
    }
    c.output_backward = output_backward;
    if (!output_backward_nonnegative.is_none())
      c.output_backward_nonnegative = param_index(c, output_backward_nonnegative.cast<std::string>());
    if (!learnable.is_none()) c.learnable = learnable.cast<std::string>();
    // The defaults, validated like any call's parameters.
    for (std::size_t i = 0, r = 0; i < c.params.size(); ++i)
      if (!c.params[i].choice) c.defaults.values[r++] = c.params[i].default_value;
    int chosen = -1;
    for (const Param& p : c.params)
      if (p.choice)
        for (const auto& k : p.kernels)
          if (k.first == p.default_choice) chosen = k.second;
    c.defaults.op = chosen >= 0 ? chosen : c.kernel;
    if (c.special_param >= 0 && c.defaults.values[c.special_param] == c.special_value) c.defaults.op = c.special_kernel;
    c.defaults.p = c.fixed ? c.fixed_slots : ParamValues{c.defaults.values[0], c.defaults.values[1]};
  } catch (...) {
    delete config;
    throw;
  }
  auto* o = reinterpret_cast<OpObject*>(self.ptr());
  delete o->config;
  o->config = config;
}

// _kernel_params(params, method="", owner=""): (kernel id, a, b) for these keyword parameters,
// validated as a call's are (for the gated units, which run this op's kernels under their own
// name, and for the reference formulas' parameters).
py::tuple kernel_params(py::object self, py::dict params, const std::string& method, const std::string& owner) {
  const Config& c = config_of(self.ptr());
  std::vector<PyObject*> names, values;
  for (auto kv : params) {
    names.push_back(kv.first.ptr());
    values.push_back(kv.second.ptr());
  }
  Kernel k;
  if (!parse_params(c, owner.empty() ? c.name : owner, method.c_str(), names.data(), values.data(),
                    static_cast<Py_ssize_t>(names.size()), &k))
    throw py::error_already_set();
  return py::make_tuple(k.op, k.p.a, k.p.b);
}

PyObject* op_new(PyTypeObject* type, PyObject*, PyObject*) {
  PyObject* self = type->tp_alloc(type, 0);
  if (self) reinterpret_cast<OpObject*>(self)->config = nullptr;
  return self;
}

void op_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  delete reinterpret_cast<OpObject*>(self)->config;
  type->tp_free(self);
  Py_DECREF(type);
}

PyMethodDef op_methods[] = {
    {"derivative", as_method(method<Method::derivative>), METH_FASTCALL | METH_KEYWORDS,
     "derivative($self, x, /, *, out=None, bias=None, axis=None, **params)\n--\n\n"
     "f'(x), elementwise (same parameters, dtype rules, ``bias=`` and ``out=`` as calling the op)."},
    {"backward", as_method(method<Method::backward>), METH_FASTCALL | METH_KEYWORDS,
     "backward($self, g, x=None, /, *, y=None, out=None, bias=None, axis=None, **params)\n--\n\n"
     "The vector-Jacobian product g * f'(x), from the input ``x`` or (where the op allows it, see\n"
     "``has_output_backward``) from the saved output ``y = f(x)``. ``g`` and ``x``/``y`` must have the\n"
     "same shape; the result has the promoted dtype of the two. For an op with a learnable parameter\n"
     "p (swish's beta) it returns ``(gx, gp)``, gp = sum(g * df/dp) accumulated in float64. With\n"
     "``bias=`` (the op applied to x + bias, bias along ``axis``, the last by default) it also returns the bias\n"
     "gradient last: ``(gx, gbias)`` or ``(gx, gp, gbias)``."},
    {"value_and_derivative", as_method(method<Method::value_and_derivative>), METH_FASTCALL | METH_KEYWORDS,
     "value_and_derivative($self, x, /, *, out=None, **params)\n--\n\n"
     "``(f(x), f'(x))`` computed in one pass over ``x``; ``out=(y, d)`` writes them into two arrays\n"
     "(as NumPy's two-output ufuncs take ``out``)."},
    {"param_derivative", as_method(method<Method::param_derivative>), METH_FASTCALL | METH_KEYWORDS,
     "param_derivative($self, x, /, *, out=None, **params)\n--\n\n"
     "d f / d p for the op's learnable parameter p (swish: beta), elementwise."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot op_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(op_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(op_dealloc)},
    {Py_tp_call, reinterpret_cast<void*>(op_call)},
    {Py_tp_methods, op_methods},
    {Py_tp_doc, const_cast<char*>("An elementwise activation with its derivative and backward pass (see fastact.Activation).")},
    {0, nullptr}};

PyType_Spec op_spec = {"fastact._core.ElementwiseOp", sizeof(OpObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
                       op_slots};

}  // namespace

const Config* elementwise_config(PyObject* op) {
  if (!elementwise_type || !PyObject_TypeCheck(op, elementwise_type)) return nullptr;
  return reinterpret_cast<OpObject*>(op)->config;
}

void add_elementwise_op(py::module_& m) {
  py::object cls = add_type(m, op_spec, "ElementwiseOp");
  elementwise_type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  cls.attr("_configure") = py::cpp_function(&configure, py::is_method(cls), py::arg("name"), py::arg("kernel"),
                                            py::arg("params"), py::arg("fixed"), py::arg("special"),
                                            py::arg("constraints"), py::arg("output_backward"),
                                            py::arg("output_backward_nonnegative"), py::arg("learnable"));
  cls.attr("_kernel_params") = py::cpp_function(&kernel_params, py::is_method(cls), py::arg("params"),
                                                 py::arg("method") = "", py::arg("owner") = "");
}

}  // namespace fastact
