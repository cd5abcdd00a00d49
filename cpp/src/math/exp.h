// e^x over the whole float range, written once against the thin vector type.
//
// Method: x = n*ln2 + r with n = round(x/ln2), |r| <= ln2/2, found by one FMA with a "magic"
// bias M = 1.5*2^p + exponent bias (x/ln2 + M rounds to an integer and leaves n + bias in the low
// mantissa bits, so 2^n is a shift: pow2_from_biased). Cody-Waite: ln2 is split into a
// short high part, so n*kLn2Hi and x - n*kLn2Hi are exact, and a low part), then
// e^r = 1 + q with q = r + r^2 * P(r), P a minimax fit of (e^r - 1 - r) / r^2
// (tools/fit_minimax.py exp_tail_f32 / exp_tail_f64: max relative error of P 1.3e-7 / 2.3e-16,
// which reaches e^r scaled by r^2 P / e^r < 0.12, far below an ULP).
//
// exp_split() stops at e^x = 2^n * (1 + q), so callers that go on to add 1 (sigmoid, softplus)
// can fold the rounding of 1 + q into their own FMA. exp() finishes with 2^n in two exact
// steps, 2^floor(n/2) * 2^(n - floor(n/2)), so overflow gives +inf and subnormal results are
// rounded once. Error of exp(): < 1 ULP.
#pragma once

#include <type_traits>
#include <utility>

#include "pair.h"
#include "polynomial.h"

namespace fastact::math {

template <class T>
struct ExpConstants;

template <>
struct ExpConstants<float> {
  static constexpr float kLog2e = 1.44269504088896341f;
  // ln2 = kLn2Hi + kLn2Lo; kLn2Hi = 0x3F318000 has 9 significant bits, so n*kLn2Hi is exact
  // for |n| < 2^15 (fdlibm's single-precision split).
  static constexpr float kLn2Hi = 0.693359375f;
  static constexpr float kLn2Lo = -2.12194440e-4f;
  // Below kMinArg e^x rounds to +0 (e^-104 < 2^-150); above kMaxArg it overflows
  // (ln(FLT_MAX) = 88.72). Clamping there keeps n within what the two-step scaling builds.
  static constexpr float kMinArg = -104.0f;
  static constexpr float kMaxArg = 89.0f;
  // ln(2^-126): below this, e^x is subnormal.
  static constexpr float kMinNormalArg = -87.3365447f;
  static constexpr float kRoundBias = 12583039.0f;  // 1.5 * 2^23 + 127
};

template <>
struct ExpConstants<double> {
  static constexpr double kLog2e = 1.4426950408889634074;
  // fdlibm's split: kLn2Hi = 0x3FE62E42FEE00000 has 32 significant bits, n*kLn2Hi exact for |n| < 2^21.
  static constexpr double kLn2Hi = 6.93147180369123816490e-01;
  static constexpr double kLn2Lo = 1.90821492927058770002e-10;
  static constexpr double kMinArg = -746.0;  // e^-746 < 2^-1075: rounds to +0
  static constexpr double kMaxArg = 710.0;   // ln(DBL_MAX) = 709.78
  static constexpr double kMinNormalArg = -708.39641853226408;  // ln(2^-1022)
  static constexpr double kRoundBias = 6755399441056767.0;       // 1.5 * 2^52 + 1023
};

// How accurate a double exponential must be: to double precision, or only for a result that is
// rounded to float in the end (the float32 kernels evaluated in double, math/in_double.h).
// unrounded: for exp_split_unrounded, whose callers keep 1 + q unrounded (float: 6 terms).
enum class ExpAccuracy { full, for_float, unrounded };

// (e^r - 1 - r) / r^2 on |r| <= ln2/2: minimax coefficients from tools/fit_minimax.py. For_float:
// exp_tail_for_float, 8 terms instead of 10, max relative error 9.0e-13, which reaches e^r as
// < 1.1e-13 relative (2e-6 of a float ULP; 6 terms, 2.7e-9, were enough for a plain float result
// but not where a caller cancels: tanh-GELU's derivative near its zero lost 3 ULP to them).
template <ExpAccuracy kAccuracy = ExpAccuracy::full, class V>
inline V exp_tail(V r) {
  using T = typename V::Scalar;
  if constexpr (kAccuracy == ExpAccuracy::for_float && sizeof(T) == 8) {
    return horner(r, 0.4999999999995539, 0.1666666666673858, 0.04166666678584133, 0.00833333329351758,
                  0.001388883920485574, 0.00019841309066715666, 2.486781782931562e-05, 2.7577357746711896e-06);
  } else if constexpr (kAccuracy == ExpAccuracy::unrounded && sizeof(T) == 4) {
    // exp_tail_f32_unrounded: max relative error 1.0e-8, reaching e^r as < 1.3e-9
    return horner(r, 0.5f, 0.1666666716337204f, 0.04166646674275398f, 0.008333360776305199f,
                  0.0013933597365394235f, 0.00019857799634337425f);
  } else if constexpr (sizeof(T) == 4) {
    return horner(r, 0.5f, 0.16666577756404877f, 0.04166685417294502f, 0.008363140746951103f,
                  0.001390128512866795f);
  } else {
    return horner(r, 0.5000000000000001, 0.16666666666666644, 0.041666666666624344, 0.00833333333335618,
                  0.0013888888917121466, 0.00019841269784705217, 2.480152142265205e-05,
                  2.7557355488420345e-06, 2.7620034122972144e-07, 2.5068166852045423e-08);
  }
}

// e^x = 2^n * (1 + q), with biased = n + kRoundBias (2^n = pow2_from_biased(biased) while
// n is a normal exponent). For an x already clamped to [kMinArg, kMaxArg]; NaN gives NaN q.
template <class V>
struct ExpSplit {
  V n;       // integral
  V biased;  // n + kRoundBias
  V q;       // e^r - 1, |q| <= 0.42
};

template <ExpAccuracy kAccuracy = ExpAccuracy::full, class V>
inline ExpSplit<V> exp_split(V x) {
  using C = ExpConstants<typename V::Scalar>;
  const V biased = mul_add(x, V(C::kLog2e), V(C::kRoundBias));  // rounds x/ln2 to nearest (ties even)
  const V n = biased - V(C::kRoundBias);
  V r = neg_mul_add(n, V(C::kLn2Hi), x);
  r = neg_mul_add(n, V(C::kLn2Lo), r);
  return {n, biased, mul_add(r * r, exp_tail<kAccuracy>(r), r)};
}

// e^(x + x_lo) for an argument carried as a pair (|x_lo| <= ulp(x)): the low part joins the
// reduced argument, where it is not lost to rounding.
template <class V>
inline ExpSplit<V> exp_split(V x, V x_lo) {
  using C = ExpConstants<typename V::Scalar>;
  const V biased = mul_add(x, V(C::kLog2e), V(C::kRoundBias));
  const V n = biased - V(C::kRoundBias);
  V r = neg_mul_add(n, V(C::kLn2Hi), x);
  r = neg_mul_add(n, V(C::kLn2Lo), r + x_lo);
  return {n, biased, mul_add(r * r, exp_tail(r), r)};
}

// e^(x + x_lo) = 2^n (1 + q_hi + q_lo) with the sum left unrounded: q_hi = x - n ln2_hi is exact
// (Cody-Waite), and q_lo, the rest, is small (|q_lo| < 0.07), so a caller that multiplies by 1 + q
// in pieces loses none of the ~1/4-ULP roundings of r and of q that exp_split's single q carries.
// For float callers whose whole error budget is a couple of ULP (float32 GELU).
template <class V>
struct ExpSplitUnrounded {
  V biased;  // n + kRoundBias
  V q_hi;
  V q_lo;
};

template <class V>
inline ExpSplitUnrounded<V> exp_split_unrounded(V x, V x_lo) {
  using C = ExpConstants<typename V::Scalar>;
  const V biased = mul_add(x, V(C::kLog2e), V(C::kRoundBias));
  const V n = biased - V(C::kRoundBias);
  const V r_hi = neg_mul_add(n, V(C::kLn2Hi), x);     // exact
  const V r_lo = neg_mul_add(n, V(C::kLn2Lo), x_lo);  // |n ln2_lo| small: one tiny rounding
  const V r = r_hi + r_lo;
  return {biased, r_hi, mul_add(r * r, exp_tail<ExpAccuracy::unrounded>(r), r_lo)};
}

// The low part of an argument that is exact as it stands (sigmoid(x), silu(x), softplus(x)): with
// it, the pair-argument functions below skip the low part's arithmetic. Adding a zero low part
// cannot be left to the compiler (r + 0 is not r for r = -0, and FMAs are placed by hand), and it
// costs about a tenth of sigmoid's time; skipping it gives the same bits.
struct ZeroLow {};
inline constexpr ZeroLow kZeroLow{};

// e^-|z| for z = z + z_lo (z_lo a V, or kZeroLow), split as exp_split does, where -|z| is at
// least `lowest`; below it (the caller's `beyond` lanes, whose results it replaces) the split of 0:
// the split of `lowest` itself would lead the caller's scalings into subnormal products, a
// microcode assist each on many x86 CPUs (flushed_argument below says more). NaN passes through.
template <class V, class Lo>
inline ExpSplit<V> exp_split_neg_abs(V z, Lo z_lo, V lowest) {
  using T = typename V::Scalar;
  const V a = -abs(z);
  const auto below = a < lowest;
  if constexpr (std::is_same_v<Lo, ZeroLow>) {
    return exp_split(select(below, V(T(0)), a));
  } else {
    const V a_lo = select(z < V(T(0)), z_lo, -z_lo);  // -|z| = z for z < 0, -z otherwise
    return exp_split(select(below, V(T(0)), a), select(below, V(T(0)), a_lo));
  }
}

// e^-|z| (z = z + z_lo) for callers that multiply it by something large (x e^x near x = -88,
// e^x / beta): kept as 2^K e^-|z| with K = 64 where e^-|z| < 2^-60, so it stays a normal number
// down to 2^-190; the caller multiplies its final quotient by `unscale` (one rounding, into the
// subnormal range if that is where the result lands).
template <class V>
struct ScaledExp {
  Pair<V> e_k;   // 2^K e^-|z| as an exact pair
  V e;           // e^-|z| rounded (may be subnormal: only to be added to O(1) terms)
  V unscale;     // 2^-K
  typename V::MaskType scaled;  // K = 64
  typename V::MaskType beyond;  // -|z| < -190 ln2: below every normal result; callers flush (the
                                // other members there are those of e^0)
};

// Where exp_neg_abs_scaled clamps -|z|: kMinNormalArg - 64 ln2.
template <class T>
inline constexpr T kScaledExpLowest = ExpConstants<T>::kMinNormalArg - T(64) * T(0.69314718055994530942);

template <class V, class Lo>
inline ScaledExp<V> exp_neg_abs_scaled(V z, Lo z_lo) {
  using T = typename V::Scalar;
  const ExpSplit<V> split = exp_split_neg_abs(z, z_lo, V(kScaledExpLowest<T>));
  const auto scaled = split.n < V(T(-60));
  const V s_k = pow2_from_biased(split.biased + select(scaled, V(T(64)), V(T(0))));
  const V unscale = select(scaled, V(T(5.421010862427522e-20)), V(T(1)));  // 2^-64
  const Pair<V> e_k = scaled_one_plus(s_k, split.q);
  return {e_k, e_k.hi * unscale, unscale, scaled, -abs(z) < V(kScaledExpLowest<T>)};
}

// e^-|z| rounded as ScaledExp::e, but 0 in the lanes of `dropped` (where the caller's terms cannot
// see it): there no subnormal product is formed. The other lanes get the bits of e.e.
template <class V>
inline V exp_or_zero(const ScaledExp<V>& e, typename V::MaskType dropped) {
  using T = typename V::Scalar;
  return e.e_k.hi * select(dropped, V(T(0)), e.unscale);
}

// v * unscale for a caller's final value v carried 2^K high (ScaledExp::unscale, K = 64): where
// |v| 2^-K is at most half the smallest subnormal number, the product rounds to a zero of v's
// sign, and it is formed as v * 0 there instead, without the microcode assist an underflowing
// product takes on some CPUs. The same bits as v * unscale in every lane.
template <class V>
inline V unscaled(V v, V unscale) {
  using T = typename V::Scalar;
  constexpr T kZeroAtOrBelow = sizeof(T) == 4 ? T(0x1p-86) : T(0x1p-1011);  // 2^64 2^-150, 2^64 2^-1075
  return v * select((abs(v) <= V(kZeroAtOrBelow)) & (unscale < V(T(1))), V(T(0)), unscale);
}

template <class V, class = void>
struct HasScalef : std::false_type {};
template <class V>
struct HasScalef<V, std::void_t<decltype(scalef(std::declval<V>(), std::declval<V>()))>> : std::true_type {};

// 2^n * p for integral n in [2*min_exponent - 2, 2*max_exponent + 2], in two steps
// 2^h * 2^(n - h), h = floor(n/2): n/2 - 1/4 is never a tie, so adding the bias rounds it to h.
// For callers whose p 2^h is exact (a normal number, or n - h = 0) the result is rounded once,
// the same bits as one VSCALEF, which AVX-512 uses instead.
template <class V>
inline V scale_pow2(V p, V n) {
  using T = typename V::Scalar;
  using C = ExpConstants<T>;
  if constexpr (HasScalef<V>::value) {
    return scalef(p, n);
  } else {
    const V h_biased = mul_add(n, V(T(0.5)), V(T(-0.25))) + V(C::kRoundBias);
    const V h = h_biased - V(C::kRoundBias);
    return (p * pow2_from_biased(h_biased)) * pow2_from_biased((n - h) + V(C::kRoundBias));
  }
}

// e^x * 2^K for x <= 0 (K in [0, 8]), with results below the smallest normal number flushed to +0
// (docs/numerics.md allows it). One shift instead of exp()'s two-step scaling: for the callers whose
// results are subnormal only where this factor is (derivatives, tanh's saturating branch).
// Where exp_flushed<K> clamps: results are normal for x >= kMinNormalArg - K ln2, where n + K >=
// min_exponent still holds.
template <class T, int K = 0>
inline constexpr T kFlushedLowest = ExpConstants<T>::kMinNormalArg - T(K) * T(0.69314718055994530942);

// The argument exp_flushed<K> splits: x, or 0 where x is below kFlushedLowest<T, K> (any value
// whose exponential is normal: the result there is 0 whatever it is). The clamp kFlushedLowest
// itself would do as well for the result, but its 2^n (1 + q) can land just below the normal
// range, and an FMA with a subnormal result takes a microcode assist on many x86 CPUs, for the
// whole vector, though the value is discarded: saturated inputs would run far slower. NaN
// passes through (the compare is false).
template <int K = 0, class V>
inline V flushed_argument(V x) {
  using T = typename V::Scalar;
  return select(x < V(kFlushedLowest<T, K>), V(T(0)), x);
}

// exp_flushed<K>(x) from the split of flushed_argument<K>(x), for callers that use the split for
// more than e^x (elu, selu and log1mexp take expm1 from it too, where x is not flushed).
template <int K = 0, class V>
inline V exp_flushed_from_split(const ExpSplit<V>& e, V x) {
  using T = typename V::Scalar;
  V biased = e.biased;
  if constexpr (K != 0) biased = biased + V(T(K));  // + 0 is an operation: x + 0 is not x for x = -0
  const V s = pow2_from_biased(biased);
  return select(x < V(kFlushedLowest<T, K>), V(T(0)), mul_add(s, e.q, s));
}

// 2^n (1 + q) for a split whose 2^n is a normal number: one shift and one FMA (exp() rounds 1 + q
// and scales it exactly: the same rounding).
template <class V>
inline V normal_from_split(const ExpSplit<V>& e) {
  const V s = pow2_from_biased(e.biased);
  return mul_add(s, e.q, s);
}

// e^max(x, kFlushedLowest): e^x where that is a normal number, the smallest such below, for callers
// whose result is the same for any e^x that small (tanh's complement, added to 1 or to |x| - 1).
// exp_flushed's zero costs a compare and a select more.
template <class V>
inline V exp_clamped_to_normal(V x) {
  using T = typename V::Scalar;
  return normal_from_split(exp_split(max(V(kFlushedLowest<T>), x)));  // NaN passes through
}

template <int K = 0, ExpAccuracy kAccuracy = ExpAccuracy::full, class V>
inline V exp_flushed(V x) {
  using T = typename V::Scalar;
  return exp_flushed_from_split<K>(exp_split<kAccuracy>(flushed_argument<K>(x)), x);
}

// The split exp() takes, for callers that use it for more than e^x (celu takes expm1 from it):
// x clamped above at kMaxArg; below kMinArg, where e^x rounds to +0, the split of 0 instead of the
// clamp, whose scaling would underflow through the subnormal range (a microcode assist).
// min(hi, .) returns its second operand for NaN, and the compare is false, so NaN passes through.
template <class V>
struct ExpInRange {
  ExpSplit<V> split;
  typename V::MaskType below;  // x < kMinArg
};
template <class V>
inline ExpInRange<V> exp_split_in_range(V x) {
  using T = typename V::Scalar;
  using C = ExpConstants<T>;
  const auto below = x < V(C::kMinArg);
  return {exp_split(select(below, V(T(0)), min(V(C::kMaxArg), x))), below};
}

// e^x from that split: +0 below kMinArg, subnormal results rounded once.
template <class V>
inline V exp_from(const ExpInRange<V>& e) {
  using T = typename V::Scalar;
  return select(e.below, V(T(0)), scale_pow2(e.split.q + V(T(1)), e.split.n));
}

// e^x for every x: exp(NaN) = NaN, exp(-inf) = +0, exp(+inf) = +inf, subnormal results rounded once.
template <class V>
inline V exp(V x) {
  return exp_from(exp_split_in_range(x));
}

// exp(x), the same bits, for callers whose arguments are mostly in [kMinNormalArg, 0] (log-
// probabilities: log_softmax.backward's e^y): a vector whose lanes all lie there has a normal
// result below 1 in every lane (normal_from_split). Any other vector (NaN included) takes exp().
template <class V>
inline V exp_mostly_nonpositive(V x) {
  using T = typename V::Scalar;
  if (any(~((x >= V(ExpConstants<T>::kMinNormalArg)) & (x <= V(T(0)))))) return exp(x);
  return normal_from_split(exp_split(x));
}

}  // namespace fastact::math
