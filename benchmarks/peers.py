"""The peers for the pytest-benchmark suite: fastact._peers, plus helpers for arrays."""

from __future__ import annotations

import numpy as np

from fastact._peers import jax_modules, jax_timer, torch_module  # noqa: F401


def jax_call(fn, *arrays):
    """jit(fn) on ``arrays`` as a zero-argument callable, or None without JAX."""
    mods = jax_modules()
    return None if mods is None else jax_timer(*mods, fn, *arrays)


def as_torch(*arrays):
    torch = torch_module()
    return None if torch is None else [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]
