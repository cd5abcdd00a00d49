// _core.LossOp: the losses on logits, with the semantics of torch.nn.functional's (the class axis
// `axis` instead of PyTorch's dim 1), each taking every call itself:
//
//   cross_entropy(logits, target, axis=-1, reduction="mean", label_smoothing=0.0, weight=None,
//                 ignore_index=None)                                    and .backward(..., g=None)
//   binary_cross_entropy_with_logits(logits, target, reduction="mean", pos_weight=None, weight=None)
//                                                                       and .backward(..., g=None)
//
// cross_entropy runs the logsumexp (forward with class indices and no smoothing: w (lse - x_t)),
// log_softmax (other forwards) or softmax (backward) kernels on the logits as they are, viewed
// as (outer, classes, inner) along the class axis, then sums per sample in double; never softmax
// then log. binary_cross_entropy_with_logits is (1 - t) x + (1 + (pw - 1) t)
// softplus(-x) with the softplus and sigmoid kernels in double: no logit overflows. backward is
// d loss / d logits times the upstream g (a scalar for "mean"/"sum", the loss's shape for "none").
// A loss over no weight at all (an empty batch, every target ignored) is NaN, as in PyTorch.
#include <cmath>
#include <string>
#include <vector>

#include "call_arguments.h"
#include "op_parameters.h"
#include "op_results.h"
#include "op_types.h"

namespace fastact {
namespace {

enum class Loss { cross_entropy = 0, binary_cross_entropy = 1 };
enum class Reduction { mean, sum, none };

const char* name_of(Loss kind) {
  return kind == Loss::cross_entropy ? "cross_entropy" : "binary_cross_entropy_with_logits";
}

// The arguments of each loss, in order (all may come by keyword, as in PyTorch); the first two
// are required; backward takes `g` after them.
const std::vector<const char*>& argument_names(Loss kind, bool backward) {
  static const std::vector<const char*> ce{"logits", "target", "axis", "reduction", "label_smoothing", "weight",
                                           "ignore_index"};
  static const std::vector<const char*> ce_backward{"logits", "target", "axis", "reduction", "label_smoothing",
                                                    "weight", "ignore_index", "g"};
  static const std::vector<const char*> bce{"logits", "target", "reduction", "pos_weight", "weight"};
  static const std::vector<const char*> bce_backward{"logits", "target", "reduction", "pos_weight", "g", "weight"};
  if (kind == Loss::cross_entropy) return backward ? ce_backward : ce;
  return backward ? bce_backward : bce;
}

// values[i] = the argument names[i] (nullptr where not given), as CPython binds a call; call()
// names the call in errors.
template <class Call>
bool bind_arguments(Call call, const std::vector<const char*>& names, PyObject* const* args, Py_ssize_t nargs,
                    PyObject* kwnames, PyObject** values) {
  const auto count = static_cast<Py_ssize_t>(names.size());
  if (nargs > count) {
    PyErr_Format(PyExc_TypeError, "%s takes at most %zd positional arguments, %zd given", call().c_str(), count, nargs);
    return false;
  }
  for (Py_ssize_t i = 0; i < count; ++i) values[i] = i < nargs ? args[i] : nullptr;
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < nkw; ++k) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, k);
    Py_ssize_t i = 0;
    while (i < count && !named(name, names[i])) ++i;
    if (i == count) {
      static const Config no_parameters;
      unexpected_keyword(no_parameters, call(), name, names);
      return false;
    }
    if (values[i]) {
      PyErr_Format(PyExc_TypeError, "%s got multiple values for argument %R", call().c_str(), name);
      return false;
    }
    values[i] = args[nargs + k];
  }
  for (int i = 0; i < 2; ++i) {
    if (!values[i]) {
      PyErr_Format(PyExc_TypeError, "%s missing required argument: '%s'", call().c_str(), names[i]);
      return false;
    }
  }
  for (Py_ssize_t i = 2; i < count; ++i)
    if (values[i] == Py_None) values[i] = nullptr;
  return true;
}

bool reduction_of(PyObject* value, const char* owner, Reduction* r) {
  if (!value) {
    *r = Reduction::mean;
    return true;
  }
  const char* names[] = {"mean", "sum", "none"};
  for (int i = 0; i < 3; ++i) {
    if (PyUnicode_Check(value) && named(value, names[i])) {
      *r = static_cast<Reduction>(i);
      return true;
    }
  }
  PyErr_Format(PyExc_ValueError, "%s: reduction must be one of 'mean', 'sum', 'none', got %R", owner, value);
  return false;
}

// An array as C-contiguous float64 (new reference), from any real input.
PyArrayObject* as_float64(PyObject* value) {
  return arrays::as_array(PyArray_FromAny(value, PyArray_DescrFromType(NPY_DOUBLE), 0, 0,
                                          NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST, nullptr));
}

// The upstream gradient of backward as float64 values: one (a scalar) or one per sample (for
// "none", of the loss's shape). *per_sample says which.
bool upstream(PyObject* g, Reduction r, int ndim, const npy_intp* loss_shape, const char* owner, Owned* out,
              bool* per_sample) {
  Owned one(g ? nullptr : PyFloat_FromDouble(1.0));
  out->reset(reinterpret_cast<PyObject*>(as_float64(g ? g : one.p)));
  if (!out->p) return false;
  PyArrayObject* a = out->array();
  *per_sample = PyArray_NDIM(a) > 0;
  if (!*per_sample) return true;
  if (r != Reduction::none) {
    PyErr_Format(PyExc_ValueError, "%s.backward(): g must be a scalar for reduction='%s'", owner,
                 r == Reduction::mean ? "mean" : "sum");
    return false;
  }
  if (PyArray_NDIM(a) != ndim || !PyArray_CompareLists(PyArray_DIMS(a), loss_shape, ndim)) {
    Owned want(arrays::shape_tuple(ndim, loss_shape)), got(PyObject_GetAttrString(out->p, "shape"));
    PyErr_Format(PyExc_ValueError, "%s.backward(): g must have the loss's shape %S, got %S", owner, want.p, got.p);
    return false;
  }
  return true;
}

// The reduced loss (a NumPy scalar of format t) or the per-sample losses (an array of the loss's
// shape): from `per` (double, one per sample).
PyObject* reduced(const std::vector<double>& per, Reduction r, double mean_denominator, int ndim,
                  const npy_intp* loss_shape, Float t) {
  if (r == Reduction::none) {
    Owned losses(arrays::new_array(Float::f64, ndim, loss_shape));
    if (!losses.p) return nullptr;
    std::copy(per.begin(), per.end(), arrays::data<double>(losses.array()));
    return reinterpret_cast<PyObject*>(arrays::converted(losses.array(), t));
  }
  double total = 0.0;
  for (double v : per) total += v;
  if (r == Reduction::mean) total /= mean_denominator;  // 0 / 0: NaN, as PyTorch's empty mean
  total += 0.0;  // -0.0 reads as 0
  if (t == Float::f64) return PyArray_Scalar(&total, PyArray_DescrFromType(NPY_DOUBLE), nullptr);
  if (t == Float::f32) {
    float rounded = static_cast<float>(total);
    return PyArray_Scalar(&rounded, PyArray_DescrFromType(NPY_FLOAT), nullptr);
  }
  Owned loss(arrays::new_array(Float::f64, 0, nullptr));  // 16-bit: NumPy's rounding of the double
  if (!loss.p) return nullptr;
  *arrays::data<double>(loss.array()) = total;
  return arrays::finished(arrays::converted(loss.array(), t));
}

// -- cross_entropy ----------------------------------------------------------------------------

enum { kLogits, kTarget, kAxis, kReduction, kSmoothing, kWeight, kIgnore, kUpstream };

// Everything a cross_entropy call has checked: the logits in their compute format viewed as
// (outer, classes, inner) along the class axis, and the target as class indices (with the
// kept samples) or as a float64 distribution per sample (smoothed).
struct CrossEntropyInputs {
  Owned logits;
  Float result = Float::none, compute = Float::none;
  std::size_t outer = 1, classes = 1, inner = 1;
  int sample_ndim = 0;
  npy_intp sample_shape[NPY_MAXDIMS];
  Reduction reduction = Reduction::mean;
  double smoothing = 0.0;
  std::vector<double> weight;  // empty: none
  bool indices = true;
  Owned target;                      // class indices: int64, C-contiguous, each checked in range unless ignored
  bool ignoring = false;             // ignore_index given
  long long ignore = 0;
  std::vector<double> distribution;  // probabilities: (samples, classes), smoothed
  std::size_t samples() const { return outer * inner; }
  bool kept(std::size_t s) const { return !(ignoring && arrays::data<const std::int64_t>(target.array())[s] == ignore); }
  std::size_t class_of(std::size_t s) const {  // 0 where ignored
    return kept(s) ? static_cast<std::size_t>(arrays::data<const std::int64_t>(target.array())[s]) : 0;
  }
  std::size_t at(std::size_t sample, std::size_t c) const {  // element of (sample, class c) in the logits
    return (sample / inner) * classes * inner + c * inner + sample % inner;
  }
};

bool cross_entropy_inputs(PyObject* const* v, CrossEntropyInputs* in) {
  const char* owner = "cross_entropy";
  in->logits.reset(reinterpret_cast<PyObject*>(arrays::normalized(v[kLogits], "logits", &in->result)));
  if (!in->logits.p) return false;
  PyArrayObject* la = in->logits.array();
  const int ndim = PyArray_NDIM(la);
  if (ndim == 0) {
    PyErr_SetString(PyExc_ValueError, "cross_entropy: logits must have a class axis");
    return false;
  }
  int axis = ndim - 1;
  if (v[kAxis] && !arrays::normalize_axis(v[kAxis], ndim, owner, &axis)) return false;
  if (!reduction_of(v[kReduction], owner, &in->reduction)) return false;
  if (v[kSmoothing] && !real_number(v[kSmoothing], owner, "label_smoothing", true, &in->smoothing)) return false;
  if (!(in->smoothing >= 0.0 && in->smoothing <= 1.0)) {
    Owned eps(PyFloat_FromDouble(in->smoothing));
    PyErr_Format(PyExc_ValueError, "cross_entropy: label_smoothing must be in [0, 1], got %R", eps.p);
    return false;
  }
  const npy_intp* dims = PyArray_DIMS(la);
  in->classes = static_cast<std::size_t>(dims[axis]);
  for (int i = 0; i < ndim; ++i) {
    if (i < axis) in->outer *= static_cast<std::size_t>(dims[i]);
    if (i > axis) in->inner *= static_cast<std::size_t>(dims[i]);
    if (i != axis) in->sample_shape[in->sample_ndim++] = dims[i];
  }
  if (v[kWeight]) {
    Owned w(PyArray_FromAny(v[kWeight], nullptr, 0, 0, 0, nullptr));
    const int type = w.p ? PyArray_TYPE(w.array()) : -1;
    const bool real = w.p && (PyTypeNum_ISBOOL(type) || PyTypeNum_ISINTEGER(type) || PyTypeNum_ISFLOAT(type));
    if (!real || PyArray_NDIM(w.array()) != 1 || static_cast<std::size_t>(PyArray_DIM(w.array(), 0)) != in->classes) {
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "cross_entropy: weight must be %zd real numbers (one per class)",
                   static_cast<Py_ssize_t>(in->classes));
      return false;
    }
    Owned w64(as_float64(w.p));
    if (!w64.p) return false;
    const double* wp = arrays::data<const double>(w64.array());
    in->weight.assign(wp, wp + in->classes);
  }
  Owned t(PyArray_Check(v[kTarget]) ? (Py_INCREF(v[kTarget]), v[kTarget])
                                    : PyArray_FromAny(v[kTarget], nullptr, 0, 0, 0, nullptr));
  if (!t.p) return false;
  PyArrayObject* ta = t.array();
  const int type = PyArray_TYPE(ta);
  in->indices = PyTypeNum_ISINTEGER(type);
  if (in->indices) {
    if (PyArray_NDIM(ta) != in->sample_ndim || !PyArray_CompareLists(PyArray_DIMS(ta), in->sample_shape, in->sample_ndim)) {
      Owned want(arrays::shape_tuple(in->sample_ndim, in->sample_shape)), got(PyObject_GetAttrString(t.p, "shape"));
      Owned given(v[kAxis] ? (Py_INCREF(v[kAxis]), v[kAxis]) : PyLong_FromLong(-1));
      PyErr_Format(PyExc_ValueError, "target: class indices must have shape %S (the logits' without axis %S), got %S",
                   want.p, given.p, got.p);
      return false;
    }
    const bool ready = type == NPY_INT64 && PyArray_IS_C_CONTIGUOUS(ta) && PyArray_ISALIGNED(ta) &&
                       PyArray_ISNOTSWAPPED(ta);
    Owned t64(ready ? (Py_INCREF(t.p), t.p)
                    : PyArray_FromAny(t.p, PyArray_DescrFromType(NPY_INT64), 0, 0,
                                      NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST, nullptr));
    if (!t64.p) return false;
    in->ignoring = v[kIgnore] != nullptr;
    if (in->ignoring) {
      PyObject* index = v[kIgnore];
      if (PyBool_Check(index) || PyArray_IsScalar(index, Bool) || !(PyLong_Check(index) || PyArray_IsScalar(index, Integer))) {
        PyErr_Format(PyExc_TypeError, "cross_entropy: ignore_index must be an int (a class index), got %s",
                     Py_TYPE(index)->tp_name);
        return false;
      }
      in->ignore = PyLong_AsLongLong(index);
      if (in->ignore == -1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return false;
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "cross_entropy: ignore_index %R is out of the 64-bit integer range", index);
        return false;
      }
    }
    in->target.reset(t64.release());
    const std::int64_t* tp = arrays::data<const std::int64_t>(in->target.array());
    for (std::size_t s = 0; s < in->samples(); ++s) {
      if (in->kept(s) && (tp[s] < 0 || static_cast<std::size_t>(tp[s]) >= in->classes)) {
        PyErr_Format(PyExc_ValueError, "target: class index %lld is out of range for %zd classes",
                     static_cast<long long>(tp[s]), static_cast<Py_ssize_t>(in->classes));
        return false;
      }
    }
    return true;
  }
  if (!PyTypeNum_ISFLOAT(type)) {
    PyErr_Format(PyExc_TypeError, "target: expected integer class indices or floating-point probabilities, got dtype %S",
                 reinterpret_cast<PyObject*>(PyArray_DESCR(ta)));
    return false;
  }
  if (!arrays::same_shape(ta, la)) {
    Owned want(PyObject_GetAttrString(in->logits.p, "shape")), got(PyObject_GetAttrString(t.p, "shape"));
    PyErr_Format(PyExc_ValueError, "target: probabilities must have the logits' shape %S, got %S", want.p, got.p);
    return false;
  }
  if (v[kIgnore]) {
    PyErr_SetString(PyExc_ValueError, "cross_entropy: ignore_index applies to class-index targets only");
    return false;
  }
  Owned q(as_float64(t.p));
  if (!q.p) return false;
  const double* qp = arrays::data<const double>(q.array());
  const double eps = in->smoothing, uniform = eps / static_cast<double>(in->classes);
  in->distribution.resize(in->samples() * in->classes);
  for (std::size_t s = 0; s < in->samples(); ++s)
    for (std::size_t c = 0; c < in->classes; ++c)
      in->distribution[s * in->classes + c] = eps != 0.0 ? qp[in->at(s, c)] * (1 - eps) + uniform : qp[in->at(s, c)];
  return true;
}

// log_softmax (or softmax) of the logits along the class axis, in their compute format.
PyArrayObject* row_kernel(const CrossEntropyInputs& in, RowKind kind) {
  Owned x(arrays::converted(in.logits.array(), in.compute));
  if (!x.p) return nullptr;
  PyArrayObject* y = arrays::new_like(x.array(), in.compute);
  if (!y) return nullptr;
  const bool ok = with_format(in.compute, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      run_rows<T>(kind, arrays::data<const T>(x.array()), arrays::data<T>(y), in.outer, in.classes, in.inner, false);
    }
  });
  if (!ok) {
    Py_DECREF(y);
    return nullptr;
  }
  return y;
}

// Class indices without smoothing, the common case: loss_s = w_t (lse_s - x_t), from one
// logsumexp per sample in double (rowwise/logsumexp.h), so no log-softmax of the whole batch is
// written. False (nothing set) where some kept sample's lse is not finite (a row with +inf or
// NaN, or of -inf only), whose limits the log-softmax path below gives.
bool cross_entropy_from_logsumexp(const CrossEntropyInputs& in, std::vector<double>& per, double& weights) {
  Owned x(arrays::converted(in.logits.array(), in.compute));
  if (!x.p) return false;
  const std::size_t n = in.samples();
  std::vector<double> lse(n);
  bool finite = true;
  with_format(in.compute, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      const T* xp = arrays::data<const T>(x.array());
      run_logsumexp<T>(xp, lse.data(), in.outer, in.classes, in.inner, false);
      for (std::size_t s = 0; s < n && finite; ++s) {
        if (!in.kept(s)) continue;  // per[s] stays 0
        const std::size_t t = in.class_of(s);
        const double wt = in.weight.empty() ? 1.0 : in.weight[t];
        finite = std::isfinite(lse[s]);
        weights += wt;
        per[s] = wt * (lse[s] - static_cast<double>(xp[in.at(s, t)]));
      }
    }
  });
  return finite;
}

PyObject* cross_entropy(PyObject* const* v) {
  CrossEntropyInputs in;
  if (!cross_entropy_inputs(v, &in)) return nullptr;
  in.compute = arrays::compute_format(in.result);
  if (in.indices && in.smoothing == 0.0) {
    std::vector<double> per(in.samples());
    double weights = 0.0;
    if (cross_entropy_from_logsumexp(in, per, weights))
      return reduced(per, in.reduction, weights, in.sample_ndim, in.sample_shape, in.result);
    if (PyErr_Occurred()) return nullptr;
  }
  Owned logp(row_kernel(in, RowKind::log_softmax));
  if (!logp.p) return nullptr;
  const std::size_t n = in.samples(), classes = in.classes;
  const double eps = in.smoothing;
  std::vector<double> per(n);
  double weights = 0.0;
  with_format(in.compute, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      const T* lp = arrays::data<const T>(logp.array());
      for (std::size_t s = 0; s < n; ++s) {
        if (in.indices) {
          if (!in.kept(s)) continue;  // per[s] stays 0
          const std::size_t t = in.class_of(s);
          const double wt = in.weight.empty() ? 1.0 : in.weight[t];
          weights += wt;
          const double nll = -wt * static_cast<double>(lp[in.at(s, t)]);
          if (eps == 0.0) {
            per[s] = nll;
            continue;
          }
          double total = 0.0;  // sum over classes of (w_c) logp_c
          for (std::size_t c = 0; c < classes; ++c)
            total += (in.weight.empty() ? 1.0 : in.weight[c]) * static_cast<double>(lp[in.at(s, c)]);
          per[s] = (1 - eps) * nll + eps / static_cast<double>(classes) * -total;
        } else {
          double total = 0.0;  // 0 * -inf counts as 0 (PyTorch's xlogy)
          for (std::size_t c = 0; c < classes; ++c) {
            const double wq = in.distribution[s * classes + c] * (in.weight.empty() ? 1.0 : in.weight[c]);
            total += wq == 0.0 ? 0.0 : wq * static_cast<double>(lp[in.at(s, c)]);
          }
          per[s] = -total;
        }
      }
    }
  });
  const double denominator = in.indices ? weights : static_cast<double>(n);
  return reduced(per, in.reduction, denominator, in.sample_ndim, in.sample_shape, in.result);
}

PyObject* cross_entropy_backward(PyObject* const* v) {
  CrossEntropyInputs in;
  if (!cross_entropy_inputs(v, &in)) return nullptr;
  in.compute = arrays::compute_format(in.result);
  Owned ga;
  bool per_sample;
  if (!upstream(v[kUpstream], in.reduction, in.sample_ndim, in.sample_shape, "cross_entropy", &ga, &per_sample))
    return nullptr;
  const double* g = arrays::data<const double>(ga.array());
  const std::size_t n = in.samples(), classes = in.classes;
  const double eps = in.smoothing, share = eps / static_cast<double>(classes);
  auto weight = [&](std::size_t c) { return in.weight.empty() ? 1.0 : in.weight[c]; };
  if (!in.indices) {  // (sum(w q) p - w q) g / N, in double
    Owned logp(row_kernel(in, RowKind::log_softmax));
    Owned grad(logp.p ? arrays::new_like(logp.array(), Float::f64) : nullptr);
    if (!grad.p) return nullptr;
    double* gp = arrays::data<double>(grad.array());
    const double denominator = in.reduction == Reduction::mean ? static_cast<double>(n > 0 ? n : 1) : 1.0;
    with_format(in.compute, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (!kIs16Bit<T>) {
        const T* lp = arrays::data<const T>(logp.array());
        for (std::size_t s = 0; s < n; ++s) {
          double total = 0.0;
          for (std::size_t c = 0; c < classes; ++c) total += in.distribution[s * classes + c] * weight(c);
          const double gs = per_sample ? g[s] : g[0];
          for (std::size_t c = 0; c < classes; ++c) {
            const double wq = in.distribution[s * classes + c] * weight(c);
            gp[in.at(s, c)] = (total * std::exp(static_cast<double>(lp[in.at(s, c)])) - wq) * gs / denominator;
          }
        }
      }
    });
    return reinterpret_cast<PyObject*>(arrays::converted(grad.array(), in.result));
  }
  // Class indices: softmax scaled per sample, minus the (weighted) one-hot, formed in place in the
  // logits' format: (1 - eps) wt (p - onehot) + eps/C (sum(w) p - w), times g / denominator.
  double weights = 0.0, weight_sum = 0.0;
  for (std::size_t s = 0; s < n; ++s)
    if (in.kept(s)) weights += weight(in.class_of(s));
  for (std::size_t c = 0; c < classes; ++c) weight_sum += weight(c);
  const double denominator = in.reduction == Reduction::mean ? weights : 1.0;
  Owned grad(row_kernel(in, RowKind::softmax));
  if (!grad.p) return nullptr;
  with_format(in.compute, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      T* gp = arrays::data<T>(grad.array());
      for (std::size_t s = 0; s < n; ++s) {
        const bool kept = in.kept(s);
        const double scale = kept ? (per_sample ? g[s] : g[0]) / denominator : 0.0;
        const std::size_t t = in.class_of(s);
        const double hit = (1 - eps) * (kept ? weight(t) : 0.0) * scale;  // the one-hot's coefficient
        const T coefficient = static_cast<T>(hit + share * weight_sum * scale);
        for (std::size_t c = 0; c < classes; ++c) gp[in.at(s, c)] *= coefficient;
        gp[in.at(s, t)] -= static_cast<T>(hit);
        if (eps != 0.0)
          for (std::size_t c = 0; c < classes; ++c)
            gp[in.at(s, c)] -= static_cast<T>(share * scale) * static_cast<T>(weight(c));
      }
    }
  });
  return reinterpret_cast<PyObject*>(arrays::converted(grad.array(), in.result));
}

// -- binary_cross_entropy_with_logits ---------------------------------------------------------

// The call's argument slots: weight comes last in both (after backward's g), so that the order
// of the arguments before it stays as it was.
enum { kBceLogits, kBceTarget, kBceReduction, kBcePosWeight };
constexpr int kBceUpstream = 4;
int bce_weight_slot(bool backward) { return backward ? 5 : 4; }

// x and t in double, the per-element weight of the positive term 1 + (pw - 1) t and the
// per-element rescaling `weight` (empty: none).
struct BceInputs {
  Owned x, t;
  Float result = Float::none;
  Reduction reduction = Reduction::mean;
  std::vector<double> positive_weight, weight;
};

// `value` broadcast to x's shape, in double, one entry per element of x; false with a ValueError
// naming `name` when it does not broadcast.
bool broadcast_to_logits(PyObject* value, const char* name, PyArrayObject* x, std::vector<double>* out) {
  Float format;
  Owned a(arrays::normalized(value, name, &format));
  if (!a.p) return false;
  static PyObject* broadcast_to = nullptr;  // numpy.broadcast_to, looked up once
  if (!broadcast_to) {
    Owned numpy(PyImport_ImportModule("numpy"));
    if (!numpy.p || !(broadcast_to = PyObject_GetAttrString(numpy.p, "broadcast_to"))) return false;
  }
  Owned shape(PyObject_GetAttrString(reinterpret_cast<PyObject*>(x), "shape"));
  Owned wide(shape.p ? PyObject_CallFunctionObjArgs(broadcast_to, a.p, shape.p, nullptr) : nullptr);
  if (!wide.p) {
    PyErr_Clear();
    Owned given(PyObject_GetAttrString(a.p, "shape"));
    PyErr_Format(PyExc_ValueError, "%s: shape %S does not broadcast to the logits' shape %S", name, given.p, shape.p);
    return false;
  }
  Owned wide64(as_float64(wide.p));
  if (!wide64.p) return false;
  const double* p = arrays::data<const double>(wide64.array());
  out->assign(p, p + arrays::element_count(x));
  return true;
}

bool bce_inputs(PyObject* const* v, bool backward, BceInputs* in) {
  const char* owner = "binary_cross_entropy_with_logits";
  Float tt;
  Owned la(arrays::normalized(v[kBceLogits], "logits", &in->result));
  Owned ta(la.p ? arrays::normalized(v[kBceTarget], "target", &tt) : nullptr);
  if (!ta.p) return false;
  if (!arrays::same_shape(la.array(), ta.array())) {
    Owned want(PyObject_GetAttrString(la.p, "shape")), got(PyObject_GetAttrString(ta.p, "shape"));
    PyErr_Format(PyExc_ValueError, "target: must have the logits' shape %S, got %S", want.p, got.p);
    return false;
  }
  if (!reduction_of(v[kBceReduction], owner, &in->reduction)) return false;
  in->x.reset(reinterpret_cast<PyObject*>(arrays::converted(la.array(), Float::f64)));
  in->t.reset(reinterpret_cast<PyObject*>(arrays::converted(ta.array(), Float::f64)));
  if (!in->x.p || !in->t.p) return false;
  if (v[kBcePosWeight]) {
    if (!broadcast_to_logits(v[kBcePosWeight], "pos_weight", in->x.array(), &in->positive_weight)) return false;
    const double* t = arrays::data<const double>(in->t.array());
    for (std::size_t i = 0; i < in->positive_weight.size(); ++i)
      in->positive_weight[i] = 1.0 + (in->positive_weight[i] - 1.0) * t[i];
  }
  PyObject* weight = v[bce_weight_slot(backward)];
  if (weight && !broadcast_to_logits(weight, "weight", in->x.array(), &in->weight)) return false;  // None: nullptr
  return true;
}

// f(-x) for every logit, by the op `op`'s float64 forward kernel.
std::vector<double> of_minus_x(OpId op, PyArrayObject* x) {
  const std::size_t n = arrays::element_count(x);
  std::vector<double> minus(n), result(n);
  const double* xp = arrays::data<const double>(x);
  for (std::size_t i = 0; i < n; ++i) minus[i] = -xp[i];
  run_unary<double>(static_cast<std::size_t>(op), static_cast<int>(UnaryKind::forward), minus.data(), result.data(), n,
                    ParamValues{1.0, 0.0});
  return result;
}

PyObject* bce(PyObject* const* v) {
  BceInputs in;
  if (!bce_inputs(v, false, &in)) return nullptr;
  PyArrayObject* xs = in.x.array();
  std::vector<double> per;
  if (!with_format(Float::f64, [&](auto) { per = of_minus_x(OpId::softplus_unit, xs); })) return nullptr;
  const double* x = arrays::data<const double>(xs);
  const double* t = arrays::data<const double>(in.t.array());
  for (std::size_t i = 0; i < per.size(); ++i)  // softplus(-x) = log(1 + e^-x), accurate for every x
    per[i] = ((1 - t[i]) * x[i] + (in.positive_weight.empty() ? per[i] : in.positive_weight[i] * per[i])) *
             (in.weight.empty() ? 1.0 : in.weight[i]);
  return reduced(per, in.reduction, static_cast<double>(per.size()), PyArray_NDIM(xs), PyArray_DIMS(xs), in.result);
}

PyObject* bce_backward(PyObject* const* v) {
  BceInputs in;
  if (!bce_inputs(v, true, &in)) return nullptr;
  PyArrayObject* xs = in.x.array();
  Owned ga;
  bool per_sample;
  if (!upstream(v[kBceUpstream], in.reduction, PyArray_NDIM(xs), PyArray_DIMS(xs), "binary_cross_entropy_with_logits",
                &ga, &per_sample))
    return nullptr;
  std::vector<double> s;
  if (!with_format(Float::f64, [&](auto) { s = of_minus_x(OpId::sigmoid, xs); })) return nullptr;
  const std::size_t n = s.size();
  Owned grad(arrays::new_like(xs, Float::f64));
  if (!grad.p) return nullptr;
  double* gp = arrays::data<double>(grad.array());
  const double* t = arrays::data<const double>(in.t.array());
  const double* g = arrays::data<const double>(ga.array());
  const double denominator = in.reduction == Reduction::mean ? static_cast<double>(n > 0 ? n : 1) : 1.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = (1 - t[i]) - (in.positive_weight.empty() ? s[i] : in.positive_weight[i] * s[i]);
    gp[i] = d * (in.weight.empty() ? 1.0 : in.weight[i]) * (per_sample ? g[i] : g[0]) / denominator;
  }
  return reinterpret_cast<PyObject*>(arrays::converted(grad.array(), in.result));
}

// -- the type ---------------------------------------------------------------------------------

PyObject* run(PyObject* self, bool is_backward, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  const int kind = kind_of(self);  // Loss
  if (kind < 0) {
    PyErr_SetString(PyExc_TypeError, "this loss was not configured");
    return nullptr;
  }
  const Loss loss = static_cast<Loss>(kind);
  PyObject* values[8];
  auto call = [&] { return call_name(name_of(loss), is_backward ? "backward" : ""); };  // for errors only
  if (!bind_arguments(call, argument_names(loss, is_backward), args, nargs, kwnames, values)) return nullptr;
  // No NumPy floating-point warning escapes: a loss over no weight is NaN, silently.
  if (loss == Loss::cross_entropy) return is_backward ? cross_entropy_backward(values) : cross_entropy(values);
  return is_backward ? bce_backward(values) : bce(values);
}

PyMethodDef loss_methods[] = {
    {"backward", as_method(backward_entry<run>), METH_FASTCALL | METH_KEYWORDS,
     "d loss / d logits (the logits' shape) times the upstream gradient ``g`` (default 1)."},
    {"_configure", kind_configure<2>, METH_VARARGS, "_configure(kind): which loss this is (_core.LOSS_KINDS)."},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot loss_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(kind_new)},
    {Py_tp_call, reinterpret_cast<void*>(call_entry<run>)},
    {Py_tp_methods, loss_methods},
    {Py_tp_doc, const_cast<char*>("A loss on logits (see fastact.CrossEntropy).")},
    {0, nullptr}};

PyType_Spec loss_spec = {"fastact._core.LossOp", sizeof(KindObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
                         loss_slots};

}  // namespace

void add_loss_op(py::module_& m) {
  add_type(m, loss_spec, "LossOp");
  py::dict kinds;  // the kind codes, from the C++ enum
  kinds["cross_entropy"] = static_cast<int>(Loss::cross_entropy);
  kinds["binary_cross_entropy_with_logits"] = static_cast<int>(Loss::binary_cross_entropy);
  m.attr("LOSS_KINDS") = kinds;
}

}  // namespace fastact
