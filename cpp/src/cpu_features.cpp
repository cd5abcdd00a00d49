// CPUID alone is not enough: AVX state must also be enabled by the OS (OSXSAVE + XCR0 bits
// 1 and 2 for YMM; 5, 6 and 7 as well for the opmask and ZMM registers), or the first such
// instruction faults. This file is compiled with baseline flags.
#include "cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#elif defined(_M_X64)
#include <intrin.h>
#endif

namespace fastact {

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
namespace {

void cpuid(unsigned leaf, unsigned subleaf, unsigned regs[4]) {
#if defined(_M_X64)
  int r[4];
  __cpuidex(r, static_cast<int>(leaf), static_cast<int>(subleaf));
  for (int i = 0; i < 4; ++i) regs[i] = static_cast<unsigned>(r[i]);
#else
  __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
#endif
}

unsigned long long xgetbv0() {
#if defined(_M_X64)
  return _xgetbv(0);
#else
  unsigned eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
#endif
}

}  // namespace

bool cpu_has_avx2_fma() {
  unsigned r[4];
  cpuid(0, 0, r);
  const unsigned max_leaf = r[0];
  if (max_leaf < 7) return false;
  cpuid(1, 0, r);
  const bool fma = (r[2] >> 12) & 1;
  const bool osxsave = (r[2] >> 27) & 1;
  const bool avx = (r[2] >> 28) & 1;
  const bool f16c = (r[2] >> 29) & 1;  // float16 conversions (every AVX2 CPU has them)
  if (!(fma && osxsave && avx && f16c)) return false;
  const unsigned long long xcr0 = xgetbv0();
  if ((xcr0 & 0x6) != 0x6) return false;  // XMM and YMM state enabled by the OS
  cpuid(7, 0, r);
  return (r[1] >> 5) & 1;  // AVX2
}

bool cpu_has_avx512() {
  if (!cpu_has_avx2_fma()) return false;  // also checks leaf 7 exists and OSXSAVE
  if ((xgetbv0() & 0xE6) != 0xE6) return false;  // XMM, YMM, opmask, ZMM0-15 high, ZMM16-31
  unsigned r[4];
  cpuid(7, 0, r);
  const unsigned ebx = r[1];
  const bool f = (ebx >> 16) & 1, dq = (ebx >> 17) & 1, bw = (ebx >> 30) & 1, vl = (ebx >> 31) & 1;
  return f && dq && bw && vl;
}

bool cpu_has_avx512_bf16() {
  if (!cpu_has_avx512()) return false;
  unsigned r[4];
  cpuid(7, 0, r);
  if (r[0] < 1) return false;  // leaf 7 has no subleaf 1
  cpuid(7, 1, r);
  return (r[0] >> 5) & 1;  // EAX bit 5: AVX512_BF16
}
#else
bool cpu_has_avx2_fma() { return false; }
bool cpu_has_avx512() { return false; }
bool cpu_has_avx512_bf16() { return false; }
#endif

}  // namespace fastact
