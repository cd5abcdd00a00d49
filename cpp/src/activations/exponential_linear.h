// The exponential linear family: elu, selu, celu. x for x > 0; a scaled expm1 for x <= 0
// (expm1 keeps full relative accuracy near 0, where e^x - 1 would cancel).
// Derivatives at 0 follow PyTorch: the x <= 0 branch (elu'(0) = alpha, selu'(0) = lambda*alpha,
// celu'(0) = 1).
#pragma once

#include <limits>

#include "../math/exp.h"
#include "../math/expm1.h"
#include "op_support.h"
#include "subnormal_inputs.h"

namespace fastact {

// expm1(x) and 2^8 e^x (flushed below the normal range, as exp_flushed<8>) for x <= 0, from one
// exponential, for elu's and selu's value_and_derivative (which discard both where x > 0): for x
// in [expm1's kMinArg, 0] both need the split of x itself; below kMinArg expm1 is exactly -1 and
// only the derivative needs the split. The results are the bits of math::expm1_nonpositive(x)
// and math::exp_flushed<8>(min(0, x)).
template <class V>
inline void expm1_and_exp256(V x, V& em1, V& e256) {
  using T = typename V::Scalar;
  using E = math::Expm1Constants<T>;
  const V nonpositive = min(V(T(0)), x);
  const math::ExpSplit<V> split = math::exp_split(math::flushed_argument<8>(nonpositive));  // below: em1 is -1
  em1 = select(x < V(E::kMinArg), V(T(-1)), math::expm1_nonpositive_from_split(split));
  e256 = math::exp_flushed_from_split<8>(split, nonpositive);
}

// expm1(z) and e^z over the whole range (celu's forward and derivative) from one exponential:
// the split exp() takes (math::exp_split_in_range), whose range holds expm1's narrower one; outside
// that, expm1 is -1 (below) or +inf (above, where e^z overflows too). The results are the bits of
// math::expm1(z) and math::exp(z).
template <class V>
inline void expm1_and_exp(V z, V& em1, V& e) {
  using T = typename V::Scalar;
  using C = math::ExpConstants<T>;
  using E = math::Expm1Constants<T>;
  static_assert(C::kMaxArg >= E::kMaxArg && C::kMinArg <= E::kMinArg, "expm1's range must lie in exp's");
  const math::ExpInRange<V> split = math::exp_split_in_range(z);
  e = math::exp_from(split);
  em1 = select(z < V(E::kMinArg), V(T(-1)),
               select(z > V(E::kMaxArg), V(std::numeric_limits<T>::infinity()), math::expm1_from_split(split.split)));
}

// elu(x) = x for x > 0, alpha (e^x - 1) otherwise; a = alpha.
struct Elu {
  // The exponential branch sees subnormal x as a zero of its sign (no slow path, subnormal_inputs.h)
  // where alpha x stays subnormal; the x > 0 test sees x itself (elu' jumps at 0).
  template <class V>
  static V exp_input(V x, const Params<V>& p) {
    using T = typename V::Scalar;
    return flush_subnormal(x, V(std::numeric_limits<T>::min()) / max(V(T(1)), abs(p.a)));
  }
  template <class V>
  static V forward(V x, const Params<V>& p) {
    return select(x > V(0), x, p.a * math::expm1_nonpositive(exp_input(x, p)));
  }
  // alpha e^x is normal where e^x alone is already subnormal (alpha > 1), so take 2^8 e^x
  // (normal 5.5 further down) and fold 2^-8 into alpha, exactly.
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    using T = typename V::Scalar;
    const V e256 = math::exp_flushed<8>(min(V(0), exp_input(x, p)));
    return propagate_nan(x, select(x > V(0), V(1), (p.a * V(T(1.0 / 256))) * e256));
  }
  // elu' = y + alpha for y <= 0: valid for alpha >= 0 (the Python layer checks).
  template <class V>
  static V derivative_from_output(V y, const Params<V>& p) {
    return propagate_nan(y, select(y > V(0), V(1), y + p.a));
  }
  // One exponential for both; the same bits as forward() and derivative().
  template <class V>
  static void value_and_derivative(V x, const Params<V>& p, V& y, V& d) {
    using T = typename V::Scalar;
    V em1, e256;
    expm1_and_exp256(exp_input(x, p), em1, e256);
    y = select(x > V(0), x, p.a * em1);
    d = propagate_nan(x, select(x > V(0), V(1), (p.a * V(T(1.0 / 256))) * e256));
  }
};

// selu(x) = lambda x for x > 0, lambda alpha (e^x - 1) otherwise, with the self-normalising
// constants of Klambauer et al. (2017). The products use the constants as hi + lo pairs (exact
// in float64, split from the float64 value for float32) so only the final FMA rounds.
struct Selu {
  static constexpr double kLambda = 1.0507009873554805;
  static constexpr double kAlpha = 1.6732632423543772;
  static constexpr double kLambdaAlpha = kLambda * kAlpha;  // 1.7580993408473766

  template <class T>
  static constexpr T hi(double c) { return static_cast<T>(c); }
  template <class T>
  static constexpr T lo(double c) { return static_cast<T>(c - static_cast<double>(static_cast<T>(c))); }

  // c * v with c = hi + lo: one rounding.
  template <class V>
  static V times(V v, double c) {
    using T = typename V::Scalar;
    return mul_add(v, V(hi<T>(c)), v * V(lo<T>(c)));
  }

  template <class V>
  static V forward(V x, const Params<V>&) {
    return with_subnormal_inputs(x, from_expm1(x, math::expm1_nonpositive(flush_subnormals(x))));
  }
  // Every subnormal x is a zero of its sign for the main formulas (flush_subnormals);
  // with_subnormal_inputs then gives those lanes their own results (the x > 0 test always sees x).
  // selu from em1 = expm1(flush_subnormals(x)) (used where x <= 0; other lanes take lambda x).
  // +inf is clamped to the largest finite value: the product then overflows to +inf instead of
  // inf * lambda_hi + inf * lambda_lo = inf - inf (lambda_lo < 0). NaN passes min(max, .).
  template <class V>
  static V from_expm1(V x, V em1) {
    using T = typename V::Scalar;
    const V xf = min(V(std::numeric_limits<T>::max()), flush_subnormals(x));
    return select(x > V(0), times(xf, kLambda), times(em1, kLambdaAlpha));
  }
  // y, with its subnormal-x lanes replaced by lambda x (x > 0) or lambda alpha x (x < 0: expm1 of a
  // subnormal is itself), a zero of x's sign where that is not a normal number
  // (subnormal_inputs.h). On this Zen 3 a multiply with a subnormal operand or result takes a
  // microcode assist (uniformly subnormal input ran 2.5x slower), so no arithmetic here touches a
  // subnormal number: x is carried 2^K higher, where every product of times() is normal (K = 64
  // for float, 128 for double), built from x's bits (|x| = m 2^-149, m its integer bits; m OR'ed
  // into the mantissa of 2^k gives 2^k + m 2^(k-23), less 2^k: m 2^(k-23) exactly, k = K - 126;
  // for double 2^-1074, 52 and k = K - 1022), and results that are normal after scaling back
  // are scaled back (exactly).
  template <class V>
  static V with_subnormal_inputs(V x, V y) {
    using T = typename V::Scalar;
    const auto subnormal = (abs(x) < V(std::numeric_limits<T>::min())) & (x != V(T(0)));
    if (!any(subnormal)) return y;
    const T two_k = sizeof(T) == 4 ? T(0x1p-62) : T(0x1p-894);        // 2^(K - 126), 2^(K - 1022)
    const T up_scale = sizeof(T) == 4 ? T(0x1p64) : T(0x1p128);        // 2^K
    const T down_scale = sizeof(T) == 4 ? T(0x1p-64) : T(0x1p-128);    // 2^-K
    const V up = copysign(bit_or(abs(x), V(two_k)) - V(two_k), x);     // x 2^K
    const V scaled = select(x > V(T(0)), times(up, kLambda), times(up, kLambdaAlpha));
    const V normal_scaled = V(std::numeric_limits<T>::min() * up_scale);
    const V ys = select(abs(scaled) < normal_scaled, copysign(V(T(0)), x), scaled) * V(down_scale);
    return select(subnormal, ys, y);
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    using T = typename V::Scalar;
    // As elu': 2^8 e^x stays normal where lambda alpha e^x does.
    const V e256 = math::exp_flushed<8>(min(V(0), flush_subnormals(x)));  // e^subnormal rounds to 1 anyway
    return propagate_nan(x, select(x > V(0), V(T(kLambda)), times(e256, kLambdaAlpha / 256)));
  }
  template <class V>
  static V derivative_from_output(V y, const Params<V>&) {
    using T = typename V::Scalar;
    return propagate_nan(y, select(y > V(0), V(T(kLambda)), y + V(T(kLambdaAlpha))));
  }
  // One exponential for both; the same bits as forward() and derivative().
  template <class V>
  static void value_and_derivative(V x, const Params<V>&, V& y, V& d) {
    using T = typename V::Scalar;
    V em1, e256;
    expm1_and_exp256(flush_subnormals(x), em1, e256);
    y = with_subnormal_inputs(x, from_expm1(x, em1));
    d = propagate_nan(x, select(x > V(0), V(T(kLambda)), times(e256, kLambdaAlpha / 256)));
  }
};

// celu(x) = max(0, x) + min(0, alpha (e^(x/alpha) - 1)); a = alpha != 0.
// x/alpha is carried as hi + lo (the FMA remainder is exact), so the rounding of the quotient
// does not reach the result: expm1(z_hi + z_lo) = expm1(z_hi) + z_lo e^z_hi to first order.
struct Celu {
  template <class V>
  static void quotient(V x, V alpha, V& z_hi, V& z_lo) {
    using T = typename V::Scalar;
    z_hi = x / alpha;
    z_lo = neg_mul_add(z_hi, alpha, x) / alpha;
    // The correction matters only while e^z is not saturated; for infinite z it is inf - inf.
    z_lo = select(abs(z_hi) < V(T(128)), z_lo, V(T(0)));
  }
  template <class V>
  static V forward(V x, const Params<V>& p) {
    V z_hi, z_lo;
    quotient(x, p.a, z_hi, z_lo);
    return from_expm1(x, z_hi, z_lo, math::expm1(z_hi), p);
  }
  template <class V>
  static V derivative(V x, const Params<V>& p) {
    V z_hi, z_lo;
    quotient(x, p.a, z_hi, z_lo);
    return from_exp(x, z_lo, math::exp(z_hi));  // full range: for alpha < 0, x/alpha >= 0 here
  }
  // One exponential for both; the same bits as forward() and derivative().
  template <class V>
  static void value_and_derivative(V x, const Params<V>& p, V& y, V& d) {
    V z_hi, z_lo, em1, e;
    quotient(x, p.a, z_hi, z_lo);
    expm1_and_exp(z_hi, em1, e);
    y = from_expm1(x, z_hi, z_lo, em1, p);
    d = from_exp(x, z_lo, e);
  }

 private:
  // celu from x / alpha = z_hi + z_lo and em1 = expm1(z_hi).
  template <class V>
  static V from_expm1(V x, V z_hi, V z_lo, V em1, const Params<V>& p) {
    using T = typename V::Scalar;
    // alpha (em1 + z_lo (em1 + 1)) with a single rounding at the end.
    const V negative = mul_add(p.a, em1, p.a * (z_lo * (em1 + V(T(1)))));
    // For |x/alpha| below half an ULP, celu(x) = x (1 + x/(2 alpha) + ...) rounds to x; there
    // x/alpha may also be subnormal and short of bits.
    const V tiny = V(sizeof(T) == 4 ? T(2.98023224e-8) : T(5.551115123125783e-17));  // 2^-25, 2^-54
    return select(x > V(T(0)), x, select(abs(z_hi) < tiny, x, negative));
  }
  // celu' from e = e^z_hi: e^(z_hi + z_lo) to first order.
  template <class V>
  static V from_exp(V x, V z_lo, V e) {
    return propagate_nan(x, select(x > V(0), V(1), mul_add(e, z_lo, e)));
  }
};

}  // namespace fastact
