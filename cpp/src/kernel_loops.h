// The loops every op shares, written once against the vector type V and included by each
// ISA's translation unit inside that ISA's namespace. The tail (n not a multiple of the
// vector width) goes through the same vector code with masked loads (missing lanes zero) and
// stores, so a tail element gets exactly the bits a body element would.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include "kernel_table.h"
#include "prefetch.h"
#include "rowwise/lane_sums.h"

namespace fastact::loops {

template <class Op, class V, class = void>
struct HasFusedValueAndDerivative : std::false_type {};
template <class Op, class V>
struct HasFusedValueAndDerivative<
    Op, V,
    std::void_t<decltype(Op::value_and_derivative(std::declval<V>(), std::declval<const Params<V>&>(),
                                                  std::declval<V&>(), std::declval<V&>()))>>
    : std::true_type {};

template <class Op, class V, class = void>
struct HasParamDerivative : std::false_type {};
template <class Op, class V>
struct HasParamDerivative<
    Op, V, std::void_t<decltype(Op::param_derivative(std::declval<V>(), std::declval<const Params<V>&>()))>>
    : std::true_type {};

template <class Op, class V, class = void>
struct HasDerivativeFromOutput : std::false_type {};
template <class Op, class V>
struct HasDerivativeFromOutput<
    Op, V, std::void_t<decltype(Op::derivative_from_output(std::declval<V>(), std::declval<const Params<V>&>()))>>
    : std::true_type {};

// f(args[0], ..., args[N-1], extra...) for a C array of N vectors.
template <class F, class V, std::size_t... I, class... Extra>
inline decltype(auto) call_unpacked(F& f, const V* args, std::index_sequence<I...>, Extra&... extra) {
  return f(args[I]..., extra...);
}

// f on loaded vectors, its one result (kOutputs = 1) or two (written to two V&) handed to
// store_output(k, result) in output order.
template <std::size_t kOutputs, class V, std::size_t kInputs, class F, class Store>
inline void apply_and_store(F& f, const V (&args)[kInputs], Store store_output) {
  if constexpr (kOutputs == 1) {
    store_output(0, call_unpacked(f, args, std::make_index_sequence<kInputs>{}));
  } else {
    V r0, r1;
    call_unpacked(f, args, std::make_index_sequence<kInputs>{}, r0, r1);
    store_output(0, r0);
    store_output(1, r1);
  }
}

// Applies f to `kInputs` input streams and writes `kOutputs` output streams, V::kLanes at a time,
// kStep vectors per step. f takes the vector's place u in its step (0 .. kStep - 1; the vectors after
// the last whole step continue from 0), then the loaded vectors, and returns one V (one output) or
// writes two V& (two outputs). A fold that keeps one set of sums per place (backward_with_param)
// indexes them with constants once the loops unroll.
template <class V, std::size_t kInputs, std::size_t kOutputs, std::size_t kStep, class F>
inline void map_streams_in_steps(std::size_t n, const typename V::Scalar* const (&in)[kInputs],
                                 typename V::Scalar* const (&out)[kOutputs], F&& f) {
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes;
  auto apply = [&](std::size_t u, auto load_input, auto store_output) {
    auto at_place = [&](auto&&... a) -> decltype(auto) { return f(u, std::forward<decltype(a)>(a)...); };
    V args[kInputs];
    for (std::size_t k = 0; k < kInputs; ++k) args[k] = load_input(k);
    apply_and_store<kOutputs>(at_place, args, store_output);
  };
  auto whole = [&](std::size_t u, std::size_t i) {
    apply(u, [&](std::size_t k) { return V::load(in[k] + i); }, [&](std::size_t k, V r) { r.store(out[k] + i); });
  };
  std::size_t i = 0;
  for (; i + kStep * W <= n; i += kStep * W) {
    if constexpr (kStep * W * sizeof(T) >= 32) {  // at most two hints per cache line (none on scalar)
      for (std::size_t k = 0; k < kInputs; ++k) prefetch_at(in[k] + i, kStreamPrefetchBytes);
      for (std::size_t k = 0; k < kOutputs; ++k) prefetch_at<1>(out[k] + i, kStreamPrefetchBytes);
    }
    for (std::size_t u = 0; u < kStep; ++u) whole(u, i + u * W);
  }
  // The rest: whole vectors, then one partial vector (masked loads, missing lanes 0, and masked
  // stores), through the same vector code.
  for (std::size_t u = 0; u < kStep && i < n; ++u, i += W) {
    if (i + W <= n) {
      whole(u, i);
    } else if constexpr (W > 1) {
      const std::size_t rest = n - i;
      apply(u, [&](std::size_t k) { return V::load_partial(in[k] + i, rest, T(0)); },
            [&](std::size_t k, V r) { r.store_partial(out[k] + i, rest); });
    }
  }
}

// The same a vector at a time, first to last, f taking only the loaded vectors (and the outputs' V&).
template <class V, std::size_t kInputs, std::size_t kOutputs, class F>
inline void map_streams_up(std::size_t n, const typename V::Scalar* const (&in)[kInputs],
                           typename V::Scalar* const (&out)[kOutputs], F&& f) {
  map_streams_in_steps<V, kInputs, kOutputs, 1>(
      n, in, out, [&](std::size_t, auto&&... a) -> decltype(auto) { return f(std::forward<decltype(a)>(a)...); });
}

// The same in either order: from the last vector down to the first where going up would make
// loads wait on stores they only seem to depend on (store_then_load_aliases). The lanes are
// independent, so both orders give the same bits, for an f that keeps no state between vectors.
template <class V, std::size_t kInputs, std::size_t kOutputs, class F>
inline void map_streams(std::size_t n, const typename V::Scalar* const (&in)[kInputs],
                        typename V::Scalar* const (&out)[kOutputs], F&& f) {
  // The portable path always walks up: the aliasing is a vector loads' matter, and one loop
  // means one compiled form of f (two inlined copies of scalar code may order a NaN-propagating
  // operation's operands differently, and a NaN result's sign with them).
  if (V::kLanes == 1 || !store_then_load_aliases(in, out)) return map_streams_up<V>(n, in, out, f);
  using T = typename V::Scalar;
  constexpr std::size_t W = V::kLanes;
  auto apply = [&](std::size_t i, auto load_input, auto store_output) {
    V args[kInputs];
    for (std::size_t k = 0; k < kInputs; ++k) args[k] = load_input(in[k] + i);
    apply_and_store<kOutputs>(f, args, store_output);
  };
  std::size_t i = n - n % W;
  if constexpr (W > 1) {
    if (i < n) {
      const std::size_t rest = n - i;
      apply(i, [&](const T* at) { return V::load_partial(at, rest, T(0)); },
            [&](std::size_t k, V r) { r.store_partial(out[k] + i, rest); });
    }
  }
  while (i >= W) {
    i -= W;
    if constexpr (W * sizeof(T) >= 32) {  // at most two hints per cache line, as going up
      for (std::size_t k = 0; k < kInputs; ++k) prefetch_before(in[k] + i, kStreamPrefetchBytes);
      for (std::size_t k = 0; k < kOutputs; ++k) prefetch_before<1>(out[k] + i, kStreamPrefetchBytes);
    }
    apply(i, [](const T* at) { return V::load(at); }, [&](std::size_t k, V r) { r.store(out[k] + i); });
  }
}

// Ops with a costly path that only some lanes need (tanhshrink's series below 1/16 on AVX-512)
// split forward and derivative in two:
//   template <class V> static V forward_usual(V x, const Params<V>&, typename V::MaskType& rare);
//   template <class V> static V forward_rare(V x, const Params<V>&);
// (derivative_usual, derivative_rare alike), the result being select(rare, rare path, usual path).
// Branching on any(rare) per vector mispredicts whenever such lanes are scattered (tanhshrink: a
// quarter of N(0, 9) vectors), and out of cache each miss also discards the loads in flight. The
// loops below take the usual path for every vector, note the ones with a rare lane without a
// branch (the note is written every time, the count advances by 0 or 1), and redo just those
// from their saved inputs (the output may be the input) at the end of each block of vectors.
// The lanes get the bits the per-vector select gives.
template <class Op, class V, class = void>
struct HasRareLanes : std::false_type {};
template <class Op, class V>
struct HasRareLanes<Op, V,
                    std::void_t<decltype(Op::forward_usual(std::declval<V>(), std::declval<const Params<V>&>(),
                                                           std::declval<typename V::MaskType&>()))>>
    : std::bool_constant<(V::kLanes > 1)> {};

constexpr std::size_t kRareBlockVectors = 64;

template <class V, std::size_t kInputs, class Usual, class Rare>
void map_deferring_rare_lanes(std::size_t n, const typename V::Scalar* const (&in)[kInputs], typename V::Scalar* out,
                              Usual usual, Rare rare_path) {
  using T = typename V::Scalar;
  using Mask = typename V::MaskType;
  constexpr std::size_t W = V::kLanes;
  struct Noted {
    V args[kInputs];
    Mask rare;
    std::size_t place;
  };
  auto one_vector = [&](auto... a) {  // the tail's partial vector: the per-vector select
    return with_rare_lanes<V>([&](Mask& rare) { return usual(a..., rare); }, [&] { return rare_path(a...); });
  };
  const std::size_t whole = n - n % W;
  for (std::size_t start = 0; start < whole; start += kRareBlockVectors * W) {
    const std::size_t m = whole - start < kRareBlockVectors * W ? whole - start : kRareBlockVectors * W;
    const T* block_in[kInputs];
    for (std::size_t k = 0; k < kInputs; ++k) block_in[k] = in[k] + start;
    Noted noted[kRareBlockVectors];
    std::size_t count = 0, place = 0;
    map_streams_up<V, kInputs, 1>(m, block_in, {out + start}, [&](auto... a) {  // places in order
      Mask rare;
      const V r = usual(a..., rare);
      noted[count] = Noted{{a...}, rare, place++};
      count += any(rare) ? 1 : 0;
      return r;
    });
    for (std::size_t k = 0; k < count; ++k) {
      T* const at = out + start + noted[k].place * W;
      const V r = call_unpacked(rare_path, noted[k].args, std::make_index_sequence<kInputs>{});
      select(noted[k].rare, r, V::load(at)).store(at);
    }
  }
  if (whole < n) {
    const T* tail_in[kInputs];
    for (std::size_t k = 0; k < kInputs; ++k) tail_in[k] = in[k] + whole;
    map_streams<V, kInputs, 1>(n - whole, tail_in, {out + whole}, one_vector);
  }
}

template <class Op, class V>
void forward(const typename V::Scalar* x, typename V::Scalar* y, std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  if constexpr (HasRareLanes<Op, V>::value) {
    map_deferring_rare_lanes<V, 1>(
        n, {x}, y, [&](V v, typename V::MaskType& rare) { return Op::forward_usual(v, p, rare); },
        [&](V v) { return Op::forward_rare(v, p); });
  } else {
    map_streams<V, 1, 1>(n, {x}, {y}, [&](V v) { return Op::forward(v, p); });
  }
}

template <class Op, class V>
void derivative(const typename V::Scalar* x, typename V::Scalar* d, std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  if constexpr (HasRareLanes<Op, V>::value) {
    map_deferring_rare_lanes<V, 1>(
        n, {x}, d, [&](V v, typename V::MaskType& rare) { return Op::derivative_usual(v, p, rare); },
        [&](V v) { return Op::derivative_rare(v, p); });
  } else {
    map_streams<V, 1, 1>(n, {x}, {d}, [&](V v) { return Op::derivative(v, p); });
  }
}

template <class Op, class V>
void param_derivative(const typename V::Scalar* x, typename V::Scalar* d, std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  map_streams<V, 1, 1>(n, {x}, {d}, [&](V v) { return Op::param_derivative(v, p); });
}

// gx = g f'(x) and gp = g df/da together: ops that share work define
//   template <class V> static void derivatives(V x, const Params<V>&, V& d, V& d_param);
// gx = g f'(x), and the parameter's gradient sum(g df/da) over these n elements, returned: summed
// per lane in double (float: exact products; double: compensated). Element k goes to lane
// k mod kRowLanes on every ISA (the vectors take the row-wise ops' lane sets in turn: one on
// AVX-512, two on AVX2, 16 or 8 scalars), and the lanes fold in rowwise::fold_lanes' fixed
// order, so the sum has the same bits on every ISA (n starts at a multiple of 64 bytes: whole
// chunks). The zero-padded tail lanes have g = 0 and df/da(0) finite (swish: 0): they add nothing.
template <class Op, class V>
double backward_with_param(const typename V::Scalar* g, const typename V::Scalar* x, typename V::Scalar* gx,
                           std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  constexpr std::size_t kSets = rowwise::kRowVectors<V>;
  rowwise::LaneSums<V> sums[kSets];
  map_streams_in_steps<V, 2, 1, kSets>(n, {g, x}, {gx}, [&](std::size_t u, V gv, V xv) {
    V d, dp;
    Op::derivatives(xv, p, d, dp);
    sums[u].add_product(gv, dp);
    return gv * d;
  });
  double h, l;
  rowwise::row_total(sums, kSets * V::kLanes, h, l);
  return h + l;
}

template <class Op, class V>
void backward(const typename V::Scalar* g, const typename V::Scalar* x, typename V::Scalar* out, std::size_t n,
              const ParamValues& pv) {
  const Params<V> p(pv);
  if constexpr (HasRareLanes<Op, V>::value) {  // g times either path: the bits of g times the select
    map_deferring_rare_lanes<V, 2>(
        n, {g, x}, out,
        [&](V gv, V xv, typename V::MaskType& rare) { return gv * Op::derivative_usual(xv, p, rare); },
        [&](V gv, V xv) { return gv * Op::derivative_rare(xv, p); });
  } else {
    map_streams<V, 2, 1>(n, {g, x}, {out}, [&](V gv, V xv) { return gv * Op::derivative(xv, p); });
  }
}

template <class Op, class V>
void backward_from_output(const typename V::Scalar* g, const typename V::Scalar* y, typename V::Scalar* out,
                          std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  map_streams<V, 2, 1>(n, {g, y}, {out}, [&](V gv, V yv) { return gv * Op::derivative_from_output(yv, p); });
}

// f(v) and f'(v) of one vector: the op's fused form where it has one.
template <class Op, class V>
inline void value_and_derivative_of(V v, const Params<V>& p, V& y, V& d) {
  if constexpr (HasFusedValueAndDerivative<Op, V>::value) {
    Op::value_and_derivative(v, p, y, d);
  } else {
    y = Op::forward(v, p);
    d = Op::derivative(v, p);
  }
}

template <class Op, class V>
void value_and_derivative(const typename V::Scalar* x, typename V::Scalar* y, typename V::Scalar* d, std::size_t n,
                          const ParamValues& pv) {
  const Params<V> p(pv);
  map_streams<V, 1, 2>(n, {x}, {y, d}, [&](V v, V& yv, V& dv) { value_and_derivative_of<Op>(v, p, yv, dv); });
}

// The direct-path ops (takes_direct_path) on float16 or bfloat16 bits: each vector widened to
// float32 in registers, through the float32 loops' own expressions, rounded once on the way back
// (map16 reads a vector's inputs before it writes, so an output may be an input).

// f on the kIn inputs' vectors widened to float32, its result rounded into out.
template <class V, Format16 kFormat, std::size_t kIn, class F>
void map16_in_float(const std::uint16_t* const (&in)[kIn], std::uint16_t* out, std::size_t n, F f) {
  map16<V, kIn, 1>(in, {out}, n, [&](auto& at_in, auto& at_out) {
    V args[kIn];
    for (std::size_t k = 0; k < kIn; ++k) args[k] = load16<kFormat, V>(at_in[k]);
    store16<kFormat>(call_unpacked(f, args, std::make_index_sequence<kIn>{}), at_out[0]);
  });
}

template <class Op, class V, Format16 kFormat>
void forward16(const std::uint16_t* x, std::uint16_t* y, std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  map16_in_float<V, kFormat>({x}, y, n, [&](V xv) { return Op::forward(xv, p); });
}

template <class Op, class V, Format16 kFormat>
void derivative16(const std::uint16_t* x, std::uint16_t* d, std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  map16_in_float<V, kFormat>({x}, d, n, [&](V xv) { return Op::derivative(xv, p); });
}

template <class Op, class V, Format16 kFormat>
void backward16(const std::uint16_t* g, const std::uint16_t* x, std::uint16_t* gx, std::size_t n,
                const ParamValues& pv) {
  const Params<V> p(pv);
  map16_in_float<V, kFormat>({g, x}, gx, n, [&](V gv, V xv) { return gv * Op::derivative(xv, p); });
}

template <class Op, class V, Format16 kFormat>
void backward_from_output16(const std::uint16_t* g, const std::uint16_t* y, std::uint16_t* gx, std::size_t n,
                            const ParamValues& pv) {
  const Params<V> p(pv);
  map16_in_float<V, kFormat>({g, y}, gx, n, [&](V gv, V yv) { return gv * Op::derivative_from_output(yv, p); });
}

template <class Op, class V, Format16 kFormat>
void value_and_derivative16(const std::uint16_t* x, std::uint16_t* y, std::uint16_t* d, std::size_t n,
                            const ParamValues& pv) {
  const Params<V> p(pv);
  map16<V, 1, 2>({x}, {y, d}, n, [&](auto& in, auto& out) {
    V yv, dv;
    value_and_derivative_of<Op>(load16<kFormat, V>(in[0]), p, yv, dv);
    store16<kFormat>(yv, out[0]);
    store16<kFormat>(dv, out[1]);
  });
}

template <class Op, class V, Format16 kFormat>
Direct16Kernels direct16_kernels_for() {
  Direct16Kernels k{};
  k.forward = &forward16<Op, V, kFormat>;
  k.derivative = &derivative16<Op, V, kFormat>;
  k.backward = &backward16<Op, V, kFormat>;
  if constexpr (HasDerivativeFromOutput<Op, V>::value) k.backward_from_output = &backward_from_output16<Op, V, kFormat>;
  k.value_and_derivative = &value_and_derivative16<Op, V, kFormat>;
  return k;
}

// Gated linear units: y = f(gate) * value (swiglu: f = silu on the first half, glu: sigmoid on
// the second); backward from the upstream g: g_gate = g * value * f'(gate), g_value = g * f(gate).
template <class Op, class V>
void gated_forward(const typename V::Scalar* gate, const typename V::Scalar* value, typename V::Scalar* y,
                   std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  map_streams<V, 2, 1>(n, {gate, value}, {y}, [&](V a, V b) { return Op::forward(a, p) * b; });
}

template <class Op, class V>
void gated_backward(const typename V::Scalar* g, const typename V::Scalar* gate, const typename V::Scalar* value,
                    typename V::Scalar* g_gate, typename V::Scalar* g_value, std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  map_streams<V, 3, 2>(n, {g, gate, value}, {g_gate, g_value}, [&](V gv, V a, V b, V& ga, V& gb) {
    V f, d;
    if constexpr (HasFusedValueAndDerivative<Op, V>::value) {
      Op::value_and_derivative(a, p, f, d);
    } else {
      f = Op::forward(a, p);
      d = Op::derivative(a, p);
    }
    ga = (gv * b) * d;
    gb = gv * f;
  });
}

// Bias fused into the op: x is (rows, cols) C-contiguous, bias has cols values, and the op sees
// x + bias (rounded once, exactly as NumPy's x + b) without that sum being stored anywhere.
template <class Op, class V, bool kDerivative>
void bias_map(const typename V::Scalar* x, const typename V::Scalar* bias, typename V::Scalar* y,
              std::size_t rows, std::size_t cols, const ParamValues& pv) {
  const Params<V> p(pv);
  for (std::size_t r = 0; r < rows; ++r) {
    map_streams<V, 2, 1>(cols, {x + r * cols, bias}, {y + r * cols}, [&](V xv, V bv) {
      if constexpr (kDerivative) return Op::derivative(xv + bv, p); else return Op::forward(xv + bv, p);
    });
  }
}

// gx = g f'(x + bias), and gbias[j] += sum over rows of gx[., j], accumulated in double (the row
// of gx is still in L1 when it is added).
template <class Op, class V>
void bias_backward(const typename V::Scalar* g, const typename V::Scalar* x, const typename V::Scalar* bias,
                   typename V::Scalar* gx, double* gbias, std::size_t rows, std::size_t cols, const ParamValues& pv) {
  const Params<V> p(pv);
  for (std::size_t r = 0; r < rows; ++r) {
    typename V::Scalar* gx_row = gx + r * cols;
    map_streams<V, 3, 1>(cols, {g + r * cols, x + r * cols, bias}, {gx_row},
                         [&](V gv, V xv, V bv) { return gv * Op::derivative(xv + bv, p); });
    for (std::size_t j = 0; j < cols; ++j) gbias[j] += static_cast<double>(gx_row[j]);
  }
}

// The sum of n values in double through kBlockSumLanes running sums, value i going to sum i mod
// kBlockSumLanes, added in lane order at the end: a fixed order, so every ISA (and the compiler's
// vectorisation of the independent sums) gives the same bits, and no serial chain of additions.
constexpr std::size_t kBlockSumLanes = 16;
template <class T>
double block_sum(const T* v, std::size_t n) {
  double acc[kBlockSumLanes] = {};
  std::size_t i = 0;
  for (; i + kBlockSumLanes <= n; i += kBlockSumLanes)
    for (std::size_t k = 0; k < kBlockSumLanes; ++k) acc[k] += static_cast<double>(v[i + k]);
  for (std::size_t k = 0; i + k < n; ++k) acc[k] += static_cast<double>(v[i + k]);
  double total = 0.0;
  for (double a : acc) total += a;
  return total;
}

// Bias along a middle axis: a run of one channel, its bias value broadcast.
template <class Op, class V, bool kDerivative>
void channel_bias_map(const typename V::Scalar* x, typename V::Scalar bias, typename V::Scalar* y, std::size_t n,
                      const ParamValues& pv) {
  const Params<V> p(pv);
  const V b(bias);
  map_streams<V, 1, 1>(n, {x}, {y}, [&](V xv) {
    if constexpr (kDerivative) return Op::derivative(xv + b, p); else return Op::forward(xv + b, p);
  });
}

// gx = g f'(x + bias) over a run of one channel, and its sum (read back while the run is in L1).
template <class Op, class V>
double channel_bias_backward(const typename V::Scalar* g, const typename V::Scalar* x, typename V::Scalar bias,
                             typename V::Scalar* gx, std::size_t n, const ParamValues& pv) {
  const Params<V> p(pv);
  const V b(bias);
  map_streams<V, 2, 1>(n, {g, x}, {gx}, [&](V gv, V xv) { return gv * Op::derivative(xv + b, p); });
  return block_sum(gx, n);
}

// UnitStatsKernel: one vector of units at a time; f and f' of each row come from the op's
// value_and_derivative in registers, and the rows' counts (in T, exact for a block of rows) and
// sums (in double, float lanes widened) build up there too, added into the running totals (all in
// double, a vector at a time) once per block of rows: nothing is written per element, so the pass
// costs about what reading z and evaluating f and f' do. (Two vectors per step measured slower for
// exact GELU: its constants no longer fit the registers.) Every unit takes its rows in order with
// the same roundings on every ISA (mul_add is one rounding everywhere; tail lanes do what full
// vectors do), so the result depends on the shape alone, not on the ISA or the threads.

// |d| < tol in T exactly as in double: tol rounded up to T (a T below the double tol is below it).
template <class T>
T stats_tolerance(double tol) {
  T t = static_cast<T>(tol);
  if (static_cast<double>(t) < tol) t = std::nextafter(t, std::numeric_limits<T>::infinity());
  return t;
}

// A vector's lanes as double vectors: a float vector's widened parts, a double vector itself.
template <class V>
inline auto double_parts(V x) {
  if constexpr (std::is_same_v<typename V::Scalar, double>) {
    struct Itself {
      V part[1];
    };
    return Itself{{x}};
  } else {
    return widen(x);
  }
}

// How far ahead along each row the fold prefetches: four cache lines. The rows of a block are a
// whole row apart, often a multiple of 4 KiB, so their lines share L1 sets and the hardware's
// stream prefetch loses them; without this a block of 32 rows ran at about half the speed.
inline constexpr std::size_t kUnitStatsPrefetchBytes = 256;

template <class Op, class V>
void unit_stats_rows(const typename V::Scalar* z, std::size_t rows, std::size_t n,
                     const typename V::Scalar* origin, double tol, double* inactive, double* saturated,
                     double* shifted, double* squares, const ParamValues& pv) {
  using T = typename V::Scalar;
  using Parts = decltype(double_parts(V(T(0))));
  using D = std::remove_cv_t<std::remove_reference_t<decltype(std::declval<Parts&>().part[0])>>;
  constexpr std::size_t kParts = sizeof(Parts::part) / sizeof(D);
  const Params<V> p(pv);
  const V tolerance(stats_tolerance<T>(tol)), zero(T(0)), one(T(1));
  for (std::size_t j = 0; j < n; j += V::kLanes) {
    const std::size_t width = n - j < V::kLanes ? n - j : V::kLanes;
    auto load = [&](const T* at) {  // lanes past the row: 0
      return width == V::kLanes ? V::load(at) : V::load_partial(at, width, T(0));
    };
    V in = zero, sat = zero;
    const Parts o = double_parts(load(origin + j));
    Parts sum, sq;
    for (std::size_t q = 0; q < kParts; ++q) sum.part[q] = sq.part[q] = D(0.0);
    for (std::size_t r = 0; r < rows; ++r) {
      prefetch_at(z + r * n + j, kUnitStatsPrefetchBytes);
      V y, g;
      value_and_derivative_of<Op>(load(z + r * n + j), p, y, g);
      in = in + select(g == zero, one, zero);
      sat = sat + select(abs(g) < tolerance, one, zero);
      const Parts yd = double_parts(y);
      for (std::size_t q = 0; q < kParts; ++q) {
        const D f = yd.part[q] - o.part[q];
        sum.part[q] = sum.part[q] + f;
        sq.part[q] = mul_add(f, f, sq.part[q]);
      }
    }
    // Into the totals: whole parts by vector, the lanes of a part the row ends in one by one.
    const Parts ind = double_parts(in), satd = double_parts(sat);
    for (std::size_t q = 0; q < kParts; ++q) {
      const std::size_t at = j + q * D::kLanes;
      if (at >= n) break;
      const D block[4] = {ind.part[q], satd.part[q], sum.part[q], sq.part[q]};
      double* const totals[4] = {inactive + at, saturated + at, shifted + at, squares + at};
      for (std::size_t k = 0; k < 4; ++k) {
        if (n - at >= D::kLanes) {
          (D::load(totals[k]) + block[k]).store(totals[k]);
        } else {
          double lanes[D::kLanes];
          block[k].store(lanes);
          for (std::size_t i = 0; i < n - at; ++i) totals[k][i] += lanes[i];
        }
      }
    }
  }
}

template <class Op, class V>
OpKernels<typename V::Scalar> kernels_for() {
  OpKernels<typename V::Scalar> k{};
  k.forward = &forward<Op, V>;
  k.derivative = &derivative<Op, V>;
  k.backward = &backward<Op, V>;
  if constexpr (HasDerivativeFromOutput<Op, V>::value) k.backward_from_output = &backward_from_output<Op, V>;
  k.value_and_derivative = &value_and_derivative<Op, V>;
  k.unit_stats = &unit_stats_rows<Op, V>;
  k.gated_forward = &gated_forward<Op, V>;
  k.gated_backward = &gated_backward<Op, V>;
  k.bias_forward = &bias_map<Op, V, false>;
  k.bias_derivative = &bias_map<Op, V, true>;
  k.bias_backward = &bias_backward<Op, V>;
  k.channel_bias_forward = &channel_bias_map<Op, V, false>;
  k.channel_bias_derivative = &channel_bias_map<Op, V, true>;
  k.channel_bias_backward = &channel_bias_backward<Op, V>;
  if constexpr (HasParamDerivative<Op, V>::value) {
    k.param_derivative = &param_derivative<Op, V>;
    k.backward_with_param = &backward_with_param<Op, V>;
  }
  return k;
}

// Fills one ISA's rows of the table from the registry, for its two vector types.
template <template <class> class VecT>
void fill_table(KernelTable& table) {
#define FASTACT_FILL_OP(name, Struct)                                                                          \
  table.f32[static_cast<int>(OpId::name)] = kernels_for<Struct, VecT<float>>();                          \
  table.f64[static_cast<int>(OpId::name)] = kernels_for<Struct, VecT<double>>();                         \
  if constexpr (takes_direct_path(OpId::name)) {                                                           \
    table.float16_direct[static_cast<int>(OpId::name)] =                                                   \
        direct16_kernels_for<Struct, VecT<float>, Format16::float16>();                                    \
    table.bfloat16_direct[static_cast<int>(OpId::name)] =                                                  \
        direct16_kernels_for<Struct, VecT<float>, Format16::bfloat16>();                                   \
  }
  FASTACT_FOR_EACH_OP(FASTACT_FILL_OP)
#undef FASTACT_FILL_OP
  table.float16 = converters<Format16::float16, VecT<float>>();
  table.bfloat16 = converters<Format16::bfloat16, VecT<float>>();
}

}  // namespace fastact::loops
