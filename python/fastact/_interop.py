"""Arrays of other libraries in, the same kind out.

Every op entry in the core first checks its arguments (cpp/src/foreign_arrays.h): NumPy arrays,
scalars and lists run natively; anything else comes here, as ``call(op, method, args, kwargs)``,
before any work is done:

- a **Dask** array: the call becomes a lazy Dask array (fastact._dask), never computed here;
- a **PyTorch** tensor: the kernels run on the tensor's memory (no copy) and a tensor comes back;
  ``out=`` may be a tensor. A call on a tensor that requires grad (with grad mode on) goes through
  ``fastact.torch``'s autograd functions, so the result has a ``grad_fn``;
- a **JAX** array or tracer: through ``fastact.jax`` (``jax.pure_callback``), so calls work under
  ``jax.jit``, ``jax.grad`` and ``jax.vmap`` and return JAX arrays;
- a **pandas** Series or DataFrame: the result keeps its index and columns when it has the
  input's shape (as NumPy's ufuncs do for pandas);
- any other object with ``__dlpack__``: read through DLPack without a copy, result an ndarray.

Anything else (memoryviews, objects with ``__array__`` only) returns NotImplemented and the core
converts it as NumPy would.
"""
from __future__ import annotations

import numpy as np

#: the libraries recognised by the top-level module name of an object's type, in priority order:
#: a call that mixes a Dask array with a tensor is lazy, one that mixes a tensor with pandas
#: gives a tensor
_LIBRARIES = ("dask", "torch", "jax", "pandas")


def _library(value) -> "str | None":
    if isinstance(value, (np.ndarray, np.generic)):  # NumPy's own (they offer __dlpack__ too)
        return None
    module = type(value).__module__.partition(".")[0]
    if module == "jaxlib":
        return "jax"
    if module in _LIBRARIES:
        return module
    return "dlpack" if hasattr(value, "__dlpack__") else None


def _leaves(args, kwargs):
    """The call's arguments, with out=(y, d) looked into."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, tuple):
            yield from value
        else:
            yield value


#: argument types NumPy reads itself, decided without looking further (the common call: NumPy
#: arrays and Python scalars; the rest of library_of costs microseconds per call)
_PLAIN_TYPES = frozenset({np.ndarray, int, float, bool, str, type(None)})


def _all_plain(values) -> bool:
    for value in values:
        if type(value) not in _PLAIN_TYPES:
            return False
    return True


def library_of(args, kwargs) -> "str | None":
    """Which library's arrays this call carries (the first of _LIBRARIES present), ``"dlpack"`` for
    other DLPack producers, None when NumPy reads every argument itself."""
    if _all_plain(args) and _all_plain(kwargs.values()):
        return None
    found = {_library(v) for v in _leaves(args, kwargs)} - {None}
    for name in (*_LIBRARIES, "dlpack"):
        if name in found:
            return name
    return None


def native(op, method: str):
    """The op's own call or method (which runs natively once every argument is NumPy's)."""
    return op if method == "call" else getattr(op, method)


def map_arguments(args, kwargs, convert):
    """(args, kwargs) with ``convert(value, name)`` applied to every argument and to the items
    of a tuple ``out=``; positional arguments are named by their position."""
    def one(value, name):
        if isinstance(value, tuple) and name == "out":
            return tuple(convert(v, f"out[{i}]") for i, v in enumerate(value))
        return convert(value, name)

    return ([one(v, f"argument {i + 1}") for i, v in enumerate(args)],
            {k: one(v, k) for k, v in kwargs.items()})


def call(op, method: str, args: tuple, kwargs: dict):
    library = library_of(args, kwargs)
    if library is None:
        return NotImplemented
    if library == "dask":
        from . import _dask

        return _dask.call(op, method, args, kwargs)
    if library == "torch":
        from . import _torch_arrays

        return _torch_arrays.call(op, method, args, kwargs)
    if library == "jax":
        from . import jax as fastact_jax

        return fastact_jax.call(op, method, args, kwargs)
    if library == "pandas":
        return _pandas_call(op, method, args, kwargs)
    return _dlpack_call(op, method, args, kwargs)


def _dlpack_call(op, method, args, kwargs):
    """DLPack producers are read without a copy (CPU memory only); the result is an ndarray, as
    for any array-like NumPy reads."""
    def convert(value, name):
        if _library(value) != "dlpack":
            return value
        try:
            return np.from_dlpack(value)
        except (BufferError, TypeError, RuntimeError, ValueError) as exc:
            raise TypeError(f"{op_name(op)}: {name} offers __dlpack__ but NumPy cannot read it "
                            f"on the CPU ({exc})") from None

    a, k = map_arguments(args, kwargs, convert)
    if "out" in kwargs and kwargs["out"] is not None:
        for o in (k["out"] if isinstance(k["out"], tuple) else (k["out"],)):
            if isinstance(o, np.ndarray) and not o.flags.writeable:
                raise ValueError(f"{op_name(op)}: out= is a read-only DLPack array")
    return native(op, method)(*a, **k)


def _pandas_call(op, method, args, kwargs):
    """pandas objects are read with ``to_numpy()``; an array result of the first pandas
    argument's shape is wrapped as that object (same index, columns and Series name)."""
    import pandas as pd

    if any(isinstance(o, (pd.Series, pd.DataFrame)) for o in _as_tuple(kwargs.get("out"))):
        raise TypeError(f"{op_name(op)}: out= must be a NumPy array, not a pandas object "
                        "(pandas gives no writable view of its data)")
    template = next(v for v in _leaves(args, kwargs) if isinstance(v, (pd.Series, pd.DataFrame)))

    def convert(value, name):
        return value.to_numpy() if isinstance(value, (pd.Series, pd.DataFrame, pd.Index)) else value

    a, k = map_arguments(args, kwargs, convert)
    result = native(op, method)(*a, **k)

    def wrap(r):
        if not isinstance(r, np.ndarray) or r.shape != template.shape:
            return r
        if isinstance(template, pd.Series):
            return pd.Series(r, index=template.index, name=template.name, copy=False)
        return pd.DataFrame(r, index=template.index, columns=template.columns, copy=False)

    return tuple(wrap(r) for r in result) if isinstance(result, tuple) else wrap(result)


def _as_tuple(value) -> tuple:
    return () if value is None else value if isinstance(value, tuple) else (value,)


def op_name(op) -> str:
    """How errors name the op: its label (``gelu[tanh]``) or its name."""
    return getattr(op, "label", None) or getattr(op, "name", type(op).__name__)
