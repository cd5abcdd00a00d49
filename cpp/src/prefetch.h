// Software prefetch hints for the kernels' streams: where the hardware prefetcher alone leaves a
// loop's loads waiting on a large array.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fastact {

// A hint to bring the cache line `bytes` past `at` into L1, to be read (kWrite = 0) or written
// (1). An address past the data is harmless.
template <int kWrite = 0>
inline void prefetch_at(const void* at, std::size_t bytes) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(at) + bytes), kWrite, 3);
#else
  (void)at;
  (void)bytes;
#endif
}

// The same for the line `bytes` before `at`, for a loop that walks down (a prefetch never faults).
template <int kWrite = 0>
inline void prefetch_before(const void* at, std::size_t bytes) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(at) - bytes), kWrite, 3);
#else
  (void)at;
  (void)bytes;
#endif
}

// How far ahead of an elementwise loop its inputs and outputs are prefetched. On a large array in
// L3 the hardware prefetcher alone left the loads waiting: the out-of-order window of one of these
// loops reaches a few hundred bytes ahead, the latency needs a few KiB. The outputs' lines are
// asked for too, for writing, so a store does not wait for its line either.
inline constexpr std::size_t kStreamPrefetchBytes = 4096;

// A store to address A and a later load from B whose low 12 bits match A's (B = A + k 4096) look
// dependent to the CPU until their full addresses are compared, and the load waits (4K aliasing).
// An elementwise loop that walks up stores out[i] and then loads the inputs of the next vectors;
// when an output starts a little past an input modulo 4 KiB (out - in in (0, kAliasWindowBytes]),
// those loads hit the stores of the last few vectors and wait, which shows in any loop whose
// compute and memory time are about equal (docs/performance.md). Walking down moves that window
// to out - in in [-kAliasWindowBytes, 0). The window is wider than the distances measured slow,
// a few vectors' worth.
inline constexpr std::size_t kAliasWindowBytes = 512;

// True where walking down avoids the aliasing that walking up would meet.
template <class T, std::size_t kInputs, std::size_t kOutputs>
inline bool store_then_load_aliases(const T* const (&in)[kInputs], T* const (&out)[kOutputs]) {
  bool up_aliases = false, down_aliases = false;
  for (std::size_t o = 0; o < kOutputs; ++o) {
    for (std::size_t k = 0; k < kInputs; ++k) {
      const std::size_t d = (reinterpret_cast<std::uintptr_t>(out[o]) - reinterpret_cast<std::uintptr_t>(in[k])) % 4096;
      up_aliases = up_aliases || (d != 0 && d <= kAliasWindowBytes);
      down_aliases = down_aliases || d >= 4096 - kAliasWindowBytes;
    }
  }
  return up_aliases && !down_aliases;
}

}  // namespace fastact
