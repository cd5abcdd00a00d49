"""NumPy reference implementations of every op's forward and derivative.

These are the yardstick the tests and ``python -m fastact check`` measure fastact against, so
they use numerically stable formulas, never the textbook ones that overflow or cancel:
sigmoid and its derivative from ``e = exp(-|x|)``, tanh' as ``4e/(1+e)^2`` with ``e = exp(-2|x|)``.

They compute in float64 (inputs of other dtypes are converted), or in ``np.longdouble`` when
given a longdouble array (the tests do that to measure float64 results in ULP). They are plain
NumPy: correct, readable and slow.

Derivative conventions at kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha,
hardtanh'(min_val) = hardtanh'(max_val) = 0. NaN in gives NaN out, derivatives included.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "relu", "relu_derivative",
    "leaky_relu", "leaky_relu_derivative",
    "hardtanh", "hardtanh_derivative",
    "relu6", "relu6_derivative",
    "sigmoid", "sigmoid_derivative",
    "tanh", "tanh_derivative",
]  # fmt: skip


def _wide(x) -> np.ndarray:
    a = np.asarray(x)
    return a if a.dtype == np.longdouble else a.astype(np.float64)


def _step(x: np.ndarray, condition: np.ndarray, inside, outside) -> np.ndarray:
    """``inside`` where condition holds, ``outside`` elsewhere, NaN where x is NaN; in x's dtype."""
    t = x.dtype.type
    return np.where(np.isnan(x), x, np.where(condition, t(inside), t(outside)))


def relu(x):
    """max(x, 0)"""
    x = _wide(x)
    return np.maximum(x, x.dtype.type(0))


def relu_derivative(x):
    x = _wide(x)
    return _step(x, x > 0, 1, 0)


def leaky_relu(x, alpha=0.01):
    """x for x > 0, alpha*x otherwise"""
    x = _wide(x)
    return np.where(x > 0, x, x.dtype.type(alpha) * x)


def leaky_relu_derivative(x, alpha=0.01):
    x = _wide(x)
    return _step(x, x > 0, 1, alpha)


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """min(max(x, min_val), max_val)"""
    x = _wide(x)
    t = x.dtype.type
    return np.minimum(np.maximum(x, t(min_val)), t(max_val))


def hardtanh_derivative(x, min_val=-1.0, max_val=1.0):
    x = _wide(x)
    return _step(x, (x > min_val) & (x < max_val), 1, 0)


def relu6(x):
    """min(max(x, 0), 6)"""
    return hardtanh(x, 0.0, 6.0)


def relu6_derivative(x):
    return hardtanh_derivative(x, 0.0, 6.0)


def sigmoid(x):
    """1 / (1 + exp(-x)), as 1/(1+e) for x >= 0 and e/(1+e) for x < 0, e = exp(-|x|)"""
    x = _wide(x)
    e = np.exp(-np.abs(x))
    return np.where(x < 0, e, x.dtype.type(1)) / (1 + e)


def sigmoid_derivative(x):
    """sigmoid(x) * (1 - sigmoid(x)) = e / (1 + e)^2, e = exp(-|x|)"""
    x = _wide(x)
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


def tanh(x):
    x = _wide(x)
    return np.tanh(x)


def tanh_derivative(x):
    """1 - tanh(x)^2 = 4e / (1 + e)^2, e = exp(-2|x|)"""
    x = _wide(x)
    e = np.exp(-2 * np.abs(x))
    return 4 * e / (1 + e) ** 2
