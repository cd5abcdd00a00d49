"""Side-by-side table: every elementwise op, fastact against PyTorch (CPU, one thread) and JAX (jit),
1M elements in cache, ns/element, best of several repeats, all pinned to one core.

    python benchmarks/peers_table.py [--size N]

PyTorch and JAX are optional (pip install torch jax jaxlib); a missing one prints "-".
"""

from __future__ import annotations

import argparse
import os
import numpy as np

import fastact as fa
from fastact._bench import ns_per_element
from fastact._peers import jax_forward, jax_modules, jax_timer, torch_backward, torch_forward, torch_module


def fmt(t):
    return "-" if t is None else f"{t:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 20)
    parser.add_argument("--rowwise-only", action="store_true", help="only the row-wise / fused table")
    args = parser.parse_args()
    n = args.size
    # One core for everyone: fastact and PyTorch run one thread here, and XLA would otherwise
    # spread a jit-compiled elementwise loop over every core it finds.
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    fa.set_num_threads(1)
    torch, jaxm = torch_module(), jax_modules()
    if args.rowwise_only:
        return rowwise_table(torch, jaxm)
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
                tb = torch_backward(torch, name) if torch else None
                rows.append(("backward", lambda: op.backward(g, x, out=out), tb and (lambda tb=tb: tb(gt, xt)), None))
            for mode, mine, theirs_t, theirs_j in rows:
                t_me = ns_per_element(mine, n)
                t_t = ns_per_element(theirs_t, n) if theirs_t else None
                t_j = ns_per_element(theirs_j, n) if theirs_j else None
                best = min([t for t in (t_t, t_j) if t is not None], default=None)
                speed = f"{best / t_me:.2f}x" if best else "-"
                print(f"{name:<12} {np.dtype(dtype).name:<8} {mode:<9} {t_me:8.2f} {fmt(t_t):>8} {fmt(t_j):>8} {speed:>8}",
                      flush=True)
    rowwise_table(torch, jaxm)


def rowwise_table(torch, jaxm) -> None:
    """Softmax family, losses, gated units and fused bias on a 1024 x 1024 matrix (1M elements)."""
    n = 1 << 20
    print(f"\n{'row-wise / fused (1024 x 1024)':<40} {'dtype':<8} {'fastact':>8} {'torch':>8} {'jax':>8} {'numpy':>8}")
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        x = (rng.standard_normal((1024, 1024)) * 3).astype(dtype)
        g = rng.standard_normal((1024, 1024)).astype(dtype)
        b = rng.standard_normal(1024).astype(dtype)
        t = rng.integers(0, 1024, 1024)
        out = np.empty_like(x)
        xt = gt = bt = None
        if torch:
            xt, gt, bt = torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(b)
        rows = []
        for name in ("softmax", "log_softmax"):
            op = getattr(fa, name)
            tfn = getattr(torch, name) if torch else None
            jfn = getattr(jaxm[0].nn, name) if jaxm else None
            for axis in (-1, 0):
                rows.append((f"{name} forward, axis {axis}", lambda op=op, a=axis: op(x, axis=a, out=out),
                             tfn and (lambda f=tfn, a=axis: f(xt, a % 2)),
                             jfn and jax_timer(*jaxm, lambda v, f=jfn, a=axis: f(v, axis=a), x),
                             lambda op=op, a=axis: op.reference(x, axis=a)))
            y = op(x)
            yt = torch.from_numpy(y) if torch else None
            tb = None
            if torch:
                tb = (torch._softmax_backward_data if name == "softmax" else torch._log_softmax_backward_data)
            rows.append((f"{name} backward (from y)", lambda op=op, y=y: op.backward(g, y, out=out),
                         tb and (lambda f=tb, yt=yt: f(gt, yt, 1, yt.dtype)), None,
                         lambda op=op, y=y: op.reference_backward(g, y)))
        if dtype == np.float32:
            def torch_ce():
                xr = xt.detach().requires_grad_()
                torch.nn.functional.cross_entropy(xr, torch.from_numpy(t)).backward()
                return xr.grad
            rows.append(("cross_entropy forward + backward", lambda: (fa.cross_entropy(x, t), fa.cross_entropy.backward(x, t)),
                         torch and torch_ce, None, None))
        for name, act, tact in (("swiglu", fa.silu, "silu"), ("geglu", fa.gelu, "gelu"), ("glu", fa.sigmoid, None)):
            unit = getattr(fa, name)
            a, bb = np.split(x, 2, axis=-1)
            tf = None
            if torch:
                at, btt = xt.chunk(2, dim=-1)
                tf = (lambda: torch.nn.functional.glu(xt, -1)) if tact is None else \
                    (lambda f=getattr(torch.nn.functional, tact), at=at, btt=btt: f(at) * btt)
            composed = (lambda: a * act(bb)) if name == "glu" else (lambda act=act, a=a, bb=bb: act(a) * bb)
            rows.append((f"{name} forward (numpy: fastact op * half)", lambda u=unit: u(x), tf, None, composed))
            gh = g[:, :512].copy()
            rows.append((f"{name} backward", lambda u=unit, gh=gh: u.backward(gh, x), None, None, None))
        for name in ("relu", "sigmoid", "gelu", "silu"):
            op = fa.get(name)
            tf = None
            if torch:
                f = torch.sigmoid if name == "sigmoid" else getattr(torch.nn.functional, name)
                tf = lambda f=f: f(xt + bt)
            rows.append((f"{name}(x, bias=b) (numpy: x + b, then fastact)", lambda op=op: op(x, bias=b, out=out), tf, None,
                         lambda op=op: op(np.add(x, b, out=out), out=out)))
            rows.append((f"{name}(x) without bias", lambda op=op: op(x, out=out), None, None, None))
        for label, mine, theirs_t, theirs_j, numpy_fn in rows:
            times = [ns_per_element(f, n) if f else None for f in (mine, theirs_t, theirs_j, numpy_fn)]
            print(f"{label:<40} {np.dtype(dtype).name:<8} " + " ".join(f"{fmt(v):>8}" for v in times), flush=True)


if __name__ == "__main__":
    main()
