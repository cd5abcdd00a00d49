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
    "threshold", "threshold_derivative", "hardshrink", "hardshrink_derivative",
    "softshrink", "softshrink_derivative", "squared_relu", "squared_relu_derivative",
    "sparse_sigmoid", "sparse_sigmoid_derivative", "sparse_plus", "sparse_plus_derivative",
    "squareplus", "squareplus_derivative",
    "sigmoid", "sigmoid_derivative",
    "tanh", "tanh_derivative", "tanhshrink", "tanhshrink_derivative",
    "elu", "elu_derivative", "selu", "selu_derivative", "celu", "celu_derivative",
    "softsign", "softsign_derivative", "hardsigmoid", "hardsigmoid_derivative",
    "hardswish", "hardswish_derivative",
    "silu", "silu_derivative", "swish", "swish_derivative", "swish_param_derivative",
    "quick_gelu", "quick_gelu_derivative",
    "softplus", "softplus_derivative", "log_sigmoid", "log_sigmoid_derivative", "log1mexp", "log1mexp_derivative",
    "mish", "mish_derivative", "gelu", "gelu_derivative", "normal_upper_tail",
    "prelu", "prelu_derivative",
    "softmax", "log_softmax", "softmax_backward", "log_softmax_backward", "logsumexp",
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


def threshold(x, threshold=0.0, value=0.0):
    """x for x > threshold, value otherwise (NaN stays NaN)"""
    x = _wide(x)
    t = x.dtype.type
    return np.where(x <= t(threshold), t(value), x)


def threshold_derivative(x, threshold=0.0, value=0.0):
    x = _wide(x)
    return _step(x, x > x.dtype.type(threshold), 1, 0)


def hardshrink(x, lambd=0.5):
    """x for |x| > lambd, 0 otherwise"""
    x = _wide(x)
    t = x.dtype.type
    return np.where(np.abs(x) <= t(lambd), t(0), x)


def hardshrink_derivative(x, lambd=0.5):
    x = _wide(x)
    return _step(x, np.abs(x) > x.dtype.type(lambd), 1, 0)


def softshrink(x, lambd=0.5):
    """x - lambd for x > lambd, x + lambd for x < -lambd, 0 between"""
    x = _wide(x)
    t = x.dtype.type
    return np.where(np.abs(x) <= t(lambd), t(0), x - np.sign(x) * t(lambd))


def softshrink_derivative(x, lambd=0.5):
    x = _wide(x)
    return _step(x, np.abs(x) > x.dtype.type(lambd), 1, 0)


def squared_relu(x):
    """max(x, 0)^2"""
    x = _wide(x)
    with np.errstate(over="ignore"):
        return np.maximum(x, x.dtype.type(0)) ** 2


def squared_relu_derivative(x):
    """2 max(x, 0)"""
    x = _wide(x)
    return 2 * np.maximum(x, x.dtype.type(0))


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 between, 1 for x >= 1"""
    x = _wide(x)
    return np.clip((x + 1) / 2, 0, 1)


def sparse_sigmoid_derivative(x):
    x = _wide(x)
    return _step(x, (x > -1) & (x < 1), 0.5, 0)


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 between, x for x >= 1"""
    x = _wide(x)
    t = x.dtype.type
    return np.where(np.isnan(x) | (x >= 1), x, np.where(x > -1, (x + 1) ** 2 / 4, t(0)))


def sparse_plus_derivative(x):
    """sparse_sigmoid(x)"""
    return sparse_sigmoid(x)


def squareplus(x, b=4.0):
    """(x + sqrt(x^2 + b)) / 2, as b / (2 (sqrt(x^2 + b) - x)) for x < 0 (no cancellation); x^2
    never formed for large |x| (hypot)"""
    x = _wide(x)
    b = x.dtype.type(b)
    s = np.hypot(x, np.sqrt(b))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return np.where(x >= 0, (x + s) / 2, (b / 4) / (s / 2 - x / 2))


def squareplus_derivative(x, b=4.0):
    """(1 + x / s) / 2; for x < 0, squareplus(x) / s"""
    x = _wide(x)
    s = np.hypot(x, np.sqrt(x.dtype.type(b)))
    with np.errstate(invalid="ignore", over="ignore"):
        ratio = np.where(np.isinf(x), x.dtype.type(1), np.abs(x) / s)
        return np.where(x >= 0, (1 + ratio) / 2, squareplus(x, b) / s)


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


def tanhshrink(x):
    """x - tanh(x) = (x cosh x - sinh x) / cosh x; for |x| < 1 the numerator is the series
    sum_k 2k x^(2k+1) / (2k+1)! of positive terms (nothing cancels; 13 terms reach 1e-22 of the
    first), above it (|x| - 1) + 2e / (1 + e), e = exp(-2|x|), two terms >= 0."""
    x = _wide(x)
    ax = np.abs(x)
    small = np.minimum(ax, 1)
    s = small * small
    numerator = np.zeros_like(x)
    term = small.copy()  # x^(2k+1) / (2k+1)!
    for k in range(1, 14):
        term = term * s / ((2 * k) * (2 * k + 1))
        numerator = numerator + (2 * k) * term
    e = np.exp(-2 * ax)
    with np.errstate(invalid="ignore"):
        large = (ax - 1) + 2 * e / (1 + e)
    return np.copysign(np.where(ax < 1, numerator / np.cosh(small), large), x)


def tanhshrink_derivative(x):
    """tanh(x)^2"""
    return tanh(x) ** 2


# The exponential linear family (x <= 0 branch: PyTorch's convention at 0).

SELU_LAMBDA = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772


def elu(x, alpha=1.0):
    """x for x > 0, alpha * expm1(x) otherwise"""
    x = _wide(x)
    return np.where(x > 0, x, x.dtype.type(alpha) * np.expm1(np.minimum(x, 0)))


def elu_derivative(x, alpha=1.0):
    x = _wide(x)
    return np.where(np.isnan(x), x, np.where(x > 0, x.dtype.type(1), x.dtype.type(alpha) * np.exp(np.minimum(x, 0))))


def selu(x):
    """lambda * elu(x, alpha) with the self-normalising constants"""
    x = _wide(x)
    t = x.dtype.type
    return t(SELU_LAMBDA) * np.where(x > 0, x, t(SELU_ALPHA) * np.expm1(np.minimum(x, 0)))


def selu_derivative(x):
    x = _wide(x)
    t = x.dtype.type
    return np.where(np.isnan(x), x, t(SELU_LAMBDA) * np.where(x > 0, t(1), t(SELU_ALPHA) * np.exp(np.minimum(x, 0))))


def celu(x, alpha=1.0):
    """max(0, x) + min(0, alpha * expm1(x / alpha))"""
    x = _wide(x)
    a = x.dtype.type(alpha)
    with np.errstate(over="ignore"):
        return np.where(x > 0, x, a * np.expm1(np.where(x > 0, 0, x) / a))


def celu_derivative(x, alpha=1.0):
    x = _wide(x)
    a = x.dtype.type(alpha)
    with np.errstate(over="ignore"):
        return np.where(np.isnan(x), x, np.where(x > 0, x.dtype.type(1), np.exp(np.where(x > 0, 0, x) / a)))


# Rational and piecewise ops.


def softsign(x):
    """x / (1 + |x|), +-1 at +-inf"""
    x = _wide(x)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))


def softsign_derivative(x):
    """1 / (1 + |x|)^2"""
    x = _wide(x)
    with np.errstate(over="ignore"):
        return 1 / (1 + np.abs(x)) ** 2


def hardsigmoid(x):
    """relu6(x + 3) / 6"""
    x = _wide(x)
    return np.clip((x + 3) / 6, 0, 1)


def hardsigmoid_derivative(x):
    x = _wide(x)
    return _step(x, (x > -3) & (x < 3), x.dtype.type(1) / 6, 0)


def hardswish(x):
    """x * relu6(x + 3) / 6"""
    x = _wide(x)
    return np.where(x <= -3, x.dtype.type(0), np.where(x >= 3, x, x * (x + 3) / 6))


def hardswish_derivative(x):
    """0 for x <= -3, 1 for x >= 3, (2x + 3) / 6 between (hardswish'(-3) = 0, (3) = 1)"""
    x = _wide(x)
    return np.where(x <= -3, x.dtype.type(0), np.where(x >= 3, x.dtype.type(1), (2 * x + 3) / 6))


# The sigmoid-gated family.


def silu(x):
    """x * sigmoid(x)"""
    return swish(x, 1.0)


def silu_derivative(x):
    """sigmoid(x) * (1 + x * sigmoid(-x))"""
    return swish_derivative(x, 1.0)


def swish(x, beta=1.0):
    """x * sigmoid(beta * x); at x = +-inf the limit (0 where sigmoid(beta x) -> 0)"""
    x = _wide(x)
    z = x.dtype.type(beta) * x
    with np.errstate(invalid="ignore"):
        y = x * sigmoid(z)
    limit = np.where(z > 0, x, np.where(z < 0, x.dtype.type(0), x / 2))
    return np.where(np.isinf(x), limit, y)


def quick_gelu(x, beta=1.702):
    """x * sigmoid(1.702 x): swish with beta = 1.702 (the caller rounds beta to the dtype)"""
    return swish(x, beta)


def quick_gelu_derivative(x, beta=1.702):
    return swish_derivative(x, beta)


def swish_derivative(x, beta=1.0):
    """sigmoid(z) * (1 + z * sigmoid(-z)), z = beta * x"""
    x = _wide(x)
    z = x.dtype.type(beta) * x
    with np.errstate(invalid="ignore"):
        d = sigmoid(z) * (1 + z * sigmoid(-z))
    # At +-inf the product z * sigmoid(-z) is inf * 0: its limit is 0.
    return np.where(np.isinf(z), np.where(z > 0, x.dtype.type(1), x.dtype.type(0)), d)


def swish_param_derivative(x, beta=1.0):
    """d swish / d beta = x^2 * sigmoid'(beta * x)"""
    x = _wide(x)
    z = x.dtype.type(beta) * x
    with np.errstate(invalid="ignore", over="ignore"):
        d = x * (x * sigmoid_derivative(z))
    return np.where(np.isinf(x), x.dtype.type(0), d)


# GELU. NumPy has no erf, so Phi(-a) is computed here from two series that need no cancellation
# beyond what the result's size implies.


def _exp_minus_half_square(a: np.ndarray) -> np.ndarray:
    """exp(-a^2/2) with a^2 split exactly (Veltkamp): a rounded a^2 would cost |a^2| ULPs of
    relative error in the exponential at a = 38."""
    t = a.dtype.type
    split = t(2.0 ** ((np.finfo(a.dtype).nmant + 2) // 2) + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        c = split * a
        hi = np.where(np.isfinite(c), c - (c - a), a)
        lo = np.where(np.isfinite(a), a - hi, t(0))
        head = np.exp(-(hi * hi) / 2)
        return np.where(head == 0, t(0), head * np.exp(-(hi * lo + lo * lo / 2)))


def normal_upper_tail(a):
    """Phi(-a) = P(N(0, 1) > a) for a >= 0 (NaN for a < 0).

    a <= 2: 1/2 - phi(a) (a + a^3/3 + a^5/(3*5) + ...), positive terms (Marsaglia), losing at
    most 1.3 digits to the subtraction (Phi(-2) = 0.023). a > 2: phi(a) / (a + 1/(a + 2/(a + 3/(a
    + ...)))), Laplace's continued fraction for the Mills ratio, evaluated from the bottom with
    enough terms for full extended precision at a = 2 (checked against mpmath in the tests)."""
    a = _wide(a)
    t = a.dtype.type
    result = np.where(np.isinf(a), t(0), np.where(a >= 0, t(0.5), t(np.nan)))
    # Each formula runs only where it is needed, with as many terms as that range needs (the
    # exhaustive float32 check calls this 2^32 times): below 2^-20 the series' third term is
    # under 2^-80 of the first; above 40 the continued fraction converges within 40 terms.
    with np.errstate(all="ignore"):
        for subset, terms in (((a > 0) & (a <= 2.0**-20), 2), ((a > 2.0**-20) & (a <= 2), 80)):
            x = a[subset]
            term, total = x, x.copy()
            for n in range(1, terms):
                term = term * x * x / (2 * n + 1)
                total = total + term
            result[subset] = t(0.5) - _exp_minus_half_square(x) / np.sqrt(2 * _pi(t)) * total
        for subset, terms in (((a > 2) & (a <= 40), 400), ((a > 40) & np.isfinite(a), 40)):
            x = a[subset]
            v = x.copy()
            for k in range(terms, 0, -1):
                v = x + k / v
            result[subset] = _exp_minus_half_square(x) / np.sqrt(2 * _pi(t)) / v
    return result


def _pi(t):
    return t("3.14159265358979323846264338327950288") if t is np.longdouble else t(np.pi)


def _gelu_tanh_gate(x):
    """z = 2 sqrt(2/pi) (x + 0.044715 x^3) and w = x z'(x) = 2 sqrt(2/pi) (x + 3 * 0.044715 x^3)."""
    t = x.dtype.type
    k1 = 2 * np.sqrt(2 / _pi(t))
    c = t("0.044715") if t is np.longdouble else t(0.044715)
    with np.errstate(over="ignore", invalid="ignore"):
        x3 = x * x * x
        return k1 * (x + c * x3), k1 * (x + 3 * c * x3)


def gelu(x, approximate="none"):
    """x Phi(x) = -a Phi(-a) for x < 0 (a = |x|), x (1 - Phi(-x)) for x >= 0.
    approximate="tanh": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) = x sigmoid(z),
    z = 2 sqrt(2/pi) (x + 0.044715 x^3), with no 1 + tanh cancellation."""
    x = _wide(x)
    t = x.dtype.type
    if approximate == "tanh":
        z, _ = _gelu_tanh_gate(x)
        with np.errstate(invalid="ignore"):
            y = x * sigmoid(z)
        return np.where(np.isinf(x), np.where(x > 0, x, t(0)), y)
    tail = normal_upper_tail(np.abs(x))
    with np.errstate(invalid="ignore"):
        y = np.where(x < 0, x * tail, x * (1 - tail))
    return np.where(np.isinf(x), np.where(x > 0, x, t(0)), y)


def gelu_derivative(x, approximate="none"):
    """Phi(x) + x phi(x); with approximate="tanh", sigmoid(z) (1 + w sigmoid(-z)), w = x z'(x),
    as e (1 + e + w) / (1 + e)^2 for z < 0 and (1 + e (1 + w)) / (1 + e)^2 for z >= 0, e = exp(-|z|)."""
    x = _wide(x)
    t = x.dtype.type
    if approximate == "tanh":
        z, w = _gelu_tanh_gate(x)
        with np.errstate(all="ignore"):
            e = np.exp(-np.abs(z))
            d = np.where(z < 0, e * (1 + e + w), 1 + e * (1 + w)) / (1 + e) ** 2
        return np.where(np.isinf(x), np.where(x > 0, t(1), t(0)), d)
    a = np.abs(x)
    tail = normal_upper_tail(a)
    with np.errstate(invalid="ignore"):
        phi = _exp_minus_half_square(a) / np.sqrt(2 * _pi(t))
        d = np.where(x < 0, tail - a * phi, 1 - tail + a * phi)
    return np.where(np.isinf(x), np.where(x > 0, t(1), t(0)), d)


# softplus and log_sigmoid.


def softplus(x, beta=1.0):
    """log(1 + exp(beta x)) / beta = (max(z, 0) + log1p(exp(-|z|))) / beta, z = beta x"""
    x = _wide(x)
    b = x.dtype.type(beta)
    z = b * x
    with np.errstate(invalid="ignore"):
        return (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / b


def softplus_derivative(x, beta=1.0):
    """sigmoid(beta x)"""
    x = _wide(x)
    return sigmoid(x.dtype.type(beta) * x)


def log_sigmoid(x):
    """-softplus(-x) = min(x, 0) - log1p(exp(-|x|))"""
    x = _wide(x)
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def log_sigmoid_derivative(x):
    """sigmoid(-x)"""
    x = _wide(x)
    return sigmoid(-x)


def log1mexp(x):
    """log(1 - exp(-|x|)): log(-expm1(-|x|)) below ln2, log1p(-exp(-|x|)) above; -inf at 0"""
    a = np.abs(_wide(x))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(a < np.log(a.dtype.type(2)), np.log(-np.expm1(-a)), np.log1p(-np.exp(-a)))


def log1mexp_derivative(x):
    """sign(x) / expm1(|x|)"""
    x = _wide(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.copysign(1 / np.expm1(np.abs(x)), x)


def mish(x):
    """x * tanh(softplus(x))"""
    x = _wide(x)
    with np.errstate(invalid="ignore"):
        y = x * np.tanh(softplus(x))
    return np.where(np.isinf(x), np.where(x > 0, x, x.dtype.type(0)), y)


def mish_derivative(x):
    """tanh(sp) + x * sech(sp)^2 * sigmoid(x), sp = softplus(x); sech^2 = 1 - tanh^2 = 4(n+1)/(n+2)^2"""
    x = _wide(x)
    t = np.tanh(softplus(x))
    with np.errstate(invalid="ignore", over="ignore"):  # cosh overflows to inf: sech^2 -> 0, right
        sech2 = 1 / np.cosh(softplus(x)) ** 2
        d = t + x * sech2 * sigmoid(x)
    return np.where(np.isinf(x), np.where(x > 0, x.dtype.type(1), x.dtype.type(0)), d)


def _channel_alpha(x, alpha, axis):
    a = np.asarray(alpha, dtype=x.dtype)
    if a.ndim == 0:
        return a
    shape = [1] * x.ndim
    shape[axis] = -1
    return a.reshape(shape)


def prelu(x, alpha, axis=1):
    """x for x > 0, alpha[c] * x otherwise, c the index along ``axis``"""
    x = _wide(x)
    return np.where(x > 0, x, _channel_alpha(x, alpha, axis) * x)


def prelu_derivative(x, alpha, axis=1):
    x = _wide(x)
    a = np.broadcast_to(_channel_alpha(x, alpha, axis), x.shape)
    return np.where(np.isnan(x), x, np.where(x > 0, x.dtype.type(1), a))


# -- row-wise ops (softmax family) ---------------------------------------------------------------
# The same special-row rules as the kernels (README "Softmax"): NaN anywhere -> NaN row; a row of
# -inf only -> NaN (softmax with safe=True: zeros); +inf present -> the +inf entries share the
# mass, every other entry gets 0 (log_softmax: -log k and -inf).


def _shifted_by_row_max(x, axis):
    """(x - max) along ``axis``, with the +inf rule applied, and the row maxima (keepdims)."""
    x = _wide(x)
    with np.errstate(invalid="ignore"):
        m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros_like(x)
        d = x - m
        d = np.where((x == m) & (m == np.inf), 0.0, d)
    return d, m


def softmax(x, axis=-1, safe=False):
    """exp(x - max) / sum(exp(x - max)) along ``axis``."""
    d, m = _shifted_by_row_max(x, axis)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        e = np.exp(d)
        y = e / np.sum(e, axis=axis, keepdims=True)
    if safe:
        empty = (m == -np.inf) & ~np.isnan(x).any(axis=axis, keepdims=True)
        y = np.where(empty, 0.0, y)
    return y


def log_softmax(x, axis=-1):
    """(x - max) - log(sum(exp(x - max))) along ``axis``."""
    d, _ = _shifted_by_row_max(x, axis)
    with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):
        return d - np.log(np.sum(np.exp(d), axis=axis, keepdims=True))


def softmax_backward(g, y, axis=-1):
    """The vector-Jacobian product of softmax from its output: y * (g - sum(g * y))."""
    g, y = _wide(g), _wide(y)
    with np.errstate(invalid="ignore", over="ignore"):
        return y * (g - np.sum(g * y, axis=axis, keepdims=True))


def log_softmax_backward(g, y, axis=-1):
    """The vector-Jacobian product of log_softmax from its output: g - exp(y) * sum(g)."""
    g, y = _wide(g), _wide(y)
    with np.errstate(invalid="ignore", over="ignore"):
        return g - np.exp(y) * np.sum(g, axis=axis, keepdims=True)


def logsumexp(x, axis=-1, keepdims=False):
    """m + log(sum(exp(x - m))), m the maximum along axis (0 where it is +-inf or NaN, so a row of
    -inf gives -inf and a row with +inf gives +inf)"""
    x = _wide(x)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, x.dtype.type(0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return r if keepdims else (np.squeeze(r, axis=axis) if axis is not None else r.reshape(()))
