// log1mexp(x) = log(1 - e^-|x|) (TensorFlow Probability's; jax.nn.log1mexp for x >= 0, where JAX
// defines it), in the two-branch form of Maechler (2012), each branch free of cancellation:
//   |x| <  ln2: log(-expm1(-|x|))   (1 - e^-|x| is small: expm1 keeps its digits);
//   |x| >= ln2: log1p(-e^-|x|)      (e^-|x| <= 1/2: log1p keeps the digits of a tiny e^-|x|).
// log1mexp(+-0) = -inf, log1mexp(+-inf) = -0 (the value is < 0 for every x != 0). float32 lanes
// are evaluated in double (math/in_double.h): in float, the rounding of -expm1(-|x|) or e^-|x|
// is amplified up to 1.44 times near ln2 on top of log's own error.
// log1mexp'(x) = sign(x) e^-|x| / (1 - e^-|x|) = copysign(1 / expm1(|x|), x): +-inf at +-0.
// Subnormal x is not flushed: log1mexp(x) ~ log|x| is finite there, and 1/x may be too.
#pragma once

#include <limits>

#include "../math/exp.h"
#include "../math/expm1.h"
#include "../math/in_double.h"
#include "../math/log.h"
#include "op_support.h"

namespace fastact {

struct Log1mexp {
  // One exponential serves both branches: e^-|x| = 2^n (1 + q) gives expm1(-|x|) = 2^n q + (2^n - 1)
  // and e^-|x| itself (flushed to 0 where it is subnormal: log1p(-e) is below every normal number
  // there); the branches' log reductions are selected per lane, so one log1p_reduced (one
  // division) runs.
  template <class D>
  static D value(D xd) {
    using T = typename D::Scalar;
    const D ax = abs(xd);
    const D arg = -ax;
    const math::ExpSplit<D> e = math::exp_split(math::flushed_argument(arg));  // flushed lanes: |x| > ln 2
    const D one_minus_e = -math::expm1_nonpositive_from_split(e);  // used where |x| < ln2
    const D minus_e = -math::exp_flushed_from_split(e, arg);
    const auto near_zero = ax < D(T(0.6931471805599453));
    const math::LogReduction<D> a = math::reduce_log(one_minus_e);
    const math::LogReduction<D> b = math::reduce_log1p_nonpositive(minus_e);
    const D y = math::log_from(math::LogReduction<D>{select(near_zero, a.k, b.k), select(near_zero, a.f, b.f)});
    return select(ax == D(T(0)), D(-std::numeric_limits<T>::infinity()), -abs(y));  // never > 0 (-0 at inf)
  }

  template <class V>
  static V forward(V x, const Params<V>&) {
    return math::in_double(x, [](auto xd) { return value(xd); });
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    using T = typename V::Scalar;
    return copysign(V(T(1)) / math::expm1(abs(x)), x);  // NaN stays NaN
  }
};

}  // namespace fastact
