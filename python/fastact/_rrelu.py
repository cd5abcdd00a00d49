"""rrelu: the randomized leaky ReLU (``torch.nn.functional.rrelu``).

In evaluation (``training=False``) it is leaky_relu with the mean slope (lower + upper) / 2, on
the compiled kernel. In training each element with x < 0 gets its own slope, drawn uniformly from
[lower, upper) by a NumPy Generator (``rng=``, or ``seed=`` for a new one), and the call returns
``(y, slopes)``: ``slopes`` is dy/dx (the drawn slope where x < 0, 1 elsewhere), which the
backward pass takes back, so forward and backward use the same draw. It takes NumPy arrays (and
what NumPy converts); the PyTorch and JAX wrappers have their own rrelu with their own RNGs.
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from . import _interop
from ._by_name import ByName
from ._real_input import real_array


def _check_bounds(lower, upper) -> tuple[float, float]:
    for name, v in (("lower", lower), ("upper", upper)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise ValueError(f"rrelu: {name} must be a finite real number, got {v!r}")
    if lower > upper:
        raise ValueError(f"rrelu: lower must be <= upper, got lower={lower!r}, upper={upper!r}")
    return float(lower), float(upper)


def _floating(x, name: str) -> np.ndarray:
    if _interop.library_of((x,), {}) in ("torch", "jax", "dask"):  # pandas and DLPack NumPy reads itself
        raise TypeError(f"rrelu: {name} must be a NumPy array (got {type(x).__module__}.{type(x).__name__}); "
                        "PyTorch and JAX have their own rrelu")
    return real_array(x, "rrelu", name)


class RReLU(ByName):
    """rrelu(x) = x for x >= 0, a x for x < 0: a = (lower + upper) / 2 in evaluation (leaky_relu);
    in training (``training=True``) one a per element drawn uniformly from [lower, upper), returned
    with the result as ``(y, slopes)`` (slopes = dy/dx: a where x < 0, 1 elsewhere).

    ``rng``: the NumPy Generator to draw from, or ``seed`` for ``np.random.default_rng(seed)``
    (neither: fresh entropy, a different draw each call). ``slopes``: a draw to reuse instead
    (x's shape). ``rrelu.backward(g, x, slopes=None, lower=, upper=)`` = g * slopes, or
    leaky_relu's backward with the mean slope when no slopes are given (evaluation).

    Example
    -------
    >>> fa.rrelu(np.array([-3.0, 2.0]))  # evaluation: slope (1/8 + 1/3) / 2
    array([-0.6875,  2.    ])
    >>> y, s = fa.rrelu(np.array([-3.0, 2.0]), training=True, seed=0)
    >>> bool(np.all(y == s * np.array([-3.0, 2.0])))
    True
    """

    name = "rrelu"
    __signature__ = inspect.signature(lambda x, /, lower=1 / 8, upper=1 / 3, training=False, *, rng=None,
                                      seed=None, slopes=None, out=None: None)

    def __repr__(self) -> str:
        return "<fastact op rrelu(x, lower=0.125, upper=0.3333333333333333, training=False)>"

    def __call__(self, x, /, lower=1 / 8, upper=1 / 3, training=False, *, rng=None, seed=None, slopes=None,
                 out=None):
        from . import leaky_relu

        lower, upper = _check_bounds(lower, upper)
        if not isinstance(training, (bool, np.bool_)):
            raise TypeError(f"rrelu: training must be a bool, got {type(training).__name__}")
        a = _floating(x, "x")
        if not training:
            if rng is not None or seed is not None or slopes is not None:
                raise ValueError("rrelu: rng=, seed= and slopes= apply in training mode only (training=True)")
            return leaky_relu(a, alpha=(lower + upper) / 2, out=out)
        if out is not None:
            raise TypeError("rrelu: out= applies in evaluation mode only (training returns new y and slopes)")
        s = self._slopes(a, lower, upper, rng, seed) if slopes is None else self._given(slopes, a)
        return a * s, s

    def backward(self, g, x, /, slopes=None, lower=1 / 8, upper=1 / 3):
        """The gradient with respect to x: g * slopes (training), or g times leaky_relu's derivative
        with the mean slope (evaluation, no slopes)."""
        from . import leaky_relu

        lower, upper = _check_bounds(lower, upper)
        a = _floating(x, "x")
        if slopes is None:
            return leaky_relu.backward(g, a, alpha=(lower + upper) / 2)
        ga = _floating(g, "g")
        if ga.shape != a.shape:
            raise ValueError(f"rrelu.backward: g must have x's shape {a.shape}, got {ga.shape}")
        return ga * self._given(slopes, a)

    @staticmethod
    def _slopes(a: np.ndarray, lower: float, upper: float, rng, seed) -> np.ndarray:
        if rng is not None and seed is not None:
            raise ValueError("rrelu: give rng= or seed=, not both")
        if rng is None:
            rng = np.random.default_rng(seed)
        elif not isinstance(rng, np.random.Generator):
            raise TypeError(f"rrelu: rng must be a numpy.random.Generator, got {type(rng).__name__}")
        draw = rng.uniform(lower, upper, size=a.shape).astype(a.dtype)
        return np.where(a < 0, draw, a.dtype.type(1))

    @staticmethod
    def _given(slopes, a: np.ndarray) -> np.ndarray:
        s = _floating(slopes, "slopes")
        if s.shape != a.shape:
            raise ValueError(f"rrelu: slopes must have x's shape {a.shape}, got {s.shape}")
        return s.astype(a.dtype, copy=False)
