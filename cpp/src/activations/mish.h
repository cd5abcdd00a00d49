// mish(x) = x tanh(softplus(x)) = x n / (n + 2), n = e^x (e^x + 2), without tanh or log:
//   x <= 0, e = e^x  <= 1:  t = (e^2 + 2e) / (e^2 + 2e + 2)
//   x >  0, E = e^-x <  1:  t = (1 + 2E) / (1 + 2E + 2E^2)        (n would overflow)
// Numerator x * (...) and denominator are exact pairs divided once. Near x = -88 and below,
// e is subnormal while x e is not: e is scaled by 2^64 there (as silu) and the result scaled back.
// mish' = t + x sech^2(softplus(x)) sigmoid(x):
//   x <= 0:  (n (n + 2) + 4 x e (1 + e)) / (n + 2)^2
//   x >  0:  ((1 + 2E) D + 4 x E^2 (1 + E)) / D^2,   D = 1 + 2E + 2E^2
// It has an interior zero at x = -1.1924 (absolute error there, docs/numerics.md carve-out).
// The exact products take no overflow guard: their factors are bounded (e, E <= 1, 2^K e <= 2^64,
// n + 2 <= 5) but for x itself, and a product with x overflows only where |x| is past the
// exponential's clamp (beyond), whose lanes get their limits instead.
#pragma once

#include "../math/exp.h"
#include "../math/pair.h"
#include "op_support.h"

namespace fastact {

struct Mish {
  // Where x > 0 and e^-x < 2^-60 (the scaled lanes), mish(x) rounds to x and mish'(x) to 1 in
  // either format: those lanes take e = 0 and no scaling, and their results are selected. Their
  // e^2 and 2^-64 products would otherwise be subnormal (a microcode assist per vector on some
  // CPUs). The other lanes get ex.e and ex.unscale, as before. e_pos, for the x > 0 formulas, is
  // e there and 0 in the lanes x <= 0, which discard those terms (their e^2 may be subnormal).
  template <class V>
  struct Tail {
    typename V::MaskType linear;
    V e, e_pos, unscale;
  };
  template <class V>
  static Tail<V> tail_of(typename V::MaskType positive, const math::ScaledExp<V>& ex) {
    using T = typename V::Scalar;
    const auto linear = positive & ex.scaled;
    const V e = math::exp_or_zero(ex, linear);
    return {linear, e, select(positive, e, V(T(0))), select(linear, V(T(1)), ex.unscale)};
  }

  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const math::ScaledExp<V> ex = math::exp_neg_abs_scaled(x, math::kZeroLow);
    const auto positive = x > V(T(0));
    const Tail<V> tail = tail_of(positive, ex);
    const V e = tail.e, unscale = tail.unscale;
    // x <= 0: n_k = 2^K (e^2 + 2e) as a pair (e^2 from the unscaled e: it matters only when
    // K = 0); den = n + 2.
    const math::Pair<V> sq = math::two_product_finite(ex.e_k.hi, e);
    const V two_e = ex.e_k.hi + ex.e_k.hi;
    const V n_hi = sq.hi + two_e;                        // Fast2Sum: 2e >= e^2 for e <= 1
    const V n_lo = ((two_e - n_hi) + sq.hi) + (sq.lo + V(T(2)) * ex.e_k.lo);
    const V n = n_hi * unscale;
    const V dneg_hi = n + V(T(2));
    const V dneg_lo = ((V(T(2)) - dneg_hi) + n) + n_lo * unscale;
    // x > 0: num = 1 + 2E, den = num + 2E^2 (E = e_pos, unscaled: K = 0 here).
    const V e_pos = tail.e_pos;
    const V two_e1 = e_pos + e_pos;
    const V pnum_hi = V(T(1)) + two_e1;
    const V pnum_lo = ((V(T(1)) - pnum_hi) + two_e1) + V(T(2)) * ex.e_k.lo;
    const math::Pair<V> e2 = math::two_product_finite(e_pos, e_pos);
    const V dpos_hi = pnum_hi + (e2.hi + e2.hi);
    const V dpos_lo = ((pnum_hi - dpos_hi) + (e2.hi + e2.hi)) + (pnum_lo + V(T(2)) * e2.lo);
    // numerator x * (n or 1 + 2E) as an exact pair, then one division.
    const V m_hi = select(positive, pnum_hi, n_hi);
    const V m_lo = select(positive, pnum_lo, n_lo);
    const math::Pair<V> xm = math::two_product_finite(x, m_hi);
    const math::Pair<V> num{xm.hi, mul_add(x, m_lo, xm.lo)};
    const math::Pair<V> den{select(positive, dpos_hi, dneg_hi), select(positive, dpos_lo, dneg_lo)};
    const V y = math::unscaled(math::divide(num, den), select(positive, V(T(1)), unscale));
    // Beyond the clamp: mish(x) = x for large x, 0 (flushed) for very negative x. +inf: x.
    return select(ex.beyond | tail.linear, select(positive, x, V(T(0))), select(is_nan(x), x, y));
  }

  template <class V>
  static V derivative(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const math::ScaledExp<V> ex = math::exp_neg_abs_scaled(x, math::kZeroLow);
    const auto positive = x > V(T(0));
    const Tail<V> tail = tail_of(positive, ex);
    const V e = tail.e, unscale = tail.unscale;
    const V e_k = ex.e_k.hi;

    // x <= 0 (scaled by 2^K): (n_k (n + 2) + 4 x e_k (1 + e)) / (n + 2)^2. The two terms cancel
    // near the zero of mish' (x = -1.19): each is formed as an exact pair and summed once.
    const math::Pair<V> sq = math::two_product_finite(e_k, e);  // 2^K e^2
    const V n_k = sq.hi + (e_k + e_k);                           // 2^K (e^2 + 2e)
    const V n_k_lo = (((e_k + e_k) - n_k) + sq.hi) + sq.lo;
    const V n = n_k * unscale;
    const V n2 = n + V(T(2));
    const V n2_lo = ((V(T(2)) - n2) + n) + n_k_lo * unscale;
    const math::Pair<V> p1 = math::two_product_finite(n_k, n2);  // n_k (n + 2)
    const V p1_lo = p1.lo + mul_add(n_k, n2_lo, n_k_lo * n2);
    const V ee_k = e_k + sq.hi;                                  // 2^K (e + e^2)
    const V ee_k_lo = ((e_k - ee_k) + sq.hi) + sq.lo;
    const math::Pair<V> p2 = math::two_product_finite(V(T(4)) * x, ee_k);  // 4 x 2^K e (1 + e)
    const V p2_lo = mul_add(V(T(4)) * x, ee_k_lo, p2.lo);
    const V sum = p1.hi + p2.hi;
    const V sum_lo = (p1.hi - sum) + p2.hi + (p1_lo + p2_lo);    // p1 >= |p2| for x <= 0 where it matters
    const math::Pair<V> den = math::two_product_finite(n2, n2);  // (n + 2)^2 as a pair
    const V neg = math::divide(math::Pair<V>{sum, sum_lo}, math::Pair<V>{den.hi, mul_add(n2 + n2, n2_lo, den.lo)});
    // x > 0: ((1 + 2E) D + 4 x E^2 (1 + E)) / D^2, E = e_pos
    const V ep = tail.e_pos;
    const V d = mul_add(ep + ep, ep + V(T(1)), V(T(1)));  // 1 + 2E + 2E^2
    const V pos = mul_add(mul_add(V(T(2)), ep, V(T(1))), d, V(T(4)) * x * (ep * ep) * (V(T(1)) + ep)) / (d * d);
    const V r = select(positive, pos, math::unscaled(neg, unscale));
    return select(ex.beyond | tail.linear, select(positive, V(T(1)), V(T(0))), propagate_nan(x, r));
  }
};

}  // namespace fastact
