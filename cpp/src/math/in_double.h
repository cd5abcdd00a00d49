// Evaluating float lanes in double precision, for the float32 kernels whose error budget a float
// polynomial cannot meet cheaply (exact GELU: a rounding or two of float arithmetic on top of
// the Mills-ratio fit would already spend the 2-ULP budget). The double result is within a
// tiny fraction of a float ULP, so the one rounding of narrow() keeps the float result within
// about half an ULP. Costs twice the lanes' work; double vectors pass straight through.
#pragma once

#include <cstddef>
#include <iterator>
#include <type_traits>

namespace fastact::math {

// f(x) for x's lanes, f taking and returning the double vector type; for a float vector, each
// double part of widen(x) in turn, narrowed back to float at the end.
template <class V, class F>
inline V in_double(V x, F&& f) {
  if constexpr (std::is_same_v<typename V::Scalar, double>) {
    return f(x);
  } else {
    auto parts = widen(x);
    for (auto& part : parts.part) part = f(part);
    return narrow(parts);
  }
}

// The same for two results: f(xd, yd, dd) writes both (value_and_derivative in double).
template <class V, class F>
inline void in_double(V x, V& y, V& d, F&& f) {
  if constexpr (std::is_same_v<typename V::Scalar, double>) {
    f(x, y, d);
  } else {
    auto parts = widen(x);
    auto ys = parts, ds = parts;
    for (std::size_t k = 0; k < std::size(parts.part); ++k) f(parts.part[k], ys.part[k], ds.part[k]);
    y = narrow(ys);
    d = narrow(ds);
  }
}

}  // namespace fastact::math
