// logsumexp along one axis: one double per reduction group, m + log(sum e^(x - m)) with m the
// group's maximum (shifted by 0 where m is not finite, so the limits come out of the sum itself).
// Used by fastact.logsumexp (rounded once to the input's type) and by cross_entropy's forward
// (loss = lse - x[target], in double), which so never writes the log-softmax of the whole batch.
//
// The terms are softmax's: x - m as an exact pair, e^(x - m) in the input's type, summed in
// double (float) or compensated (double, lane_sums.h); m + log s is added in double (float) or
// long double (double). For float the terms' errors (2^-23 relative at most) leave log s, and so
// the result, within 2^-23 absolute: a quarter of an ULP where |result| >= kSmall = 4. Below it
// lse = m + log s may cancel (two elements of -0.69 give 2e-4), and there that error would be
// thousands of ULP, so a float group with a result below 4 is summed again from its widened
// lanes, whose exponentials in double are good to 2^-53: the float64 formula, rounded once.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include "../math/log.h"
#include "lane_sums.h"
#include "softmax.h"
#include "strip.h"

namespace fastact::rowwise {

inline constexpr double kSmall = 4.0;

// e^d for d <= 0 or NaN; d > 0 (only where the shift is 0 because m = +inf) is taken as 0, since
// that group's result is +inf (or NaN) whatever its sum.
template <class D>
inline D exp_nonpositive(math::Pair<D> d) {
  using T = typename D::Scalar;
  const auto positive = d.hi > D(T(0));
  return exp_shifted(math::Pair<D>{select(positive, D(T(0)), d.hi), select(positive, D(T(0)), d.lo)});
}

// Float groups' results from their maxima m (widened) and sums s = h + l, per lane of the double
// vector D: m + log s with the vector log (math/log.h, about an ULP of double: far below the
// float result's), so a block of short rows takes every row's logarithm at once. A NaN sum gives
// NaN (the maximum may not have kept a NaN element), m = +-inf its limit (-inf: every element
// -inf, log 0).
template <class D>
inline D float_logsumexp_from(D m, D s) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const D r = m + math::log_from(math::reduce_log(s));  // s >= 1 where it is used
  return select(is_nan(s), s, select(m == D(kInf), D(kInf), select(m == D(-kInf), D(-kInf), r)));
}

// The group's result from its maximum m (any lane of the group) and its sum h + l; D: the double
// vector type, for float groups (the same steps as a block of short rows takes).
template <class D, class T>
inline double logsumexp_from(T m, double h, double l) {
  if constexpr (sizeof(T) == 4) {
    double r[D::kLanes];
    float_logsumexp_from(D(static_cast<double>(m)), D(h + l)).store(r);
    return r[0];
  } else {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    const double s = h + l;
    if (std::isnan(s)) return s;  // a NaN anywhere (the maximum may not have kept it)
    if (m == std::numeric_limits<T>::infinity()) return kInf;
    if (m == -std::numeric_limits<T>::infinity()) return -kInf;  // every element -inf: log 0
    return static_cast<double>(static_cast<long double>(m) +
                               std::log(static_cast<long double>(h) + static_cast<long double>(l)));
  }
}

// One group (`combine`: a row walk, one result in out[0]) or one block of columns (a result per
// lane with data, out[0 .. lanes)).
template <class V, std::size_t U>
void logsumexp_group(const typename V::Scalar* x, double* out, const Strip<V, U>& strip, bool combine,
                     bool refine) {
  using T = typename V::Scalar;
  using Parts = decltype(double_lanes(V(T(0))));
  using D = std::remove_reference_t<decltype(std::declval<Parts&>().part[0])>;
  constexpr std::size_t W = V::kLanes;
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  V m[U], shift[U];
  const bool simple = group_max_and_simple(x, strip, combine, m);
  for (std::size_t u = 0; u < U; ++u)
    shift[u] = select(abs(m[u]) <= V(std::numeric_limits<T>::max()), m[u], V(T(0)));
  double hi[U][W], lo[U][W];
  // The exponentials in T, x - m as an exact pair (softmax's terms, and its simple rows' shortcut),
  // summed as lane_sums.h does.
  auto sum_in_t = [&] {
    LaneSums<V> sums[U];
    const auto sum_of = [&](auto exp_of) {
      strip.for_each([&](std::size_t k, auto full) {
        for (std::size_t u = 0; u < U; ++u) sums[u].add(exp_of(strip.load(x, k, u, kNegInf, full), shift[u], full));
      });
    };
    if (simple) {
      sum_of([](V v, V s, auto step) { return exp_in_simple_row(v, s, step); });
    } else {
      sum_of([](V v, V s, auto) { return exp_nonpositive(shifted<false>(v, s)); });
    }
    for (std::size_t u = 0; u < U; ++u) sums[u].read(hi[u], lo[u]);
  };
  // float only: the exponentials of the widened lanes, in double.
  auto sum_widened = [&] {
    constexpr std::size_t kParts = std::size(Parts{}.part);
    Parts sums[U], shifts[U];
    for (std::size_t u = 0; u < U; ++u) {
      shifts[u] = double_lanes(shift[u]);
      for (auto& p : sums[u].part) p = D(0.0);
    }
    strip.for_each([&](std::size_t k, auto full) {
      for (std::size_t u = 0; u < U; ++u) {
        const Parts xd = double_lanes(strip.load(x, k, u, kNegInf, full));
        for (std::size_t p = 0; p < kParts; ++p)
          sums[u].part[p] = sums[u].part[p] + exp_nonpositive(math::Pair<D>{xd.part[p] - shifts[u].part[p], D(0.0)});
      }
    });
    for (std::size_t u = 0; u < U; ++u) {
      for (std::size_t p = 0; p < kParts; ++p) sums[u].part[p].store(hi[u] + p * D::kLanes);
      for (std::size_t i = 0; i < W; ++i) lo[u][i] = 0.0;
    }
  };
  T lane_max[U][W];
  for (std::size_t u = 0; u < U; ++u) m[u].store(lane_max[u]);
  // The results from hi/lo; false where one of them is below kSmall in magnitude.
  auto results = [&] {
    bool large = true;
    auto put = [&](double* at, double r) {
      *at = r;
      large &= !(std::fabs(r) < kSmall);
    };
    if (combine) {
      // The U * W lanes (kRowLanes, or one vector's), numbered across the vectors, as a tree: lane
      // j + N/2 into j, then j + N/4, ..., every step total_step. Short dependency chains (one chain
      // through every lane was most of a short row's time), and the same order on every ISA.
      constexpr std::size_t N = U * W;
      double h[N], l[N];
      for (std::size_t u = 0; u < U; ++u)
        for (std::size_t i = 0; i < W; ++i) h[u * W + i] = hi[u][i], l[u * W + i] = lo[u][i];
      for (std::size_t half = N / 2; half >= 1; half /= 2)
        for (std::size_t j = 0; j < half; ++j) total_step<T>(h[j], l[j], h[j + half], l[j + half]);
      put(out, logsumexp_from<D>(lane_max[0][0], h[0], std::isfinite(h[0]) ? l[0] : 0.0));
      return large;
    }
    for (std::size_t u = 0; u < U; ++u)
      for (std::size_t i = 0; i < W && u * W + i < strip.lanes; ++i)
        put(out + u * W + i, logsumexp_from<D>(lane_max[u][i], hi[u][i], std::isfinite(hi[u][i]) ? lo[u][i] : 0.0));
    return large;
  };
  sum_in_t();
  if (results() || sizeof(T) == 8 || !refine) return;
  sum_widened();  // float with a result near 0: again, with every term good to 2^-53
  results();
}

// W rows of len <= W elements each (the rows of a short-row batch), with lanes as rows: the block
// is transposed through a small buffer, so a row's fold across lanes becomes vector operations
// across the block. The same steps as logsumexp_group's walk of one such row, so the same bits:
// its maximum folded as combine_all folds (lanes_max), its one term per lane, the lanes added as
// the same tree of total_steps (lanes past the row hold 0), and a row whose float result is below
// kSmall summed again from widened elements.
template <class V>
void logsumexp_row_block(const typename V::Scalar* x, double* out, std::size_t len, bool refine) {
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes;
  alignas(64) T buf[W][W];
  rows_to_lanes<V>(x, len, buf);
  const V m = lanes_max<V>(buf, len);
  const V shift = select(abs(m) <= V(std::numeric_limits<T>::max()), m, V(T(0)));
  T lane_max[W];
  m.store(lane_max);
  using Lanes = decltype(double_lanes(V(T(0))));
  using D = std::remove_reference_t<decltype(std::declval<Lanes&>().part[0])>;
  constexpr std::size_t kParts = std::size(Lanes{}.part);
  // The row totals from the terms `term(k)` (double lanes), as the tree of logsumexp_group.
  auto rows_from = [&](auto&& term, double* result) {
    Lanes h, l;
    tree_of_terms<T, W>(len, term, h, l);
    bool large = true;
    if constexpr (sizeof(T) == 4) {  // every row's logarithm at once; float totals have no low part
      const Lanes ms = double_lanes(m);
      for (std::size_t p = 0; p < kParts; ++p) {
        const D r = float_logsumexp_from(ms.part[p], h.part[p]);
        r.store(result + p * D::kLanes);
        large &= !any(abs(r) < D(kSmall));
      }
    } else {
      double hs[W], ls[W];
      h.part[0].store(hs);
      l.part[0].store(ls);
      for (std::size_t r = 0; r < W; ++r) {
        result[r] = logsumexp_from<D>(lane_max[r], hs[r], std::isfinite(hs[r]) ? ls[r] : 0.0);
        large &= !(std::fabs(result[r]) < kSmall);
      }
    }
    return large;
  };
  const bool large = rows_from([&](std::size_t k) {
    return double_lanes(exp_nonpositive(shifted<false>(V::load(buf[k]), shift)));
  }, out);
  if (large || sizeof(T) == 8 || !refine) return;
  double again[W];  // float rows below kSmall: their widened terms, in double
  const Lanes shifts = double_lanes(shift);
  rows_from([&](std::size_t k) {
    Lanes e = double_lanes(V::load(buf[k]));
    for (std::size_t p = 0; p < kParts; ++p)
      e.part[p] = exp_nonpositive(math::Pair<D>{e.part[p] - shifts.part[p], D(0.0)});
    return e;
  }, again);
  for (std::size_t r = 0; r < W; ++r)
    if (std::fabs(out[r]) < kSmall) out[r] = again[r];
}

// Every group of a C-contiguous (outer, len, inner) array, for the first `columns` columns:
// out[o * inner + j] for group (o, j). A group of no elements gives -inf (log 0). Without
// `refine`, float results below kSmall keep the float terms' 2^-23 absolute error (cross_entropy,
// whose loss lse - x_t carries that error anyway, as the log-softmax it replaces did).
template <class V>
void logsumexp(const typename V::Scalar* x, double* out, std::size_t outer, std::size_t len, std::size_t inner,
               std::size_t columns, bool refine) {
  constexpr std::size_t kBlock = kColumnVectors * V::kLanes;
  std::size_t o = 0;
  if (inner == 1 && len > 0 && len <= V::kLanes) {  // short rows: whole blocks of W with lanes as rows
    for (; o + V::kLanes <= outer; o += V::kLanes) logsumexp_row_block<V>(x + o * len, out + o, len, refine);
  }
  for (; o < outer; ++o) {
    if (len == 0) {
      for (std::size_t j = 0; j < columns; ++j) out[o * inner + j] = -std::numeric_limits<double>::infinity();
    } else if (inner == 1) {
      with_row_vectors<V>(len, [&](auto vectors) {
        logsumexp_group<V>(x + o * len, out + o, Strip<V, decltype(vectors)::value>::along_row(len), true, refine);
      });
    } else {
      for (std::size_t j = 0; j < columns; j += kBlock) {
        const std::size_t lanes = columns - j < kBlock ? columns - j : kBlock;
        logsumexp_group<V>(x + o * len * inner + j, out + o * inner + j,
                           Strip<V, kColumnVectors>::across_columns(len, inner, lanes), false, refine);
      }
    }
  }
}

}  // namespace fastact::rowwise
