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

// How far ahead of an elementwise loop its inputs and outputs are prefetched. On a large array in
// L3 the hardware prefetcher alone left the loads waiting: the out-of-order window of one of these
// loops reaches a few hundred bytes ahead, the latency needs a few KiB. The outputs' lines are
// asked for too, for writing, so a store does not wait for its line either.
inline constexpr std::size_t kStreamPrefetchBytes = 4096;

}  // namespace fastact
