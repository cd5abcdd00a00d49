"""The callable object behind every elementwise activation: ``f(x)``, ``f.derivative(x)``,
``f.backward(g, x)`` (or ``y=``) and ``f.value_and_derivative(x)``.

One class serves every op; what differs (kernel, parameters, docs, reference) comes from
its :class:`~fastact._catalogue.OpSpec`.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np

from . import _bias, _core
from ._by_name import public
from ._validation import (as_input, call_arguments, cast_to, check_out, choice_param, promoted_pair, public_call,
                          real_param, unexpected_keyword)


# What _core.unary evaluates (bindings.cpp UnaryKind).
FORWARD, DERIVATIVE, PARAM_DERIVATIVE = 0, 1, 2


def _finish(result: np.ndarray, result_dtype: np.dtype) -> np.ndarray:
    """Casts back to the caller's dtype (float16) and returns 0-d results as NumPy scalars, as
    NumPy's ufuncs do."""
    result = cast_to(result, result_dtype)
    return result[()] if result.ndim == 0 else result


def _copy_out(out: np.ndarray, result: np.ndarray) -> None:
    """``result`` into the caller's ``out=``, cast by the core's vector conversions where one side
    is float16/bfloat16 (NumPy's cast is many times slower for subnormal float16)."""
    np.copyto(out, cast_to(result, out.dtype), casting="same_kind")


def _op_named(name: str, parameters: dict):
    """The public op ``name`` (or its variant with other default parameters): for unpickling."""
    op = public(name)
    return op if op.parameters == parameters else op._variant(**parameters)


def _run(kernel, inputs: tuple[np.ndarray, ...], result_dtype: np.dtype, out):
    """Calls ``kernel(*inputs, destination)``, writing into ``out`` when the core can use it as it
    is, else into a fresh array (copied into ``out`` if one was given). The core answers False,
    having done nothing, when the buffers need contiguous copies first."""
    if out is None:
        result = np.empty_like(inputs[0])
        if not kernel(*inputs, result):
            inputs = tuple(np.ascontiguousarray(a) for a in inputs)
            result = np.empty_like(inputs[0])
            kernel(*inputs, result)
        return _finish(result, result_dtype)
    check_out(out, inputs[0].shape, result_dtype)
    if out.dtype == inputs[0].dtype and kernel(*inputs, out):
        return out
    inputs = tuple(np.ascontiguousarray(a) for a in inputs)
    result = np.empty_like(inputs[0])
    kernel(*inputs, result)
    _copy_out(out, result)
    return out


def _parameter_list(spec, *extra: str) -> str:
    """``*, out=None, ..., alpha=1.0``: the keyword part of a text signature."""
    return ", ".join(("*", *extra, *(f"{p.name}={p.default!r}" for p in spec.params)))


def op_class(spec, has_output_backward: bool, catalogue_choices: tuple = ()) -> type:
    """The class of the public op ``spec.name``: its docstring (formula first), the signature of
    calling it, and its methods documented with its own parameters (``inspect.signature`` of
    ``fa.elu.backward`` lists ``alpha``), while the calls stay the C base class's. A variant (gelu
    with approximate="tanh" as default) passes the catalogue's choices, which its label is told from."""
    cls = type(spec.name, (Activation,), {"__doc__": spec.docstring(), "__module__": "fastact",
                                          "_catalogue_choices": catalogue_choices or spec.choices})
    keyword = inspect.Parameter.KEYWORD_ONLY
    cls.__signature__ = inspect.Signature(
        [inspect.Parameter("x", inspect.Parameter.POSITIONAL_ONLY),
         inspect.Parameter("out", keyword, default=None), inspect.Parameter("bias", keyword, default=None)]
        + [inspect.Parameter(p.name, keyword, default=p.default) for p in spec.params])
    y = ("y=None",) if has_output_backward else ()
    signatures = {
        "derivative": f"x, /, {_parameter_list(spec, 'out=None', 'bias=None')}",
        "backward": f"g, x=None, /, {_parameter_list(spec, *y, 'out=None', 'bias=None')}",
        "value_and_derivative": f"x, /, {_parameter_list(spec, 'out=None')}",
    }
    for method, arguments in signatures.items():
        doc = getattr(_core.ElementwiseOpBase, method).__doc__
        setattr(cls, method, _core.op_method(cls, method, f"{method}($self, {arguments})\n--\n\n{doc}"))
    return cls


class Activation(_core.ElementwiseOpBase):
    """An elementwise activation function with its derivative and backward pass.

    Instances are the public ops (``fastact.sigmoid``, ``fastact.gelu``, ...); each op has its own
    subclass carrying its docstring.

    Calling the op, ``derivative`` and ``backward`` are the C base class's (cpp/src/op_object.cpp):
    it runs the commonest calls (float32/float64 C-contiguous ndarrays, default parameters, at
    most ``out=``) itself, for NumPy-ufunc call times on small arrays, and hands every other call
    to ``_call``, ``_derivative`` and ``_backward`` below.
    """

    _catalogue_choices: tuple = ()  # the op's choice parameters as the catalogue defines them

    def __init__(self, spec, kernels: dict):
        """``kernels``: the compiled kernel table, name -> (id, has_output_backward,
        has_param_derivative), as ``_core.op_table()`` lists it."""
        self.spec = spec
        self.name = spec.name
        self._kernels = kernels
        self._id, self._has_output_backward, has_param_derivative = kernels[spec.kernel]
        self._special_id = kernels[spec.special_kernel[0]][0] if spec.special_kernel else None
        if spec.learnable and not has_param_derivative:
            raise RuntimeError(f"{spec.name}: learnable parameter but no param_derivative kernel")
        self._param_names = tuple(p.name for p in spec.params)
        self._defaults = self._validate_params({})
        self._param_cache = {}  # see _kernel_params
        self._set_fast_path(*self._defaults, not spec.learnable)
        self.__name__ = self.__qualname__ = spec.name

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

    # -- parameters -----------------------------------------------------------------------------

    def _kernel_params(self, given: dict, method: str = "", owner: str = "") -> tuple[int, float, float]:
        """(kernel id, a, b) for these keyword parameters of ``owner.method`` (named in errors;
        the owner is this op unless a gated unit passes its own name). Validation costs microseconds, so the
        answers for parameter values seen before are kept (keyed by type as well as value, so that
        True never passes for 1; zeros are not kept: -0.0 == 0.0, and a parameter's sign can
        matter)."""
        if not given:
            return self._defaults
        key = (*given.items(), *map(type, given.values()))
        try:
            return self._param_cache[key]
        except KeyError:
            cacheable = True
        except TypeError:  # an unhashable value (a 0-d array is valid; validation judges the rest)
            cacheable = False
        result = self._validate_params(given, method, owner or self.name)
        if cacheable and len(self._param_cache) < 256 and all(value != 0 for value in given.values()):
            self._param_cache[key] = result
        return result

    def _validate_params(self, given: dict, method: str = "", owner: str = "") -> tuple[int, float, float]:
        """Validates keyword parameters, maps them to the kernel's two scalar slots, and picks the
        kernel (a special one for particular values where the catalogue names one)."""
        unknown = set(given) - set(self._param_names)
        if unknown:
            raise unexpected_keyword(public_call(owner, method), sorted(unknown)[0], self._param_names)
        values = self._param_values(given, owner)
        if self.spec.check is not None:
            self.spec.check(owner, values)
        slots = list(self.spec.fixed) if self.spec.fixed else [values[p.name] for p in self.spec.scalar_params]
        slots += [0.0] * (2 - len(slots))
        op_id = self._id
        if self._special_id is not None and self.spec.special_kernel[1](values):
            op_id = self._special_id
        for c in self.spec.choices:
            op_id = self._kernels[c.kernels[values[c.name]]][0]
        return op_id, slots[0], slots[1]

    def _param_values(self, given: dict, owner: str = "") -> dict:
        owner = owner or self.name
        values = {p.name: real_param(given.get(p.name, p.default), owner, p.name, p.finite)
                  for p in self.spec.scalar_params}
        for c in self.spec.choices:
            values[c.name] = choice_param(given.get(c.name, c.default), owner, c.name, tuple(c.kernels))
        return values

    # -- the four entry points ------------------------------------------------------------------

    def _arguments(self, method: str, args: tuple, params: dict, names: tuple) -> list:
        """``call_arguments`` for ``self.name`` + ``.method``; every name after the first optional."""
        return call_arguments(self.name, method, args, params, names,
                              (None,) * (len(names) - 1))

    def _call(self, *args, out=None, bias=None, **params):
        """f(x): what calling the op does when the C fast path does not take the call."""
        (x,) = self._arguments("", args, params, ("x",))
        op_id, a, b = self._kernel_params(params)
        if bias is not None:
            return self._with_bias(FORWARD, op_id, a, b, x, bias, out)
        xa, rdt = as_input(x, "x")
        return _run(lambda xi, dst: _core.unary(op_id, FORWARD, xi, dst, a, b), (xa,), rdt, out)

    def _derivative(self, *args, out=None, bias=None, **params):
        """f'(x) (``derivative``, the C base class's, documents it) when the fast path does not take the call."""
        (x,) = self._arguments("derivative", args, params, ("x",))
        op_id, a, b = self._kernel_params(params, "derivative")
        if bias is not None:
            return self._with_bias(DERIVATIVE, op_id, a, b, x, bias, out)
        xa, rdt = as_input(x, "x")
        return _run(lambda xi, dst: _core.unary(op_id, DERIVATIVE, xi, dst, a, b), (xa,), rdt, out)

    def _with_bias(self, kind, op_id, a, b, x, bias, out):
        """f(x + bias) or f'(x + bias) in one pass (fastact._bias)."""
        xa, ba, _, rdt, (rows, cols) = _bias.prepare(x, bias)
        dst = _bias.destination(out, xa.shape, xa.dtype, rdt)
        _core.bias_unary(op_id, kind, xa, ba, dst, rows, cols, a, b)
        if out is None:
            return _finish(dst, rdt)
        if dst is not out:
            _copy_out(out, dst)
        return out

    def param_derivative(self, x, *, out=None, **params):
        """d f / d p for the op's learnable parameter p (swish: beta), elementwise."""
        if not self.spec.learnable:
            raise TypeError(f"{self.name} has no learnable parameter")
        op_id, a, b = self._kernel_params(params, "param_derivative")
        xa, rdt = as_input(x, "x")
        return _run(lambda xi, dst: _core.unary(op_id, PARAM_DERIVATIVE, xi, dst, a, b), (xa,), rdt, out)

    def _backward(self, *args, y=None, out=None, bias=None, **params):
        """g * f'(x) (``backward``, the C base class's, documents it) when the fast path does not take the call."""
        g, x = self._arguments("backward", args, params, ("g", "x"))
        if bias is not None:
            return self._backward_with_bias(g, x, y, out, bias, params)
        ga, va, rdt, from_output, op_id, a, b = self._backward_inputs(g, x, y, params)
        if not self.spec.learnable:
            return _run(
                lambda gi, vi, dst: _core.backward(op_id, from_output, gi, vi, dst, a, b), (ga, va), rdt, out
            )
        if from_output:
            raise TypeError(f"{self.name}.backward(): the gradient of {self.spec.learnable} needs x, not y")
        sums = []  # sum(g * df/dp) in float64, from the same pass that writes gx

        def fused(gi, vi, dst):
            total = _core.backward_with_param(op_id, gi, vi, dst, a, b)
            sums.append(total)
            return total is not None

        gx = _run(fused, (ga, va), rdt, out)
        return gx, np.asarray(sums[-1]).astype(np.result_type(gx))[()]

    def _backward_with_bias(self, g, x, y, out, bias, params):
        """(gx, [gp,] gbias) for the op applied to x + bias. One fused pass for ops without a
        learnable parameter given x; otherwise gx (and gp) from x + bias (or y) and the column sums."""
        op_id, a, b = self._kernel_params(params, "backward")
        if (x is None) == (y is None):
            raise TypeError(f"{self.name}.backward(): pass exactly one of x (the input) or y= (the output)")
        if x is not None and not self.spec.learnable:
            xa, ba, ga, rdt, (rows, cols) = _bias.prepare(x, bias, g)
            dst = _bias.destination(out, xa.shape, xa.dtype, rdt)
            gbias = np.empty(cols, dtype=np.float64)
            _core.bias_backward(op_id, ga, xa, ba, dst, gbias, rows, cols, a, b)
            if out is not None and dst is not out:
                _copy_out(out, dst)
            gx = out if out is not None else _finish(dst, rdt)
            return gx, gbias.astype(rdt)
        va, ba, ga, rdt, (rows, cols) = _bias.prepare(y if x is None else x, bias, g, "x" if y is None else "y")
        if x is not None:
            r = self.backward(ga, va + ba, out=out, **params)  # swish: (gx, gbeta) at x + bias
        else:
            r = self.backward(ga, y=va, out=out, **params)
        gx = r[0] if self.spec.learnable else r
        gbias = np.sum(np.reshape(gx, (rows, cols)), axis=0, dtype=np.float64).astype(rdt)
        return (*r, gbias) if self.spec.learnable else (gx, gbias)

    def _backward_inputs(self, g, x, y, params):
        """Validated, dtype-unified (g, x or y) for backward, the result dtype, whether it is
        from the output, and the kernel parameters."""
        op_id, a, b = self._kernel_params(params, "backward")
        if (x is None) == (y is None):
            raise TypeError(f"{self.name}.backward(): pass exactly one of x (the input) or y= (the output)")
        from_output = y is not None
        if from_output and not self._has_output_backward:
            raise ValueError(f"{self.name}.backward(): this op has no derivative in terms of its output; pass x")
        if from_output and self.spec.check_output_backward is not None:
            self.spec.check_output_backward(self.name, self._param_values(params))
        vname = "y" if from_output else "x"
        ga, va, rdt = promoted_pair(g, y if from_output else x, "g", vname)
        return ga, va, rdt, from_output, op_id, a, b

    def _value_and_derivative(self, *args, out=None, **params):
        """(f(x), f'(x)) (``value_and_derivative``, the C base class's, documents it) when the fast
        path does not take the call."""
        (x,) = self._arguments("value_and_derivative", args, params, ("x",))
        op_id, a, b = self._kernel_params(params, "value_and_derivative")
        xa, rdt = as_input(x, "x")
        if out is not None:
            return self._value_and_derivative_into(op_id, a, b, xa, rdt, out)
        y, d = np.empty_like(xa), np.empty_like(xa)
        if not _core.value_and_derivative(op_id, xa, y, d, a, b):
            xa = np.ascontiguousarray(xa)
            y, d = np.empty_like(xa), np.empty_like(xa)
            _core.value_and_derivative(op_id, xa, y, d, a, b)
        return _finish(y, rdt), _finish(d, rdt)

    def _value_and_derivative_into(self, op_id, a, b, xa, rdt, out):
        """value_and_derivative with ``out=(y, d)``, as NumPy's two-output ufuncs take it."""
        if not (isinstance(out, tuple) and len(out) == 2):
            got = f"a tuple of {len(out)}" if isinstance(out, tuple) else type(out).__name__
            raise TypeError(f"out: expected a tuple of two arrays (y, d), got {got}")
        y, d = (check_out(o, xa.shape, rdt, f"out[{i}]") for i, o in enumerate(out))
        if np.shares_memory(y, d):
            raise ValueError("out: the two arrays must not overlap")
        if y.dtype == xa.dtype == d.dtype and _core.value_and_derivative(op_id, xa, y, d, a, b):
            return y, d
        xa = np.ascontiguousarray(xa)
        yt, dt = np.empty_like(xa), np.empty_like(xa)
        _core.value_and_derivative(op_id, xa, yt, dt, a, b)
        np.copyto(y, yt, casting="same_kind")
        np.copyto(d, dt, casting="same_kind")
        return y, d

    def reference(self, x, *, dtype=None, **params):
        """The float64 NumPy reference implementation (``fastact.reference``) of this op. With
        ``dtype``, the parameters are first rounded to it, as the kernels round them to the
        array's dtype: that is the exact answer a float32 call is compared with."""
        return self.spec.reference(x, **self._reference_params(dtype, params))

    def reference_derivative(self, x, *, dtype=None, **params):
        """The float64 NumPy reference implementation of f'(x) (``dtype`` as in ``reference``)."""
        return self.spec.reference_derivative(x, **self._reference_params(dtype, params))

    def _reference_params(self, dtype, params: dict) -> dict:
        """Every parameter, given or default; the real ones rounded to ``dtype`` if one is named."""
        values = self._param_values(params)  # same validation as the op itself
        self._kernel_params(params)
        if dtype is not None:
            t = np.dtype(dtype).type
            values.update({p.name: float(t(values[p.name])) for p in self.spec.scalar_params})
        return values
