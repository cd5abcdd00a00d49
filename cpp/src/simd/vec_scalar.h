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

  T v;

  Vec() = default;
  Vec(T s) : v(s) {}  // NOLINT: implicit, so constants read naturally in math code

  static Vec load(const T* p) { return Vec(*p); }
  void store(T* p) const { *p = v; }

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
  friend Vec select(Mask<T> m, Vec if_true, Vec if_false) { return m.m ? if_true : if_false; }

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

// float lanes evaluated in double (math/in_double.h): one double vector per float vector here.
inline constexpr std::size_t kWideParts = 1;
struct WideParts {
  Vec<double> part[kWideParts];
};
inline WideParts widen(Vec<float> x) { return {{Vec<double>(static_cast<double>(x.v))}}; }
inline Vec<float> narrow(const WideParts& w) { return Vec<float>(static_cast<float>(w.part[0].v)); }

}  // namespace fastact::scalar
