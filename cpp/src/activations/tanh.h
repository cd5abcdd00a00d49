// tanh, in two regimes blended per lane (both are cheap; a branch would not vectorise):
//   |x| <  0.5625: tanh(x) = x + x^3 P(x^2), P a minimax fit of (tanh(x) - x) / x^3
//                  (tools/fit_minimax.py tanh_f32 / tanh_f64), so tiny x keeps every bit;
//   |x| >= 0.5625: tanh(|x|) = 1 - 2e / (1 + e) with e = e^-2|x| <= 0.33: the subtracted term is
//                  below 1/2, so nothing cancels, and e -> 0 gives exactly 1 (no overflow).
// The sign is copied back from x: tanh is odd, tanh(-0.0) = -0.0.
// float32 where a 32-entry lookup is cheap (AVX-512, scalar; math::kQuarterBinadeTables) takes no
// exponential and no division: one degree-5 polynomial per quarter binade of |x| in [1/16, 10)
// (math/tanh_table.h, tools/fit_lookup_tables.py), the odd series below 1/16 and 1 from 10 on,
// picked by |x|'s bits. Its results differ from AVX2's in the last bit for some x (each meets the
// float32 bound over all 2^32 inputs); docs/instruction-sets.md lists it.
// tanh'(x) = 1 - tanh^2 = 4e / (1 + e)^2: accurate in the tails where 1 - y^2 would cancel;
// 4e comes from exp_flushed<2>, the factor 4 folded into its power of two, so it stays a normal
// number down to tanh' = 2^-126. From the output: 1 - y^2 in one FMA.
#pragma once

#include "../math/exp.h"
#include "../math/quarter_binade_table.h"
#include "../math/tanh_table.h"
#include "op_support.h"

namespace fastact {

struct Tanh {
  template <class V>
  static V small_argument_poly(V s) {
    using T = typename V::Scalar;
    if constexpr (sizeof(T) == 4) {
      return math::horner(s, -0.3333333134651184f, 0.13333073258399963f, -0.05390177294611931f,
                          0.021263455972075462f, -0.006525734439492226f);
    } else {
      return math::horner(s, -0.3333333333333333, 0.13333333333332392, -0.053968253967060044,
                          0.0218694884769885, -0.008863234022060388, 0.003592105538376865,
                          -0.001455624022147809, 0.0005887539095518583, -0.00023410610115026973,
                          8.426601148626318e-05, -2.0027238265372987e-05);
    }
  }

  // 1 - tanh(ax) = 2e / (1 + e), e = e^-2ax, for ax = |x| (tanhshrink's large-|x| term too).
  // Where e^-2ax is below the normal range, e stops at its bottom: 1 - 2e/(1+e) rounds to 1 and
  // (ax - 1) + 2e/(1+e) to ax - 1 all the same, so no zero needs selecting. -2ax is -(ax + ax)
  // in one product.
  template <class V>
  static V complement(V ax) {
    using T = typename V::Scalar;
    const V e = math::exp_clamped_to_normal(ax * V(T(-2)));
    return (e + e) / (V(T(1)) + e);
  }

  // float32 tanh(|x|) from the table, with x's sign: |x| is clamped to [1/16 - ulp, 10] for the
  // entry (below 1/16 the series' entry, from 10 on the constant 1), and to 10 for u (inf gives
  // u = 0; NaN passes min's second operand through and stays NaN).
  template <class V>
  static V from_table(V x) {
    using Table = math::TanhTable;
    const V ax = abs(x);
    const V entry_of = math::quarter_binade_entry(ax);
    const V u = math::quarter_binade_offset<Table>(entry_of, min(V(10.0f), ax));
    return copysign(math::quarter_binade_polynomial<Table>(entry_of, u, u), x);
  }

  template <class V>
  static V forward(V x, const Params<V>&) {
    using T = typename V::Scalar;
    if constexpr (math::kQuarterBinadeTables<V>) {
      return from_table(x);
    } else {
      const V ax = abs(x);
      const V s = ax * ax;
      const V small = mul_add(ax * s, small_argument_poly(s), ax);
      return copysign(select(ax < V(T(0.5625)), small, V(T(1)) - complement(ax)), x);
    }
  }
  template <class V>
  static V derivative(V x, const Params<V>&) {
    using T = typename V::Scalar;
    const V ax = abs(x);
    const V e4 = math::exp_flushed<2>(-(ax + ax));  // 4 e^-2|x|, flushed only where tanh' is subnormal
    const V e = e4 * V(T(0.25));
    return e4 / mul_add(e, e + V(T(2)), V(T(1)));
  }
  template <class V>
  static V derivative_from_output(V y, const Params<V>&) {
    return neg_mul_add(y, y, V(1));
  }
  // One exponential for both: forward's e is the derivative's 4e / 4 (exact wherever e is a
  // normal number; where it is not, 1 - 2e/(1+e) rounds to 1 either way), so the results are
  // the bits of the two separate calls. The table path shares nothing: it calls both.
  template <class V>
  static void value_and_derivative(V x, const Params<V>& p, V& y, V& d) {
    using T = typename V::Scalar;
    if constexpr (math::kQuarterBinadeTables<V>) {
      y = from_table(x);
      d = derivative(x, p);
    } else {
      const V ax = abs(x);
      const V s = ax * ax;
      const V small = mul_add(ax * s, small_argument_poly(s), ax);
      const V e4 = math::exp_flushed<2>(-(ax + ax));
      const V e = e4 * V(T(0.25));
      const V large = V(T(1)) - (e + e) / (V(T(1)) + e);
      y = copysign(select(ax < V(T(0.5625)), small, large), x);
      d = e4 / mul_add(e, e + V(T(2)), V(T(1)));
    }
  }
};

}  // namespace fastact
