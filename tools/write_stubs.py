"""Writes python/fastact/__init__.pyi from the module itself, so the stubs list exactly what
``import fastact`` has, with each op's own parameters (tests/test_stubs.py checks the file is
what this script writes today).

    python tools/write_stubs.py
"""

from __future__ import annotations

import inspect
from pathlib import Path

import fastact as fa
from fastact._catalogue import Choice

STUB = Path(fa.__file__).with_name("__init__.pyi")

HEADER = '''"""Type stubs for the public fastact API, written by tools/write_stubs.py from the module."""

from typing import Any, Literal, TypeVar, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import accuracy as accuracy
from . import analysis as analysis
from . import demo as demo
from . import plot as plot
from . import reference as reference

# A float array keeps its dtype through every op (integers and lists give float64).
_F = TypeVar("_F", np.float16, np.float32, np.float64)

__version__: str
'''

# The type of every keyword the public ops take, besides their own real parameters (float) and
# choices (a Literal of the values).
# (An argument whose default is None also takes None.)
KEYWORD_TYPES = {"axis": "int", "safe": "bool", "reduction": 'Literal["mean", "sum", "none"]',
                 "label_smoothing": "float", "ignore_index": "int"}


def _annotation(op, p: inspect.Parameter, first: bool, array_in: str) -> str:
    """The type of parameter ``p``: the first array argument carries the dtype (``array_in``), and
    ``out=`` has it too."""
    if first:
        return array_in
    if p.name == "out":
        return f"{array_in.replace('ArrayLike', 'NDArray[Any]')} | None"
    kind = _kind(op, p.name)
    return f"{kind} | None" if p.default is None else kind


def _kind(op, name: str) -> str:
    spec = getattr(op, "spec", None) or getattr(getattr(op, "_activation", None), "spec", None)
    for p in spec.params if spec else ():
        if p.name == name:
            return "Literal[" + ", ".join(repr(v) for v in p.kernels) + "]" if isinstance(p, Choice) else "float"
    return KEYWORD_TYPES.get(name, "ArrayLike")


def _method(op, name: str, sig: inspect.Signature, result: str, array_in: str) -> str:
    parts, seen_kw_only = ["self"], False
    for i, p in enumerate(sig.parameters.values()):
        if p.kind is p.KEYWORD_ONLY and not seen_kw_only:
            parts.append("*")
            seen_kw_only = True
        text = f"{p.name}: {_annotation(op, p, i == 0, array_in)}"
        parts.append(text if p.default is p.empty else f"{text} = {p.default!r}")
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(sig.parameters)
                                            or list(sig.parameters.values())[i + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    return f"    def {name}({', '.join(parts)}) -> {result}: ..."


def _typed_pair(op, name: str, sig: inspect.Signature, result: str) -> list[str]:
    """An overload keeping a float array's dtype, and one for everything else (float64 or a scalar)."""
    return ["    @overload", _method(op, name, sig, result, "NDArray[_F]"),
            "    @overload", _method(op, name, sig, "Any", "ArrayLike")]


def _class(name: str, op) -> list[str]:
    """A stub class for one public op: its call and methods with their own signatures."""
    base = {fa.Activation: "Activation", fa.Gated: "Gated"}
    parent = next((b for t, b in base.items() if isinstance(op, t)), type(op).__name__)
    lines = [f"class _{name}({parent}):"]
    methods = [("__call__", inspect.signature(op))]
    for method in ("derivative", "backward", "value_and_derivative"):
        if callable(getattr(op, method, None)) and not (method == "derivative" and isinstance(op, fa.Gated)):
            methods.append((method, inspect.signature(getattr(op, method))))
    for method, sig in methods:
        typed = (fa.Activation, fa.Gated, fa.PReLU, fa.Softmax, fa.LogSoftmax, fa.Softmin)
        if method in ("__call__", "derivative") and isinstance(op, typed):
            lines += _typed_pair(op, method, sig, "NDArray[_F]")
        elif method == "value_and_derivative":
            lines += _typed_pair(op, method, sig, "tuple[NDArray[_F], NDArray[_F]]")
        else:
            lines.append(_method(op, method, sig, "Any", "ArrayLike"))
    return lines


def render() -> str:
    lines = [HEADER]
    for cls in (fa.Activation, fa.Gated, fa.PReLU, fa.RReLU, fa.Softmax, fa.LogSoftmax, fa.Softmin, fa.LogSumExp,
                fa.CrossEntropy, fa.BinaryCrossEntropyWithLogits, fa.NLLLoss, fa.KLDiv, fa.BinaryCrossEntropy):
        lines += [f"class {cls.__name__}:", "    name: str", "    __name__: str", "    __qualname__: str"]
        if cls is fa.Activation:
            lines += ["    label: str", "    parameters: dict[str, float | str]", "    has_output_backward: bool",
                      "    properties: analysis.Properties",
                      "    def param_derivative(self, x: ArrayLike, /, *, out: NDArray[Any] | None = None, "
                      "**params: float) -> Any: ...",
                      "    def reference(self, x: ArrayLike, *, dtype: Any = None, **params: float | str) -> Any: ...",
                      "    def reference_derivative(self, x: ArrayLike, *, dtype: Any = None, **params: float | str) "
                      "-> Any: ..."]
        elif hasattr(cls, "reference"):
            lines.append("    def reference(self, *args: Any, **kwargs: Any) -> Any: ...")
        lines.append("")
    for name in fa.ops():
        lines += _class(name, fa.get(name)) + ["", f"{name}: _{name}", ""]
    for name, fn in ((n, getattr(fa, n)) for n in fa.__all__):
        if inspect.isfunction(fn):
            lines.append(f"def {name}{inspect.signature(fn)}: ...".replace("'", ""))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    STUB.write_text(render())
    print(f"wrote {STUB}")
