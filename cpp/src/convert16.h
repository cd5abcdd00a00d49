// float16 and bfloat16 arrays: converted to float32 and back inside the ISA's own loop (F16C /
// AVX-512 conversions, or software on the portable path), so a 16-bit call runs the float32 kernels
// on small blocks that stay in L1 instead of two NumPy astype passes over memory. The result is
// the float32 result rounded once to the 16-bit format (round to nearest, ties to even, as NumPy's
// and ml_dtypes' astype).
#pragma once

#include <cstddef>
#include <cstdint>

#include "prefetch.h"

namespace fastact {

enum class Format16 { float16, bfloat16 };

// One ISA's conversions of n elements between a 16-bit format and float32.
struct Convert16 {
  void (*to_float)(const std::uint16_t* in, float* out, std::size_t n);
  void (*from_float)(const float* in, std::uint16_t* out, std::size_t n);
};

namespace loops {

template <Format16 kFormat, class V>
inline V load16(const std::uint16_t* p) {
  if constexpr (kFormat == Format16::float16) return V::load_f16(p); else return V::load_bf16(p);
}

template <Format16 kFormat, class V>
inline void store16(V v, std::uint16_t* p) {
  if constexpr (kFormat == Format16::float16) v.store_f16(p); else v.store_bf16(p);
}

// V is the ISA's float vector; the tail goes through a zero-padded buffer (the vector types have
// no 16-bit partial loads). The 16-bit arrays are the streams from and to memory (the float side
// is a block in L1): they are prefetched ahead as the elementwise loops prefetch theirs, a hint
// per cache line (none on the scalar path).
inline constexpr std::size_t kLine16 = 32;  // 16-bit elements per 64-byte line

template <Format16 kFormat, class V>
void to_float(const std::uint16_t* in, float* out, std::size_t n) {
  constexpr std::size_t W = V::kLanes;
  std::size_t i = 0;
  for (; i + W <= n; i += W) {
    if constexpr (W > 1) {
      if (i % kLine16 == 0) prefetch_at(in + i, kStreamPrefetchBytes);
    }
    load16<kFormat, V>(in + i).store(out + i);
  }
  if (i < n) {
    std::uint16_t buf[W] = {};
    float res[W];
    for (std::size_t j = 0; j < n - i; ++j) buf[j] = in[i + j];
    load16<kFormat, V>(buf).store(res);
    for (std::size_t j = 0; j < n - i; ++j) out[i + j] = res[j];
  }
}

// store(v, p) writes one vector's 16-bit results.
template <class V, class Store>
void from_float_by(const float* in, std::uint16_t* out, std::size_t n, Store store) {
  constexpr std::size_t W = V::kLanes;
  std::size_t i = 0;
  for (; i + W <= n; i += W) {
    if constexpr (W > 1) {
      if (i % kLine16 == 0) prefetch_at<1>(out + i, kStreamPrefetchBytes);
    }
    store(V::load(in + i), out + i);
  }
  if (i < n) {
    float buf[W] = {};
    std::uint16_t res[W];
    for (std::size_t j = 0; j < n - i; ++j) buf[j] = in[i + j];
    store(V::load(buf), res);
    for (std::size_t j = 0; j < n - i; ++j) out[i + j] = res[j];
  }
}

template <Format16 kFormat, class V>
void from_float(const float* in, std::uint16_t* out, std::size_t n) {
  from_float_by<V>(in, out, n, [](V v, std::uint16_t* p) { store16<kFormat>(v, p); });
}

template <Format16 kFormat, class V>
Convert16 converters() {
  return {&to_float<kFormat, V>, &from_float<kFormat, V>};
}

}  // namespace loops
}  // namespace fastact
