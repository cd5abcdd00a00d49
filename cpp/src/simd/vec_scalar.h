// The portable "vector" of one lane: the same interface as vec_avx2.h, so every
// activation and every math routine is written once and compiled for both ISAs.
//
// Semantics deliberately copy x86 SIMD so that both paths give identical bits:
//   min(a, b) / max(a, b) return b when either is NaN (as MINPS/MAXPS do);
//   mul_add is a true fused multiply-add (std::fma), like VFMADD.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace fastact::scalar {

template <class T>
struct Mask {
  bool m;
  friend Mask operator&(Mask a, Mask b) { return {a.m && b.m}; }
  friend Mask operator|(Mask a, Mask b) { return {a.m || b.m}; }
  friend Mask operator~(Mask a) { return {!a.m}; }
  friend bool any(Mask a) { return a.m; }
};

template <class T>
struct Vec {
  using Scalar = T;
  using MaskType = Mask<T>;
  static constexpr std::size_t kLanes = 1;
  // A table lookup is one load: float32 tanh and tanhshrink take their quarter-binade tables, as on
  // AVX-512 (the same bits).
  static constexpr bool kCheapLookup32 = true;
  static constexpr bool kLookupRows8 = false;  // a lookup is one load either way

  T v;

  Vec() = default;
  Vec(T s) : v(s) {}  // NOLINT: implicit, so constants read naturally in math code

  static Vec load(const T* p) { return Vec(*p); }
  void store(T* p) const { *p = v; }
  // The first n < kLanes lanes (here: none) from p, the rest `fill`.
  static Vec load_partial(const T*, std::size_t, T fill) { return Vec(fill); }
  void store_partial(T*, std::size_t) const {}

  friend Vec operator+(Vec a, Vec b) { return Vec(a.v + b.v); }
  friend Vec operator-(Vec a, Vec b) { return Vec(a.v - b.v); }
  friend Vec operator*(Vec a, Vec b) { return Vec(a.v * b.v); }
  friend Vec operator/(Vec a, Vec b) { return Vec(a.v / b.v); }
  friend Vec operator-(Vec a) { return Vec(-a.v); }

  friend Mask<T> operator<(Vec a, Vec b) { return {a.v < b.v}; }
  friend Mask<T> operator<=(Vec a, Vec b) { return {a.v <= b.v}; }
  friend Mask<T> operator>(Vec a, Vec b) { return {a.v > b.v}; }
  friend Mask<T> operator>=(Vec a, Vec b) { return {a.v >= b.v}; }
  friend Mask<T> operator==(Vec a, Vec b) { return {a.v == b.v}; }
  friend Mask<T> operator!=(Vec a, Vec b) { return {a.v != b.v}; }

  // a * b + c with one rounding.
  friend Vec mul_add(Vec a, Vec b, Vec c) { return Vec(std::fma(a.v, b.v, c.v)); }
  // c - a * b with one rounding.
  friend Vec neg_mul_add(Vec a, Vec b, Vec c) { return Vec(std::fma(-a.v, b.v, c.v)); }
  // a * b - c with one rounding.
  friend Vec mul_sub(Vec a, Vec b, Vec c) { return Vec(std::fma(a.v, b.v, -c.v)); }
  friend Vec min(Vec a, Vec b) { return Vec(a.v < b.v ? a.v : b.v); }
  friend Vec max(Vec a, Vec b) { return Vec(a.v > b.v ? a.v : b.v); }
  friend Vec abs(Vec a) { return Vec(std::fabs(a.v)); }
  friend Vec copysign(Vec magnitude, Vec sign) { return Vec(std::copysign(magnitude.v, sign.v)); }
  friend Vec bit_or(Vec a, Vec b) {
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    Bits x, y;
    std::memcpy(&x, &a.v, sizeof x);
    std::memcpy(&y, &b.v, sizeof y);
    x |= y;
    T r;
    std::memcpy(&r, &x, sizeof r);
    return Vec(r);
  }
  friend Vec sqrt(Vec a) { return Vec(std::sqrt(a.v)); }
  friend Mask<T> is_nan(Vec a) { return {a.v != a.v}; }

  // table[index[0]]: the lookup the vector types do by a gather.
  static Vec gather(const T* table, const std::uint16_t* index) { return Vec(table[*index]); }

  // 16-bit storage formats, for Vec<float> (the conversions are defined below the class).
  static Vec load_f16(const std::uint16_t* p);
  void store_f16(std::uint16_t* p) const;
  static Vec load_bf16(const std::uint16_t* p);
  void store_bf16(std::uint16_t* p) const;
  friend Vec select(Mask<T> m, Vec if_true, Vec if_false) { return m.m ? if_true : if_false; }

  // For a positive normal a: the significand in [1, 2), and the exponent as a number in `exponent`.
  friend Vec split_exponent(Vec a, Vec& exponent) {
    int e = 0;
    const T m = std::frexp(a.v, &e);  // in [1/2, 1)
    exponent = Vec(static_cast<T>(e - 1));
    return Vec(m * T(2));
  }
  // table[floor(position)] for a table of 32 (16) entries and position in [0, 32) ([0, 16)).
  friend Vec lookup32(const T* table, Vec position) { return Vec(table[static_cast<int>(position.v)]); }
  friend Vec lookup16(const T* table, Vec position) { return Vec(table[static_cast<int>(position.v)]); }
  // table[(bits of a >> 21) mod 32] for a >= 0 (float): the entry of a's quarter binade.
  friend Vec lookup32_by_quarter_binade(const T* table, Vec a) {
    static_assert(sizeof(T) == 4, "quarter-binade tables are float32");
    std::uint32_t bits;
    std::memcpy(&bits, &a.v, sizeof bits);
    return Vec(table[(bits >> 21) & 31u]);
  }
  // a's bit pattern minus b's, as unsigned integers, read back as T (math/reciprocal.h's seed).
  friend Vec bit_difference(Vec a, Vec b) {
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    Bits ab, bb;
    std::memcpy(&ab, &a.v, sizeof ab);
    std::memcpy(&bb, &b.v, sizeof bb);
    ab -= bb;
    T r;
    std::memcpy(&r, &ab, sizeof r);
    return Vec(r);
  }
  // 2^n from a "biased" t = M + n (M = 1.5 * 2^mantissa_bits + exponent_bias): t's low mantissa
  // bits hold n + bias, which shifted into the exponent field give 2^n (n + bias in [1, 2^22)).
  // Pure bit manipulation: a NaN t gives a finite garbage value; callers keep NaN in the other factor.
  friend Vec pow2_from_biased(Vec t) {
    if constexpr (sizeof(T) == 4) {
      std::uint32_t bits;
      std::memcpy(&bits, &t.v, sizeof bits);
      bits <<= 23;
      float r;
      std::memcpy(&r, &bits, sizeof r);
      return Vec(r);
    } else {
      std::uint64_t bits;
      std::memcpy(&bits, &t.v, sizeof bits);
      bits <<= 52;
      double r;
      std::memcpy(&r, &bits, sizeof r);
      return Vec(r);
    }
  }
};

// 16-bit storage formats (cpp/src/convert16.h) in software, with the same bits as the x86
// conversions (F16C's VCVTPS2PH with round-to-nearest-even, and the SIMD types' bfloat16 rounding):
// float -> 16 bits rounds to nearest, ties to even, overflow to infinity, subnormals kept; NaN stays
// a quiet NaN.
inline float bits_to_float(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
inline std::uint32_t float_to_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

inline float f16_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  if (e == 0x1F) return bits_to_float(sign | 0x7F800000u | (m << 13) | (m ? 0x400000u : 0u));
  if (e == 0) return bits_to_float(sign | float_to_bits(static_cast<float>(m) * 0x1p-24f));  // exact
  return bits_to_float(sign | ((e + 112) << 23) | (m << 13));  // rebias 15 -> 127
}

inline std::uint16_t float_to_f16(float f) {
  const std::uint32_t x = float_to_bits(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t a = x & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return static_cast<std::uint16_t>(sign | 0x7E00u | ((a >> 13) & 0x3FFu));  // NaN
  if (a >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // >= 65520: rounds to inf
  if (a >= 0x38800000u) {  // a normal float16 (>= 2^-14): rebias, round the 13 dropped bits
    const std::uint32_t r = a - 0x38000000u;
    return static_cast<std::uint16_t>(sign | ((r + 0xFFFu + ((r >> 13) & 1u)) >> 13));
  }
  // Subnormal float16 (or zero): 0.5 + |f| rounds |f| to a multiple of 2^-24 (the float16
  // subnormal step; ties to even), which is then the low bits of the sum.
  const float sum = bits_to_float(a) + 0.5f;
  return static_cast<std::uint16_t>(sign | (float_to_bits(sum) - 0x3F000000u));
}

inline float bf16_to_float(std::uint16_t h) { return bits_to_float(static_cast<std::uint32_t>(h) << 16); }

inline std::uint16_t float_to_bf16(float f) {
  const std::uint32_t x = float_to_bits(f);
  if (f != f) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  return static_cast<std::uint16_t>((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

template <>
inline Vec<float> Vec<float>::load_f16(const std::uint16_t* p) { return f16_to_float(*p); }
template <>
inline void Vec<float>::store_f16(std::uint16_t* p) const { *p = float_to_f16(v); }
template <>
inline Vec<float> Vec<float>::load_bf16(const std::uint16_t* p) { return bf16_to_float(*p); }
template <>
inline void Vec<float>::store_bf16(std::uint16_t* p) const { *p = float_to_bf16(v); }

// float lanes evaluated in double (math/in_double.h): one double vector per float vector here.
inline constexpr std::size_t kWideParts = 1;
struct WideParts {
  Vec<double> part[kWideParts];
};
inline WideParts widen(Vec<float> x) { return {{Vec<double>(static_cast<double>(x.v))}}; }
inline Vec<float> narrow(const WideParts& w) { return Vec<float>(static_cast<float>(w.part[0].v)); }

}  // namespace fastact::scalar
