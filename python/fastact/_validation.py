"""Argument checking and coercion, shared by every op: NumPy's conventions, clear errors.

The compiled core accepts float32/float64 buffers, and runs on them directly when they are
contiguous in one order with no partial overlap (it says so by its return value); everything
else a user may pass is brought to that form here, without ever writing to the caller's arrays
(unless one of them is ``out``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# numpy.exceptions (NumPy >= 1.25) holds it; older NumPy has it at the top level.
AxisError = getattr(getattr(np, "exceptions", np), "AxisError")

FLOAT16 = np.dtype(np.float16)
FLOAT32 = np.dtype(np.float32)
FLOAT64 = np.dtype(np.float64)


def is_bfloat16(dt: np.dtype) -> bool:
    """ml_dtypes' bfloat16 (the dtype PyTorch and JAX exchange): computed in float32, returned as
    bfloat16. Recognised without importing ml_dtypes, which stays optional."""
    return dt.kind == "V" and dt.itemsize == 2 and dt.type.__name__ == "bfloat16" and dt.type.__module__ == "ml_dtypes"


def as_input(value, name: str) -> tuple[np.ndarray, np.dtype]:
    """Returns ``(array, result_dtype)``: the array in the dtype the kernels compute in, and the
    dtype the caller gets back. float32/float64 stay as they are; float16 computes in float32 and
    returns float16 (bfloat16 likewise); bool and integers promote to float64 (as ``np.tanh`` does)."""
    if isinstance(value, np.ndarray):
        a = value
    else:
        try:
            a = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name}: cannot be converted to an array ({exc})") from None
    dt = a.dtype
    if dt is FLOAT32 or dt is FLOAT64 or dt == FLOAT32 or dt == FLOAT64:
        return a, dt
    if dt.kind in "fiu" and not dt.isnative:  # big-endian data: same values, native order
        return as_input(a.astype(dt.newbyteorder("=")), name)
    if dt == FLOAT16:
        return cast_to(a, FLOAT32), FLOAT16
    if is_bfloat16(dt):
        return cast_to(a, FLOAT32), dt
    if dt.kind in "biu":
        return a.astype(FLOAT64), FLOAT64
    hint = " (cast it to float64 first)" if dt.kind == "f" else ""
    raise TypeError(
        f"{name}: expected real numbers (a float16/32/64, bfloat16, integer or bool array), got dtype {dt}{hint}"
    )


def cast_to(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``a.astype(dtype, copy=False)``, by the core's vector conversions where one side is
    float16/bfloat16 and the other float32 (the same round-to-nearest-even bits as NumPy's and
    ml_dtypes' casts, which are many times slower for subnormal float16 results)."""
    from . import _core

    src, dst = a.dtype, np.dtype(dtype)
    if src == dst:
        return a
    sixteen = lambda d: d == FLOAT16 or is_bfloat16(d)  # noqa: E731
    if not ((src == FLOAT32 and sixteen(dst)) or (sixteen(src) and dst == FLOAT32)) or not src.isnative:
        with np.errstate(over="ignore", invalid="ignore"):  # inf and NaN convert as they are, silently
            return a.astype(dst)
    if type(a) is not np.ndarray or not a.flags.c_contiguous:
        a = np.array(a, order="C", subok=False)
    out = np.empty(a.shape, dst)
    _core.convert16(a, out)
    return out


def call_arguments(owner: str, method: str, args: tuple, kwargs: dict, names: tuple, defaults: tuple = (),
                   positional_only: int = -1):
    """The values of the arguments ``names`` of a call whose positional arguments came as ``args``
    (the ops' C base classes hand calls on that way); the first ``positional_only`` (all: -1) are
    positional-only, the others may come by keyword and are taken out of ``kwargs``. The last
    ``len(defaults)`` are optional. A wrong call is Python's own TypeError, worded as CPython words
    it for the public call (``relu()``, ``relu.backward()``: ``owner`` and ``method``)."""
    if len(args) == len(names) and kwargs.keys().isdisjoint(names):  # all given: the common case
        return args
    call = public_call(owner, method)
    only = len(names) if positional_only < 0 else positional_only
    passed = [name for name in names[:only] if name in kwargs]
    if passed:
        raise TypeError(f"{call} got some positional-only arguments passed as keyword arguments: "
                        f"{', '.join(map(repr, passed))}")
    if len(args) > len(names):
        raise TypeError(f"{call} takes at most {len(names)} positional argument(s) ({', '.join(names)}), "
                        f"{len(args)} given")
    values = list(args)
    for name in names[len(args):]:
        if name in kwargs:
            values.append(kwargs.pop(name))
        elif len(values) >= len(names) - len(defaults):
            values.append(defaults[len(values) - len(names) + len(defaults)])
        else:
            missing = [repr(n) for n in names[len(values):len(names) - len(defaults)] if n not in kwargs]
            raise TypeError(f"{call} missing required argument(s): {', '.join(missing)}")
    for name in names[:len(args)]:
        if name in kwargs:
            raise TypeError(f"{call} got multiple values for argument {name!r}")
    return values


def public_call(owner: str, method: str = "") -> str:
    """How a call is named in errors: ``relu()``, ``relu.backward()``."""
    return f"{owner}{'.' + method if method else ''}()"


# Keywords other libraries spell differently: the hint an unexpected one gets.
_OTHER_SPELLINGS = {"dim": "axis", "negative_slope": "alpha", "input": "x", "inplace": "out"}


def unexpected_keyword(call: str, name: str, expected: tuple) -> TypeError:
    """CPython's TypeError for a keyword the call does not take, with the likely intended one
    (PyTorch's ``dim`` -> ``axis``) or the list of those it does take."""
    message = f"{call} got an unexpected keyword argument {name!r}"
    guess = _OTHER_SPELLINGS.get(name)
    if guess in expected:
        return TypeError(f"{message}; did you mean {guess}=?")
    return TypeError(f"{message}; its parameters are: {', '.join(expected) or 'none'}")


def compute_dtype(result_dtype: np.dtype) -> np.dtype:
    return FLOAT32 if result_dtype == FLOAT16 or is_bfloat16(result_dtype) else result_dtype


def check_out(out, shape: tuple, dtype: np.dtype, name: str = "out") -> np.ndarray:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name}: expected a numpy.ndarray, got {type(out).__name__}")
    if out.dtype != dtype and out.dtype.newbyteorder("=") != dtype:  # a big-endian out is written by copy
        raise TypeError(f"{name}: dtype is {out.dtype}, but the result is {dtype}")
    if out.shape != shape:
        raise ValueError(f"{name}: shape is {out.shape}, but the result has shape {shape}")
    if not out.flags.writeable:
        raise ValueError(f"{name}: array is read-only")
    return out


def check_same_shape(g: np.ndarray, x: np.ndarray, gname: str, xname: str) -> None:
    if g.shape != x.shape:
        raise ValueError(
            f"{gname} and {xname} must have the same shape (no broadcasting), got {g.shape} and {x.shape}"
        )


def real_param(value, owner: str, name: str, finite: bool) -> float:
    """A scalar parameter as a Python float, or a TypeError/ValueError naming it."""
    if isinstance(value, (bool, np.bool_)) or not (
        isinstance(value, numbers.Real) or (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")
    ):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if math.isnan(v):
        raise ValueError(f"{owner}: {name} must not be NaN")
    if finite and math.isinf(v):
        raise ValueError(f"{owner}: {name} must be finite, got {v}")
    return v


def choice_param(value, owner: str, name: str, allowed: tuple) -> str:
    """A string parameter that must be one of ``allowed``, or a TypeError/ValueError naming it."""
    if not isinstance(value, str):
        raise TypeError(f"{owner}: {name} must be a string, one of {', '.join(map(repr, allowed))}; got {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{owner}: {name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")
    return value


def normalize_axis(axis, ndim: int, owner: str) -> int:
    """``axis`` as a non-negative index into ``ndim`` dimensions; a TypeError for a non-integer,
    NumPy's AxisError (a ValueError and an IndexError) for one out of range."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{owner}: axis must be an int, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise AxisError(int(axis), ndim, owner)
    return int(axis) % ndim


def promoted_pair(a, b, aname: str, bname: str):
    """Two same-shaped inputs (``g`` and ``x`` or ``y``) in one compute dtype: (a, b, result dtype)."""
    aa, a_rdt = as_input(a, aname)
    ba, b_rdt = as_input(b, bname)
    check_same_shape(aa, ba, aname, bname)
    rdt = a_rdt if a_rdt == b_rdt else np.promote_types(a_rdt, b_rdt)
    cdt = compute_dtype(rdt)
    return aa.astype(cdt, copy=False), ba.astype(cdt, copy=False), rdt


# -- results (the families other than the elementwise ops, whose core type does this itself) ----


def finish(result: np.ndarray, result_dtype: np.dtype) -> np.ndarray:
    """Casts back to the caller's dtype (float16) and returns 0-d results as NumPy scalars, as
    NumPy's ufuncs do."""
    result = cast_to(result, result_dtype)
    return result[()] if result.ndim == 0 else result


def copy_out(out: np.ndarray, result: np.ndarray) -> None:
    """``result`` into the caller's ``out=``, cast by the core's vector conversions where one side
    is float16/bfloat16 (NumPy's cast is many times slower for subnormal float16)."""
    np.copyto(out, cast_to(result, out.dtype), casting="same_kind")


def run_into(kernel, inputs: tuple[np.ndarray, ...], result_dtype: np.dtype, out):
    """Calls ``kernel(*inputs, destination)``, writing into ``out`` when the core can use it as it
    is, else into a fresh array (copied into ``out`` if one was given). The core answers False,
    having done nothing, when the buffers need contiguous copies first."""
    if out is None:
        result = np.empty_like(inputs[0])
        if not kernel(*inputs, result):
            inputs = tuple(np.ascontiguousarray(a) for a in inputs)
            result = np.empty_like(inputs[0])
            kernel(*inputs, result)
        return finish(result, result_dtype)
    check_out(out, inputs[0].shape, result_dtype)
    if out.dtype == inputs[0].dtype and kernel(*inputs, out):
        return out
    inputs = tuple(np.ascontiguousarray(a) for a in inputs)
    result = np.empty_like(inputs[0])
    kernel(*inputs, result)
    copy_out(out, result)
    return out
