// 16 x float / 8 x double on AVX-512 (F + DQ + BW + VL), with the same interface as vec_scalar.h.
// Include this header ONLY from kernels_avx512.cpp: it is the one translation unit built with the
// AVX-512 flags, and everything here lives in its own namespace so no inline function compiled
// with AVX-512 can be picked by the linker for another path.
//
// Every operation is the IEEE operation the AVX2 type performs (same rounding, same NaN rules:
// min/max return the second operand when either is NaN, as VMINPS does on both ISAs), so the
// kernels written once against this interface give the same bits on every ISA. Comparisons give
// k-register masks, and select is a masked blend: cheaper than AVX2's vblendv.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace fastact::avx512 {

template <class T>
struct Vec;
template <class T>
struct Mask;

template <>
struct Mask<float> {
  __mmask16 m;
  friend Mask operator&(Mask a, Mask b) { return {static_cast<__mmask16>(a.m & b.m)}; }
  friend Mask operator|(Mask a, Mask b) { return {static_cast<__mmask16>(a.m | b.m)}; }
  friend Mask operator~(Mask a) { return {static_cast<__mmask16>(~a.m)}; }
  friend bool any(Mask a) { return a.m != 0; }
};

template <>
struct Mask<double> {
  __mmask8 m;
  friend Mask operator&(Mask a, Mask b) { return {static_cast<__mmask8>(a.m & b.m)}; }
  friend Mask operator|(Mask a, Mask b) { return {static_cast<__mmask8>(a.m | b.m)}; }
  friend Mask operator~(Mask a) { return {static_cast<__mmask8>(~a.m)}; }
  friend bool any(Mask a) { return a.m != 0; }
};

template <>
struct Vec<float> {
  using Scalar = float;
  using MaskType = Mask<float>;
  static constexpr std::size_t kLanes = 16;
  // A 32-entry table lookup is one instruction (VPERMI2PS): float32 tanh and tanhshrink take
  // their quarter-binade tables.
  static constexpr bool kCheapLookup32 = true;
  static constexpr bool kLookupRows8 = false;  // lookup32 is one permute per coefficient

  __m512 v;

  Vec() = default;
  Vec(__m512 r) : v(r) {}                      // NOLINT
  Vec(float s) : v(_mm512_set1_ps(s)) {}       // NOLINT

  static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
  // The first n < kLanes lanes from p, the rest `fill`; masked-off lanes are never touched.
  static Vec load_partial(const float* p, std::size_t n, float fill) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), static_cast<__mmask16>((1u << n) - 1), p);
  }
  void store_partial(float* p, std::size_t n) const { _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v); }

  friend Vec operator+(Vec a, Vec b) { return _mm512_add_ps(a.v, b.v); }
  friend Vec operator-(Vec a, Vec b) { return _mm512_sub_ps(a.v, b.v); }
  friend Vec operator*(Vec a, Vec b) { return _mm512_mul_ps(a.v, b.v); }
  friend Vec operator/(Vec a, Vec b) { return _mm512_div_ps(a.v, b.v); }
  friend Vec operator-(Vec a) { return _mm512_xor_ps(a.v, _mm512_set1_ps(-0.0f)); }

  friend Mask<float> operator<(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ)}; }
  friend Mask<float> operator<=(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LE_OQ)}; }
  friend Mask<float> operator>(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ)}; }
  friend Mask<float> operator>=(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GE_OQ)}; }
  friend Mask<float> operator==(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_EQ_OQ)}; }
  friend Mask<float> operator!=(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_NEQ_UQ)}; }

  friend Vec mul_add(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a.v, b.v, c.v); }
  friend Vec neg_mul_add(Vec a, Vec b, Vec c) { return _mm512_fnmadd_ps(a.v, b.v, c.v); }
  friend Vec mul_sub(Vec a, Vec b, Vec c) { return _mm512_fmsub_ps(a.v, b.v, c.v); }
  friend Vec min(Vec a, Vec b) { return _mm512_min_ps(a.v, b.v); }
  friend Vec max(Vec a, Vec b) { return _mm512_max_ps(a.v, b.v); }
  friend Vec abs(Vec a) { return _mm512_andnot_ps(_mm512_set1_ps(-0.0f), a.v); }
  // One vpternlog, imm 0xCA = "A ? B : C" bitwise with A the sign-bit mask, B sign, C magnitude.
  friend Vec copysign(Vec magnitude, Vec sign) {
    const __m512i s = _mm512_set1_epi32(INT32_MIN);
    return _mm512_castsi512_ps(
        _mm512_ternarylogic_epi32(s, _mm512_castps_si512(sign.v), _mm512_castps_si512(magnitude.v), 0xCA));
  }
  friend Vec bit_or(Vec a, Vec b) { return _mm512_or_ps(a.v, b.v); }
  friend Vec sqrt(Vec a) { return _mm512_sqrt_ps(a.v); }
  friend Mask<float> is_nan(Vec a) { return {_mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q)}; }
  friend Vec select(Mask<float> m, Vec if_true, Vec if_false) { return _mm512_mask_blend_ps(m.m, if_false.v, if_true.v); }
  friend Vec pow2_from_biased(Vec t) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(t.v), 23)); }
  // a's bit pattern minus b's, as integers (math/reciprocal.h's seed)
  friend Vec bit_difference(Vec a, Vec b) {
    return _mm512_castsi512_ps(_mm512_sub_epi32(_mm512_castps_si512(a.v), _mm512_castps_si512(b.v)));
  }
  // p 2^floor(n), rounded once (VSCALEFPS): what math::scale_pow2 computes in two steps.
  friend Vec scalef(Vec p, Vec n) { return _mm512_scalef_ps(p.v, n.v); }
  // For a positive normal a: the significand in [1, 2), and the exponent as a number in `exponent`.
  friend Vec split_exponent(Vec a, Vec& exponent) {
    exponent = _mm512_getexp_ps(a.v);
    return _mm512_getmant_ps(a.v, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  }

  // table[floor(position)] per lane, for a 64-byte aligned table of 16 floats and position in
  // [0, 16): one single-register permute (VPERMPS).
  friend Vec lookup16(const float* table, Vec position) {
    return _mm512_permutexvar_ps(_mm512_cvttps_epi32(position.v), _mm512_load_ps(table));
  }
  // table[floor(position)] per lane, for a 64-byte aligned table of 32 floats and position in
  // [0, 32): one two-register permute (VPERMI2PS).
  friend Vec lookup32(const float* table, Vec position) {
    return _mm512_permutex2var_ps(_mm512_load_ps(table), _mm512_cvttps_epi32(position.v), _mm512_load_ps(table + 16));
  }
  // table[(bits of a >> 21) mod 32] per lane, for a 64-byte aligned table of 32 floats and a >= 0:
  // the entry of a's quarter binade (its exponent and top two significand bits), read by one
  // two-register permute straight from the shifted bits (VPERMI2PS uses the index's low 5 bits).
  friend Vec lookup32_by_quarter_binade(const float* table, Vec a) {
    const __m512i index = _mm512_srli_epi32(_mm512_castps_si512(a.v), 21);
    return _mm512_permutex2var_ps(_mm512_load_ps(table), index, _mm512_load_ps(table + 16));
  }

  // 16-bit storage formats (cpp/src/convert16.h), as vec_avx2.h: float16 by VCVTPH2PS/VCVTPS2PH
  // (round to nearest even); bfloat16 rounded to nearest even in integer arithmetic, NaN kept quiet
  // (AVX-512 BF16's VCVTNEPS2BF16, which flushes subnormals, stores the vectors that hold none where
  // the CPU has it: convert16_avx512bf16.cpp).
  // table[index[k]] in lane k, for the next 16 16-bit indices (VPGATHERDD: exact loads).
  static Vec gather(const float* table, const std::uint16_t* index) {
    return _mm512_i32gather_ps(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(index))),
                               table, 4);
  }

  static Vec load_f16(const std::uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  void store_f16(std::uint16_t* p) const {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static Vec load_bf16(const std::uint16_t* p) {
    const __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
  }
  void store_bf16(std::uint16_t* p) const {
    const __m512i x = _mm512_castps_si512(v);
    // x + 0x7FFF + (bit 16 of x), by a masked increment; NaN: x with the quiet bit set instead
    const __m512i biased = _mm512_add_epi32(x, _mm512_set1_epi32(0x7FFF));
    const __m512i rounded = _mm512_mask_add_epi32(biased, _mm512_test_epi32_mask(x, _mm512_set1_epi32(0x10000)),
                                                  biased, _mm512_set1_epi32(1));
    const __m512i r = _mm512_mask_or_epi32(rounded, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), x,
                                           _mm512_set1_epi32(0x400000));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16)));
  }

  // A block of 16 short rows (rowwise/softmax.h): row r of len <= 16 floats at p + r len to lane r
  // of buf[k * 16 ...] (element k), and back: masked row loads / stores around one in-register
  // 16 x 16 transpose, instead of 16 len scalar moves each way.
  static void rows_to_lanes(const float* p, std::size_t len, float* buf) {
    const __mmask16 m = static_cast<__mmask16>((1u << len) - 1);
    __m512 r[16];
    for (std::size_t i = 0; i < 16; ++i) r[i] = _mm512_maskz_loadu_ps(m, p + i * len);
    transpose16(r);
    for (std::size_t k = 0; k < len; ++k) _mm512_store_ps(buf + k * 16, r[k]);
  }
  static void lanes_to_rows(const float* buf, std::size_t len, float* p) {
    const __mmask16 m = static_cast<__mmask16>((1u << len) - 1);
    __m512 r[16];
    for (std::size_t k = 0; k < 16; ++k) r[k] = k < len ? _mm512_load_ps(buf + k * 16) : _mm512_setzero_ps();
    transpose16(r);
    for (std::size_t i = 0; i < 16; ++i) _mm512_mask_storeu_ps(p + i * len, m, r[i]);
  }

 private:
  // r[i] lane k -> r[k] lane i: pairs of lanes, then pairs of pairs within 128-bit lanes, then the
  // 128-bit lanes across registers in two steps.
  static void transpose16(__m512 (&r)[16]) {
    __m512 t[16], u[16];
    for (std::size_t i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (std::size_t i = 0; i < 4; ++i) {
      u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
      u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
      u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
      u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (std::size_t h = 0; h < 2; ++h) {
      for (std::size_t i = 0; i < 4; ++i) {
        t[8 * h + i] = _mm512_shuffle_f32x4(u[8 * h + i], u[8 * h + 4 + i], 0x88);
        t[8 * h + 4 + i] = _mm512_shuffle_f32x4(u[8 * h + i], u[8 * h + 4 + i], 0xDD);
      }
    }
    for (std::size_t i = 0; i < 8; ++i) {
      r[i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
      r[8 + i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xDD);
    }
  }
};

template <>
struct Vec<double> {
  using Scalar = double;
  using MaskType = Mask<double>;
  static constexpr std::size_t kLanes = 8;
  static constexpr bool kCheapLookup32 = false;  // two registers hold 16 doubles, not 32
  static constexpr bool kLookupRows8 = false;

  __m512d v;

  Vec() = default;
  Vec(__m512d r) : v(r) {}                     // NOLINT
  Vec(double s) : v(_mm512_set1_pd(s)) {}      // NOLINT

  static Vec load(const double* p) { return _mm512_loadu_pd(p); }
  void store(double* p) const { _mm512_storeu_pd(p, v); }
  static Vec load_partial(const double* p, std::size_t n, double fill) {
    return _mm512_mask_loadu_pd(_mm512_set1_pd(fill), static_cast<__mmask8>((1u << n) - 1), p);
  }
  void store_partial(double* p, std::size_t n) const { _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << n) - 1), v); }

  friend Vec operator+(Vec a, Vec b) { return _mm512_add_pd(a.v, b.v); }
  friend Vec operator-(Vec a, Vec b) { return _mm512_sub_pd(a.v, b.v); }
  friend Vec operator*(Vec a, Vec b) { return _mm512_mul_pd(a.v, b.v); }
  friend Vec operator/(Vec a, Vec b) { return _mm512_div_pd(a.v, b.v); }
  friend Vec operator-(Vec a) { return _mm512_xor_pd(a.v, _mm512_set1_pd(-0.0)); }

  friend Mask<double> operator<(Vec a, Vec b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_LT_OQ)}; }
  friend Mask<double> operator<=(Vec a, Vec b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_LE_OQ)}; }
  friend Mask<double> operator>(Vec a, Vec b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_GT_OQ)}; }
  friend Mask<double> operator>=(Vec a, Vec b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_GE_OQ)}; }
  friend Mask<double> operator==(Vec a, Vec b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_EQ_OQ)}; }
  friend Mask<double> operator!=(Vec a, Vec b) { return {_mm512_cmp_pd_mask(a.v, b.v, _CMP_NEQ_UQ)}; }

  friend Vec mul_add(Vec a, Vec b, Vec c) { return _mm512_fmadd_pd(a.v, b.v, c.v); }
  friend Vec neg_mul_add(Vec a, Vec b, Vec c) { return _mm512_fnmadd_pd(a.v, b.v, c.v); }
  friend Vec mul_sub(Vec a, Vec b, Vec c) { return _mm512_fmsub_pd(a.v, b.v, c.v); }
  friend Vec min(Vec a, Vec b) { return _mm512_min_pd(a.v, b.v); }
  friend Vec max(Vec a, Vec b) { return _mm512_max_pd(a.v, b.v); }
  friend Vec abs(Vec a) { return _mm512_andnot_pd(_mm512_set1_pd(-0.0), a.v); }
  friend Vec copysign(Vec magnitude, Vec sign) {
    const __m512i s = _mm512_set1_epi64(INT64_MIN);
    return _mm512_castsi512_pd(
        _mm512_ternarylogic_epi64(s, _mm512_castpd_si512(sign.v), _mm512_castpd_si512(magnitude.v), 0xCA));
  }
  friend Vec bit_or(Vec a, Vec b) { return _mm512_or_pd(a.v, b.v); }
  friend Vec sqrt(Vec a) { return _mm512_sqrt_pd(a.v); }
  friend Mask<double> is_nan(Vec a) { return {_mm512_cmp_pd_mask(a.v, a.v, _CMP_UNORD_Q)}; }
  friend Vec select(Mask<double> m, Vec if_true, Vec if_false) { return _mm512_mask_blend_pd(m.m, if_false.v, if_true.v); }
  friend Vec pow2_from_biased(Vec t) { return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(t.v), 52)); }
  friend Vec scalef(Vec p, Vec n) { return _mm512_scalef_pd(p.v, n.v); }
  friend Vec bit_difference(Vec a, Vec b) {
    return _mm512_castsi512_pd(_mm512_sub_epi64(_mm512_castpd_si512(a.v), _mm512_castpd_si512(b.v)));
  }
  friend Vec split_exponent(Vec a, Vec& exponent) {
    exponent = _mm512_getexp_pd(a.v);
    return _mm512_getmant_pd(a.v, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  }
};

// float lanes evaluated in double (math/in_double.h): 16 floats widen to two vectors of 8 doubles,
// and narrow back with one rounding each (vcvtpd2ps rounds to nearest, subnormals included).
inline constexpr std::size_t kWideParts = 2;
struct WideParts {
  Vec<double> part[kWideParts];
};
inline WideParts widen(Vec<float> x) {
  return {{Vec<double>(_mm512_cvtps_pd(_mm512_castps512_ps256(x.v))),
           Vec<double>(_mm512_cvtps_pd(_mm512_extractf32x8_ps(x.v, 1)))}};
}
inline Vec<float> narrow(const WideParts& w) {
  return Vec<float>(_mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(w.part[0].v)),
                                       _mm512_cvtpd_ps(w.part[1].v), 1));
}

}  // namespace fastact::avx512
