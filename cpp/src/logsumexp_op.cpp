// _core.logsumexp(x, axis): logsumexp along one axis of an array of any of the four float formats,
// as float64 with the axis removed (fastact.logsumexp rounds it once to x's dtype). The kernel
// (rowwise/logsumexp.h) views the array as (outer, len, inner), so no axis needs a copy.
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

}  // namespace

void add_logsumexp(py::module_& m) {
  m.def("logsumexp", &logsumexp, py::arg("x"), py::arg("axis"),
        "logsumexp along one axis, in float64 with the axis removed (see fastact.logsumexp).");
}

}  // namespace fastact
