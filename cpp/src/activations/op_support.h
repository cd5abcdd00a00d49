// What every activation struct sees: its parameters, broadcast once per call, and the small
// helpers that keep the special-value contract (docs/numerics.md) in one place.
//
// An activation is a struct with
//   template <class V> static V forward(V x, const Params<V>& p);
//   template <class V> static V derivative(V x, const Params<V>& p);
// and optionally
//   template <class V> static void value_and_derivative(V x, const Params<V>& p, V& y, V& d);
//       (one pass that shares work; otherwise forward and derivative are both evaluated)
//   template <class V> static V derivative_from_output(V y, const Params<V>& p);
//       (f'(x) written in terms of y = f(x), for backward(g, y=...))
//   template <class V> static V param_derivative(V x, const Params<V>& p);
//   template <class V> static void derivatives(V x, const Params<V>& p, V& d, V& d_param);
//       (for a learnable first parameter: df/da, and f' with df/da in one pass)
#pragma once

namespace fastact {

// Up to two scalar parameters, as validated and passed by the Python layer.
struct ParamValues {
  double a;
  double b;
};

template <class V>
struct Params {
  V a;
  V b;
  explicit Params(const ParamValues& p)
      : a(static_cast<typename V::Scalar>(p.a)), b(static_cast<typename V::Scalar>(p.b)) {}
};

// The per-vector result of an op with rare lanes (kernel_loops.h HasRareLanes): usual(rare&) for
// every lane, and rare_path() in the lanes it marks, evaluated only for a vector that has one.
template <class V, class Usual, class Rare>
inline V with_rare_lanes(Usual usual, Rare rare_path) {
  typename V::MaskType rare;
  const V y = usual(rare);
  return any(rare) ? select(rare, rare_path(), y) : y;
}

// `value` where x is a number, x itself where x is NaN: for derivatives of piecewise ops,
// whose selects would otherwise turn a NaN input into a 0 or 1.
template <class V>
inline V propagate_nan(V x, V value) {
  return select(is_nan(x), x, value);
}

}  // namespace fastact
