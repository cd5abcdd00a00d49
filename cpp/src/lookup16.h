// float16 and bfloat16 results looked up in a table of all 2^16 inputs. A 16-bit call's contract
// is the float32 kernel's result rounded once to the 16-bit format (convert16.h), and a 16-bit
// input has only 65536 values: a table holding that result for every one of them gives the same
// bits for a gathered load per element (convert16.h look_up), whatever the op costs. For an op
// dearer than a lookup (every transcendental one) the table is built once the calls that would use
// it have reached 2^20 elements (one float32 kernel call over all 65536 inputs costs less than
// that), and a few recent tables are kept for the next calls, small ones too. The cheap
// piecewise ops (takes_direct_path, kernel_table.h) run 16-bit loops of their own instead, which
// are faster than a lookup.
//
// The backward passes take a float32 table of f'(x) (or of f'(y), from the output) instead, and
// form g f' in float32 before the one rounding, as the direct path does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernel_table.h"

namespace fastact {

// What a table holds for each input, in float32: the 16-bit result (forward, derivative,
// param_derivative, as UnaryKind numbers them), widened exactly, or the factor f' of a backward pass.
enum class Table16Kind : int { forward = 0, derivative = 1, param_derivative = 2, slope = 3, slope_from_output = 4 };

struct Table16 {
  std::vector<float> entries;  // one per input bit pattern; the ISA's Convert16 looks them up
};

// The table of `kind` for op `id` with parameters p, in the 16-bit format (bfloat16 or float16),
// under the active ISA: from the cache, or built when the calls asking for it (this one's n
// elements included) have reached 2^20 elements; null when the op takes the direct path or the
// table is neither cached nor worth building yet. The shared pointer keeps the table alive for
// the call while the cache may drop it.
std::shared_ptr<const Table16> table16_for(std::size_t id, Table16Kind kind, bool bfloat16, const ParamValues& p,
                                           std::size_t n);

}  // namespace fastact
