"""Pictures of activations (needs matplotlib: ``pip install "fastact[plot]"``).

- ``curves(ops, path)``: each op's curve, its derivative dashed in the same colour.
- ``gradient_flow(ops, path, depth=...)``: the gradient's norm per layer of a deep MLP of each op
  (``fastact.analysis.gradient_flow``), log scale, relative to the top layer.

Both write a PNG sized for a slide (labelled axes, a legend, readable at 100 %) and return the
path; ``python -m fastact plot curves|gradient-flow`` runs them from the command line.
"""

from __future__ import annotations

import numpy as np


def pyplot():
    """matplotlib.pyplot with a file backend, or a SystemExit saying which extra to install."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit('plotting needs matplotlib: pip install "fastact[plot]" (or pip install matplotlib)') from None
    return plt


def curves(ops=("sigmoid", "tanh", "relu", "gelu", "silu"), path: str = "curves.png", lo: float = -5.0,
           hi: float = 5.0) -> str:
    """Each op's curve f(x) (solid) and derivative f'(x) (dashed, same colour) over [lo, hi]."""
    from . import get

    plt = pyplot()
    x = np.linspace(lo, hi, 2001)
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    for name in ops:
        op = get(name)
        (line,) = ax.plot(x, op(x), linewidth=2, label=f"{name}")
        ax.plot(x, op.derivative(x), linestyle="--", linewidth=1.5, color=line.get_color(), label=f"{name}'")
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.axvline(0, color="0.6", linewidth=0.8)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x) (solid), f'(x) (dashed)")
    ax.set_title("Activations and their derivatives (fastact kernels)")
    ax.set_ylim(-1.5, 3.0)
    ax.grid(alpha=0.3)
    ax.legend(ncol=2, fontsize=9, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def gradient_flow(ops=("sigmoid", "tanh", "relu", "gelu", "selu"), path: str = "gradient_flow.png", depth: int = 30,
                  width: int = 256, seed: int = 0) -> str:
    """The gradient's norm at each layer of a ``depth``-layer MLP of each op, over its norm at the
    top (log scale), each op with its usual initialisation (``fastact.analysis.default_init``)."""
    from . import analysis

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    layers = np.arange(1, depth + 1)
    for name in ops:
        init = analysis.default_init(name)
        flow = analysis.gradient_flow(name, depth, width, init, seed)
        ax.semilogy(layers, flow.gradient_norm / flow.gradient_norm[-1], marker="o", markersize=3,
                    label=f"{name} ({init} init)")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("gradient norm / norm at the top layer")
    ax.set_title(f"Gradient flow through a {depth}-layer MLP, width {width}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def dead_units(runs, path: str = "dead_units.png", lr=None) -> str:
    """The fraction of dead hidden units (solid) and of saturated activations (dashed, same colour)
    over the training of each run of ``fastact.demo.dying_relu``: a unit is dead when f'(z) = 0
    on every training sample, an activation saturated when |f'(z)| < 1e-3."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    for run in runs:
        (line,) = ax.plot(run.epoch, 100 * run.dead_fraction, linewidth=2, label=f"{run.op}: dead units")
        ax.plot(run.epoch, 100 * run.saturated, linestyle="--", linewidth=1.5, color=line.get_color(),
                label=f"{run.op}: saturated activations")
    ax.set_xlabel("epoch")
    ax.set_ylabel("dead units (solid), saturated activations (dashed), %")
    ax.set_ylim(-2, 102)
    ax.set_title("Dead units while training" + (f" with SGD at learning rate {lr:g}" if lr is not None else ""))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
