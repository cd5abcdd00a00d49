"""Losses on probabilities and log-probabilities, with the semantics of ``torch.nn.functional``:

    nll_loss(log_probs, target, axis=-1, reduction="mean", weight=None, ignore_index=None)
    kl_div(input, target, reduction="mean", log_target=False)
    binary_cross_entropy(probs, target, reduction="mean", weight=None)

Each has ``.backward(first, target, ..., g=1.0)``: d loss / d first argument times the upstream
``g`` (a scalar for "mean"/"sum"/"batchmean", the loss's shape for "none"). The arithmetic is a
gather, a product or two logarithms per element: these run in NumPy, in float64 (sums too; kl_div
and binary_cross_entropy a block of rows at a time, so the temporaries stay in cache), and the
result has the first argument's dtype (integers give float64, as the core ops).
"""

from __future__ import annotations

import inspect

import numpy as np

from . import _interop
from ._by_name import ByName
from ._real_input import real_array

_REDUCTIONS = ("mean", "sum", "none")


def _floating(value, name: str, owner: str) -> tuple[np.ndarray, np.dtype]:
    """value as a float64 array, and the dtype of the result (fastact._real_input's rules)."""
    a = real_array(value, owner, name)
    return a.astype(np.float64), a.dtype


def _same_shape(a: np.ndarray, b: np.ndarray, names: str, owner: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{owner}: {names} must have the same shape, got {a.shape} and {b.shape}")


def _check_reduction(reduction, owner: str, allowed=_REDUCTIONS) -> None:
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(f"{owner}: reduction must be one of {', '.join(map(repr, allowed))}, got {reduction!r}")


def _mean(total, count):
    """total / count in float64; 0 / 0 is NaN without a warning (a mean over nothing)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.divide(total, np.float64(count))


def _upstream(g, reduction: str, shape: tuple, owner: str) -> np.ndarray:
    """g as float64: 1.0 when None; a scalar for a reduced loss, the loss's shape for "none"."""
    if g is None:
        return np.float64(1.0)
    ga, _ = _floating(g, "g", f"{owner}.backward")
    if reduction != "none":
        if ga.ndim != 0:
            raise ValueError(f"{owner}.backward(): g must be a scalar for reduction='{reduction}'")
        return ga
    if ga.shape != shape:
        raise ValueError(f"{owner}.backward(): g must have the loss's shape {shape} for reduction='none', "
                         f"got {ga.shape}")
    return ga


# Elements per float64 pass of kl_div and binary_cross_entropy: the pass's temporaries (a few arrays
# of this many doubles) stay in L2, where whole-array temporaries of a large batch went to memory
# and back for every operation (3-4x the time on a (4096, 1000) batch).
_CHUNK_ELEMENTS = 1 << 14


def _row_chunks(shape: tuple):
    """Slices along the first axis covering about _CHUNK_ELEMENTS elements each (one ... for 0-d)."""
    if not shape:
        yield ...
        return
    rows = shape[0]
    per_row = int(np.prod(shape[1:], dtype=np.int64))
    step = max(1, _CHUNK_ELEMENTS // max(per_row, 1))
    for r in range(0, rows, step):
        yield slice(r, min(r + step, rows))


def _chunked(shape: tuple, dtype: np.dtype, of_chunk) -> np.ndarray:
    """An array of ``shape`` and ``dtype`` whose every chunk c is of_chunk(c) (float64), rounded once."""
    out = np.empty(shape, dtype)
    for c in _row_chunks(shape):
        out[c] = of_chunk(c)
    return out


def _chunked_sum(shape: tuple, of_chunk) -> float:
    """The float64 sum of of_chunk(c) over the chunks of ``shape``."""
    return sum(float(of_chunk(c).sum()) for c in _row_chunks(shape))


def _part(a, c):
    """a's chunk c, or a itself where it is a scalar (an upstream g of a reduced loss)."""
    return a[c] if np.ndim(a) else a


def _pick(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    """a[..., index[...]] along the last axis (index: a's shape without it), without copying a."""
    if a.flags.c_contiguous and a.ndim:  # flat indexing: a few microseconds less than take_along_axis
        rows = a.reshape(-1, a.shape[-1])
        return rows[np.arange(rows.shape[0]), index.reshape(-1)].reshape(index.shape)
    return np.take_along_axis(a, index[..., None], axis=-1)[..., 0]


class _ProbabilityLoss(ByName):
    """A loss of this module: foreign arrays (tensors, JAX, pandas) go through fastact._interop
    first, as the core ops' entries do."""

    name: str

    def __call__(self, *args, **kwargs):
        r = _interop.call(self, "call", args, kwargs)
        return self._forward(*args, **kwargs) if r is NotImplemented else r

    def backward(self, *args, **kwargs):
        r = _interop.call(self, "backward", args, kwargs)
        return self._backward(*args, **kwargs) if r is NotImplemented else r

    def __repr__(self) -> str:
        return f"<fastact loss {self.name}{self.__signature__}>"


class NLLLoss(_ProbabilityLoss):
    """nll_loss(log_probs, target) = -weight[t] * log_probs[..., t] along ``axis``, reduced over the
    samples (``torch.nn.functional.nll_loss``, class axis ``axis`` instead of PyTorch's dim 1).
    ``target``: integer class indices (log_probs' shape without ``axis``). ``weight``: one weight
    per class. "mean" divides by the summed weights of the non-ignored targets, as PyTorch does;
    targets equal to ``ignore_index`` contribute 0. Out-of-range class indices are a ValueError.
    With ``log_softmax`` in front it is ``cross_entropy``.

    ``nll_loss.backward(log_probs, target, ..., g=1.0)``: -weight[t] at the target class, 0
    elsewhere, scaled as the reduction says.

    Example
    -------
    >>> lp = fa.log_softmax(np.array([[2.0, 1.0, 0.5, 0.1]]))
    >>> round(float(fa.nll_loss(lp, np.array([0]))), 4)
    0.5542
    """

    name = "nll_loss"
    __signature__ = inspect.signature(lambda log_probs, target, axis=-1, reduction="mean", weight=None,
                                      ignore_index=None: None)

    def _parts(self, log_probs, target, axis, reduction, weight, ignore_index):
        """log_probs in its own dtype with the class axis last (a view: only the picked entries are
        ever read, so the array is not converted), the result's dtype, each sample's class index
        and weight (float64, 0 where ignored)."""
        owner = self.name
        lp = real_array(log_probs, owner, "log_probs")
        dtype = lp.dtype
        if lp.ndim == 0:
            raise ValueError(f"{owner}: log_probs must have a class axis, got a 0-d array")
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -lp.ndim <= axis < lp.ndim:
            raise ValueError(f"{owner}: axis must be an int in [{-lp.ndim}, {lp.ndim}), got {axis!r}")
        _check_reduction(reduction, owner)
        lp = np.moveaxis(lp, axis, -1)
        classes = lp.shape[-1]
        t = np.asarray(target)
        if t.dtype.kind not in "iu":
            raise TypeError(f"{owner}: target must be integer class indices, got dtype {t.dtype}")
        if t.shape != lp.shape[:-1]:
            raise ValueError(f"{owner}: target must have log_probs' shape without the class axis, "
                             f"{lp.shape[:-1]}, got {t.shape}")
        if ignore_index is not None and (isinstance(ignore_index, bool)
                                         or not isinstance(ignore_index, (int, np.integer))):
            raise TypeError(f"{owner}: ignore_index must be an int (a class index), got {type(ignore_index).__name__}")
        if weight is not None:
            w, _ = _floating(weight, "weight", owner)
            if w.shape != (classes,):
                raise ValueError(f"{owner}: weight must be {classes} real numbers (one per class), got shape {w.shape}")
        kept = None if ignore_index is None else t != ignore_index
        counted = t if kept is None else t[kept]
        if counted.size and (counted.min() < 0 or counted.max() >= classes):
            bad = counted[(counted < 0) | (counted >= classes)]
            raise ValueError(f"target: class index {int(bad.flat[0])} is out of range for {classes} classes")
        if kept is None and weight is None:  # the common call: every sample counts, weight 1
            return lp, dtype, t.astype(np.intp), np.ones(t.shape)
        if kept is None:
            kept = np.ones(t.shape, bool)
        if weight is None:
            w = np.ones(classes)
        index = np.where(kept, t, 0).astype(np.intp)
        wt = np.where(kept, w[index], 0.0)  # each sample's weight, 0 where ignored
        return lp, dtype, index, wt

    def _forward(self, log_probs, target, axis=-1, reduction="mean", weight=None, ignore_index=None):
        lp, dtype, index, wt = self._parts(log_probs, target, axis, reduction, weight, ignore_index)
        picked = _pick(lp, index).astype(np.float64)
        losses = -wt * np.where(wt != 0, picked, 0.0)  # an ignored -inf log-probability gives 0, not NaN
        if reduction == "none":
            return losses.astype(dtype)
        total = losses.sum()
        return dtype.type(_mean(total, wt.sum()) if reduction == "mean" else total)

    def _backward(self, log_probs, target, axis=-1, reduction="mean", weight=None, ignore_index=None, g=None):
        lp, dtype, index, wt = self._parts(log_probs, target, axis, reduction, weight, ignore_index)
        scale = _upstream(g, reduction, index.shape, self.name)
        if reduction == "mean":
            scale = _mean(scale, wt.sum())
        # zeros in the result's dtype and layout, the picked entries rounded once from float64
        grad = np.zeros(np.moveaxis(lp, -1, axis).shape, dtype)
        np.put_along_axis(np.moveaxis(grad, axis, -1), index[..., None], (-wt * scale)[..., None], axis=-1)
        return grad


class KLDiv(_ProbabilityLoss):
    """kl_div(input, target) = target * (log(target) - input), input the log-probabilities of the
    model and target probabilities (``log_target=True``: log-probabilities too, then
    exp(target) * (target - input)); 0 where target = 0 (``torch.nn.functional.kl_div``).
    ``reduction``: "mean" (over every element, PyTorch's default), "batchmean" (the sum over the
    size of the first axis: the KL divergence per sample), "sum" or "none".

    ``kl_div.backward(input, target, ..., g=1.0)`` = -target (-exp(target) with log_target),
    scaled as the reduction says.

    Example
    -------
    >>> p = np.array([[0.5, 0.5]]); q = np.log(np.array([[0.25, 0.75]]))
    >>> round(float(fa.kl_div(q, p, reduction="batchmean")), 4)
    0.1438
    """

    name = "kl_div"
    __signature__ = inspect.signature(lambda input, target, reduction="mean", log_target=False: None)
    _reductions = ("mean", "batchmean", "sum", "none")

    def _parts(self, input, target, reduction, log_target):
        x = real_array(input, self.name, "input")  # converted to float64 a chunk at a time
        t = real_array(target, self.name, "target")
        _same_shape(x, t, "input and target", self.name)
        _check_reduction(reduction, self.name, self._reductions)
        if not isinstance(log_target, (bool, np.bool_)):
            raise TypeError(f"{self.name}: log_target must be a bool, got {type(log_target).__name__}")
        if reduction == "batchmean" and x.ndim == 0:
            raise ValueError(f"{self.name}: reduction='batchmean' needs a batch axis, got a 0-d input")
        return x, t, x.dtype

    def _divisor(self, x, reduction):
        return x.size if reduction == "mean" else x.shape[0] if reduction == "batchmean" else 1

    @staticmethod
    def _losses(x, t, log_target):
        """The elementwise losses of one chunk, in float64."""
        x, t = x.astype(np.float64), t.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            if log_target:
                return np.exp(t) * (t - x)
            # PyTorch's xlogy(t, t) - t x: 0 log 0 = 0
            return np.where(t == 0, 0.0, t * np.log(np.where(t == 0, 1.0, t))) - t * x

    def _forward(self, input, target, reduction="mean", log_target=False):
        x, t, dtype = self._parts(input, target, reduction, log_target)
        def losses(c):
            return self._losses(x[c], t[c], log_target)
        if reduction == "none":
            return _chunked(x.shape, dtype, losses)
        return dtype.type(_mean(_chunked_sum(x.shape, losses), self._divisor(x, reduction)))

    def _backward(self, input, target, reduction="mean", log_target=False, g=None):
        x, t, dtype = self._parts(input, target, reduction, log_target)
        scale = _mean(_upstream(g, reduction, x.shape, self.name), self._divisor(x, reduction))
        def grad(c):
            tc = t[c].astype(np.float64)
            return -(np.exp(tc) if log_target else tc) * _part(scale, c)
        return _chunked(x.shape, dtype, grad)


class BinaryCrossEntropy(_ProbabilityLoss):
    """binary_cross_entropy(p, t) = -weight * [t log(p) + (1 - t) log(1 - p)] for probabilities p in
    [0, 1], each log clamped at -100 as PyTorch does (so p = 0 or 1 gives a finite loss), log(1 - p)
    computed as log1p(-p) (no cancellation for small p). ``weight`` broadcasts against p. "mean"
    divides by the number of elements. p outside [0, 1] is a ValueError; NaN gives NaN.
    ``binary_cross_entropy_with_logits`` is the stable choice on logits.

    ``binary_cross_entropy.backward(p, t, ..., g=1.0)`` = weight * (p - t) / max(p (1 - p), 1e-12)
    (PyTorch's clamp), scaled as the reduction says.

    Example
    -------
    >>> round(float(fa.binary_cross_entropy(np.array([0.8]), np.array([1.0]))), 4)
    0.2231
    """

    name = "binary_cross_entropy"
    __signature__ = inspect.signature(lambda probs, target, reduction="mean", weight=None: None)
    _EPSILON = float(np.float32(1e-12))  # PyTorch's lower bound on p (1 - p) in the gradient (a float constant)

    def _parts(self, probs, target, reduction, weight):
        p = real_array(probs, self.name, "probs")  # converted to float64 a chunk at a time
        t = real_array(target, self.name, "target")
        _same_shape(p, t, "probs and target", self.name)
        _check_reduction(reduction, self.name)
        if ((p < 0) | (p > 1)).any():
            raise ValueError(f"{self.name}: probs must be in [0, 1] (probabilities; use "
                             "binary_cross_entropy_with_logits on logits)")
        w = None
        if weight is not None:
            w, _ = _floating(weight, "weight", self.name)
            try:
                np.broadcast_shapes(w.shape, p.shape)
            except ValueError:
                raise ValueError(f"{self.name}: weight of shape {w.shape} does not broadcast against probs "
                                 f"of shape {p.shape}") from None
            if np.broadcast_shapes(w.shape, p.shape) != p.shape:
                raise ValueError(f"{self.name}: weight of shape {w.shape} would broadcast probs' shape {p.shape}")
            w = np.broadcast_to(w, p.shape)  # a view: sliced with p, chunk by chunk
        return p, t, w, p.dtype

    @staticmethod
    def _losses(p, t, w):
        """The elementwise losses of one chunk, in float64."""
        p, t = p.astype(np.float64), t.astype(np.float64)
        with np.errstate(divide="ignore"):
            losses = -(t * np.maximum(np.log(p), -100.0) + (1 - t) * np.maximum(np.log1p(-p), -100.0))
        return losses if w is None else losses * w

    def _forward(self, probs, target, reduction="mean", weight=None):
        p, t, w, dtype = self._parts(probs, target, reduction, weight)
        def losses(c):
            return self._losses(p[c], t[c], None if w is None else w[c])
        if reduction == "none":
            return _chunked(p.shape, dtype, losses)
        total = _chunked_sum(p.shape, losses)
        return dtype.type(_mean(total, p.size) if reduction == "mean" else total)

    def _backward(self, probs, target, reduction="mean", weight=None, g=None):
        p, t, w, dtype = self._parts(probs, target, reduction, weight)
        scale = _upstream(g, reduction, p.shape, self.name)
        if reduction == "mean":
            scale = _mean(scale, p.size)
        def grad(c):
            pc, tc = p[c].astype(np.float64), t[c].astype(np.float64)
            gc = (pc - tc) / np.maximum(pc * (1 - pc), self._EPSILON) * _part(scale, c)
            return gc if w is None else gc * w[c]
        return _chunked(p.shape, dtype, grad)
