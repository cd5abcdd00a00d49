"""Demonstrations that train a small network with fastact's kernels.

``dying_relu``: a one-hidden-layer MLP trained with plain SGD at a learning rate high enough to
kill ReLU units, once per activation from the same data, initial weights and batch order. A
unit is dead when f'(z) = 0 on every training sample: no gradient reaches its weights again,
so it stays dead for the rest of training. Leaky ReLU and ELU have f' > 0 for z < 0, so their
units cannot die that way. ``python -m fastact demo dying-relu`` prints the result per epoch.
"""

from __future__ import annotations

import dataclasses

import numpy as np


_POINTS_PER_EPOCH = 8  # dead and saturated fractions recorded this often (each costs a pass over the data)


@dataclasses.dataclass(frozen=True)
class Training:
    """One activation's run: ``dead_fraction`` and ``saturated`` at the (fractional) epochs
    ``epoch`` (0 is before training; eight points per epoch), ``accuracy`` on the training set
    after every whole epoch (index 0: before training)."""

    op: str
    epoch: np.ndarray
    dead_fraction: np.ndarray  # fraction of hidden units with f'(z) == 0 on every sample
    saturated: np.ndarray  # fraction of (sample, unit) pairs with |f'(z)| < 1e-3
    accuracy: np.ndarray

    def at_epochs(self, values: np.ndarray) -> np.ndarray:
        """``values`` (``dead_fraction`` or ``saturated``) at the whole epochs 0, 1, 2, ..."""
        return values[np.flatnonzero(self.epoch == np.round(self.epoch))]


def _check(name: str, value, real: bool = False) -> None:
    """A positive int (or, with ``real``, a positive finite real number), else an error naming it."""
    types = (int, float, np.integer, np.floating) if real else (int, np.integer)
    if isinstance(value, bool) or not isinstance(value, types):
        raise TypeError(f"dying_relu: {name} must be {'a real number' if real else 'an int'}, "
                        f"got {type(value).__name__}")
    if not (value > 0 and np.isfinite(value)):
        raise ValueError(f"dying_relu: {name} must be positive and finite, got {value!r}")


def dying_relu(ops=("relu", "leaky_relu", "elu"), lr: float = 2.0, epochs: int = 10, seed: int = 0,
               hidden: int = 128, samples: int = 4096, features: int = 16, classes: int = 8,
               batch: int = 32) -> list:
    """Trains a ``features``-``hidden``-``classes`` MLP (float32, He-initialised, softmax
    cross-entropy on top) with SGD at learning rate ``lr`` for each op in ``ops`` and returns one
    ``Training`` per op. The data: ``samples`` points with features uniform in [0, 1) (non-negative,
    like pixel intensities, which is what lets a large negative bias switch a unit off for every
    input), labelled by a random two-layer tanh network. Every op starts from the same weights and
    sees the batches in the same order; the result depends only on ``seed``.

    >>> relu, leaky = fa.demo.dying_relu(("relu", "leaky_relu"), epochs=3)
    >>> bool(relu.dead_fraction[-1] > 0.2), float(leaky.dead_fraction[-1])
    (True, 0.0)
    """
    from . import analysis, cross_entropy, get

    ops = [get(op) if isinstance(op, str) else op for op in ops]
    _check("lr", lr, real=True)
    lr = float(lr)
    sizes = {"epochs": epochs, "hidden": hidden, "samples": samples, "features": features, "classes": classes,
             "batch": batch}
    for name, value in sizes.items():
        _check(name, value)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"dying_relu: seed must be an int, got {type(seed).__name__}")

    rng = np.random.default_rng(seed)
    x = rng.random((samples, features), dtype=np.float32)
    teacher = np.tanh(3.0 * (x - 0.5) @ rng.standard_normal((features, 32))) @ rng.standard_normal((32, classes))
    labels = np.argmax(teacher, axis=1)
    w1_start = (rng.standard_normal((features, hidden)) * np.sqrt(2.0 / features)).astype(np.float32)
    w2_start = (rng.standard_normal((hidden, classes)) * np.sqrt(1.0 / hidden)).astype(np.float32)
    order = [rng.permutation(samples) for _ in range(epochs)]
    starts = range(0, samples, batch)
    record_after = {len(starts) * k // _POINTS_PER_EPOCH - 1 for k in range(1, _POINTS_PER_EPOCH + 1)}  # steps

    runs = []
    for op in ops:
        w1, b1 = w1_start.copy(), np.zeros(hidden, np.float32)
        w2, b2 = w2_start.copy(), np.zeros(classes, np.float32)
        epoch_at, dead, saturated, accuracy = [], [], [], []

        def record(at: float):
            z = x @ w1 + b1
            stats = analysis.unit_stats(z, op)
            epoch_at.append(at)
            dead.append(stats.dead_fraction)
            saturated.append(stats.saturated)
            return z

        z = record(0.0)
        accuracy.append(float(np.mean(np.argmax(op(z) @ w2 + b2, axis=1) == labels)))
        for epoch in range(epochs):
            for step, start in enumerate(starts):
                rows = order[epoch][start:start + batch]
                zb = x[rows] @ w1 + b1
                hb = op(zb)
                g_logits = cross_entropy.backward(hb @ w2 + b2, labels[rows])  # mean over the batch
                g_z = op.backward(g_logits @ w2.T, zb)
                w2 -= lr * (hb.T @ g_logits)
                b2 -= lr * g_logits.sum(axis=0)
                w1 -= lr * (x[rows].T @ g_z)
                b1 -= lr * g_z.sum(axis=0)
                if step in record_after:
                    z = record(epoch + (step + 1) / len(starts))
            accuracy.append(float(np.mean(np.argmax(op(z) @ w2 + b2, axis=1) == labels)))
        runs.append(Training(getattr(op, "label", op.name), np.array(epoch_at), np.array(dead), np.array(saturated),
                             np.array(accuracy)))
    return runs
