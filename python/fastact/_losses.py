"""Losses on logits, always through log-softmax / softplus (never softmax then log):

    cross_entropy(logits, target, axis=-1, reduction="mean", label_smoothing=0.0, weight=None,
                  ignore_index=None)
    binary_cross_entropy_with_logits(logits, target, reduction="mean", pos_weight=None, weight=None)

with the semantics of ``torch.nn.functional.cross_entropy`` and
``binary_cross_entropy_with_logits`` (class axis ``axis`` instead of PyTorch's dim 1). Each has
``.backward(logits, target, ..., g=1.0)`` returning d loss / d logits times the upstream ``g``
(a scalar for "mean"/"sum", the loss's shape for "none"). Sums are accumulated in float64; the
result has the logits' dtype. Every call is the core type's (cpp/src/loss_op.cpp); this module
adds the documentation and signatures.
"""

from __future__ import annotations

import inspect

from . import _core
from ._by_name import ByName


class _Loss(ByName, _core.LossOp):
    name: str

    def __init__(self):
        super().__init__()
        self._configure(_core.LOSS_KINDS[self.name])


class CrossEntropy(_Loss):
    """cross_entropy(logits, target) = -sum(target distribution * log_softmax(logits)) along ``axis``,
    reduced over the samples: softmax cross-entropy on logits, computed from log_softmax (stable
    for any logit), with PyTorch's semantics.

    ``target``: integer class indices (the logits' shape without ``axis``), or class probabilities
    (the logits' shape, floating point). ``weight``: one rescaling weight per class. "mean" divides
    by the summed weights of the non-ignored targets (class indices) or by the number of samples
    (probabilities), as PyTorch does. ``label_smoothing`` ε mixes the target with the uniform
    distribution: (1 - ε) target + ε / C. Out-of-range class indices are a ValueError.

    ``cross_entropy.backward(logits, target, ..., g=1.0)`` = d loss / d logits: (softmax - target
    distribution), weighted and scaled as the reduction says.

    Example
    -------
    >>> round(float(fa.cross_entropy(np.array([[2.0, 1.0, 0.5, 0.1]]), np.array([0]))), 4)
    0.5542
    """

    name = "cross_entropy"
    __signature__ = inspect.signature(lambda logits, target, axis=-1, reduction="mean", label_smoothing=0.0,
                                      weight=None, ignore_index=None: None)

    def __repr__(self) -> str:
        return "<fastact loss cross_entropy(logits, target, axis=-1, reduction='mean')>"


class BinaryCrossEntropyWithLogits(_Loss):
    """binary_cross_entropy_with_logits(x, t) = -[pw t log σ(x) + (1 - t) log(1 - σ(x))], computed as
    (1 - t) x + (1 + (pw - 1) t) softplus(-x), stable for every logit (softplus has no overflow and no threshold). ``pos_weight`` broadcasts
    against the target (one per class along the last axis), as in PyTorch. ``weight`` rescales each
    element's loss (broadcast against the logits, as PyTorch's ``weight``); "mean" still divides by
    the number of elements.

    ``binary_cross_entropy_with_logits.backward(logits, target, ..., g=1.0)`` = (1 - t) -
    (1 + (pw - 1) t) σ(-x), scaled as the reduction says (σ(x) - t without pos_weight).

    Example
    -------
    >>> round(float(fa.binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0]))), 4)
    0.6931
    """

    name = "binary_cross_entropy_with_logits"
    __signature__ = inspect.signature(lambda logits, target, reduction="mean", pos_weight=None, weight=None: None)

    def __repr__(self) -> str:
        return "<fastact loss binary_cross_entropy_with_logits(logits, target, reduction='mean')>"


for _cls, _arguments in ((CrossEntropy, 'logits, target, axis=-1, reduction="mean", label_smoothing=0.0, '
                                        'weight=None, ignore_index=None, g=None'),
                         (BinaryCrossEntropyWithLogits,
                          'logits, target, reduction="mean", pos_weight=None, g=None, weight=None')):
    _cls.backward = _core.op_method(_cls, "backward",
                                    f"backward($self, {_arguments})\n--\n\n{_core.LossOp.backward.__doc__}")
