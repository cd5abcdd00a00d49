"""fastact: neural-network activation functions, their derivatives and backward passes over
NumPy arrays, vectorised (AVX2+FMA or a portable path, chosen at import) and accurate to a
couple of ULP over the whole float range.

>>> import numpy as np, fastact as fa
>>> x = np.linspace(-3, 3, 7, dtype=np.float32)
>>> y = fa.sigmoid(x)                      # forward
>>> d = fa.sigmoid.derivative(x)           # f'(x)
>>> gx = fa.sigmoid.backward(np.ones_like(x), x)   # g * f'(x)
>>> gy = fa.sigmoid.backward(np.ones_like(x), y=y) # the same from the saved output

See ``fastact.ops()`` for every op, ``fastact.reference`` for the NumPy reference formulas,
``fastact.cpu_info()`` for the instruction set in use.
"""

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - depends on how the package was installed
    raise ImportError(
        "fastact's compiled extension (fastact._core) could not be imported. Install the package "
        "with `pip install .` from the source tree (it builds the extension) rather than importing "
        f"it from the source directory. Original error: {exc}"
    ) from exc

import functools as _functools
import os as _os

import numpy as _np

from . import _catalogue, _glu, accuracy, analysis, demo, plot, reference
from ._activation import Activation
from ._activation import op_class as _op_class
from ._glu import Gated
from ._prelu import PReLU
from ._softmax import LogSoftmax, LogSumExp, Softmax, Softmin
from ._losses import BinaryCrossEntropyWithLogits, CrossEntropy
from ._prob_losses import BinaryCrossEntropy, KLDiv, NLLLoss
from ._rrelu import RReLU

__version__ = "0.1.0"

# FASTACT_ISA=scalar|avx2|avx512|auto overrides the instruction set chosen from the CPU; an unknown
# name, or one this CPU cannot run, is a ValueError naming the choices.
_core.set_isa(_os.environ.get("FASTACT_ISA", "auto"))


def set_num_threads(n: int) -> None:
    """Use up to ``n`` threads (the caller's included) per call from now on. The default is the
    number of CPUs this process may run on; ``FASTACT_NUM_THREADS`` sets it at import. Results
    are bit-identical whatever the count. Arrays below 64 KiB run on one thread. At most
    ``max_num_threads()`` (4 x the CPUs this process may run on); if the system refuses to start
    a thread, calls run on the threads it did start, with a RuntimeWarning the first time."""
    if isinstance(n, bool) or not isinstance(n, (int, _np.integer)):
        raise TypeError(f"set_num_threads: n must be an int, got {type(n).__name__}")
    if not 1 <= n <= max_num_threads():
        raise ValueError(f"set_num_threads: n must be between 1 and {max_num_threads()} (4 x the "
                         f"{_core.cpu_info()['available_cpus']} CPUs this process may run on), got {n}")
    _core.set_num_threads(int(n))


def max_num_threads() -> int:
    """The largest thread count ``set_num_threads`` accepts: 4 x the CPUs this process may run on."""
    return 4 * _core.cpu_info()["available_cpus"]


def get_num_threads() -> int:
    """The number of threads a call may use (see ``set_num_threads``)."""
    return _core.get_num_threads()


def _threads_from_environment() -> None:
    value = _os.environ.get("FASTACT_NUM_THREADS")
    if value is None or value.strip() == "":
        return
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"FASTACT_NUM_THREADS must be a positive integer, got {value!r}") from None
    if not 1 <= n <= max_num_threads():
        raise ValueError(f"FASTACT_NUM_THREADS must be an integer from 1 to {max_num_threads()} (4 x the CPUs "
                         f"this process may run on), got {value!r}")
    set_num_threads(n)


_threads_from_environment()


def _build_ops() -> dict:
    kernels = {row[0]: row[1:] for row in _core.op_table()}
    return {spec.name: _op_class(spec, kernels[spec.kernel][1])(spec, kernels) for spec in _catalogue.OPS}


_OPS = _build_ops()

relu = _OPS["relu"]
leaky_relu = _OPS["leaky_relu"]
hardtanh = _OPS["hardtanh"]
relu6 = _OPS["relu6"]
threshold = _OPS["threshold"]
hardshrink = _OPS["hardshrink"]
softshrink = _OPS["softshrink"]
squared_relu = _OPS["squared_relu"]
sparse_sigmoid = _OPS["sparse_sigmoid"]
sparse_plus = _OPS["sparse_plus"]
squareplus = _OPS["squareplus"]
sigmoid = _OPS["sigmoid"]
tanh = _OPS["tanh"]
tanhshrink = _OPS["tanhshrink"]
elu = _OPS["elu"]
selu = _OPS["selu"]
celu = _OPS["celu"]
softsign = _OPS["softsign"]
hardsigmoid = _OPS["hardsigmoid"]
hardswish = _OPS["hardswish"]
silu = _OPS["silu"]
swish = _OPS["swish"]
quick_gelu = _OPS["quick_gelu"]
softplus = _OPS["softplus"]
log_sigmoid = _OPS["log_sigmoid"]
log1mexp = _OPS["log1mexp"]
mish = _OPS["mish"]
gelu = _OPS["gelu"]

#: leaky ReLU with one learnable slope per channel (see fastact._prelu)
prelu = PReLU()
#: leaky ReLU with random slopes in training (see fastact._rrelu)
rrelu = RReLU()
#: row-wise normalisations along any axis (see fastact._softmax)
softmax = Softmax()
log_softmax = LogSoftmax()
softmin = Softmin()
logsumexp = LogSumExp()
#: losses on logits, through log-softmax / softplus (see fastact._losses)
cross_entropy = CrossEntropy()
binary_cross_entropy_with_logits = BinaryCrossEntropyWithLogits()
#: losses on probabilities and log-probabilities (see fastact._prob_losses)
nll_loss = NLLLoss()
kl_div = KLDiv()
binary_cross_entropy = BinaryCrossEntropy()

#: gated linear units over halves of x along an axis (see fastact._glu)
glu = _glu.make(sigmoid, "glu", False, "a * sigmoid(b)",
                "    >>> fa.glu(np.array([1.0, 2.0, 0.0, 0.0]))\n    array([0.5, 1. ])")
swiglu = _glu.make(silu, "swiglu", True, "silu(a) * b",
                   "    >>> fa.swiglu(np.array([0.0, 1.0, 3.0, 2.0])).round(4)\n    array([0.    , 1.4621])")
geglu = _glu.make(gelu, "geglu", True, "gelu(a) * b",
                  "    >>> fa.geglu(np.array([1.0, 2.0])).round(4)\n    array([1.6827])")
reglu = _glu.make(relu, "reglu", True, "relu(a) * b",
                  "    >>> fa.reglu(np.array([-1.0, 3.0, 5.0, 7.0]))\n    array([ 0., 21.])")


# The public ops by family, in the order listings give them.
_FAMILIES = {
    "elementwise": lambda: list(_OPS),
    "prelu": lambda: ["prelu", "rrelu"],
    "rowwise": lambda: ["softmax", "log_softmax", "softmin", "logsumexp"],
    "gated": lambda: ["glu", "swiglu", "geglu", "reglu"],
    "loss": lambda: ["cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "kl_div", "binary_cross_entropy"],
}


def ops(family: "str | None" = None) -> "list[str]":
    """Names of the public ops: every one (``family=None``), or one family's: ``"elementwise"``
    (the activations with ``derivative``/``backward``), ``"prelu"`` (prelu, rrelu), ``"rowwise"``
    (softmax, log_softmax, softmin, logsumexp), ``"gated"`` (the GLU family) or ``"loss"``. ``fastact.get`` takes each name,
    and the labels of ``variants()``."""
    if family is None:
        return [name for names in _FAMILIES.values() for name in names()]
    if family not in _FAMILIES:
        raise ValueError(f"ops: family must be None or one of {', '.join(map(repr, _FAMILIES))}, got {family!r}")
    return _FAMILIES[family]()


def variants() -> "list[str]":
    """Every elementwise op under its label, and each other kernel a choice parameter selects:
    ``gelu[tanh]`` is gelu with approximate="tanh" (the names ``python -m fastact check`` and
    ``bench`` take)."""
    return list(_cases())


def get(name: str) -> "Activation | Gated | PReLU | RReLU | Softmax | LogSoftmax | Softmin | LogSumExp | CrossEntropy | BinaryCrossEntropyWithLogits | NLLLoss | KLDiv | BinaryCrossEntropy":
    """The public op called ``name`` (``fastact.get("sigmoid") is fastact.sigmoid``), or the variant a
    label names (``fastact.get("gelu[tanh]")``: gelu with approximate="tanh" as its default)."""
    if not isinstance(name, str):
        raise TypeError(f"get: name must be a str, got {type(name).__name__}")
    if name in ops():
        return globals()[name]
    cases = _cases()
    if name in cases:
        return cases[name]
    raise ValueError(f"unknown op {name!r}; available: {', '.join(ops())} and the labels {', '.join(cases.keys() - _OPS.keys())}")


def _cases() -> dict:
    return dict(_all_cases())


@_functools.lru_cache(maxsize=None)
def _all_cases() -> dict:
    """Every op under its label, and each other value of a kernel-selecting choice as a variant
    (``gelu[tanh]`` is gelu with approximate="tanh"): what ``check``, ``bench``, the benchmarks
    and the tests enumerate, so every compiled kernel is measured."""
    cases = {}
    for op in _OPS.values():
        for params in op.spec.variants():
            variant = op._variant(**params) if params else op
            cases[variant.label] = variant
    return cases


def cpu_info() -> "dict[str, object]":
    """The instruction set in use (``'avx512'``, ``'avx2'`` or ``'scalar'``; ``FASTACT_ISA`` overrides it at
    import), the ones compiled in and runnable here, the threads a call may use and the CPUs
    this process may run on."""
    return dict(_core.cpu_info())


__all__ = ["Activation", "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "CrossEntropy", "Gated", "KLDiv",
           "LogSoftmax", "LogSumExp", "NLLLoss", "PReLU", "RReLU", "Softmax", "Softmin",
           "accuracy", "analysis", "demo", "plot", "cpu_info", "get", "get_num_threads", "ops", "reference", "set_num_threads", "max_num_threads", "variants",
           *ops()]
