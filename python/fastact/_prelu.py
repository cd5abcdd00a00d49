"""PReLU: leaky ReLU with a learnable slope per channel.

    prelu(x, alpha, axis=1) = x where x > 0, alpha[c] * x elsewhere (c = the index along ``axis``)

``alpha`` is one value per channel (shape ``(x.shape[axis],)``) or a scalar (one slope for all).
``backward(g, x, alpha, axis=1)`` returns ``(gx, galpha)``: gx = g * prelu'(x), and galpha, of
alpha's shape, sums g * x over the elements where x <= 0, on every axis but the channel axis
(accumulated in float64). prelu'(0) = alpha (as leaky_relu, as PyTorch). Exact, like leaky_relu:
alpha is rounded to x's dtype. Every call is the core type's (cpp/src/prelu_op.cpp), which runs
the leaky_relu kernels once per channel block.
"""

from __future__ import annotations

import inspect

from . import _core, reference
from ._by_name import ByName


class PReLU(ByName, _core.PReluOp):
    """prelu(x) = x where x > 0, alpha[c] * x elsewhere: leaky ReLU with one learnable slope per
    channel c (the index along ``axis``; a scalar alpha is one slope for all).

    Example
    -------
    >>> x = np.array([[-1.0, 2.0], [-3.0, -4.0]])
    >>> fa.prelu(x, np.array([0.1, 0.2]), axis=1)
    array([[-0.1,  2. ],
           [-0.3, -0.8]])
    >>> gx, galpha = fa.prelu.backward(np.ones_like(x), x, np.array([0.1, 0.2]), axis=1)
    >>> galpha
    array([-4., -4.])
    """

    name = "prelu"
    __signature__ = inspect.signature(lambda x, /, alpha=0.25, axis=1, *, out=None: None)

    def __repr__(self) -> str:
        return "<fastact activation prelu(x, alpha, axis=1)>"

    def reference(self, x, alpha=0.25, axis=1):
        """The float64 NumPy reference."""
        return reference.prelu(x, alpha, axis)

    def reference_derivative(self, x, alpha=0.25, axis=1):
        return reference.prelu_derivative(x, alpha, axis)
