// Per-lane sums for the row-wise ops (softmax, log-softmax and their backward passes; also the
// learnable parameter's gradient, kernel_loops.h), accurate enough that a row of a million
// elements still meets the per-element ULP bounds:
//   float lanes are summed in double (each term, and each float product, is exact there;
//     1e6 additions lose ~1e-10 relative, far below a float ULP);
//   double lanes are summed with Neumaier's compensation (TwoSum, and TwoProduct for dot
//     products), so the sum is as good as one in twice the precision, rounded once.
// And the lanes' layout and fold order, which are the same on every ISA (kRowLanes, fold_lanes).
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>

#include "../math/pair.h"

namespace fastact::rowwise {

// The running sums of V::kLanes independent lanes, read back as hi + lo doubles per lane.
template <class V, bool kIsFloat = std::is_same_v<typename V::Scalar, float>>
struct LaneSums;

template <class V>
struct LaneSums<V, true> {
  using Wide = decltype(widen(std::declval<V>()));
  Wide sum;
  static constexpr std::size_t kParts = sizeof(Wide::part) / sizeof(Wide::part[0]);

  LaneSums() {
    for (auto& p : sum.part) p = std::remove_reference_t<decltype(p)>(0.0);
  }
  void add(V v) {
    const Wide w = widen(v);
    for (std::size_t k = 0; k < kParts; ++k) sum.part[k] = sum.part[k] + w.part[k];
  }
  void add_product(V a, V b) {  // a float product is exact in double
    const Wide wa = widen(a), wb = widen(b);
    for (std::size_t k = 0; k < kParts; ++k) sum.part[k] = mul_add(wa.part[k], wb.part[k], sum.part[k]);
  }
  void merge(const LaneSums& other) {
    for (std::size_t k = 0; k < kParts; ++k) sum.part[k] = sum.part[k] + other.sum.part[k];
  }
  // hi[i] + lo[i] is lane i's sum.
  void read(double* hi, double* lo) const {
    constexpr std::size_t kPartLanes = std::remove_reference_t<decltype(sum.part[0])>::kLanes;
    for (std::size_t k = 0; k < kParts; ++k) sum.part[k].store(hi + k * kPartLanes);
    for (std::size_t i = 0; i < V::kLanes; ++i) lo[i] = 0.0;
  }
};

template <class V>
struct LaneSums<V, false> {
  V hi{0.0};
  V lo{0.0};  // the accumulated rounding errors of hi

  void add(V v) {
    const math::Pair<V> s = math::two_sum(hi, v);
    hi = s.hi;
    lo = lo + s.lo;
  }
  void add_product(V a, V b) {
    const math::Pair<V> p = math::two_product(a, b);
    const math::Pair<V> s = math::two_sum(hi, p.hi);
    hi = s.hi;
    lo = lo + (s.lo + p.lo);
  }
  void merge(const LaneSums& other) {
    add(other.hi);
    lo = lo + other.lo;
  }
  void read(double* h, double* l) const {
    hi.store(h);
    lo.store(l);
  }
};

// A row walk's step holds 64 bytes (16 floats, 8 doubles) on every ISA: one AVX-512 vector, two AVX2
// ones, 16 or 8 scalars. Its lanes, numbered across the step's vectors, are the same on every ISA,
// and so are the row's sums in each lane and the order in which fold_lanes and logsumexp fold them:
// the same bits everywhere. (128 bytes, two AVX-512 vectors, made AVX2's four vectors of sums spill
// out of its 16 registers.)
template <class T>
inline constexpr std::size_t kRowLanes = 64 / sizeof(T);
template <class V>
inline constexpr std::size_t kRowVectors = kRowLanes<typename V::Scalar> / V::kLanes;

// One step of a compensated sum in double (a scalar or a vector of lanes): h + w as TwoSum, its
// error and w's own low part into l.
template <class D>
inline void chain_step(D& h, D& l, D w, D w_lo) {
  const D s = h + w;
  const D bv = s - h;
  l = l + (((h - (s - bv)) + (w - bv)) + w_lo);
  h = s;
}

// One step of a row's total (h, l) += (w, w_lo). Float lanes hold double sums of float terms, so a
// plain double addition does (its error is far below a float ULP); double lanes take chain_step.
template <class T, class D>
inline void total_step(D& h, D& l, D w, D w_lo) {
  if constexpr (sizeof(T) == 4) {
    h = h + w;
  } else {
    chain_step(h, l, w, w_lo);
  }
}

// A row's total from its lane sums hi[j] + lo[j] (j < lanes; the lanes from there up to kRowLanes
// count as zeros), as a double pair, the low part dropped where the high part is not finite. The
// kRowLanes lanes are folded as a tree (lane j + n/2 into lane j, n halving): the same steps for
// every vector width and row length, a chain of log2(kRowLanes) dependent additions instead of
// one per lane, and loops of fixed length that the compiler unrolls into registers.
template <class V>
inline void fold_lanes(const double* hi, const double* lo, std::size_t lanes, double& h, double& l) {
  using T = typename V::Scalar;
  constexpr std::size_t S = kRowLanes<T>;
  double th[S], tl[S];
  for (std::size_t j = 0; j < S; ++j) {
    th[j] = j < lanes ? hi[j] : 0.0;
    tl[j] = j < lanes ? lo[j] : 0.0;
  }
  // Unrolled, the arrays live in registers; as loops, GCC vectorised them through memory, and every
  // level's narrower reloads of the wider stores stalled (3x the time of a short row's backward).
#pragma GCC unroll 8
  for (std::size_t half = S / 2; half >= 1; half /= 2)
#pragma GCC unroll 8
    for (std::size_t j = 0; j < half; ++j) total_step<T>(th[j], tl[j], th[j + half], tl[j + half]);
  h = th[0], l = std::isfinite(th[0]) ? tl[0] : 0.0;
}

// A row walk's total (its `total` elements) from its lane sums: the lanes of its U vectors in order
// (a step's kRowLanes, or one vector's for a row that fits one), folded by fold_lanes.
// (Walks of more lanes are never combined row walks; for one, each kRowLanes chunk is folded and the
// chunks added in order.)
template <class V, std::size_t U>
inline void row_total(const LaneSums<V> (&sums)[U], std::size_t total, double& h, double& l) {
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes, S = kRowLanes<T>;
  double hi[U * W], lo[U * W];
  for (std::size_t u = 0; u < U; ++u) sums[u].read(hi + u * W, lo + u * W);
  const std::size_t lanes = total < U * W ? total : U * W;
  fold_lanes<V>(hi, lo, lanes < S ? lanes : S, h, l);
  for (std::size_t from = S; from < lanes; from += S) {
    double ch, cl;
    fold_lanes<V>(hi + from, lo + from, lanes - from < S ? lanes - from : S, ch, cl);
    total_step<T>(h, l, ch, cl);
  }
}

}  // namespace fastact::rowwise
