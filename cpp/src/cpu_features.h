#pragma once

namespace fastact {

// True when the CPU has AVX2 and FMA and the OS saves the YMM registers (CPUID + XGETBV).
bool cpu_has_avx2_fma();

}  // namespace fastact
