"""The elementwise activations: each public op (``fastact.gelu``, ...) is an instance of the core's
type ``_core.ElementwiseOp`` (cpp/src/elementwise_op.cpp), which takes every call itself: ``f(x)``,
``f.derivative(x)``, ``f.backward(g, x)`` (or ``y=``), ``f.value_and_derivative(x)``,
``f.param_derivative(x)``, with ``out=``, ``bias=`` (and its ``axis=``) and the op's parameters.

This module only describes the ops to the core (from their :class:`~fastact._catalogue.OpSpec`)
and adds what is not a call: documentation and signatures, the reference formulas, labels.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect

import numpy as np

from . import _core
from ._by_name import public


def _op_named(name: str, parameters: dict):
    """The public op ``name`` (or its variant with other default parameters): for unpickling."""
    op = public(name)
    return op if op.parameters == parameters else op._variant(**parameters)


def _parameter_list(spec, *extra: str) -> str:
    """``*, out=None, ..., alpha=1.0``: the keyword part of a text signature."""
    return ", ".join(("*", *extra, *(f"{p.name}={p.default!r}" for p in spec.params)))


def op_class(spec, has_output_backward: bool, catalogue_choices: tuple = ()) -> type:
    """The class of the public op ``spec.name``: its docstring (formula first), the signature of
    calling it, and its methods documented with its own parameters (``inspect.signature`` of
    ``fa.elu.backward`` lists ``alpha``), while the calls stay the core type's. A variant (gelu
    with approximate="tanh" as default) passes the catalogue's choices, which its label is told from."""
    cls = type(spec.name, (Activation,), {"__doc__": spec.docstring(), "__module__": "fastact",
                                          "_catalogue_choices": catalogue_choices or spec.choices})
    keyword = inspect.Parameter.KEYWORD_ONLY
    cls.__signature__ = inspect.Signature(
        [inspect.Parameter("x", inspect.Parameter.POSITIONAL_ONLY),
         inspect.Parameter("out", keyword, default=None), inspect.Parameter("bias", keyword, default=None),
         inspect.Parameter("axis", keyword, default=None)]
        + [inspect.Parameter(p.name, keyword, default=p.default) for p in spec.params])
    y = ("y=None",) if has_output_backward else ()
    signatures = {
        "derivative": f"x, /, {_parameter_list(spec, 'out=None', 'bias=None', 'axis=None')}",
        "backward": f"g, x=None, /, {_parameter_list(spec, *y, 'out=None', 'bias=None', 'axis=None')}",
        "value_and_derivative": f"x, /, {_parameter_list(spec, 'out=None')}",
    }
    if spec.learnable:
        signatures["param_derivative"] = f"x, /, {_parameter_list(spec, 'out=None')}"
    for method, arguments in signatures.items():
        doc = getattr(_core.ElementwiseOp, method).__doc__
        setattr(cls, method, _core.op_method(cls, method, f"{method}($self, {arguments})\n--\n\n{doc}"))
    return cls


class Activation(_core.ElementwiseOp):
    """An elementwise activation function with its derivative and backward pass.

    Instances are the public ops (``fastact.sigmoid``, ``fastact.gelu``, ...); each op has its own
    subclass carrying its docstring and signatures. Every call is the core type's
    (cpp/src/elementwise_op.cpp); this class describes the op to it and adds the reference
    formulas, the label and the parameters' defaults.
    """

    _catalogue_choices: tuple = ()  # the op's choice parameters as the catalogue defines them

    def __init__(self, spec, kernels: dict):
        """``kernels``: the compiled kernel table, name -> (id, has_output_backward,
        has_param_derivative), as ``_core.op_table()`` lists it."""
        self.spec = spec
        self.name = self.__name__ = self.__qualname__ = spec.name
        self._kernels = kernels
        kernel, self._has_output_backward, has_param_derivative = kernels[spec.kernel]
        if spec.learnable and not has_param_derivative:
            raise RuntimeError(f"{spec.name}: learnable parameter but no param_derivative kernel")
        self._param_names = tuple(p.name for p in spec.params)
        params = [(p.name, p.default, {value: kernels[k][0] for value, k in p.kernels.items()})
                  if isinstance(p.default, str) else (p.name, float(p.default), p.finite) for p in spec.params]
        special = spec.special_kernel
        self._configure(
            name=spec.name, kernel=kernel, params=params, fixed=spec.fixed,
            special=(special[1], float(special[2]), kernels[special[0]][0]) if special else None,
            constraints=list(spec.constraints), output_backward=self._has_output_backward,
            output_backward_nonnegative=spec.output_backward_nonnegative, learnable=spec.learnable)

    def __repr__(self) -> str:
        params = ", ".join(f"{p.name}={p.default!r}" for p in self.spec.params)
        return f"<fastact activation {self.name}({params})>"

    def __reduce__(self):
        """Ops pickle and copy by name, as NumPy's ufuncs do: unpickling gives the same object."""
        return _op_named, (self.name, self.parameters)

    def _variant(self, **defaults) -> "Activation":
        """This op with other default parameters (gelu with approximate="tanh"), so the tests,
        ``check`` and the benchmarks can run every kernel through the one interface."""
        params = tuple(dataclasses.replace(p, default=defaults.get(p.name, p.default)) for p in self.spec.params)
        spec = dataclasses.replace(self.spec, params=params)
        return op_class(spec, self._has_output_backward, type(self)._catalogue_choices)(spec, self._kernels)

    @property
    def label(self) -> str:
        """The name, with any choice that differs from the catalogue's default: ``gelu[tanh]``."""
        catalogue = {c.name: c.default for c in type(self)._catalogue_choices}
        changed = [c.default for c in self.spec.choices if c.default != catalogue[c.name]]
        return f"{self.name}[{','.join(changed)}]" if changed else self.name

    @property
    def parameters(self) -> dict:
        """The op's parameters and their defaults."""
        return {p.name: p.default for p in self.spec.params}

    @property
    def has_output_backward(self) -> bool:
        """Whether ``backward(g, y=...)`` (from the saved output) is available."""
        return self._has_output_backward

    @functools.cached_property
    def properties(self):
        """What this op is like (range, monotonic, kinks, peak |f'|, its dip, saturation, dead-unit
        risk, cost against relu), computed from its kernels: ``fastact.analysis.properties``."""
        from .analysis import properties

        return properties(self)

    def reference(self, x, *, dtype=None, **params):
        """The float64 NumPy reference implementation (``fastact.reference``) of this op. With
        ``dtype``, the parameters are first rounded to it, as the kernels round them to the
        array's dtype: that is the exact answer a float32 call is compared with."""
        return self.spec.reference(x, **self._reference_params(dtype, params))

    def reference_derivative(self, x, *, dtype=None, **params):
        """The float64 NumPy reference implementation of f'(x) (``dtype`` as in ``reference``)."""
        return self.spec.reference_derivative(x, **self._reference_params(dtype, params))

    def _reference_params(self, dtype, params: dict) -> dict:
        """Every parameter, given or default (validated as a call's are); the real ones rounded to
        ``dtype`` if one is named."""
        self._kernel_params(params, "reference")
        values = {p.name: params.get(p.name, p.default) for p in self.spec.params}
        values.update(self.spec.reference_constants)
        for name in [p.name for p in self.spec.scalar_params] + [name for name, _ in self.spec.reference_constants]:
            values[name] = float(values[name]) if dtype is None else float(np.dtype(dtype).type(values[name]))
        return values
