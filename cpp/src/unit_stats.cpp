// _core.unit_stats(op, z, axis, tol): per-unit statistics of an elementwise op over a batch of
// pre-activations z, in one pass: samples run along `axis`, every other index is a unit. For each
// unit: how many samples have f'(z) == 0 (inactive), how many |f'(z)| < tol (saturated), and
// f(z)'s sum and sum of squares, both taken about the unit's first sample (so the variance does
// not cancel when the mean is large). The op's unit_stats kernel (kernel_loops.h unit_stats_rows)
// evaluates f and f' in registers and folds a block of rows at a time into the counts and sums:
// nothing of z's size is written. Rows are cut into a number of stripes fixed by the shape alone,
// each summed in order and the stripes added in order, so the result does not depend on the
// thread count. fastact.analysis.unit_stats turns the sums into fractions, means and deviations.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "op_parameters.h"
#include "op_results.h"
#include "op_types.h"

namespace fastact {
namespace {

// The running sums of one stripe of rows, one entry per unit (the counts in double too, exact to
// 2^53 samples, so the kernel adds every total a vector at a time).
struct Sums {
  std::vector<double> inactive, saturated, shifted, shifted_squares;
  explicit Sums(std::size_t units) : inactive(units), saturated(units), shifted(units), shifted_squares(units) {}
};

// Every row s of (outer, samples, inner) folds its inner values into units [o * inner, (o + 1) * inner).
template <class T>
void accumulate(const OpKernels<T>& k, const ParamValues& p, const T* z, std::size_t outer, std::size_t samples,
                std::size_t inner, double tol, const std::vector<double>& origin, Sums& total) {
  constexpr std::size_t kMaxStripes = 16;
  const std::size_t rows_per_chunk_ = rows_per_chunk<T>(inner);
  const std::size_t chunks = (samples + rows_per_chunk_ - 1) / rows_per_chunk_;
  const std::size_t stripes = chunks < kMaxStripes ? (chunks ? chunks : 1) : kMaxStripes;
  const std::size_t units = outer * inner;
  std::vector<Sums> partial(stripes, Sums(units));
  const std::vector<T> origin_t(origin.begin(), origin.end());  // f at a sample: exact in T
  auto stripe = [&](std::size_t first, std::size_t last) {
    for (std::size_t st = first; st < last; ++st) {
      Sums& sums = partial[st];
      const std::size_t s0 = samples * st / stripes, s1 = samples * (st + 1) / stripes;
      for (std::size_t o = 0; o < outer; ++o) {
        const std::size_t u = o * inner;
        // kUnitStatsRows rows per kernel call: it sums them in registers, then adds to the totals.
        for (std::size_t b = s0; b < s1; b += kUnitStatsRows) {
          const std::size_t rows = s1 - b < kUnitStatsRows ? s1 - b : kUnitStatsRows;
          k.unit_stats(z + (o * samples + b) * inner, rows, inner, origin_t.data() + u, tol,
                       sums.inactive.data() + u, sums.saturated.data() + u, sums.shifted.data() + u,
                       sums.shifted_squares.data() + u, p);
        }
      }
    }
  };
  if (outer * samples * inner <= kReleaseGilAbove) {
    stripe(0, stripes);
  } else {
    GilRelease release;
    parallel_for(stripes, 1, stripe);
  }
  for (const Sums& s : partial) {
    for (std::size_t u = 0; u < units; ++u) {
      total.inactive[u] += s.inactive[u];
      total.saturated[u] += s.saturated[u];
      total.shifted[u] += s.shifted[u];
      total.shifted_squares[u] += s.shifted_squares[u];
    }
  }
}

template <class T>
py::array_t<T> to_numpy(const std::vector<double>& values) {
  py::array_t<T> a(static_cast<py::ssize_t>(values.size()));
  std::transform(values.begin(), values.end(), a.mutable_data(), [](double v) { return static_cast<T>(v); });
  return a;
}

// Returns (inactive counts, saturated counts, shifted sums, shifted sums of squares, origin,
// samples, units' shape), the per-unit arrays flat in the units' C order.
py::tuple unit_stats(py::object op, py::object z, py::object axis, double tol) {
  const Config* c = elementwise_config(op.ptr());
  if (!c) throw py::type_error("unit_stats: op must be an elementwise op (fastact.get(name))");
  if (!(tol >= 0.0)) throw py::value_error("unit_stats: tol must be a non-negative number");
  Float t;
  Owned za;
  in_compute_format(z.ptr(), "z", &t, za);
  if (!za.p) throw py::error_already_set();
  const Float compute = arrays::compute_format(t);
  PyArrayObject* zs = za.array();
  const int ndim = PyArray_NDIM(zs);
  if (ndim == 0) throw py::value_error("unit_stats: z must have a samples axis");
  int ax;
  if (!arrays::normalize_axis(axis.ptr(), ndim, "unit_stats", &ax)) throw py::error_already_set();
  const npy_intp* dims = PyArray_DIMS(zs);
  std::size_t outer = 1, inner = 1;
  py::list unit_shape;
  for (int i = 0; i < ndim; ++i) {
    if (i < ax) outer *= static_cast<std::size_t>(dims[i]);
    if (i > ax) inner *= static_cast<std::size_t>(dims[i]);
    if (i != ax) unit_shape.append(dims[i]);
  }
  const std::size_t samples = static_cast<std::size_t>(dims[ax]), units = outer * inner;
  Sums total(units);
  std::vector<double> origin(units, 0.0);  // f at each unit's first sample
  const bool ok = with_format(compute, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!kIs16Bit<T>) {
      const auto& k = kernels_of<T>(active_kernels(), static_cast<std::size_t>(c->defaults.op));
      const T* zp = arrays::data<const T>(zs);
      if (samples > 0) {
        std::vector<T> first(inner);
        for (std::size_t o = 0; o < outer; ++o) {
          k.forward(zp + o * samples * inner, first.data(), inner, c->defaults.p);
          for (std::size_t j = 0; j < inner; ++j)
            origin[o * inner + j] = std::isfinite(static_cast<double>(first[j])) ? static_cast<double>(first[j]) : 0.0;
        }
      }
      accumulate<T>(k, c->defaults.p, zp, outer, samples, inner, tol, origin, total);
    }
  });
  if (!ok) throw py::error_already_set();
  return py::make_tuple(to_numpy<std::int64_t>(total.inactive), to_numpy<std::int64_t>(total.saturated),
                        to_numpy<double>(total.shifted), to_numpy<double>(total.shifted_squares),
                        to_numpy<double>(origin), samples, py::tuple(unit_shape));
}

}  // namespace

void add_unit_stats(py::module_& m) {
  m.def("unit_stats", &unit_stats, py::arg("op"), py::arg("z"), py::arg("axis"), py::arg("tol"),
        "Per-unit counts and sums of an elementwise op over a batch (see fastact.analysis.unit_stats).");
}

}  // namespace fastact
