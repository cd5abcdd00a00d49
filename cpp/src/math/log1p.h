// log(1 + u) for u in [0, 1] given as a pair u + u_lo: what softplus, log_sigmoid and mish need
// (u = e^-|x|). Within about 1 ULP.
//
// Reduction without touching the exponent bits: 1 + u = 2^k (1 + f) with
//   k = 0, f = u            for u <  1/2   (f in [0, 1/2)),
//   k = 1, f = (u - 1) / 2  for u >= 1/2   (f in [-1/4, 0], exact by Sterbenz),
// then log(1 + f) = 2 atanh(s), s = f / (2 + f), |s| <= 1/5, written as
//   f - s (f - s^2 R(s^2))        (2s = f - s f),
// so f, the leading term, is exact and s (rounded) appears only in a term < f/4.
// R is a minimax fit of (2 atanh(s) - 2s) / s^3 (tools/fit_minimax.py log_atanh_f32 / _f64:
// relative error 4e-8 / 6e-17, damped by s^2/3 < 0.014). The low part u_lo enters as
// u_lo / (1 + u), with 1 / (1 + f) ~ 1 - f + f^2 (good to f^3 < 1/8 of a term below half an ULP).
#pragma once

#include "exp.h"
#include "polynomial.h"

namespace fastact::math {

template <class V>
inline V log_atanh_tail(V w) {
  using T = typename V::Scalar;
  if constexpr (sizeof(T) == 4) {
    return horner(w, 0.6666666865348816f, 0.4000031352043152f, 0.28532683849334717f, 0.2374834567308426f);
  } else {
    return horner(w, 0.6666666666666666, 0.4000000000000784, 0.2857142856732405, 0.22222223040082215,
                  0.18181738291991822, 0.15388840651610422, 0.13210251764270806, 0.13604792927309595);
  }
}

// log(1 + f) for an exact f with |f / (2 + f)| <= 1/5 (f in [-1/3, 1/2]): f - s (f - s^2 R(s^2)),
// s = f / (2 + f), as the header comment derives. log.h's reduction lands there too.
template <class V>
inline V log1p_reduced(V f) {
  using T = typename V::Scalar;
  const V s = f / (V(T(2)) + f);
  const V w = s * s;
  return neg_mul_add(s, neg_mul_add(w, log_atanh_tail(w), f), f);
}

// log(1 + (u + u_lo)) for u in [0, 1]; NaN gives NaN.
template <class V>
inline V log1p_unit(V u, V u_lo) {
  using T = typename V::Scalar;
  const auto big = u >= V(T(0.5));
  const V f = select(big, (u - V(T(1))) * V(T(0.5)), u);
  const V log_1pf = log1p_reduced(f);
  const V inv_1pf = mul_add(f, f - V(T(1)), V(T(1)));  // 1 / (1 + f) to within f^3
  const V low = u_lo * inv_1pf * select(big, V(T(0.5)), V(T(1)));
  // k ln2 + log(1 + f) + low, ln2 as hi + lo (exp.h's Cody-Waite split).
  const V k_ln2_hi = select(big, V(ExpConstants<T>::kLn2Hi), V(T(0)));
  const V k_ln2_lo = select(big, V(ExpConstants<T>::kLn2Lo), V(T(0)));
  return k_ln2_hi + (log_1pf + (low + k_ln2_lo));
}

}  // namespace fastact::math
