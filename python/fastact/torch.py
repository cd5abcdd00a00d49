"""fastact's ops as PyTorch autograd functions and modules (the ``fastact[torch]`` extra).

>>> import torch, fastact.torch as ft
>>> x = torch.randn(4, 8, requires_grad=True)
>>> y = ft.gelu(x)                      # forward by fastact's kernels, on x's memory
>>> y.sum().backward()                  # backward by fastact's backward pass
>>> model = torch.nn.Sequential(torch.nn.Linear(8, 16), ft.GELU(), torch.nn.Linear(16, 2))

Every op of ``fastact.ops()`` is here as a function of the same name and arguments (tensors in,
tensors out) and as an ``nn.Module`` named as PyTorch names it (``ft.GELU``, ``ft.SiLU``,
``ft.PReLU`` with a learnable ``weight``, ``ft.Swish`` with a learnable ``beta``,
``ft.CrossEntropyLoss`` ...). The forward and backward passes run fastact's kernels on CPU
tensors without copies (float32, float64, float16, bfloat16); ops whose backward needs only the
output (sigmoid, tanh, elu, selu, softmax, log_softmax, softmin) save the output, the others the input.
Second derivatives are not provided (``once_differentiable``). Calling a top-level op on a tensor
that requires grad (``fastact.gelu(x)``) comes here too.
"""
from __future__ import annotations

import inspect

import torch
from torch.autograd.function import once_differentiable

import fastact as _fa

from ._autodiff import Plan, function_of
from ._torch_arrays import to_numpy, to_tensor

__all__ = ["apply"]


class _Function(torch.autograd.Function):
    """One fastact op call as an autograd node (fastact._autodiff.Plan): forward saves x or y
    (see the module docstring); backward returns a gradient for each tensor argument (None for
    targets and class weights)."""

    @staticmethod
    def forward(ctx, plan, *tensors):
        result = to_tensor(plan.forward(_arrays(plan, tensors)))
        ctx.plan = plan
        ctx.inputs = [(t.dtype, t.shape) for t in tensors]
        ctx.save_for_backward(*((result,) if plan.from_output else tensors))
        return result

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        plan = ctx.plan
        saved = ctx.saved_tensors
        y = to_numpy(saved[0], "y", plan.name) if plan.from_output else None
        grads = plan.backward({} if plan.from_output else _arrays(plan, saved), to_numpy(grad, "grad", plan.name), y)
        return (None, *(None if grads.get(name) is None else to_tensor(grads[name]).to(dtype).reshape(shape)
                        for name, (dtype, shape) in zip(plan.array_names, ctx.inputs)))


def _arrays(plan, tensors) -> dict:
    return {n: to_numpy(t, n, plan.name) for n, t in zip(plan.array_names, tensors)}


def apply(op, args: tuple, kwargs: dict):
    """Runs ``op(*args, **kwargs)`` (a top-level fastact op; tensors among the arguments) as an
    autograd node: the result is a tensor with a ``grad_fn`` when an input requires grad."""
    plan = Plan(op, args, kwargs, lambda v: isinstance(v, torch.Tensor))
    for t, name in zip(plan.arrays, plan.array_names):
        if t.requires_grad and not t.is_floating_point():
            raise TypeError(f"{plan.name}: {name} requires grad but is not a floating-point tensor")
    return _Function.apply(plan, *plan.arrays)


for _name in _fa.ops():
    if _name == "rrelu":  # random slopes come from PyTorch's own generator: torch.nn.functional.rrelu
        continue
    globals()[_name] = function_of(_fa.get(_name), apply, "PyTorch")
    __all__.append(_name)


class _OpModule(torch.nn.Module):
    """An op with fixed parameters as a module: ``forward(x)`` (``forward(logits, target)`` for
    the losses)."""

    op_name: str

    def __init__(self, **params):
        super().__init__()
        inspect.signature(_fa.get(self.op_name)).bind_partial(**params)  # unknown names: TypeError
        self.params = params

    def forward(self, *args):
        return apply(_fa.get(self.op_name), args, self.params)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.params.items())


def _module(class_name: str, op_name: str):
    op = _fa.get(op_name)
    cls = type(class_name, (_OpModule,), {"op_name": op_name, "__module__": __name__,
                                          "__doc__": f"``fastact.{op_name}`` as a module.\n\n{op.__doc__ or ''}"})
    globals()[class_name] = cls
    __all__.append(class_name)
    return cls


for _class, _op in (("ReLU", "relu"), ("LeakyReLU", "leaky_relu"), ("Hardtanh", "hardtanh"), ("ReLU6", "relu6"),
                    ("Threshold", "threshold"), ("Hardshrink", "hardshrink"), ("Softshrink", "softshrink"),
                    ("SquaredReLU", "squared_relu"), ("Sigmoid", "sigmoid"), ("Tanh", "tanh"),
                    ("Tanhshrink", "tanhshrink"), ("ELU", "elu"),
                    ("SELU", "selu"), ("CELU", "celu"), ("Softsign", "softsign"), ("Hardsigmoid", "hardsigmoid"),
                    ("Hardswish", "hardswish"), ("SiLU", "silu"), ("QuickGELU", "quick_gelu"),
                    ("Softplus", "softplus"), ("LogSigmoid", "log_sigmoid"), ("Mish", "mish"), ("GELU", "gelu"),
                    ("SparseSigmoid", "sparse_sigmoid"), ("SparsePlus", "sparse_plus"), ("Squareplus", "squareplus"),
                    ("Softmax", "softmax"), ("LogSoftmax", "log_softmax"), ("Softmin", "softmin"), ("GLU", "glu"),
                    ("SwiGLU", "swiglu"), ("GEGLU", "geglu"), ("ReGLU", "reglu"),
                    ("CrossEntropyLoss", "cross_entropy"), ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits"),
                    ("NLLLoss", "nll_loss"), ("KLDivLoss", "kl_div"), ("BCELoss", "binary_cross_entropy")):
    _module(_class, _op)


class Swish(torch.nn.Module):
    """swish(x) = x sigmoid(beta x) with ``beta`` a learnable parameter (initially ``beta``)."""

    def __init__(self, beta: float = 1.0, dtype=None):
        super().__init__()
        self.beta = torch.nn.Parameter(torch.tensor(float(beta), dtype=dtype or torch.get_default_dtype()))

    def forward(self, x):
        return apply(_fa.swish, (x,), {"beta": self.beta})


class PReLU(torch.nn.Module):
    """prelu with a learnable ``weight`` of ``num_parameters`` slopes (PyTorch's layout: one per
    channel along dim 1, or one for all), initially ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype=None):
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters = num_parameters
        self.weight = torch.nn.Parameter(torch.full((num_parameters,), float(init),
                                                    dtype=dtype or torch.get_default_dtype()))

    def forward(self, x):
        alpha = self.weight if self.num_parameters > 1 else self.weight.reshape(())
        return apply(_fa.prelu, (x, alpha), {"axis": 1 if x.dim() > 1 else 0})

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


__all__ += ["Swish", "PReLU"]
