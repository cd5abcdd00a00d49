// bfloat16 results stored by AVX-512 BF16's VCVTNEPS2BF16: the ONLY translation unit compiled with
// -mavx512bf16, entered only where cpu_features.cpp finds the extension (dispatch.cpp puts it in
// the AVX-512 table's bfloat16 converters). The conversion rounds to nearest even and returns NaN
// quiet, as avx512::Vec::store_bf16 does in integer arithmetic, but takes subnormal inputs as
// zeros; a vector holding one (VFPCLASSPS, the denormal class) is stored by store_bf16 instead.
// The same bits for all 2^32 floats, in 3 instructions instead of 8.
#include "convert16.h"
#include "kernel_table.h"
#include "simd/vec_avx512.h"

namespace fastact {

void bfloat16_from_float_avx512bf16(const float* in, std::uint16_t* out, std::size_t n) {
  using V = avx512::Vec<float>;
  loops::from_float_by<V>(in, out, n, [](V v, std::uint16_t* p) {
    constexpr int kDenormal = 0x20;  // VFPCLASSPS category: subnormal
    if (_mm512_fpclass_ps_mask(v.v, kDenormal) != 0) {
      v.store_bf16(p);
    } else {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(v.v)));
    }
  });
}

}  // namespace fastact
