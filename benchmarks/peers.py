"""Optional peers for side-by-side timing: PyTorch (CPU, one thread) and JAX (jit), when installed.
Never a dependency: each returns None when the library is missing."""

from __future__ import annotations

import importlib.util

import numpy as np


def torch_module():
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    torch.set_num_threads(1)
    return torch


def jax_modules():
    if importlib.util.find_spec("jax") is None:
        return None
    import os

    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    return jax, jnp


def jax_call(fn, *arrays):
    """A zero-argument callable running jit(fn) on device copies of ``arrays`` to completion."""
    mods = jax_modules()
    if mods is None:
        return None
    jax, jnp = mods
    compiled = jax.jit(fn)
    args = [jnp.asarray(a) for a in arrays]
    jax.block_until_ready(compiled(*args))  # compile outside the timing
    return lambda: jax.block_until_ready(compiled(*args))


def as_torch(*arrays):
    torch = torch_module()
    return None if torch is None else [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]
