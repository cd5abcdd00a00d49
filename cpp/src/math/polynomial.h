// Horner evaluation with fused multiply-adds: horner(x, c0, c1, ..., cn) = c0 + x*(c1 + x*(...)).
#pragma once

namespace fastact::math {

template <class V, class T>
inline V horner(V /*x*/, T c0) {
  return V(c0);
}

template <class V, class T, class... Rest>
inline V horner(V x, T c0, Rest... rest) {
  return mul_add(horner(x, rest...), x, V(c0));
}

}  // namespace fastact::math
