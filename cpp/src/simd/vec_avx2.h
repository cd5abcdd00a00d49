// 8 x float / 4 x double on AVX2 + FMA (+ F16C), with the same interface as vec_scalar.h.
// Include this header ONLY from kernels_avx2.cpp: it is the one translation unit built
// with -mavx2 -mfma, and everything here lives in its own namespace so no inline
// function compiled with AVX2 can be picked by the linker for the portable path.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace fastact::avx2 {

template <class T>
struct Vec;
template <class T>
struct Mask;

template <>
struct Mask<float> {
  __m256 m;
  friend Mask operator&(Mask a, Mask b) { return {_mm256_and_ps(a.m, b.m)}; }
  friend Mask operator|(Mask a, Mask b) { return {_mm256_or_ps(a.m, b.m)}; }
  friend Mask operator~(Mask a) { return {_mm256_xor_ps(a.m, _mm256_castsi256_ps(_mm256_set1_epi32(-1)))}; }
  friend bool any(Mask a) { return _mm256_movemask_ps(a.m) != 0; }
};

template <>
struct Mask<double> {
  __m256d m;
  friend Mask operator&(Mask a, Mask b) { return {_mm256_and_pd(a.m, b.m)}; }
  friend Mask operator|(Mask a, Mask b) { return {_mm256_or_pd(a.m, b.m)}; }
  friend Mask operator~(Mask a) { return {_mm256_xor_pd(a.m, _mm256_castsi256_pd(_mm256_set1_epi64x(-1)))}; }
  friend bool any(Mask a) { return _mm256_movemask_pd(a.m) != 0; }
};

template <>
struct Vec<float> {
  using Scalar = float;
  using MaskType = Mask<float>;
  static constexpr std::size_t kLanes = 8;
  // A 32-entry lookup takes four permutes and three blends: float32 tanh and tanhshrink keep their
  // other forms, and tables of several coefficients are read a row per lane (lookup_rows8).
  static constexpr bool kCheapLookup32 = false;
  static constexpr bool kLookupRows8 = true;

  __m256 v;

  Vec() = default;
  Vec(__m256 r) : v(r) {}                      // NOLINT
  Vec(float s) : v(_mm256_set1_ps(s)) {}       // NOLINT

  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  void store(float* p) const { _mm256_storeu_ps(p, v); }
  // The first n < kLanes lanes from p, the rest `fill` (VMASKMOV: masked-off lanes never fault).
  static __m256i first_lanes(std::size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Vec load_partial(const float* p, std::size_t n, float fill) {
    const __m256i m = first_lanes(n);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  void store_partial(float* p, std::size_t n) const { _mm256_maskstore_ps(p, first_lanes(n), v); }

  friend Vec operator+(Vec a, Vec b) { return _mm256_add_ps(a.v, b.v); }
  friend Vec operator-(Vec a, Vec b) { return _mm256_sub_ps(a.v, b.v); }
  friend Vec operator*(Vec a, Vec b) { return _mm256_mul_ps(a.v, b.v); }
  friend Vec operator/(Vec a, Vec b) { return _mm256_div_ps(a.v, b.v); }
  friend Vec operator-(Vec a) { return _mm256_xor_ps(a.v, _mm256_set1_ps(-0.0f)); }

  friend Mask<float> operator<(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ)}; }
  friend Mask<float> operator<=(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LE_OQ)}; }
  friend Mask<float> operator>(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ)}; }
  friend Mask<float> operator>=(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GE_OQ)}; }
  friend Mask<float> operator==(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_EQ_OQ)}; }
  friend Mask<float> operator!=(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_NEQ_UQ)}; }

  friend Vec mul_add(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a.v, b.v, c.v); }
  friend Vec neg_mul_add(Vec a, Vec b, Vec c) { return _mm256_fnmadd_ps(a.v, b.v, c.v); }
  friend Vec mul_sub(Vec a, Vec b, Vec c) { return _mm256_fmsub_ps(a.v, b.v, c.v); }
  friend Vec min(Vec a, Vec b) { return _mm256_min_ps(a.v, b.v); }
  friend Vec max(Vec a, Vec b) { return _mm256_max_ps(a.v, b.v); }
  friend Vec abs(Vec a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.v); }
  friend Vec copysign(Vec magnitude, Vec sign) {
    const __m256 s = _mm256_set1_ps(-0.0f);
    return _mm256_or_ps(_mm256_andnot_ps(s, magnitude.v), _mm256_and_ps(s, sign.v));
  }
  friend Vec bit_or(Vec a, Vec b) { return _mm256_or_ps(a.v, b.v); }
  friend Vec sqrt(Vec a) { return _mm256_sqrt_ps(a.v); }
  friend Mask<float> is_nan(Vec a) { return {_mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q)}; }
  friend Vec select(Mask<float> m, Vec if_true, Vec if_false) { return _mm256_blendv_ps(if_false.v, if_true.v, m.m); }
  friend Vec pow2_from_biased(Vec t) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t.v), 23)); }
  // a's bit pattern minus b's, as integers (math/reciprocal.h's seed)
  friend Vec bit_difference(Vec a, Vec b) {
    return _mm256_castsi256_ps(_mm256_sub_epi32(_mm256_castps_si256(a.v), _mm256_castps_si256(b.v)));
  }
  // For a positive normal a: the significand in [1, 2) (a's mantissa bits under exponent 0), and
  // the exponent as a number in `exponent` (the biased field, unbiased).
  friend Vec split_exponent(Vec a, Vec& exponent) {
    const __m256i bits = _mm256_castps_si256(a.v);
    exponent = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
    return _mm256_castsi256_ps(
        _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)), _mm256_set1_epi32(0x3F800000)));
  }

  // table[floor(position)] per lane, for a table of 16 floats and position in [0, 16): two
  // 8-entry permutes and a blend on index bit 3.
  friend Vec lookup16(const float* table, Vec position) {
    const __m256i i = _mm256_cvttps_epi32(position.v);
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(table), i),
                            _mm256_permutevar8x32_ps(_mm256_loadu_ps(table + 8), i),
                            _mm256_castsi256_ps(_mm256_slli_epi32(i, 28)));
  }
  // table[floor(position)] per lane, for a table of 32 floats and position in [0, 32): four 8-entry
  // permutes, the pair picked by index bit 3 and then by bit 4 (a gather measured slower).
  friend Vec lookup32(const float* table, Vec position) {
    const __m256i i = _mm256_cvttps_epi32(position.v);
    const __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(i, 28));  // sign bit = index bit 3
    const __m256 bit4 = _mm256_castsi256_ps(_mm256_slli_epi32(i, 27));
    const __m256 low = _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(table), i),
                                        _mm256_permutevar8x32_ps(_mm256_loadu_ps(table + 8), i), bit3);
    const __m256 high = _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(table + 16), i),
                                         _mm256_permutevar8x32_ps(_mm256_loadu_ps(table + 24), i), bit3);
    return _mm256_blendv_ps(low, high, bit4);
  }

  // out[k] lane i = rows[floor(position_i)][k], for a 32-byte aligned table of 32 rows of 8 floats
  // and position in [0, 32) (a row is loaded from memory, so the range is a precondition):
  // each lane's row loaded whole, then one 8 x 8 transpose (24 shuffles serve 8 coefficients, where
  // 8 lookup32 calls take 32 permutes and 24 blends; float32 GELU's tables: 1.4x faster).
  friend void lookup_rows8(const float* rows, Vec position, Vec (&out)[8]) {
    alignas(32) std::int32_t index[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(index), _mm256_cvttps_epi32(position.v));
    __m256 r[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm256_load_ps(rows + 8 * index[i]);
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    out[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    out[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    out[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    out[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    out[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    out[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    out[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    out[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
  }

  // 16-bit storage formats (cpp/src/convert16.h): float16 by F16C (round to nearest even, as
  // NumPy's astype); bfloat16 is a float's top half, rounded to nearest even in integer
  // arithmetic (subnormals kept, unlike VCVTNEPS2BF16), NaN kept quiet.
  // table[index[k]] in lane k, for the next 8 16-bit indices (VGATHERDPS: exact loads).
  static Vec gather(const float* table, const std::uint16_t* index) {
    return _mm256_i32gather_ps(table, _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(index))),
                               4);
  }

  static Vec load_f16(const std::uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  void store_f16(std::uint16_t* p) const {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static Vec load_bf16(const std::uint16_t* p) {
    const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
  }
  void store_bf16(std::uint16_t* p) const {
    const __m256i x = _mm256_castps_si256(v);
    const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(x, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7FFF))), 16);
    const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(0x40));
    const __m256i r = _mm256_blendv_epi8(rounded, quiet, _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
    // Every lane is < 2^16: pack to 16 bits (packus works per 128-bit half, so gather the halves).
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
  }
};

template <>
struct Vec<double> {
  using Scalar = double;
  using MaskType = Mask<double>;
  static constexpr std::size_t kLanes = 4;
  static constexpr bool kCheapLookup32 = false;
  static constexpr bool kLookupRows8 = false;

  __m256d v;

  Vec() = default;
  Vec(__m256d r) : v(r) {}                     // NOLINT
  Vec(double s) : v(_mm256_set1_pd(s)) {}      // NOLINT

  static Vec load(const double* p) { return _mm256_loadu_pd(p); }
  void store(double* p) const { _mm256_storeu_pd(p, v); }
  static __m256i first_lanes(std::size_t n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static Vec load_partial(const double* p, std::size_t n, double fill) {
    const __m256i m = first_lanes(n);
    return _mm256_blendv_pd(_mm256_set1_pd(fill), _mm256_maskload_pd(p, m), _mm256_castsi256_pd(m));
  }
  void store_partial(double* p, std::size_t n) const { _mm256_maskstore_pd(p, first_lanes(n), v); }

  friend Vec operator+(Vec a, Vec b) { return _mm256_add_pd(a.v, b.v); }
  friend Vec operator-(Vec a, Vec b) { return _mm256_sub_pd(a.v, b.v); }
  friend Vec operator*(Vec a, Vec b) { return _mm256_mul_pd(a.v, b.v); }
  friend Vec operator/(Vec a, Vec b) { return _mm256_div_pd(a.v, b.v); }
  friend Vec operator-(Vec a) { return _mm256_xor_pd(a.v, _mm256_set1_pd(-0.0)); }

  friend Mask<double> operator<(Vec a, Vec b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_LT_OQ)}; }
  friend Mask<double> operator<=(Vec a, Vec b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_LE_OQ)}; }
  friend Mask<double> operator>(Vec a, Vec b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_GT_OQ)}; }
  friend Mask<double> operator>=(Vec a, Vec b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_GE_OQ)}; }
  friend Mask<double> operator==(Vec a, Vec b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_EQ_OQ)}; }
  friend Mask<double> operator!=(Vec a, Vec b) { return {_mm256_cmp_pd(a.v, b.v, _CMP_NEQ_UQ)}; }

  friend Vec mul_add(Vec a, Vec b, Vec c) { return _mm256_fmadd_pd(a.v, b.v, c.v); }
  friend Vec neg_mul_add(Vec a, Vec b, Vec c) { return _mm256_fnmadd_pd(a.v, b.v, c.v); }
  friend Vec mul_sub(Vec a, Vec b, Vec c) { return _mm256_fmsub_pd(a.v, b.v, c.v); }
  friend Vec min(Vec a, Vec b) { return _mm256_min_pd(a.v, b.v); }
  friend Vec max(Vec a, Vec b) { return _mm256_max_pd(a.v, b.v); }
  friend Vec abs(Vec a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a.v); }
  friend Vec copysign(Vec magnitude, Vec sign) {
    const __m256d s = _mm256_set1_pd(-0.0);
    return _mm256_or_pd(_mm256_andnot_pd(s, magnitude.v), _mm256_and_pd(s, sign.v));
  }
  friend Vec bit_or(Vec a, Vec b) { return _mm256_or_pd(a.v, b.v); }
  friend Vec sqrt(Vec a) { return _mm256_sqrt_pd(a.v); }
  friend Mask<double> is_nan(Vec a) { return {_mm256_cmp_pd(a.v, a.v, _CMP_UNORD_Q)}; }
  friend Vec select(Mask<double> m, Vec if_true, Vec if_false) { return _mm256_blendv_pd(if_false.v, if_true.v, m.m); }
  friend Vec pow2_from_biased(Vec t) { return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(t.v), 52)); }
  friend Vec bit_difference(Vec a, Vec b) {
    return _mm256_castsi256_pd(_mm256_sub_epi64(_mm256_castpd_si256(a.v), _mm256_castpd_si256(b.v)));
  }
  // The biased exponent field becomes a double by the 2^52 trick (AVX2 has no int64 -> double):
  // its bits under the exponent of 2^52 read as 2^52 + field.
  friend Vec split_exponent(Vec a, Vec& exponent) {
    const __m256i bits = _mm256_castpd_si256(a.v);
    const __m256d field = _mm256_castsi256_pd(
        _mm256_or_si256(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(0x4330000000000000LL)));
    exponent = _mm256_sub_pd(field, _mm256_set1_pd(4503599627370496.0 + 1023.0));
    return _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL)),
                                               _mm256_set1_epi64x(0x3FF0000000000000LL)));
  }
};

// float lanes evaluated in double (math/in_double.h): 8 floats widen to two vectors of 4 doubles,
// and narrow back with one rounding each (cvtpd2ps rounds to nearest, subnormals included).
inline constexpr std::size_t kWideParts = 2;
struct WideParts {
  Vec<double> part[kWideParts];
};
inline WideParts widen(Vec<float> x) {
  return {{Vec<double>(_mm256_cvtps_pd(_mm256_castps256_ps128(x.v))),
           Vec<double>(_mm256_cvtps_pd(_mm256_extractf128_ps(x.v, 1)))}};
}
inline Vec<float> narrow(const WideParts& w) {
  return Vec<float>(_mm256_set_m128(_mm256_cvtpd_ps(w.part[1].v), _mm256_cvtpd_ps(w.part[0].v)));
}

}  // namespace fastact::avx2
