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

// One ISA's conversions of n elements between a 16-bit format and float32, and its lookups in
// tables of float32 entries indexed by a 16-bit input's bits (lookup16.h), rounded to the format:
//   look_up:       out[i] = table[x[i]]
//   look_up_pair:  y[i] = values[x[i]], d[i] = slopes[x[i]] (y or d may be x)
//   look_up_times: out[i] = g[i] table[x[i]] in float32 (out may be g or x)
struct Convert16 {
  void (*to_float)(const std::uint16_t* in, float* out, std::size_t n);
  void (*from_float)(const float* in, std::uint16_t* out, std::size_t n);
  void (*look_up)(const float* table, const std::uint16_t* x, std::uint16_t* out, std::size_t n);
  void (*look_up_pair)(const float* values, const float* slopes, const std::uint16_t* x, std::uint16_t* y,
                       std::uint16_t* d, std::size_t n);
  void (*look_up_times)(const float* table, const std::uint16_t* g, const std::uint16_t* x, std::uint16_t* out,
                        std::size_t n);
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

// step(in, out) on every kLanes elements of the 16-bit streams: pointers to the vector's place in
// each; the tail through zero-padded buffers (index 0 is a valid table entry). Each step reads its
// inputs before it writes, so an output may be an input. The streams are prefetched as in to_float.
template <class V, std::size_t kIn, std::size_t kOut, class Step>
void map16(const std::uint16_t* const (&in)[kIn], std::uint16_t* const (&out)[kOut], std::size_t n, Step step) {
  constexpr std::size_t W = V::kLanes;
  const std::uint16_t* at_in[kIn];
  std::uint16_t* at_out[kOut];
  std::size_t i = 0;
  for (; i + W <= n; i += W) {
    if constexpr (W > 1) {
      if (i % kLine16 == 0) {
        for (std::size_t k = 0; k < kIn; ++k) prefetch_at(in[k] + i, kStreamPrefetchBytes);
        for (std::size_t k = 0; k < kOut; ++k) prefetch_at<1>(out[k] + i, kStreamPrefetchBytes);
      }
    }
    for (std::size_t k = 0; k < kIn; ++k) at_in[k] = in[k] + i;
    for (std::size_t k = 0; k < kOut; ++k) at_out[k] = out[k] + i;
    step(at_in, at_out);
  }
  if (i < n) {
    std::uint16_t in_buf[kIn][W] = {}, out_buf[kOut][W];
    for (std::size_t k = 0; k < kIn; ++k) {
      for (std::size_t j = 0; j < n - i; ++j) in_buf[k][j] = in[k][i + j];
      at_in[k] = in_buf[k];
    }
    for (std::size_t k = 0; k < kOut; ++k) at_out[k] = out_buf[k];
    step(at_in, at_out);
    for (std::size_t k = 0; k < kOut; ++k)
      for (std::size_t j = 0; j < n - i; ++j) out[k][i + j] = out_buf[k][j];
  }
}

// The entries of a result table are 16-bit values, so store16 rounds nothing: they come out with
// the bits they were built with.
template <Format16 kFormat, class V>
void look_up(const float* table, const std::uint16_t* x, std::uint16_t* out, std::size_t n) {
  map16<V, 1, 1>({x}, {out}, n, [&](auto& in, auto& o) { store16<kFormat>(V::gather(table, in[0]), o[0]); });
}

template <Format16 kFormat, class V>
void look_up_pair(const float* values, const float* slopes, const std::uint16_t* x, std::uint16_t* y,
                  std::uint16_t* d, std::size_t n) {
  map16<V, 1, 2>({x}, {y, d}, n, [&](auto& in, auto& o) {
    const V v = V::gather(values, in[0]), s = V::gather(slopes, in[0]);
    store16<kFormat>(v, o[0]);
    store16<kFormat>(s, o[1]);
  });
}

// g f' rounded once to the format, as the backward kernels' g * f'(x) through to_float and
// from_float (store16 rounds as from_float does, on every ISA: convert16_avx512bf16.cpp stores
// the same bits).
template <Format16 kFormat, class V>
void look_up_times(const float* table, const std::uint16_t* g, const std::uint16_t* x, std::uint16_t* out,
                   std::size_t n) {
  map16<V, 2, 1>({g, x}, {out}, n, [&](auto& in, auto& o) {
    store16<kFormat>(load16<kFormat, V>(in[0]) * V::gather(table, in[1]), o[0]);
  });
}

template <Format16 kFormat, class V>
Convert16 converters() {
  return {&to_float<kFormat, V>, &from_float<kFormat, V>, &look_up<kFormat, V>, &look_up_pair<kFormat, V>,
          &look_up_times<kFormat, V>};
}

}  // namespace loops
}  // namespace fastact
