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

namespace fastact::scalar {

template <class T>
struct Mask {
  bool m;
  friend Mask operator&(Mask a, Mask b) { return {a.m && b.m}; }
  friend Mask operator|(Mask a, Mask b) { return {a.m || b.m}; }
  friend Mask operator~(Mask a) { return {!a.m}; }
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
  friend Vec sqrt(Vec a) { return Vec(std::sqrt(a.v)); }
  // Round to nearest, ties to even (the default rounding mode, which we never change).
  friend Vec round_nearest(Vec a) { return Vec(std::nearbyint(a.v)); }
  friend Vec floor(Vec a) { return Vec(std::floor(a.v)); }
  friend Mask<T> is_nan(Vec a) { return {a.v != a.v}; }
  friend Vec select(Mask<T> m, Vec if_true, Vec if_false) { return m.m ? if_true : if_false; }

  // 2^n for an integral n whose power is a normal number, built from its bits.
  // A NaN n gives NaN (casting NaN to an integer would be undefined behaviour).
  friend Vec pow2i(Vec n) {
    if (n.v != n.v) return n;
    if constexpr (sizeof(T) == 4) {
      const std::uint32_t bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(n.v) + 127) << 23;
      float r;
      std::memcpy(&r, &bits, sizeof r);
      return Vec(r);
    } else {
      const std::uint64_t bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(n.v) + 1023) << 52;
      double r;
      std::memcpy(&r, &bits, sizeof r);
      return Vec(r);
    }
  }
};

}  // namespace fastact::scalar
