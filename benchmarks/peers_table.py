"""Side-by-side table: every elementwise op, fastact against PyTorch (CPU, one thread) and JAX (jit),
1M elements in cache, ns/element, best of several repeats, all pinned to one core.

    python benchmarks/peers_table.py [--size N]

PyTorch and JAX are optional (pip install torch jax jaxlib); a missing one prints "-".
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from peers import jax_modules, torch_module  # noqa: E402

import fastact as fa  # noqa: E402
from fastact._bench import ns_per_element  # noqa: E402


def torch_forward(torch, name):
    F = torch.nn.functional
    table = {
        "relu": F.relu, "leaky_relu": lambda t: F.leaky_relu(t, 0.01), "hardtanh": F.hardtanh, "relu6": F.relu6,
        "sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": F.elu, "selu": F.selu, "celu": F.celu,
        "softsign": F.softsign, "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "silu": F.silu,
        "softplus": F.softplus, "log_sigmoid": F.logsigmoid, "mish": F.mish, "gelu": F.gelu,
        "gelu[tanh]": lambda t: F.gelu(t, approximate="tanh"),
    }
    return table.get(name)


def jax_forward(jax, jnp, name):
    n = jax.nn
    table = {
        "relu": n.relu, "leaky_relu": lambda a: n.leaky_relu(a, 0.01), "hardtanh": n.hard_tanh, "relu6": n.relu6,
        "sigmoid": n.sigmoid, "tanh": jnp.tanh, "elu": n.elu, "selu": n.selu, "celu": n.celu,
        "softsign": n.soft_sign, "hardsigmoid": n.hard_sigmoid, "hardswish": n.hard_swish, "silu": n.silu,
        "swish": n.silu, "softplus": n.softplus, "log_sigmoid": n.log_sigmoid, "mish": n.mish,
        "gelu": lambda a: n.gelu(a, approximate=False), "gelu[tanh]": lambda a: n.gelu(a, approximate=True),
    }
    return table.get(name)


def jax_timer(jax, jnp, fn, *arrays):
    compiled = jax.jit(fn)
    args = [jnp.asarray(a) for a in arrays]
    jax.block_until_ready(compiled(*args))
    return lambda: jax.block_until_ready(compiled(*args))


def fmt(t):
    return "-" if t is None else f"{t:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 20)
    n = parser.parse_args().size
    # One core for everyone: fastact and PyTorch run one thread here, and XLA would otherwise
    # spread a jit-compiled elementwise loop over every core it finds.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    torch, jaxm = torch_module(), jax_modules()
    print(f"fastact {fa.cpu_info()['isa']}; PyTorch {torch.__version__ if torch else '-'} (1 thread); "
          f"JAX {jaxm[0].__version__ if jaxm else '-'} (jit); {n} elements, ns/element\n")
    print(f"{'op':<12} {'dtype':<8} {'mode':<9} {'fastact':>8} {'torch':>8} {'jax':>8} {'vs best':>8}")
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = (rng.standard_normal(n) * 3).astype(dtype)
        g = rng.standard_normal(n).astype(dtype)
        out = np.empty_like(x)
        xt = gt = None
        if torch:
            xt, gt = torch.from_numpy(x), torch.from_numpy(g)
        for name, op in fa._cases().items():
            rows = [("forward", lambda: op(x, out=out), None, None)]
            if torch and torch_forward(torch, name):
                tf = torch_forward(torch, name)
                rows[0] = ("forward", rows[0][1], lambda: tf(xt), None)
            if jaxm and jax_forward(*jaxm, name):
                rows[0] = (*rows[0][:3], jax_timer(*jaxm, jax_forward(*jaxm, name), x))
            if name in ("gelu", "silu", "gelu[tanh]"):
                tb = None
                if torch:
                    aten = torch.ops.aten
                    tb = {"gelu": lambda: aten.gelu_backward(gt, xt),
                          "gelu[tanh]": lambda: aten.gelu_backward(gt, xt, approximate="tanh"),
                          "silu": lambda: aten.silu_backward(gt, xt)}[name]
                rows.append(("backward", lambda: op.backward(g, x, out=out), tb, None))
            for mode, mine, theirs_t, theirs_j in rows:
                t_me = ns_per_element(mine, n)
                t_t = ns_per_element(theirs_t, n) if theirs_t else None
                t_j = ns_per_element(theirs_j, n) if theirs_j else None
                best = min([t for t in (t_t, t_j) if t is not None], default=None)
                speed = f"{best / t_me:.2f}x" if best else "-"
                print(f"{name:<12} {np.dtype(dtype).name:<8} {mode:<9} {t_me:8.2f} {fmt(t_t):>8} {fmt(t_j):>8} {speed:>8}",
                      flush=True)


if __name__ == "__main__":
    main()
