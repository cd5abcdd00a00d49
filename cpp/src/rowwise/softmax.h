// softmax and log-softmax along one axis, and their backward passes from the saved output,
// written once against the thin vector type (see strip.h for how a reduction group is walked).
//
// Forward, per group: m = max x; e_k = e^(x_k - m) with x_k - m carried as an exact pair (its
// rounding would be amplified by |x_k - m| in the exponential, up to ~100 ULP of e_k); s = sum e_k
// (lane_sums.h: double for float, compensated for double); then
//   softmax     y_k = e_k * (1/s)                    (<= ~2.5 ULP: exp, 1/s, the product)
//   log_softmax y_k = (d_hi - L_hi) + (d_lo - L_lo)  with L = log s as a pair (log in double for
//               float, in long double for double), so y near 0 keeps an absolute error of a
//               fraction of its ULP even when L ~ 14 (a row of a million).
// Special rows (DESIGN.md §5, documented in the README):
//   NaN anywhere -> the whole row is NaN (it reaches every element through s);
//   all -inf     -> NaN (x - m = -inf - -inf), as PyTorch; softmax with `safe`: zeros;
//   +inf present -> the limit: the k elements equal to +inf share the mass (softmax 1/k, log_softmax
//                   -log k), every other element gets 0 (log_softmax -inf).
// Backward from the output y:
//   softmax     out = y * (g - sum g*y)
//   log_softmax out = g - e^y * sum g
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include "../math/exp.h"
#include "../math/pair.h"
#include "lane_sums.h"
#include "strip.h"

namespace fastact::rowwise {

// x - m as an exact pair for x <= m (TwoSum). Where x = m = +inf the difference is taken as 0
// (the +inf rule above). The low part is NaN where the high part is infinite (x = -inf):
// exp_shifted() discards it there; finite_low() clears it for callers that add it.
template <class V>
inline math::Pair<V> shifted(V x, V m) {
  using T = typename V::Scalar;
  const math::Pair<V> d = math::two_sum(x, -m);
  const auto both_inf = (x == m) & (m == V(std::numeric_limits<T>::infinity()));
  return {select(both_inf, V(T(0)), d.hi), select(both_inf, V(T(0)), d.lo)};
}

template <class V>
inline math::Pair<V> finite_low(math::Pair<V> d) {
  using T = typename V::Scalar;
  return {d.hi, select(abs(d.hi) <= V(std::numeric_limits<T>::max()), d.lo, V(T(0)))};
}

// e^(hi + lo) for hi <= 0 (or NaN), flushed to +0 where it is below the normal range: every
// softmax result there is below 2^-126 as well (the row's sum is >= 1).
template <class V>
inline V exp_shifted(math::Pair<V> d) {
  using T = typename V::Scalar;
  const V lowest(math::ExpConstants<T>::kMinNormalArg);
  const math::ExpSplit<V> e = math::exp_split(max(lowest, d.hi), d.lo);  // NaN passes through max
  const V s = pow2_from_biased(e.biased);
  return select(d.hi < lowest, V(T(0)), mul_add(s, e.q, s));
}

// All lanes of v folded into one value by `f`.
template <class V, class F>
inline typename V::Scalar combined(V v, F&& f) {
  typename V::Scalar lane[V::kLanes];
  v.store(lane);
  typename V::Scalar r = lane[0];
  for (std::size_t i = 1; i < V::kLanes; ++i) r = f(r, lane[i]);
  return r;
}

// The maximum of each lane, or of all lanes broadcast (`combine`, along a row). A NaN may or may
// not survive here (x86 max semantics); it always reaches the sums. With `nan_seen`, also marks
// (1 in a lane, or in every lane when combining) where any element was NaN.
template <class V>
inline V group_max(const typename V::Scalar* x, const Strip<V>& strip, bool combine, V* nan_seen = nullptr) {
  using T = typename V::Scalar;
  const T lowest = -std::numeric_limits<T>::infinity();
  V m(lowest), nan(T(0));
  if (nan_seen) {
    strip.for_each([&](std::size_t k, auto full) {
      const V v = strip.load(x, k, lowest, full);
      m = max(m, v);
      nan = select(is_nan(v), V(T(1)), nan);
    });
  } else {
    // Four independent chains: one max per vector would wait on the previous one's latency.
    V m1(lowest), m2(lowest), m3(lowest);
    std::size_t k = 0;
    for (; k + 4 <= strip.full; k += 4) {
      m = max(m, strip.load(x, k, lowest, Full{}));
      m1 = max(m1, strip.load(x, k + 1, lowest, Full{}));
      m2 = max(m2, strip.load(x, k + 2, lowest, Full{}));
      m3 = max(m3, strip.load(x, k + 3, lowest, Full{}));
    }
    for (; k < strip.full; ++k) m = max(m, strip.load(x, k, lowest, Full{}));
    for (; k < strip.count; ++k) m = max(m, strip.load(x, k, lowest, Partial{}));
    m = max(max(m, m1), max(m2, m3));
  }
  if (nan_seen) *nan_seen = combine ? V(combined(nan, [](T a, T b) { return a > b ? a : b; })) : nan;
  return combine ? V(combined(m, [](T a, T b) { return b > a ? b : a; })) : m;
}

// Each lane's total as a double pair (hi, lo), or all lanes' total in every lane (`combine`).
// The low part is dropped where the high part is not finite.
template <class V>
inline void lane_totals(const LaneSums<V>& sums, bool combine, double* hi, double* lo) {
  constexpr std::size_t W = V::kLanes;
  sums.read(hi, lo);
  if (combine) {
    double h = hi[0], l = lo[0];
    for (std::size_t i = 1; i < W; ++i) {
      const double s = h + hi[i];  // TwoSum in scalar double
      const double bv = s - h;
      l += ((h - (s - bv)) + (hi[i] - bv)) + lo[i];
      h = s;
    }
    for (std::size_t i = 0; i < W; ++i) hi[i] = h, lo[i] = l;
  }
  for (std::size_t i = 0; i < W; ++i) {
    if (!std::isfinite(hi[i])) lo[i] = 0.0;
  }
}

template <class V>
void softmax_group(const typename V::Scalar* x, typename V::Scalar* y, const Strip<V>& strip, bool combine,
                   bool safe) {
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes;
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  V nan_seen;
  const V m = group_max(x, strip, combine, safe ? &nan_seen : nullptr);
  LaneSums<V> sums;
  strip.for_each([&](std::size_t k, auto full) {
    const V e = exp_shifted(shifted(strip.load(x, k, kNegInf, full), m));
    strip.store(y, k, e, full);
    sums.add(e);
  });
  double hi[W], lo[W];
  lane_totals(sums, combine, hi, lo);
  T inv[W];
  for (std::size_t i = 0; i < W; ++i) inv[i] = static_cast<T>(1.0 / (hi[i] + lo[i]));
  V r = V::load(inv);
  // `safe`: a group of -inf only (m = -inf, no NaN) gives zeros; 1/s is never 0 otherwise.
  if (safe) r = select((m == V(kNegInf)) & (nan_seen == V(T(0))), V(T(0)), r);
  if (safe) {
    strip.for_each([&](std::size_t k, auto full) {
      strip.store(y, k, select(r == V(T(0)), V(T(0)), strip.load(y, k, T(0), full) * r), full);
    });
  } else {
    strip.for_each([&](std::size_t k, auto full) { strip.store(y, k, strip.load(y, k, T(0), full) * r, full); });
  }
}

// log s as a pair: computed in double for float (an error of 2^-53 is far below a float ULP of
// anything), in long double for double (64 bits on x86; where long double is double the low part
// is 0 and L carries half a double ULP more).
// Templated on V (not just T) so each ISA's translation unit has its own copy (see vec_avx2.h).
template <class V, class T = typename V::Scalar>
inline void log_pair(double hi, double lo, T& l_hi, T& l_lo) {
  if constexpr (sizeof(T) == 4) {
    const double l = std::log(hi + lo);
    l_hi = static_cast<float>(l);
    l_lo = static_cast<float>(l - static_cast<double>(l_hi));
  } else {
    const long double l = std::log(static_cast<long double>(hi) + static_cast<long double>(lo));
    l_hi = static_cast<double>(l);
    l_lo = static_cast<double>(l - static_cast<long double>(l_hi));
  }
}

template <class V>
void log_softmax_group(const typename V::Scalar* x, typename V::Scalar* y, const Strip<V>& strip, bool combine) {
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes;
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const V m = group_max(x, strip, combine);
  LaneSums<V> sums;
  strip.for_each([&](std::size_t k, auto full) {
    sums.add(exp_shifted(shifted(strip.load(x, k, kNegInf, full), m)));
  });
  double hi[W], lo[W];
  lane_totals(sums, combine, hi, lo);
  T l_hi[W], l_lo[W];
  for (std::size_t i = 0; i < W; ++i) log_pair<V>(hi[i], lo[i], l_hi[i], l_lo[i]);
  const V lh = V::load(l_hi), ll = V::load(l_lo);
  strip.for_each([&](std::size_t k, auto full) {
    const math::Pair<V> d = finite_low(shifted(strip.load(x, k, kNegInf, full), m));
    strip.store(y, k, (d.hi - lh) + (d.lo - ll), full);
  });
}

// A lane total as one value of T (hi + lo rounded once), broadcast back into a vector.
template <class V>
inline V rounded_totals(const LaneSums<V>& sums, bool combine) {
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes;
  double hi[W], lo[W];
  lane_totals(sums, combine, hi, lo);
  T t[W];
  for (std::size_t i = 0; i < W; ++i) t[i] = static_cast<T>(hi[i] + lo[i]);
  return V::load(t);
}

template <class V>
void softmax_backward_group(const typename V::Scalar* g, const typename V::Scalar* y, typename V::Scalar* out,
                            const Strip<V>& strip, bool combine) {
  using T = typename V::Scalar;
  LaneSums<V> sums;
  strip.for_each([&](std::size_t k, auto full) {
    sums.add_product(strip.load(g, k, T(0), full), strip.load(y, k, T(0), full));
  });
  const V dot = rounded_totals(sums, combine);
  strip.for_each([&](std::size_t k, auto full) {
    strip.store(out, k, strip.load(y, k, T(0), full) * (strip.load(g, k, T(0), full) - dot), full);
  });
}

template <class V>
void log_softmax_backward_group(const typename V::Scalar* g, const typename V::Scalar* y, typename V::Scalar* out,
                                const Strip<V>& strip, bool combine) {
  using T = typename V::Scalar;
  LaneSums<V> sums;
  strip.for_each([&](std::size_t k, auto full) { sums.add(strip.load(g, k, T(0), full)); });
  const V total = rounded_totals(sums, combine);
  strip.for_each([&](std::size_t k, auto full) {
    strip.store(out, k, neg_mul_add(math::exp(strip.load(y, k, T(0), full)), total, strip.load(g, k, T(0), full)),
                full);
  });
}

// Runs `group(offset, strip, combine)` over every reduction group of a C-contiguous
// (outer, len, inner) array: one row-walk per row when inner == 1, else column walks of up to
// W adjacent columns.
template <class V, class Group>
inline void for_each_group(std::size_t outer, std::size_t len, std::size_t inner, Group&& group) {
  constexpr std::size_t W = V::kLanes;
  if (len == 0) return;
  for (std::size_t o = 0; o < outer; ++o) {
    const std::size_t base = o * len * inner;
    if (inner == 1) {
      group(base, Strip<V>::along_row(len), true);
    } else {
      for (std::size_t j = 0; j < inner; j += W) {
        group(base + j, Strip<V>::across_columns(len, inner, inner - j < W ? inner - j : W), false);
      }
    }
  }
}

}  // namespace fastact::rowwise
