// _core.logsumexp(x, axis): logsumexp along one axis of an array of any of the four float formats,
// as float64 with the axis removed (fastact.logsumexp rounds it once to x's dtype). The kernel
// (rowwise/logsumexp.h) views the array as (outer, len, inner), so no axis needs a copy.
// _core.logsumexp_backward(g, x, axis): its gradient, g * softmax(x), in x's format.
#include <vector>

#include "op_results.h"
#include "op_types.h"

namespace fastact {
namespace {

py::object logsumexp(py::object x, int axis) {
  Float t;
  Owned xa;
  in_compute_format(x.ptr(), "x", &t, xa);
  if (!xa.p) throw py::error_already_set();
  const Float compute = arrays::compute_format(t);
  PyArrayObject* xs = xa.array();
  const int nd = PyArray_NDIM(xs);
  if (axis < 0 || axis >= (nd > 0 ? nd : 1)) throw py::value_error("logsumexp: axis out of range");
  const npy_intp* shape = PyArray_DIMS(xs);
  std::size_t outer = 1, len = 1, inner = 1;
  std::vector<npy_intp> reduced;
  for (int i = 0; i < nd; ++i) {
    const auto d = static_cast<std::size_t>(shape[i]);
    if (i < axis) outer *= d; else if (i > axis) inner *= d; else len = d;
    if (i != axis) reduced.push_back(shape[i]);
  }
  Owned out(reinterpret_cast<PyObject*>(
      arrays::new_array(Float::f64, static_cast<int>(reduced.size()), reduced.data())));
  if (!out.p) throw py::error_already_set();
  const bool ok = with_format(compute, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      run_logsumexp<T>(arrays::data<const T>(xs), arrays::data<double>(out.array()), outer, len, inner);
    }
  });
  if (!ok) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(out.release());
}

// g * softmax(x) along `axis`, g (float64, C-contiguous) one value per group in the groups' C
// order: softmax's kernel, then each group scaled by its g rounded to the compute type. Rows of
// 16-bit arrays go through float32 a block at a time (the product rounded once to the format);
// 16-bit along another axis through a float32 copy.
py::object logsumexp_backward(py::array_t<double, py::array::c_style> g, py::object x, int axis) {
  Float t;
  Owned xa(arrays::normalized(x.ptr(), "x", &t));
  if (!xa.p) throw py::error_already_set();
  const int nd = PyArray_NDIM(xa.array());
  if (axis < 0 || axis >= (nd > 0 ? nd : 1)) throw py::value_error("logsumexp.backward: axis out of range");
  std::size_t outer = 1, len = 1, inner = 1;
  for (int i = 0; i < nd; ++i) {
    const auto d = static_cast<std::size_t>(PyArray_DIMS(xa.array())[i]);
    if (i < axis) outer *= d; else if (i > axis) inner *= d; else len = d;
  }
  if (static_cast<std::size_t>(g.size()) != outer * inner)
    throw py::value_error("logsumexp.backward: g must hold one value per reduced group");
  const double* gp = g.data();
  if (arrays::is_16bit(t) && inner == 1 && len > 0) {
    PyArrayObject* xs = xa.array();
    Owned y(reinterpret_cast<PyObject*>(arrays::new_like(xs, t)));
    if (!y.p) throw py::error_already_set();
    const bool ok = with_format(t, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (kIs16Bit<T>) {
        const auto softmax = row_kernels_of<float>(active_kernels()).softmax;
        run_rows_through_float<T, 1>({arrays::data<const T>(xs)}, arrays::data<T>(y.array()), outer, len,
                                     [&](float* const (&in)[1], float* out, std::size_t rows, std::size_t first) {
                                       softmax(in[0], out, rows, len, 1, 1, false);
                                       for (std::size_t r = 0; r < rows; ++r) {
                                         const float scale = static_cast<float>(gp[first + r]);
                                         for (std::size_t k = 0; k < len; ++k) out[r * len + k] *= scale;
                                       }
                                     });
      }
    });
    if (!ok) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(y.release());
  }
  const Float compute = arrays::compute_format(t);
  xa.reset(reinterpret_cast<PyObject*>(arrays::converted(xa.array(), compute)));
  if (!xa.p) throw py::error_already_set();
  PyArrayObject* xs = xa.array();
  Owned y(reinterpret_cast<PyObject*>(arrays::new_like(xs, compute)));
  if (!y.p) throw py::error_already_set();
  const bool ok = with_format(compute, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      T* yp = arrays::data<T>(y.array());
      run_rows<T>(RowKind::softmax, arrays::data<const T>(xs), yp, outer, len, inner, false);
      for (std::size_t o = 0; o < outer; ++o) {
        if (inner == 1) {  // a row: one scale
          const T scale = static_cast<T>(gp[o]);
          for (std::size_t k = 0; k < len; ++k) yp[o * len + k] *= scale;
          continue;
        }
        for (std::size_t k = 0; k < len; ++k) {
          T* row = yp + (o * len + k) * inner;
          for (std::size_t i = 0; i < inner; ++i) row[i] *= static_cast<T>(gp[o * inner + i]);
        }
      }
    }
  });
  if (!ok) throw py::error_already_set();
  if (compute != t) y.reset(reinterpret_cast<PyObject*>(arrays::converted(y.array(), t)));
  if (!y.p) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(y.release());
}

}  // namespace

void add_logsumexp(py::module_& m) {
  m.def("logsumexp", &logsumexp, py::arg("x"), py::arg("axis"),
        "logsumexp along one axis, in float64 with the axis removed (see fastact.logsumexp).");
  m.def("logsumexp_backward", &logsumexp_backward, py::arg("g"), py::arg("x"), py::arg("axis"),
        "g * softmax(x) along one axis, g one float64 per reduced group (see fastact.logsumexp.backward).");
}

}  // namespace fastact
