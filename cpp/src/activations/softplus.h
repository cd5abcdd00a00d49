// softplus(x, beta) = log(1 + e^(beta x)) / beta and log_sigmoid(x) = -softplus(-x), for every x
// without a threshold switch:
//   softplus(z) = max(z, 0) + log1p(e),  e = e^-|z| in (0, 1]   (never overflows),
// with log1p taking e as an exact pair (math/log1p.h), so e's rounding does not add to log1p's.
// Results below 2^-126 (z < -87.3) flush to 0. softplus' = sigmoid(beta x), never exactly 0, on
// sigmoid's own one-path form (1 / (1 + e^-z), not from e^-|z|: value_and_derivative is the two
// calls, which costs it one exponential more and gives the derivative and backward a faster and
// more accurate sigmoid).
// beta x is an exact pair; the division by beta is one corrected division of pairs.
#pragma once

#include "../math/exp.h"
#include "../math/log1p.h"
#include "../math/pair.h"
#include "op_support.h"
#include "sigmoid.h"

namespace fastact {

// log1p(e^-|z|) for z = z_hi + z_lo, as scaled * unscale: where e^-|z| < 2^-60 (log1p(e) = e to
// within rounding) the value is returned scaled by 2^64, so a caller that divides it (softplus
// by beta) does so before it becomes subnormal. Flushed to 0 below 2^-190.
template <class V>
struct Log1pExpNegAbs {
  V scaled;
  V unscale;  // 2^-64 or 1
};

template <class V, class Lo>
inline Log1pExpNegAbs<V> log1p_exp_neg_abs(V z, Lo z_lo) {
  using T = typename V::Scalar;
  const math::ScaledExp<V> e = math::exp_neg_abs_scaled(z, z_lo);
  // log1p(e) = e in the scaled lanes: log1p_unit sees 0 there, whose powers are no subnormal
  // numbers (those of 2^64 e^-|z| below ~2^-63 would be)
  const V unit_hi = select(e.scaled, V(T(0)), e.e_k.hi), unit_lo = select(e.scaled, V(T(0)), e.e_k.lo);
  const V l = select(e.scaled, e.e_k.hi, math::log1p_unit(unit_hi, unit_lo));
  return {select(e.beyond, V(T(0)), l), e.unscale};
}

// softplus(x, beta); a = beta != 0 (beta = 1 goes through the same exact pair path: 1 * x is exact).
struct Softplus {
  // Beyond z = beta x = 20 (40), log1p(e^-z) / z is below half an ULP: the result is x itself
  // (and beta x may overflow there).
  template <class T>
  static constexpr T kLinear = sizeof(T) == 4 ? T(20) : T(40);

  // beta x as an FMA pair with no overflow guard: where it overflows, z is infinite, and both the
  // exponential and the logistic drop the low part of an argument beyond their clamps.
  template <class V>
  static V forward(V x, const Params<V>& p) {
    const math::Pair<V> z = math::two_product_finite(p.a, x);
    return from_log1p(x, z, log1p_exp_neg_abs(z.hi, z.lo), p);
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    const math::Pair<V> z = math::two_product_finite(p.a, x);
    return logistic(z.hi, z.lo);
  }

 private:
  // softplus from z = beta x (an exact pair) and log1p(e^-|z|).
  template <class V>
  static V from_log1p(V x, const math::Pair<V>& z, const Log1pExpNegAbs<V>& l, const Params<V>& p) {
    using T = typename V::Scalar;
    // (max(z, 0) + l) / beta: the sum as an exact pair (Fast2Sum: z_hi >= l where z > 0), divided
    // once, then unscaled (only z <= 0 lanes can be scaled: a positive z has l < 1 unscaled).
    const auto positive = z.hi > V(T(0));
    // only lanes in (0, kLinear] use l_pos, where l is not scaled; the others multiply 0 rather
    // than form a subnormal product they discard (a microcode assist on some CPUs)
    const V l_pos = select(positive & (z.hi <= V(kLinear<T>)), l.scaled, V(T(0))) * l.unscale;
    const V sum = select(positive, z.hi + l_pos, l.scaled);
    const V sum_lo = select(positive, (l_pos - (sum - z.hi)) + z.lo, V(T(0)));
    const V y = math::unscaled(math::divide(math::Pair<V>{sum, sum_lo}, math::Pair<V>{p.a, V(T(0))}),
                               select(positive, V(T(1)), l.unscale));
    return select(z.hi > V(kLinear<T>), x, y);  // NaN: z NaN, y NaN
  }
};

// softplus with beta = 1, the default: no product, no division (the Python layer picks it).
struct SoftplusUnit {
  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const Log1pExpNegAbs<V> l = log1p_exp_neg_abs(x, math::kZeroLow);
    // beyond kLinear x + l is x: l is taken as 0 there (see from_log1p)
    return max(V(T(0)), x) + math::unscaled(select(x > V(Softplus::kLinear<T>), V(T(0)), l.scaled), l.unscale);  // NaN passes max
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    return logistic(x, math::kZeroLow);
  }
};

// log_sigmoid(x) = min(x, 0) - log1p(e^-|x|); log_sigmoid' = sigmoid(-x).
struct LogSigmoid {
  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const Log1pExpNegAbs<V> l = log1p_exp_neg_abs(x, math::kZeroLow);
    // below -kLinear x - l is x: l is taken as 0 there (see Softplus::from_log1p)
    return min(V(0), x) - math::unscaled(select(x < V(-Softplus::kLinear<T>), V(T(0)), l.scaled), l.unscale);  // NaN: min
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    return logistic(-x, math::kZeroLow);
  }
};

}  // namespace fastact
