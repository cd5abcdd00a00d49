"""fastact's ops as JAX functions, usable under ``jax.jit``, ``jax.grad`` and ``jax.vmap`` on the
CPU (the ``fastact[jax]`` extra).

>>> import jax, jax.numpy as jnp, fastact.jax as fj
>>> f = jax.jit(lambda x: fj.gelu(x).sum())
>>> g = jax.grad(f)(jnp.linspace(-3.0, 3.0, 8))     # fastact's backward pass

Every op of ``fastact.ops()`` is here as a function of the same name and arguments; calling a
top-level op on a JAX array or inside a traced function (``fastact.gelu(x)`` under ``jax.jit``)
comes here too. The kernels run in ``jax.pure_callback``: JAX hands them the arrays on the host,
so on the CPU nothing is copied beyond what a callback costs. Gradients come from fastact's
backward passes through ``jax.custom_vjp`` (first order; ``jax.jacfwd`` and second derivatives
are not provided). Parameters (``alpha=``, ``axis=``, ``approximate=`` ...) must be static Python
values; arrays may be traced. ``out=`` does not exist in JAX.
"""
from __future__ import annotations


import jax
import numpy as np

import fastact as _fa

from ._autodiff import Plan, function_of
from ._interop import native

__all__ = ["call"]


def _is_array(v) -> bool:
    return isinstance(v, (jax.Array, np.ndarray)) or type(v).__module__.startswith("jax")


def _spec(result):
    return jax.tree_util.tree_map(lambda v: jax.ShapeDtypeStruct(np.shape(v), np.asarray(v).dtype), result)


def _as_numpy(result, spec):
    """The callback's results in exactly the dtypes declared (a loss's float64 scalar as a 0-d
    array of the logits' dtype, say)."""
    return jax.tree_util.tree_map(lambda v, s: np.asarray(v, dtype=s.dtype), result, spec)


def _callback(fn, arrays, vmap_method: str):
    """``fn(*arrays)`` (NumPy in and out) as a JAX computation. The result's shapes and dtypes
    come from one evaluation on zeros of the arguments' shapes at trace time, which applies
    fastact's own dtype rules exactly."""
    spec = _spec(fn(*(np.zeros(np.shape(a), a.dtype) for a in arrays)))
    # The callback may be handed JAX arrays: as NumPy arrays they run natively, not back here.
    return jax.pure_callback(lambda *a: _as_numpy(fn(*(np.asarray(v) for v in a)), spec), spec, *arrays,
                             vmap_method=vmap_method)


def _negative_axes(op, kwargs: dict, ndim: int) -> dict:
    """axis as a negative index, so that the batch axis vmap puts in front does not move it."""
    if "axis" not in kwargs or isinstance(op, (_fa.CrossEntropy,)):
        return kwargs
    axis = kwargs["axis"]
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool) and 0 <= axis < ndim:
        return {**kwargs, "axis": int(axis) - ndim}
    return kwargs


def _vmap_method(op, array_names) -> str:
    """Elementwise ops, the row-wise ops and the gated units see one more leading axis under vmap
    and give the same answer ("broadcast_all"); losses (reductions), prelu's per-channel alpha and
    bias= (a vector along the last axis) run once per batch entry ("sequential")."""
    if isinstance(op, (_fa.Softmax, _fa.LogSoftmax, _fa.Softmin, _fa.Gated)):
        return "broadcast_all"
    if isinstance(op, _fa.Activation) and "bias" not in array_names:
        return "broadcast_all"
    return "sequential"


def apply(op, args: tuple, kwargs: dict):
    """``op(*args, **kwargs)`` on JAX (or NumPy) arrays, differentiable by fastact's backward."""
    ndim = next((np.ndim(a) for a in args if _is_array(a)), 0)
    plan = Plan(op, args, _negative_axes(op, kwargs, ndim), _is_array)
    method = _vmap_method(op, plan.array_names)
    names = plan.array_names

    def forward(*arrays):
        return plan.forward(dict(zip(names, arrays)))

    @jax.custom_vjp
    def f(*arrays):
        return _callback(forward, arrays, method)

    def f_forward(*arrays):
        y = f(*arrays)
        return y, (arrays, y)

    def f_backward(saved, g):
        arrays, y = saved
        differentiable = [n for n, a in zip(names, arrays) if np.issubdtype(a.dtype, np.inexact)
                          and n not in ("target", "weight", "pos_weight")]

        def backward(g, y, *arrays):
            grads = plan.backward(dict(zip(names, arrays)), g, y if plan.from_output else None)
            return tuple(np.asarray(grads[n]).reshape(np.shape(a)) for n, a in zip(names, arrays)
                         if n in differentiable)

        values = iter(_callback(backward, (g, y, *arrays), method))
        return tuple(next(values).astype(a.dtype) if n in differentiable else None for n, a in zip(names, arrays))

    f.defvjp(f_forward, f_backward)
    return f(*plan.arrays)


def call(op, method: str, args: tuple, kwargs: dict):
    """A top-level op or method called on JAX arrays (from fastact._interop): calls go through
    ``apply`` (differentiable); derivative, backward and value_and_derivative run as callbacks."""
    if kwargs.get("out") is not None:
        raise TypeError(f"{op.name}: out= cannot be used with JAX arrays (they are immutable)")
    if method == "call":
        return apply(op, args, kwargs)
    positions = [i for i, a in enumerate(args) if _is_array(a)]
    keys = [k for k, v in kwargs.items() if _is_array(v)]

    def fn(*arrays):
        a = list(args)
        for i, v in zip(positions, arrays):
            a[i] = v
        k = {**kwargs, **dict(zip(keys, arrays[len(positions):]))}
        return native(op, method)(*a, **k)

    return _callback(fn, [args[i] for i in positions] + [kwargs[k] for k in keys], "sequential")


for _name in _fa.ops():
    if _name == "rrelu":  # random slopes need JAX's keys: write it with jax.random
        continue
    globals()[_name] = function_of(_fa.get(_name), apply, "JAX")
    __all__.append(_name)
