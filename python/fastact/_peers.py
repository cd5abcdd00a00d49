"""The same functions in other libraries, for side-by-side timing only (``python -m fastact bench``,
``benchmarks/``): what a NumPy user writes (NumPy's own ufunc, or the idiomatic expression, in the
input's dtype), PyTorch (CPU) and JAX (jit), the last two only when installed. Never a dependency,
never used by the ops themselves."""

from __future__ import annotations

import importlib.util

import numpy as np


def _quiet(fn):
    """fn with NumPy's floating-point warnings off (np.exp overflows to inf in these idioms, as
    intended), so a benchmark's output is the table alone."""
    if fn is None:
        return None

    def call(*arrays):
        with np.errstate(all="ignore"):
            return fn(*arrays)

    return call


def numpy_forward(label: str):
    """What a NumPy user would write for an op's forward, in the array's own dtype (NumPy's ufunc
    where one exists, else the usual expression; several passes over memory), or None."""
    one = lambda a: a.dtype.type(1)  # noqa: E731  (keeps float16/float32 expressions in their dtype)
    return _quiet({
        "relu": lambda a: np.maximum(a, 0), "tanh": np.tanh,
        "leaky_relu": lambda a: np.where(a > 0, a, a * a.dtype.type(0.01)),
        "hardtanh": lambda a: np.clip(a, -1, 1), "relu6": lambda a: np.clip(a, 0, 6),
        "sigmoid": lambda a: one(a) / (one(a) + np.exp(-a)),
        "silu": lambda a: a / (one(a) + np.exp(-a)), "swish": lambda a: a / (one(a) + np.exp(-a)),
        "softplus": lambda a: np.logaddexp(a.dtype.type(0), a),
        "log_sigmoid": lambda a: -np.logaddexp(a.dtype.type(0), -a),
        "elu": lambda a: np.where(a > 0, a, np.expm1(a)),
        "softsign": lambda a: a / (one(a) + np.abs(a)),
        "mish": lambda a: a * np.tanh(np.logaddexp(a.dtype.type(0), a)),
        "threshold": lambda a: np.where(a > 0, a, a.dtype.type(0)),
        "hardshrink": lambda a: np.where(np.abs(a) > a.dtype.type(0.5), a, a.dtype.type(0)),
        "softshrink": lambda a: np.sign(a) * np.maximum(np.abs(a) - a.dtype.type(0.5), 0),
        "squared_relu": lambda a: np.square(np.maximum(a, 0)),
        "tanhshrink": lambda a: a - np.tanh(a),
        "log1mexp": lambda a: np.where(a < a.dtype.type(np.log(2)), np.log(-np.expm1(-a)), np.log1p(-np.exp(-a))),
        "sparse_sigmoid": lambda a: np.clip((a + one(a)) / a.dtype.type(2), 0, 1),
        "squareplus": lambda a: (a + np.sqrt(a * a + a.dtype.type(4))) / a.dtype.type(2),
        "quick_gelu": lambda a: a / (one(a) + np.exp(a * a.dtype.type(-1.702))),
    }.get(label))


def numpy_backward(label: str):
    """g * f'(x) as a NumPy user would write it, in the arrays' dtype, or None."""
    one = lambda a: a.dtype.type(1)  # noqa: E731

    def sigmoid_backward(g, a):
        s = one(a) / (one(a) + np.exp(-a))
        return g * s * (one(a) - s)

    def silu_backward(g, a):
        s = one(a) / (one(a) + np.exp(-a))
        return g * s * (one(a) + a * (one(a) - s))

    def tanh_backward(g, a):
        t = np.tanh(a)
        return g * (one(a) - t * t)

    return _quiet({"relu": lambda g, a: np.where(a > 0, g, 0), "sigmoid": sigmoid_backward,
                   "silu": silu_backward, "tanh": tanh_backward}.get(label))


def torch_tensor(torch, a):
    """A CPU tensor sharing a NumPy array's memory (bfloat16 arrays by their bits)."""
    if a.dtype.name == "bfloat16":
        return torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(a)


def torch_module(threads: int = 1):
    """PyTorch set to ``threads`` intra-op threads, or None when it is not installed."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    torch.set_num_threads(threads)
    return torch


def jax_modules():
    """(jax, jax.numpy) with float64 enabled, or None when JAX is not installed."""
    if importlib.util.find_spec("jax") is None:
        return None
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    return jax, jnp


def torch_forward(torch, label: str):
    """The PyTorch function for an op's forward (by its fastact label), or None."""
    F = torch.nn.functional
    return {
        "relu": F.relu, "leaky_relu": lambda t: F.leaky_relu(t, 0.01), "hardtanh": F.hardtanh, "relu6": F.relu6,
        "sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": F.elu, "selu": F.selu, "celu": F.celu,
        "softsign": F.softsign, "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "silu": F.silu,
        "softplus": F.softplus, "log_sigmoid": F.logsigmoid, "mish": F.mish, "gelu": F.gelu,
        "gelu[tanh]": lambda t: F.gelu(t, approximate="tanh"),
        "threshold": lambda t: F.threshold(t, 0.0, 0.0), "hardshrink": F.hardshrink, "softshrink": F.softshrink,
        "squared_relu": lambda t: torch.square(F.relu(t)), "tanhshrink": F.tanhshrink,
        "quick_gelu": lambda t: t * torch.sigmoid(1.702 * t),  # CLIP's and transformers' QuickGELU
    }.get(label)


def torch_backward(torch, label: str):
    """g * f'(x) in PyTorch (its own backward kernel, no autograd graph), or None."""
    aten = torch.ops.aten
    return {
        "gelu": lambda g, x: aten.gelu_backward(g, x),
        "gelu[tanh]": lambda g, x: aten.gelu_backward(g, x, approximate="tanh"),
        "silu": lambda g, x: aten.silu_backward(g, x),
        "sigmoid": lambda g, x: aten.sigmoid_backward(g, torch.sigmoid(x)),
        "tanh": lambda g, x: aten.tanh_backward(g, torch.tanh(x)),
        "relu": lambda g, x: aten.threshold_backward(g, x, 0),
        "elu": lambda g, x: aten.elu_backward(g, 1.0, 1.0, 1.0, False, x),
        "softplus": lambda g, x: aten.softplus_backward(g, x, 1.0, 20.0),
        "mish": lambda g, x: aten.mish_backward(g, x),
        "hardswish": lambda g, x: aten.hardswish_backward(g, x),
    }.get(label)


def jax_forward(jax, jnp, label: str):
    """The JAX function for an op's forward (by its fastact label), or None."""
    n = jax.nn
    return {
        "relu": n.relu, "leaky_relu": lambda a: n.leaky_relu(a, 0.01), "hardtanh": n.hard_tanh, "relu6": n.relu6,
        "sigmoid": n.sigmoid, "tanh": jnp.tanh, "elu": n.elu, "selu": n.selu, "celu": n.celu,
        "softsign": n.soft_sign, "hardsigmoid": n.hard_sigmoid, "hardswish": n.hard_swish, "silu": n.silu,
        "swish": n.silu, "softplus": n.softplus, "log_sigmoid": n.log_sigmoid, "mish": n.mish,
        "gelu": lambda a: n.gelu(a, approximate=False), "gelu[tanh]": lambda a: n.gelu(a, approximate=True),
        "sparse_sigmoid": n.sparse_sigmoid, "sparse_plus": n.sparse_plus, "squareplus": n.squareplus,
        "squared_relu": lambda a: jnp.square(n.relu(a)), "tanhshrink": lambda a: a - jnp.tanh(a),
        "log1mexp": n.log1mexp,
        "quick_gelu": lambda a: a * n.sigmoid(1.702 * a),
    }.get(label)


def jax_timer(jax, jnp, fn, *arrays):
    """A zero-argument callable running jit(fn) on device copies of ``arrays`` to completion
    (compiled before it is returned, so timing never includes compilation)."""
    compiled = jax.jit(fn)
    args = [jnp.asarray(a) for a in arrays]
    jax.block_until_ready(compiled(*args))
    return lambda: jax.block_until_ready(compiled(*args))


def versions() -> dict:
    """Installed peers and their versions."""
    out = {}
    for name in ("torch", "jax"):
        if importlib.util.find_spec(name) is not None:
            out[name] = importlib.import_module(name).__version__
    return out
