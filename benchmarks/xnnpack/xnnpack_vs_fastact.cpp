// XNNPACK's AVX2/FMA3 microkernels next to fastact's AVX2 kernels, in one process on one thread,
// on the same normally distributed float32 data (sigma 3), ns/element, best of 15 repetitions:
// 4096 elements (L1-resident) and 1M. Built by build.sh against an XNNPACK checkout; prints a
// Markdown table for benchmarks/RESULTS.md.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>
#include <random>
#include <algorithm>
#include <immintrin.h>
#include "registry.h"
#include "kernel_loops.h"
#include "simd/vec_avx2.h"
using namespace fastact;
struct xnn_f32_default_params { char _; };
struct xnn_f32_elu_params { struct { float prescale, alpha, beta; } scalar; };
extern "C" {
void xnn_f32_vsigmoid_ukernel__avx2_rr1_p5_div_u16(size_t, const float*, float*, const xnn_f32_default_params*);
void xnn_f32_vsigmoid_ukernel__avx2_rr1_p5_nr1fma_u16(size_t, const float*, float*, const xnn_f32_default_params*);
void xnn_f32_vtanh_ukernel__fma3_rational_9_8_div_u16(size_t, const float*, float*, const xnn_f32_default_params*);
void xnn_f32_vtanh_ukernel__fma3_rational_9_8_nr_u16(size_t, const float*, float*, const xnn_f32_default_params*);
void xnn_f32_velu_ukernel__avx2_rr1_p6_u16(size_t, const float*, float*, const xnn_f32_elu_params*);
void xnn_f32_velu_ukernel__avx2_rr1_lut4_p4_perm_u16(size_t, const float*, float*, const xnn_f32_elu_params*);
void xnn_f32_vgelu_ukernel__fma3_rational_12_10_div_u16(size_t, const float*, float*, const xnn_f32_default_params*);
void xnn_f32_vapproxgelu_ukernel__fma3_rational_12_10_div_u16(size_t, const float*, float*, const xnn_f32_default_params*);
}
static std::vector<float> X, Y;
template <class F>
double time_ns(F f, size_t n) {
  double best = 1e30;
  const int reps = n <= 8192 ? 2000 : 20;
  for (int t = 0; t < 15; ++t) {
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) f(n);
    auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count() / (double(reps) * n));
  }
  return best;
}
template <class Op>
void ours(size_t n) { loops::forward<Op, avx2::Vec<float>>(X.data(), Y.data(), n, ParamValues{1.0, 0.0}); }
// XNNPACK's silu is its sigmoid followed by a multiply by x (no fused silu microkernel)
static void xnn_silu(size_t n) {
  xnn_f32_vsigmoid_ukernel__avx2_rr1_p5_div_u16(n * 4, X.data(), Y.data(), nullptr);
  for (size_t i = 0; i < n; i += 8)
    _mm256_storeu_ps(&Y[i], _mm256_mul_ps(_mm256_loadu_ps(&Y[i]), _mm256_loadu_ps(&X[i])));
}
int main() {
  size_t sizes[] = {4096, 1 << 20};
  xnn_f32_default_params dp{};
  xnn_f32_elu_params ep{{1.0f, 1.0f, 1.0f}};
  std::mt19937 g(0); std::normal_distribution<float> nd(0.f, 3.f);
  X.resize(1 << 20); Y.resize(1 << 20);
  for (auto& v : X) v = nd(g);
  printf("| op | n | fastact avx2 | XNNPACK kernel | XNNPACK | fastact / XNNPACK |\n|---|---|---|---|---|---|\n");
  for (size_t n : sizes) {
#define ROW(name, Op, kname, call) { double a = time_ns(ours<Op>, n); double b = time_ns([&](size_t m) { call; }, n); \
      printf("| %s | %zu | %.3f | %s | %.3f | %.2fx |\n", name, n, a, kname, b, a / b); }
    ROW("sigmoid", FlushSubnormalInputs<Sigmoid>, "avx2_rr1_p5_div", xnn_f32_vsigmoid_ukernel__avx2_rr1_p5_div_u16(m * 4, X.data(), Y.data(), &dp))
    ROW("sigmoid", FlushSubnormalInputs<Sigmoid>, "avx2_rr1_p5_nr1fma", xnn_f32_vsigmoid_ukernel__avx2_rr1_p5_nr1fma_u16(m * 4, X.data(), Y.data(), &dp))
    ROW("tanh", FlushSubnormalInputs<Tanh>, "fma3_rational_9_8_div", xnn_f32_vtanh_ukernel__fma3_rational_9_8_div_u16(m * 4, X.data(), Y.data(), &dp))
    ROW("tanh", FlushSubnormalInputs<Tanh>, "fma3_rational_9_8_nr", xnn_f32_vtanh_ukernel__fma3_rational_9_8_nr_u16(m * 4, X.data(), Y.data(), &dp))
    ROW("elu", Elu, "avx2_rr1_p6", xnn_f32_velu_ukernel__avx2_rr1_p6_u16(m * 4, X.data(), Y.data(), &ep))
    ROW("elu", Elu, "avx2_rr1_lut4_p4_perm", xnn_f32_velu_ukernel__avx2_rr1_lut4_p4_perm_u16(m * 4, X.data(), Y.data(), &ep))
    ROW("silu", FlushSubnormalInputs<Silu>, "sigmoid_div then x*", xnn_silu(m))
    ROW("gelu", FlushSubnormalInputs<Gelu>, "fma3_rational_12_10_div", xnn_f32_vgelu_ukernel__fma3_rational_12_10_div_u16(m * 4, X.data(), Y.data(), &dp))
    ROW("gelu[tanh]", FlushSubnormalInputs<GeluTanh>, "fma3_rational_12_10_div (vapproxgelu)", xnn_f32_vapproxgelu_ukernel__fma3_rational_12_10_div_u16(m * 4, X.data(), Y.data(), &dp))
  }
  return 0;
}
