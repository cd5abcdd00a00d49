#pragma once

namespace fastact {

// True when the CPU has AVX2, FMA and F16C and the OS saves the YMM registers (CPUID + XGETBV).
bool cpu_has_avx2_fma();

// True when the CPU has AVX-512 F, DQ, BW and VL (and AVX2 + FMA), and the OS saves the opmask
// and ZMM registers (XCR0 bits 5-7).
bool cpu_has_avx512();

// True when, on top of cpu_has_avx512(), the CPU has AVX-512 BF16 (VCVTNEPS2BF16): Cooper Lake,
// Sapphire Rapids, Zen 4 and later.
bool cpu_has_avx512_bf16();

}  // namespace fastact
