#include "dispatch.h"

#include <atomic>
#include <stdexcept>

#include "cpu_features.h"

namespace fastact {
namespace {

KernelTable g_scalar;  // zero-initialised; filled in select_isa, never by a static initialiser
#if defined(FASTACT_HAVE_AVX2)
KernelTable g_avx2;
#endif
#if defined(FASTACT_HAVE_AVX512)
KernelTable g_avx512;
#endif
std::atomic<const KernelTable*> g_active{nullptr};

const KernelTable* table_for(const std::string& name) {
  if (name == "scalar") {
    if (!g_scalar.isa) fill_kernels_scalar(g_scalar);
    return &g_scalar;
  }
#if defined(FASTACT_HAVE_AVX2)
  if (name == "avx2" && cpu_has_avx2_fma()) {
    if (!g_avx2.isa) fill_kernels_avx2(g_avx2);
    return &g_avx2;
  }
#endif
#if defined(FASTACT_HAVE_AVX512)
  if (name == "avx512" && cpu_has_avx512()) {
    if (!g_avx512.isa) {
      fill_kernels_avx512(g_avx512);
#if defined(FASTACT_HAVE_AVX512_BF16)
      if (cpu_has_avx512_bf16()) g_avx512.bfloat16.from_float = bfloat16_from_float_avx512bf16;
#endif
    }
    return &g_avx512;
  }
#endif
  return nullptr;
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

std::vector<std::string> compiled_isas() {
  std::vector<std::string> names;
#if defined(FASTACT_HAVE_AVX512)
  names.push_back("avx512");
#endif
#if defined(FASTACT_HAVE_AVX2)
  names.push_back("avx2");
#endif
  names.push_back("scalar");
  return names;
}

std::vector<std::string> available_isas() {
  std::vector<std::string> names;
#if defined(FASTACT_HAVE_AVX512)
  if (cpu_has_avx512()) names.push_back("avx512");
#endif
#if defined(FASTACT_HAVE_AVX2)
  if (cpu_has_avx2_fma()) names.push_back("avx2");
#endif
  names.push_back("scalar");
  return names;
}

void select_isa(const std::string& name) {
  const std::vector<std::string> available = available_isas();
  const std::string chosen = (name.empty() || name == "auto") ? available.front() : name;
  const KernelTable* table = table_for(chosen);
  if (!table) {
    bool compiled = false;
    for (const auto& c : compiled_isas()) compiled |= (c == chosen);
    throw std::invalid_argument(
        "FASTACT_ISA='" + name + "' " +
        (compiled ? "is not supported by this CPU" : "is not an ISA this build of fastact has") +
        "; choose one of: auto, " + join(available));
  }
  g_active.store(table, std::memory_order_release);
}

const KernelTable& active_kernels() {
  const KernelTable* t = g_active.load(std::memory_order_acquire);
  if (!t) {
    select_isa("auto");
    t = g_active.load(std::memory_order_acquire);
  }
  return *t;
}

}  // namespace fastact
