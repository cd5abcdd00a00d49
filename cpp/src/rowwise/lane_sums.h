// Per-lane sums for the row-wise ops (softmax, log-softmax and their backward passes; also the
// learnable parameter's gradient, kernel_loops.h), accurate enough that a row of a million
// elements still meets the per-element ULP bounds:
//   float lanes are summed in double (each term, and each float product, is exact there;
//     1e6 additions lose ~1e-10 relative, far below a float ULP);
//   double lanes are summed with Neumaier's compensation (TwoSum, and TwoProduct for dot
//     products), so the sum is as good as one in twice the precision, rounded once.
#pragma once

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

}  // namespace fastact::rowwise
