"""PyTorch tensors through fastact's ops (reached from fastact._interop): the kernels read and
write the tensors' own memory through ``Tensor.numpy()`` views, never a copy, and the results come
back as tensors (``torch.from_numpy``, sharing the array's memory). bfloat16 tensors are viewed
as ml_dtypes.bfloat16 arrays (the ``fastact[bfloat16]`` extra). A call on a tensor that requires
grad, with grad mode on, goes through fastact.torch's autograd functions instead.
"""
from __future__ import annotations

import numpy as np
import torch

from ._interop import map_arguments, native, op_name

_NUMPY_VIEWS = {torch.float32, torch.float64, torch.float16, torch.int8, torch.int16, torch.int32, torch.int64,
                torch.uint8, torch.bool}


def _bfloat16():
    try:
        import ml_dtypes
    except ImportError:
        raise TypeError("bfloat16 tensors need ml_dtypes: pip install 'fastact[bfloat16]'") from None
    return ml_dtypes.bfloat16


def to_numpy(t: torch.Tensor, name: str, op_name: str) -> np.ndarray:
    """A NumPy view of a CPU tensor's memory (detached from autograd)."""
    if t.device.type != "cpu":
        raise ValueError(f"{op_name}: {name} is on {t.device}; fastact runs on the CPU (move it with .cpu())")
    t = t.detach()
    if t.is_conj() or t.is_neg():
        t = t.resolve_conj().resolve_neg()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(_bfloat16())
    if t.dtype not in _NUMPY_VIEWS:
        raise TypeError(f"{op_name}: {name} has dtype {t.dtype}; fastact takes float32, float64, float16, "
                        "bfloat16 (and integer or bool tensors, computed in float64)")
    return t.numpy()


def to_tensor(a):
    """A tensor sharing the memory of an array result (bfloat16 included); scalars as 0-d tensors."""
    if isinstance(a, np.ndarray):
        if a.dtype.name == "bfloat16":
            return torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)
        return torch.from_numpy(a)
    if isinstance(a, (np.generic, float, int)):
        return to_tensor(np.asarray(a))
    return a


def call(op, method: str, args: tuple, kwargs: dict):
    label = op_name(op)
    tensors = [v for v in (*args, *kwargs.values()) if isinstance(v, torch.Tensor)]
    if method == "call" and torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        from . import torch as fastact_torch

        return fastact_torch.apply(op, args, kwargs)  # refuses out=, as autograd needs new outputs
    outs = {}  # id of an out= array view -> the tensor it views

    def convert(value, name):
        if not isinstance(value, torch.Tensor):
            return value
        a = to_numpy(value, name, label)
        if name.startswith("out"):
            outs[id(a)] = value
        return a

    a, k = map_arguments(args, kwargs, convert)
    result = native(op, method)(*a, **k)

    def back(r):
        return outs[id(r)] if id(r) in outs else to_tensor(r)

    return tuple(back(r) for r in result) if isinstance(result, tuple) else back(result)
