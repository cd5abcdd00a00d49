// 16-bit results from tables of every input (lookup16.h): which ops, building a table with the
// float32 kernels, and the cache of recent tables (the lookups are each ISA's, in convert16.h).
#include "lookup16.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>

#include "dispatch.h"
#include "parallel.h"
#include "registry.h"

namespace fastact {
namespace {

constexpr std::size_t kInputs16 = std::size_t{1} << 16;  // every 16-bit pattern
// A table is built once its calls have reached this many elements (one call of 2^20, or sixteen
// of 2^16, ...): the build evaluates the float32 kernel over every 16-bit input, where the ranges
// most data never reaches (huge, infinite, NaN) can cost several times a typical element, up to
// about what 2^19 typical elements cost; after 2^20 the build has paid for itself.
constexpr std::size_t kBuildFrom = std::size_t{1} << 20;
// Tables kept (16 of 256 KiB: 4 MiB): a training step's few ops and modes, with room.
constexpr std::size_t kKeptTables = 16;
// Tables not built yet whose calls are counted (the oldest forgotten first).
constexpr std::size_t kCountedTables = 64;
// Elements per conversion block: the float buffers stay in L1, as in run_through_float.
constexpr std::size_t kBlock = 1024;

// Every 16-bit input through the float32 kernels of `kernels` (one ISA's table), exactly as a
// 16-bit call converts, evaluates and rounds each element: so every entry has the call's bits.
// Its blocks are spread over the pool (they write disjoint entries).
std::shared_ptr<const Table16> build(const KernelTable& kernels, std::size_t id, Table16Kind kind, bool bfloat16,
                                     const ParamValues& p) {
  const Convert16& c = bfloat16 ? kernels.bfloat16 : kernels.float16;
  const OpKernels<float>& k = kernels.f32[id];
  auto table = std::make_shared<Table16>();
  table->entries.resize(kInputs16);
  parallel_for(kInputs16, kBlock, [&](std::size_t begin, std::size_t end) {
    std::uint16_t bits[kBlock];
    float in[kBlock], ones[kBlock];
    std::fill(ones, ones + kBlock, 1.0f);
    for (std::size_t at = begin; at < end; at += kBlock) {
      for (std::size_t i = 0; i < kBlock; ++i) bits[i] = static_cast<std::uint16_t>(at + i);
      c.to_float(bits, in, kBlock);
      float* out = table->entries.data() + at;
      switch (kind) {
        case Table16Kind::forward: k.forward(in, out, kBlock, p); break;
        case Table16Kind::derivative: k.derivative(in, out, kBlock, p); break;
        case Table16Kind::param_derivative: k.param_derivative(in, out, kBlock, p); break;
        // g f' with g = 1 is f' itself, the factor the backward kernels multiply g by
        case Table16Kind::slope: k.backward(ones, in, out, kBlock, p); break;
        case Table16Kind::slope_from_output: k.backward_from_output(ones, in, out, kBlock, p); break;
      }
      if (kind != Table16Kind::slope && kind != Table16Kind::slope_from_output) {
        c.from_float(out, bits, kBlock);  // the call's rounding, then back to float32 exactly
        c.to_float(bits, out, kBlock);
      }
    }
  });
  return table;
}

struct Key {
  const KernelTable* isa;  // tables differ where ISAs' bits do (float32 tanh)
  std::size_t id;
  Table16Kind kind;
  bool bfloat16;
  std::uint64_t a, b;  // the parameters' bits: -0.0 and 0.0 are different tables
  bool operator==(const Key& o) const {
    return isa == o.isa && id == o.id && kind == o.kind && bfloat16 == o.bfloat16 && a == o.a && b == o.b;
  }
};

std::uint64_t bits_of(double v) {
  std::uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}

std::mutex cache_mutex;
std::vector<std::pair<Key, std::shared_ptr<const Table16>>> cache;  // the most recently used last
std::vector<std::pair<Key, std::size_t>> demand;  // elements asked of each table not built yet

// Adds n to the elements asked of key's table; whether they have reached kBuildFrom.
bool worth_building(const Key& key, std::size_t n) {
  auto it = std::find_if(demand.begin(), demand.end(), [&](const auto& e) { return e.first == key; });
  if (it == demand.end()) {
    if (demand.size() == kCountedTables) demand.erase(demand.begin());
    demand.emplace_back(key, 0);
    it = demand.end() - 1;
  }
  it->second += n;
  if (it->second < kBuildFrom) return false;
  demand.erase(it);
  return true;
}

std::shared_ptr<const Table16> cached(const Key& key) {
  const auto it = std::find_if(cache.begin(), cache.end(), [&](const auto& e) { return e.first == key; });
  if (it == cache.end()) return nullptr;
  std::rotate(it, it + 1, cache.end());
  return cache.back().second;
}

}  // namespace

std::shared_ptr<const Table16> table16_for(std::size_t id, Table16Kind kind, bool bfloat16, const ParamValues& p,
                                           std::size_t n) {
  if (takes_direct_path(static_cast<OpId>(id))) return nullptr;
  const KernelTable& kernels = active_kernels();
  const Key key{&kernels, id, kind, bfloat16, bits_of(p.a), bits_of(p.b)};
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (auto found = cached(key)) return found;
    if (!worth_building(key, n)) return nullptr;
  }
  auto table = build(kernels, id, kind, bfloat16, p);  // outside the lock: other calls go on
  std::lock_guard<std::mutex> lock(cache_mutex);
  if (auto found = cached(key)) return found;  // another thread built it meanwhile
  if (cache.size() == kKeptTables) cache.erase(cache.begin());
  cache.emplace_back(key, table);
  return table;
}

}  // namespace fastact
