// softmax and log-softmax along one axis, and their backward passes from the saved output,
// written once against the thin vector type (see strip.h for how a reduction group is walked).
//
// Forward, per group: m = max x; e_k = e^(x_k - m) with x_k - m carried as an exact pair (its
// rounding would be amplified by |x_k - m| in the exponential, up to ~100 ULP of e_k); s = sum e_k
// (lane_sums.h: double for float, compensated for double); then
//   softmax     y_k = e_k * (1/s)                    (<= ~2.5 ULP: exp, 1/s, the product)
//   log_softmax y_k = (x_k - C_hi) - C_lo  with L = log s as a pair (log in double for float, in
//               long double for double) and C = m + L as a pair (row_offset), so y near 0 keeps an
//               absolute error of a fraction of its ULP even when L ~ 14 (a row of a million).
// Special rows (docs/numerics.md, documented in the README):
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
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <type_traits>

#include "../math/exp.h"
#include "../math/pair.h"
#include "lane_sums.h"
#include "strip.h"

namespace fastact::rowwise {

// The walk's vectors for a row of `len` elements, passed to f as std::integral_constant: one where
// the row fits a vector, else a step's.
template <class V, class F>
inline void with_row_vectors(std::size_t len, F&& f) {
  if (len <= V::kLanes) f(std::integral_constant<std::size_t, 1>{});
  else f(std::integral_constant<std::size_t, kRowVectors<V>>{});
}

// x - m as an exact pair for x <= m (TwoSum). With kInfRule (a group whose maximum is +inf), where
// x = m = +inf the difference is taken as 0 (the +inf rule above); other groups skip that select.
// The low part is NaN where the high part is infinite (x = -inf): exp_shifted() discards it
// there; finite_low() clears it for callers that add it.
template <bool kInfRule, class V>
inline math::Pair<V> shifted(V x, V m) {
  using T = typename V::Scalar;
  const math::Pair<V> d = math::two_sum(x, -m);
  if constexpr (!kInfRule) {
    return d;
  } else {
    const auto both_inf = (x == m) & (m == V(std::numeric_limits<T>::infinity()));
    return {select(both_inf, V(T(0)), d.hi), select(both_inf, V(T(0)), d.lo)};
  }
}

// Whether any lane of the group maxima is +inf (then the +inf rule applies: shifted<true>).
template <class V, std::size_t U>
inline bool any_positive_inf(const V (&m)[U]) {
  using T = typename V::Scalar;
  bool found = false;
  for (std::size_t u = 0; u < U; ++u) found |= any(m[u] == V(std::numeric_limits<T>::infinity()));
  return found;
}

// f(std::true_type{}) where the +inf rule is needed, else f(std::false_type{}).
template <class V, std::size_t U, class F>
inline void with_inf_rule(const V (&m)[U], F&& f) {
  if (any_positive_inf(m)) f(std::true_type{}); else f(std::false_type{});
}

template <class V>
inline math::Pair<V> finite_low(math::Pair<V> d) {
  using T = typename V::Scalar;
  return {d.hi, select(abs(d.hi) <= V(std::numeric_limits<T>::max()), d.lo, V(T(0)))};
}

// e^(hi + lo) for hi <= 0 (or NaN), flushed to +0 where it is below the normal range: every
// softmax result there is below 2^-126 as well (the row's sum is >= 1). The flushed lanes (masked
// entries: -1e4, -inf) split 0 + lo, not the clamp: no subnormal is formed (math::flushed_argument).
template <class V>
inline V exp_shifted(math::Pair<V> d) {
  using T = typename V::Scalar;
  const V lowest(math::ExpConstants<T>::kMinNormalArg);
  const math::ExpSplit<V> e = math::exp_split(math::flushed_argument(d.hi), d.lo);  // NaN passes
  const V s = pow2_from_biased(e.biased);
  return select(d.hi < lowest, V(T(0)), mul_add(s, e.q, s));
}

// A row whose every x - m needs no TwoSum and no clamp: m > 0 and finite, every |x| below the top
// of m's binade (min > -2^e for m < 2^e, m >= 2^(e-1)), so Fast2Sum(-m, x) is exact (its first
// operand's exponent is at least the second's), and min - m >= the lowest argument of
// exp_shifted, so its clamp never acts. The pair is the one TwoSum gives (the split is unique):
// the same bits in three operations fewer, without the clamp's three. A row with NaN, +-inf or
// m <= 0 takes the general path.
template <class T>
inline bool simple_row(T m, T minimum) {
  if (!(m > T(0) && m <= std::numeric_limits<T>::max())) return false;
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr Bits kExponent = sizeof(T) == 4 ? Bits(0x7F800000u) : Bits(0x7FF0000000000000ull);
  constexpr Bits kExponentOne = sizeof(T) == 4 ? Bits(0x00800000u) : Bits(0x0010000000000000ull);
  Bits bits;
  std::memcpy(&bits, &m, sizeof bits);
  bits = (bits & kExponent) + kExponentOne;  // 2^e for m in [2^(e-1), 2^e) (inf from the top binade)
  T top;
  std::memcpy(&top, &bits, sizeof top);
  return minimum > -top && minimum - m >= math::ExpConstants<T>::kMinNormalArg;
}

// Whether a group is a row long enough for simple_row's test to pay: it costs a minimum per step
// and a few dozen cycles per row, which rows of 128 floats on AVX2 did not win back.
inline constexpr std::size_t kSimpleRowMinSteps = 16;
template <class V, std::size_t U>
inline bool row_long_enough_to_check(const Strip<V, U>& strip, bool combine) {
  return combine && !strip.row_len && strip.full >= kSimpleRowMinSteps;
}

// e^(x - m) in a simple_row: x - m = hi + lo by Fast2Sum(-m, x), no clamp. A partial step's
// lanes past the row hold -inf, which only the general form takes to 0.
template <class V, class Step>
inline V exp_in_simple_row(V x, V m, Step) {
  if constexpr (!Step::value) {
    return exp_shifted(shifted<false>(x, m));
  } else {
    const V hi = x - m;
    const math::ExpSplit<V> e = math::exp_split(hi, x - (hi + m));
    const V s = pow2_from_biased(e.biased);
    return mul_add(s, e.q, s);
  }
}

// How many lanes of a row walk's merged vectors can hold data: fewer than W only for a row
// shorter than one vector, whose other lanes hold the identity of every fold below (-inf for
// the maximum, 0 for the sums and the NaN marks). The folds stop there: the same result for
// fewer steps of their serial chains, which are most of a short row's time.
template <class V, std::size_t U>
inline std::size_t lanes_with_data(const Strip<V, U>& strip) {
  if (strip.row_len) return strip.row_len;  // short rows: per vector
  return strip.total < V::kLanes ? strip.total : V::kLanes;
}

// Lane 0 of v (a combined group's value is in every lane).
template <class V>
inline typename V::Scalar first_lane(V v) {
  typename V::Scalar lane[V::kLanes];
  v.store(lane);
  return lane[0];
}

// The first `lanes` lanes of v folded into one value by `f`.
template <class V, class F>
inline typename V::Scalar combined(V v, std::size_t lanes, F&& f) {
  typename V::Scalar lane[V::kLanes];
  v.store(lane);
  typename V::Scalar r = lane[0];
  for (std::size_t i = 1; i < lanes; ++i) r = f(r, lane[i]);
  return r;
}

// Along a row, every vector of `v` becomes the fold by `f` of all their lanes (`lanes` of them
// holding data); for short rows (`each_vector`), of its own lanes.
template <class V, std::size_t U, class F>
inline void combine_all(V (&v)[U], std::size_t lanes, bool each_vector, F&& f) {
  if (each_vector) {
    for (std::size_t u = 0; u < U; ++u) v[u] = V(combined(v[u], lanes, f));
    return;
  }
  V all = v[0];
  for (std::size_t u = 1; u < U; ++u) all = select(is_nan(v[u]), v[u], max(all, v[u]));
  const V c(combined(all, lanes, f));
  for (std::size_t u = 0; u < U; ++u) v[u] = c;
}

// The minimum of every lane of v (lanes without data hold +inf), halving the lanes at each step:
// a short dependency chain, where a lane-by-lane fold would wait on every comparison in turn.
template <class V, std::size_t U>
inline typename V::Scalar minimum_of_lanes(const V (&v)[U]) {
  using T = typename V::Scalar;
  V all = v[0];
  for (std::size_t u = 1; u < U; ++u) all = min(all, v[u]);
  T lane[V::kLanes];
  all.store(lane);
  for (std::size_t width = V::kLanes / 2; width >= 1; width /= 2)
    for (std::size_t i = 0; i < width; ++i) lane[i] = lane[i + width] < lane[i] ? lane[i + width] : lane[i];
  return lane[0];
}

// Each lane's maximum into m (and, kMinimum, minimum into mn; missing lanes take -inf for the
// maximum and +inf for the minimum), over independent chains across the full steps so that the
// latency of max and min (4 cycles) does not serialise a row that is in cache: the extremes of
// extremes are the same whatever the grouping. 4 / U chains keep 8 vectors live at most.
template <bool kMinimum, class V, std::size_t U>
inline void extremes_in_chains(const typename V::Scalar* x, const Strip<V, U>& strip, V (&m)[U], V (&mn)[U]) {
  using T = typename V::Scalar;
  constexpr T kInf = std::numeric_limits<T>::infinity();
  constexpr std::size_t kChains = U < 4 ? 4 / U : 1;
  V hi[kChains][U], lo[kChains][U];
  for (std::size_t c = 0; c < kChains; ++c)
    for (std::size_t u = 0; u < U; ++u) hi[c][u] = V(-kInf), lo[c][u] = V(kInf);
  std::size_t k = 0;
  for (; k + kChains <= strip.full; k += kChains) {
    for (std::size_t c = 0; c < kChains; ++c) {
      strip.prefetch(x, k + c);
      for (std::size_t u = 0; u < U; ++u) {
        const V v = strip.load(x, k + c, u, -kInf, Full{});
        hi[c][u] = max(hi[c][u], v);
        if constexpr (kMinimum) lo[c][u] = min(lo[c][u], v);
      }
    }
  }
  for (; k < strip.full; ++k) {
    strip.prefetch(x, k);
    for (std::size_t u = 0; u < U; ++u) {
      const V v = strip.load(x, k, u, -kInf, Full{});
      hi[0][u] = max(hi[0][u], v);
      if constexpr (kMinimum) lo[0][u] = min(lo[0][u], v);
    }
  }
  for (; k < strip.count; ++k) {
    for (std::size_t u = 0; u < U; ++u) {
      hi[0][u] = max(hi[0][u], strip.load(x, k, u, -kInf, Partial{}));
      if constexpr (kMinimum) lo[0][u] = min(lo[0][u], strip.load(x, k, u, kInf, Partial{}));
    }
  }
  for (std::size_t u = 0; u < U; ++u) {
    m[u] = hi[0][u];
    for (std::size_t c = 1; c < kChains; ++c) m[u] = max(m[u], hi[c][u]);
    if constexpr (kMinimum) {
      mn[u] = lo[0][u];
      for (std::size_t c = 1; c < kChains; ++c) mn[u] = min(mn[u], lo[c][u]);
    }
  }
}

// The maximum of each lane (or of the whole group, `combine`). A NaN may or may not survive here
// (x86 max semantics); it always reaches the sums. With `nan_seen`, also marks (1 in a lane) where
// an element was NaN. As the first pass over the rows it prefetches ahead (Strip::prefetch).
template <class V, std::size_t U>
inline void group_max(const typename V::Scalar* x, const Strip<V, U>& strip, bool combine, V (&m)[U],
                      V (*nan_seen)[U] = nullptr) {
  using T = typename V::Scalar;
  const T lowest = -std::numeric_limits<T>::infinity();
  for (std::size_t u = 0; u < U; ++u) m[u] = V(lowest);
  if (nan_seen) {
    V(&nan)[U] = *nan_seen;
    for (std::size_t u = 0; u < U; ++u) nan[u] = V(T(0));
    strip.for_each([&](std::size_t k, auto full) {
      strip.prefetch(x, k);
      for (std::size_t u = 0; u < U; ++u) {
        const V v = strip.load(x, k, u, lowest, full);
        m[u] = max(m[u], v);
        nan[u] = select(is_nan(v), V(T(1)), nan[u]);
      }
    });
    if (combine) combine_all(nan, lanes_with_data(strip), strip.row_len != 0, [](T a, T b) { return a > b ? a : b; });
  } else {
    V unused[U];
    extremes_in_chains<false>(x, strip, m, unused);
  }
  if (combine) combine_all(m, lanes_with_data(strip), strip.row_len != 0, [](T a, T b) { return b > a ? b : a; });
}

// group_max, and whether the group is a simple_row: tested, with the row's minimum found in the
// same pass, only for rows of kSimpleRowMinSteps steps or more (false for every other group).
template <class V, std::size_t U>
inline bool group_max_and_simple(const typename V::Scalar* x, const Strip<V, U>& strip, bool combine, V (&m)[U]) {
  using T = typename V::Scalar;
  if (!row_long_enough_to_check(strip, combine)) {
    group_max(x, strip, combine, m);
    return false;
  }
  V minimum[U];
  extremes_in_chains<true>(x, strip, m, minimum);
  combine_all(m, lanes_with_data(strip), false, [](T a, T b) { return b > a ? b : a; });
  return simple_row(first_lane(m[0]), minimum_of_lanes(minimum));
}

// f(exp_of), exp_of(x, m, step) = e^(x - m) in the form a group needs: the simple-row shortcut, or
// the general form with or without the +inf rule.
template <class V, std::size_t U, class F>
inline void with_exp_form(bool simple, const V (&m)[U], F&& f) {
  if (simple) return f([](V v, V mu, auto step) { return exp_in_simple_row(v, mu, step); });
  with_inf_rule(m, [&](auto rule) {
    f([](V v, V mu, auto) { return exp_shifted(shifted<decltype(rule)::value>(v, mu)); });
  });
}

template <class V>
inline void group_total(const LaneSums<V>& all, std::size_t lanes, double& h, double& l) {
  double hi[V::kLanes], lo[V::kLanes];
  all.read(hi, lo);
  fold_lanes<V>(hi, lo, lanes, h, l);
}

// Each lane's total as a double pair (hi, lo), per vector; the low part is dropped where the high
// part is not finite.
template <class V, std::size_t U>
inline void lane_totals(const LaneSums<V> (&sums)[U], double (&hi)[U][V::kLanes], double (&lo)[U][V::kLanes]) {
  for (std::size_t u = 0; u < U; ++u) {
    sums[u].read(hi[u], lo[u]);
    for (std::size_t i = 0; i < V::kLanes; ++i)
      if (!std::isfinite(hi[u][i])) lo[u][i] = 0.0;
  }
}

// Per vector, two vectors of T made lane by lane from the lane totals by `f(hi, lo, a, b)`
// (writing a and b), or (`combine`) every lane from the group's total.
template <class V, std::size_t U, class F>
inline void from_totals(const LaneSums<V> (&sums)[U], const Strip<V, U>& strip, bool combine, V (&out_a)[U],
                        V (&out_b)[U], F&& f) {
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes;
  if (combine && strip.row_len) {  // short rows: one total per vector
    for (std::size_t u = 0; u < U; ++u) {
      double h, l;
      group_total(sums[u], strip.row_len, h, l);
      T a, b;
      f(h, l, a, b);
      out_a[u] = V(a), out_b[u] = V(b);
    }
    return;
  }
  if (combine) {
    double h, l;
    row_total(sums, strip.total, h, l);
    T a, b;
    f(h, l, a, b);
    for (std::size_t u = 0; u < U; ++u) out_a[u] = V(a), out_b[u] = V(b);
    return;
  }
  double hi[U][W], lo[U][W];
  lane_totals(sums, hi, lo);
  for (std::size_t u = 0; u < U; ++u) {
    T lane_a[W], lane_b[W];
    for (std::size_t i = 0; i < W; ++i) f(hi[u][i], lo[u][i], lane_a[i], lane_b[i]);
    out_a[u] = V::load(lane_a);
    out_b[u] = V::load(lane_b);
  }
}

// The same for one vector of T per vector, `f(hi, lo)` returning it.
template <class V, std::size_t U, class F>
inline void from_totals(const LaneSums<V> (&sums)[U], const Strip<V, U>& strip, bool combine, V (&out)[U], F&& f) {
  using T = typename V::Scalar;
  V unused[U];
  from_totals(sums, strip, combine, out, unused, [&](double hi, double lo, T& a, T&) { a = f(hi, lo); });
}

template <class V, std::size_t U>
void softmax_group(const typename V::Scalar* x, typename V::Scalar* y, const Strip<V, U>& strip, bool combine,
                   bool safe) {
  using T = typename V::Scalar;
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  V m[U], nan_seen[U];
  bool simple = false;
  if (safe) group_max(x, strip, combine, m, &nan_seen); else simple = group_max_and_simple(x, strip, combine, m);
  LaneSums<V> sums[U];
  with_exp_form(simple, m, [&](auto exp_of) {
    strip.for_each([&](std::size_t k, auto full) {
      for (std::size_t u = 0; u < U; ++u) {
        const V e = exp_of(strip.load(x, k, u, kNegInf, full), m[u], full);
        strip.store(y, k, u, e, full);
        sums[u].add(e);
      }
    });
  });
  V r[U];
  from_totals(sums, strip, combine, r, [](double hi, double lo) { return static_cast<T>(1.0 / (hi + lo)); });
  if (safe) {
    // A group of -inf only (m = -inf, no NaN) gives zeros; 1/s is never 0 otherwise.
    for (std::size_t u = 0; u < U; ++u) r[u] = select((m[u] == V(kNegInf)) & (nan_seen[u] == V(T(0))), V(T(0)), r[u]);
    strip.for_each([&](std::size_t k, auto full) {
      for (std::size_t u = 0; u < U; ++u)
        strip.store(y, k, u, select(r[u] == V(T(0)), V(T(0)), strip.load(y, k, u, T(0), full) * r[u]), full);
    });
  } else {
    strip.for_each([&](std::size_t k, auto full) {
      for (std::size_t u = 0; u < U; ++u) strip.store(y, k, u, strip.load(y, k, u, T(0), full) * r[u], full);
    });
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

// m + L as a pair (hi, lo) from the row maximum m and L = l_hi + l_lo, for y = (x - hi) - lo: two
// roundings per element instead of the exact x - m and three more. It stays within a float ULP of y
// (plus ~2^-24 of lo): where y is near -lo, x is within a few ULP of hi and x - hi is exact; elsewhere
// x - hi is rounded once, then the small lo once more. hi is finite for finite m (L <= ~50 cannot
// carry FLT_MAX up to the next binade).
template <class V>
inline math::Pair<V> row_offset(V m, V l_hi, V l_lo) {
  const math::Pair<V> s = math::two_sum(m, l_hi);
  return {s.hi, s.lo + l_lo};
}

// log_softmax's value of x from row_offset's c. With kInfRule, the lanes whose maximum is +inf take
// the +inf rule instead (x = +inf: -L; else -inf), lane by lane, so a lane's bits never depend on
// whether a neighbouring lane's group holds +inf.
template <bool kInfRule, class V>
inline V log_softmax_value(V x, V m, math::Pair<V> c, V l_hi, V l_lo) {
  using T = typename V::Scalar;
  const V y = (x - c.hi) - c.lo;
  if constexpr (!kInfRule) {
    return y;
  } else {
    const math::Pair<V> d = finite_low(shifted<true>(x, m));
    return select(m == V(std::numeric_limits<T>::infinity()), (d.hi - l_hi) + (d.lo - l_lo), y);
  }
}

// The double lanes of a vector: widen() for float, the vector itself (one part) for double.
template <class V>
inline auto double_lanes(V v) {
  if constexpr (sizeof(typename V::Scalar) == 4) {
    return widen(v);
  } else {
    struct OnePart {
      V part[1];
    };
    return OnePart{{v}};
  }
}

// Per lane of the double vectors `Lanes`, the sum of term(k) for k < len as a tree over N slots
// (zeros from len on; N a power of two): slot k + N/2 into slot k, then N/4, ..., every step
// total_step. The result (h, l) is slot 0.
template <class T, std::size_t N, class Lanes, class Term>
inline void tree_of_terms(std::size_t len, Term&& term, Lanes& h, Lanes& l) {
  using D = std::remove_reference_t<decltype(h.part[0])>;
  constexpr std::size_t kParts = std::size(Lanes{}.part);
  Lanes th[N], tl[N];
  for (std::size_t k = 0; k < N; ++k) {
    if (k < len) th[k] = term(k);
    for (std::size_t p = 0; p < kParts; ++p) {
      if (k >= len) th[k].part[p] = D(0.0);
      tl[k].part[p] = D(0.0);
    }
  }
  for (std::size_t half = N / 2; half >= 1; half /= 2)
    for (std::size_t k = 0; k < half; ++k)
      for (std::size_t p = 0; p < kParts; ++p)
        total_step<T>(th[k].part[p], tl[k].part[p], th[k + half].part[p], tl[k + half].part[p]);
  h = th[0], l = tl[0];
}

// Per lane, the sum of e[0..len-1] as fold_lanes takes a row's lane sums (the tree over kRowLanes
// terms), h + l with l dropped where h is not finite.
template <class V, std::size_t W>
inline void tree_sum(const typename V::Scalar (&e)[W][W], std::size_t len,
                     decltype(double_lanes(std::declval<V>()))& h, decltype(double_lanes(std::declval<V>()))& l) {
  using T = typename V::Scalar;
  using D = std::remove_reference_t<decltype(h.part[0])>;
  tree_of_terms<T, kRowLanes<T>>(len, [&](std::size_t k) { return double_lanes(V::load(e[k])); }, h, l);
  for (std::size_t p = 0; p < std::size(h.part); ++p)
    l.part[p] = select(abs(h.part[p]) <= D(std::numeric_limits<double>::max()), l.part[p], D(0.0));
}

// 1 / (h + l) of tree_sum, rounded once to T.
template <class V, std::size_t W>
inline V reciprocal_of_tree_sum(const typename V::Scalar (&e)[W][W], std::size_t len) {
  decltype(double_lanes(std::declval<V>())) h, l;
  tree_sum<V>(e, len, h, l);
  using D = std::remove_reference_t<decltype(h.part[0])>;
  for (std::size_t p = 0; p < std::size(h.part); ++p) h.part[p] = D(1.0) / (h.part[p] + l.part[p]);
  if constexpr (sizeof(typename V::Scalar) == 4) return narrow(h);
  else return h.part[0];
}

// Whether the vector type transposes a block of W short rows itself (V::rows_to_lanes and
// V::lanes_to_rows: AVX-512 floats, in registers), rather than element by element below. It is
// used from rows of kTransposeFrom elements on: its 64 shuffles are fixed, and for rows of 2 or 3
// elements the element moves measured 1.1-1.4x faster (even at 4).
template <class V, class = void>
struct TransposesRows : std::false_type {};
template <class V>
struct TransposesRows<V, std::void_t<decltype(V::rows_to_lanes(nullptr, 0, nullptr))>> : std::true_type {};
inline constexpr std::size_t kTransposeFrom = 4;

// x[row * len + k] into buf[k][row] for W rows, and back.
template <class V, class T, std::size_t W>
inline void rows_to_lanes(const T* x, std::size_t len, T (&buf)[W][W]) {
  if constexpr (TransposesRows<V>::value) {
    if (len >= kTransposeFrom) return V::rows_to_lanes(x, len, &buf[0][0]);
  }
  for (std::size_t k = 0; k < len; ++k)
    for (std::size_t row = 0; row < W; ++row) buf[k][row] = x[row * len + k];
}
template <class V, class T, std::size_t W>
inline void lanes_to_rows(const T (&buf)[W][W], std::size_t len, T* y) {
  if constexpr (TransposesRows<V>::value) {
    if (len >= kTransposeFrom) return V::lanes_to_rows(&buf[0][0], len, y);
  }
  for (std::size_t row = 0; row < W; ++row)
    for (std::size_t k = 0; k < len; ++k) y[row * len + k] = buf[k][row];
}

// The row maximum of W rows in lanes, folded as combine_all folds a one-vector row's lanes
// (b > a ? b : a from the first element on); with `nan_seen`, 1 in the lanes that saw a NaN.
template <class V, std::size_t W>
inline V lanes_max(const typename V::Scalar (&buf)[W][W], std::size_t len, V* nan_seen = nullptr) {
  using T = typename V::Scalar;
  V m = V::load(buf[0]);
  V nan = select(is_nan(m), V(T(1)), V(T(0)));
  for (std::size_t k = 1; k < len; ++k) {
    const V v = V::load(buf[k]);
    m = select(v > m, v, m);
    nan = select(is_nan(v), V(T(1)), nan);
  }
  if (nan_seen) *nan_seen = nan;
  return m;
}

// softmax of W rows of len <= W elements each, with lanes as rows: the block is
// transposed through a small buffer, so the folds that a one-row walk runs across lanes in
// scalar code (the maximum, the tree of the sum in double) become vector operations over
// the row's elements. The same steps as the one-row walk (softmax_group with a one-vector strip:
// the fold rule b > a ? b : a from the first element on, the exponentials, fold_lanes' tree,
// 1 / (h + l) rounded once), so the same bits.
template <class V>
void softmax_row_block(const typename V::Scalar* x, typename V::Scalar* y, std::size_t len, bool safe) {
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes;
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  alignas(64) T buf[W][W];
  rows_to_lanes<V>(x, len, buf);
  V nan_seen;
  const V m = lanes_max<V>(buf, len, &nan_seen);
  const bool inf_rule = any(m == V(std::numeric_limits<T>::infinity()));
  for (std::size_t k = 0; k < len; ++k) {
    const V v = V::load(buf[k]);
    (inf_rule ? exp_shifted(shifted<true>(v, m)) : exp_shifted(shifted<false>(v, m))).store(buf[k]);
  }
  V r = reciprocal_of_tree_sum<V>(buf, len);
  if (safe) r = select((m == V(kNegInf)) & (nan_seen == V(T(0))), V(T(0)), r);
  for (std::size_t k = 0; k < len; ++k) {
    const V e = V::load(buf[k]);
    (safe ? select(r == V(T(0)), V(T(0)), e * r) : e * r).store(buf[k]);
  }
  lanes_to_rows<V>(buf, len, y);
}

// log_softmax of W rows of len <= W elements each, with lanes as rows, as softmax_row_block:
// the same steps as log_softmax_group's one-row walk, so the same bits.
template <class V>
void log_softmax_row_block(const typename V::Scalar* x, typename V::Scalar* y, std::size_t len) {
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes;
  alignas(64) T xs[W][W], es[W][W];
  rows_to_lanes<V>(x, len, xs);
  const V m = lanes_max<V>(xs, len);
  const bool inf_rule = any(m == V(std::numeric_limits<T>::infinity()));
  for (std::size_t k = 0; k < len; ++k) {
    const V v = V::load(xs[k]);
    (inf_rule ? exp_shifted(shifted<true>(v, m)) : exp_shifted(shifted<false>(v, m))).store(es[k]);
  }
  decltype(double_lanes(std::declval<V>())) h, l;
  tree_sum<V>(es, len, h, l);
  double hs[W], ls[W];
  constexpr std::size_t kPartLanes = std::remove_reference_t<decltype(h.part[0])>::kLanes;
  for (std::size_t p = 0; p < std::size(h.part); ++p) {
    h.part[p].store(hs + p * kPartLanes);
    l.part[p].store(ls + p * kPartLanes);
  }
  alignas(64) T lh[W], ll[W];
  for (std::size_t i = 0; i < W; ++i) log_pair<V>(hs[i], ls[i], lh[i], ll[i]);
  const V l_hi = V::load(lh), l_lo = V::load(ll);
  const math::Pair<V> c = row_offset(m, l_hi, l_lo);
  for (std::size_t k = 0; k < len; ++k) {
    const V v = V::load(xs[k]);
    (inf_rule ? log_softmax_value<true>(v, m, c, l_hi, l_lo) : log_softmax_value<false>(v, m, c, l_hi, l_lo))
        .store(xs[k]);
  }
  lanes_to_rows<V>(xs, len, y);
}


template <class V, std::size_t U>
void log_softmax_group(const typename V::Scalar* x, typename V::Scalar* y, const Strip<V, U>& strip,
                       bool combine) {
  using T = typename V::Scalar;
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  V m[U];
  const bool simple = group_max_and_simple(x, strip, combine, m);
  LaneSums<V> sums[U];
  // The pass that writes y comes last, with little arithmetic to hide a store's wait for its line:
  // along a row, this pass asks for y's lines first.
  const bool along_row = combine && !strip.row_len;
  with_exp_form(simple, m, [&](auto exp_of) {
    strip.for_each([&](std::size_t k, auto full) {
      if (along_row) strip.prefetch_for_writing(y, k);
      for (std::size_t u = 0; u < U; ++u) sums[u].add(exp_of(strip.load(x, k, u, kNegInf, full), m[u], full));
    });
  });
  V lh[U], ll[U];
  from_totals(sums, strip, combine, lh, ll,
              [](double hi, double lo, T& l_hi, T& l_lo) { log_pair<V>(hi, lo, l_hi, l_lo); });
  math::Pair<V> c[U];
  for (std::size_t u = 0; u < U; ++u) c[u] = row_offset(m[u], lh[u], ll[u]);
  with_inf_rule(m, [&](auto rule) {
    strip.for_each([&](std::size_t k, auto full) {
      for (std::size_t u = 0; u < U; ++u) {
        const V v = strip.load(x, k, u, kNegInf, full);
        strip.store(y, k, u, log_softmax_value<decltype(rule)::value>(v, m[u], c[u], lh[u], ll[u]), full);
      }
    });
  });
}

// Float groups add their backward terms in float over runs of kFloatRun steps before widening: a run's
// total carries at most kFloatRun roundings of 2^-24 times the run's sum of magnitudes (a product
// enters a run through one fused multiply-add), which keeps out = y (g - sum g y) within 3 float eps
// of y (|g| + sum |g y|), the bound the tests hold it to (4 eps). One widening per run instead of
// one per step: the widening to double was most of the backward pass's arithmetic.
inline constexpr std::size_t kFloatRun = 4;

// The backward passes share one shape: a sum over the group, then out = apply(g, y, total) element
// by element. The sum takes each step's g and y by `in_float(run, g, y)` (float: into a run, as
// above) or `in_sums(sums, g, y)` (double: straight into the compensated lane sums).
template <class V, std::size_t U, class InFloat, class InSums, class Apply>
void sum_then_map(const typename V::Scalar* g, const typename V::Scalar* y, typename V::Scalar* out,
                  const Strip<V, U>& strip, bool combine, InFloat&& in_float, InSums&& in_sums, Apply&& apply) {
  using T = typename V::Scalar;
  LaneSums<V> sums[U];
  if constexpr (std::is_same_v<T, float>) {
    V run[U];
    for (std::size_t u = 0; u < U; ++u) run[u] = V(0.0f);
    std::size_t steps = 0;
    const auto close_runs = [&] {
      for (std::size_t u = 0; u < U; ++u) {
        sums[u].add(run[u]);
        run[u] = V(0.0f);
      }
    };
    strip.for_each([&](std::size_t k, auto full) {
      for (std::size_t u = 0; u < U; ++u)
        run[u] = in_float(run[u], strip.load(g, k, u, T(0), full), strip.load(y, k, u, T(0), full));
      if (++steps == kFloatRun) {
        close_runs();
        steps = 0;
      }
    });
    if (steps) close_runs();
  } else {
    strip.for_each([&](std::size_t k, auto full) {
      for (std::size_t u = 0; u < U; ++u)
        in_sums(sums[u], strip.load(g, k, u, T(0), full), strip.load(y, k, u, T(0), full));
    });
  }
  V total[U];
  from_totals(sums, strip, combine, total, [](double hi, double lo) { return static_cast<T>(hi + lo); });
  strip.for_each([&](std::size_t k, auto full) {
    for (std::size_t u = 0; u < U; ++u)
      strip.store(out, k, u, apply(strip.load(g, k, u, T(0), full), strip.load(y, k, u, T(0), full), total[u]), full);
  });
}

template <class V, std::size_t U>
void softmax_backward_group(const typename V::Scalar* g, const typename V::Scalar* y, typename V::Scalar* out,
                            const Strip<V, U>& strip, bool combine) {
  sum_then_map(g, y, out, strip, combine, [](V run, V gv, V yv) { return mul_add(gv, yv, run); },
               [](LaneSums<V>& s, V gv, V yv) { s.add_product(gv, yv); },
               [](V gv, V yv, V dot) { return yv * (gv - dot); });
}

template <class V, std::size_t U>
void log_softmax_backward_group(const typename V::Scalar* g, const typename V::Scalar* y, typename V::Scalar* out,
                                const Strip<V, U>& strip, bool combine) {
  sum_then_map(g, y, out, strip, combine, [](V run, V gv, V) { return run + gv; },
               [](LaneSums<V>& s, V gv, V) { s.add(gv); },
               [](V gv, V yv, V total) { return neg_mul_add(math::exp_mostly_nonpositive(yv), total, gv); });
}

inline constexpr std::size_t kShortRows = 4;  // rows of <= W elements per walk
// Vectors per step across columns: four (32 floats = 128 contiguous bytes of each row per step).
inline constexpr std::size_t kColumnVectors = 4;

// Runs `group(offset, strip, combine)` over every reduction group of a C-contiguous
// (outer, len, inner) array: one row walk per row when inner == 1, else column walks over blocks
// of up to kColumnVectors * W adjacent columns, for the first `columns` columns.
template <class V, class Group>
inline void for_each_group(std::size_t outer, std::size_t len, std::size_t inner, std::size_t columns,
                           Group&& group) {
  constexpr std::size_t kBlock = kColumnVectors * V::kLanes;
  if (len == 0) return;
  for (std::size_t o = 0; o < outer; ++o) {
    const std::size_t base = o * len * inner;
    if (inner == 1) {
      if (len <= V::kLanes && outer - o >= kShortRows) {
        // Rows that fit one vector go kShortRows at a time, one per vector: the same steps as a
        // walk of one vector per row (so the same bits), with independent serial folds.
        group(base, Strip<V, kShortRows>::rows_of_one_vector(len, kShortRows), true);
        o += kShortRows - 1;
      } else {
        with_row_vectors<V>(len, [&](auto vectors) {
          group(base, Strip<V, decltype(vectors)::value>::along_row(len), true);
        });
      }
    } else {
      for (std::size_t j = 0; j < columns; j += kBlock) {
        group(base + j,
              Strip<V, kColumnVectors>::across_columns(len, inner, columns - j < kBlock ? columns - j : kBlock), false);
      }
    }
  }
}

}  // namespace fastact::rowwise
