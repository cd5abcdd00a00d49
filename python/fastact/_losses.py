"""Losses on logits, always through log-softmax / softplus (never softmax then log):

    cross_entropy(logits, target, axis=-1, reduction="mean", label_smoothing=0.0, weight=None,
                  ignore_index=None)
    binary_cross_entropy_with_logits(logits, target, reduction="mean", pos_weight=None)

with the semantics of ``torch.nn.functional.cross_entropy`` and
``binary_cross_entropy_with_logits`` (class axis ``axis`` instead of PyTorch's dim 1). Each has
``.backward(logits, target, ..., g=1.0)`` returning d loss / d logits times the upstream ``g``
(a scalar for "mean"/"sum", the loss's shape for "none"). Sums are accumulated in float64; the
result has the logits' dtype.
"""

from __future__ import annotations

import functools

import numpy as np

from ._by_name import ByName
from ._validation import as_input, cast_to, normalize_axis, real_param

REDUCTIONS = ("mean", "sum", "none")


def _reduction(reduction, owner):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{owner}: reduction must be one of {', '.join(map(repr, REDUCTIONS))}, got {reduction!r}")
    return reduction


def _quietly(method):
    """``method`` with NumPy's floating-point warnings off: a loss over no weight at all (an empty
    batch, every target ignored, zero class weights) is NaN, silently, as in PyTorch."""

    @functools.wraps(method)
    def quiet(*args, **kwargs):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return method(*args, **kwargs)

    return quiet


def _upstream(g, reduction, loss_shape, owner):
    """The upstream gradient as a float64 array broadcastable against the per-sample losses."""
    ga = np.asarray(1.0 if g is None else g, dtype=np.float64)
    if reduction == "none":
        if ga.ndim and ga.shape != loss_shape:
            raise ValueError(f"{owner}.backward(): g must have the loss's shape {loss_shape}, got {ga.shape}")
    elif ga.ndim:
        raise ValueError(f"{owner}.backward(): g must be a scalar for reduction={reduction!r}")
    return ga


_NATIVE_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _mean(per: np.ndarray) -> float:
    """The mean of the per-sample losses; NaN for none, silently (PyTorch's mean of an empty batch)."""
    return per.sum() / per.size if per.size else float("nan")



class CrossEntropy(ByName):
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

    def __repr__(self) -> str:
        return "<fastact loss cross_entropy(logits, target, axis=-1, reduction='mean')>"

    def _prepare(self, logits, target, axis, reduction, label_smoothing, weight, ignore_index):
        from . import log_softmax  # the public kernel object

        la, rdt = as_input(logits, "logits")
        if la.ndim == 0:
            raise ValueError("cross_entropy: logits must have a class axis")
        ax = normalize_axis(axis, la.ndim, "cross_entropy")
        _reduction(reduction, "cross_entropy")
        eps = real_param(label_smoothing, "cross_entropy", "label_smoothing", True)
        if not 0.0 <= eps <= 1.0:
            raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {eps}")
        classes = la.shape[ax]

        def logp():  # (..., C), a view in the logits' dtype; only where it is needed
            return np.moveaxis(log_softmax(la, axis=ax), ax, -1)

        w = None
        if weight is not None:
            wa = np.asarray(weight)
            if wa.dtype.kind not in "biuf" or wa.shape != (classes,):
                raise ValueError(f"cross_entropy: weight must be {classes} real numbers (one per class)")
            w = wa.astype(np.float64)
        t = np.asarray(target)
        sample_shape = la.shape[:ax] + la.shape[ax + 1:]
        if t.dtype.kind in "iu":
            if t.shape != sample_shape:
                raise ValueError(f"target: class indices must have shape {sample_shape} (the logits' without axis "
                                 f"{axis}), got {t.shape}")
            keep = np.ones(t.shape, bool) if ignore_index is None else (t != ignore_index)
            if ((t[keep] < 0) | (t[keep] >= classes)).any():
                bad = t[keep][(t[keep] < 0) | (t[keep] >= classes)][0]
                raise ValueError(f"target: class index {bad} is out of range for {classes} classes")
            tc = np.where(keep, t, 0).astype(np.intp)
            return dict(kind="index", logp=logp, t=tc, keep=keep, w=w, eps=eps, classes=classes, rdt=rdt, ax=ax,
                        reduction=reduction, logits=la, sample_shape=sample_shape)
        if t.dtype.kind != "f":
            raise TypeError(f"target: expected integer class indices or floating-point probabilities, got dtype {t.dtype}")
        if t.shape != la.shape:
            raise ValueError(f"target: probabilities must have the logits' shape {la.shape}, got {t.shape}")
        if ignore_index is not None:
            raise ValueError("cross_entropy: ignore_index applies to class-index targets only")
        q = np.moveaxis(t.astype(np.float64), ax, -1)
        if eps:
            q = q * (1 - eps) + eps / classes
        return dict(kind="prob", logp=lambda: logp().astype(np.float64), q=q, w=w, eps=eps, classes=classes, rdt=rdt,
                    ax=ax, reduction=reduction, logits=la, sample_shape=sample_shape)

    @staticmethod
    def _plain_rows(logits, target, axis, reduction, label_smoothing, weight, ignore_index):
        """(logits, target) when the call is the common one: a (N, C) float32/float64 C-contiguous
        batch, N >= 1 valid class indices along the last axis, "mean" or "sum", no weight,
        smoothing or ignore_index. Such calls skip the general machinery (moveaxis, masks,
        per-sample weights) and give the same bits; None for every other call."""
        if not (type(logits) is np.ndarray and type(target) is np.ndarray and logits.ndim == 2
                and logits.dtype in _NATIVE_FLOATS and logits.flags.c_contiguous and target.dtype.kind in "iu"
                and target.shape == logits.shape[:1] and target.size and type(axis) is int and axis in (-1, 1)
                and type(reduction) is str and reduction in ("mean", "sum") and type(label_smoothing) in (int, float)
                and label_smoothing == 0 and weight is None and ignore_index is None):
            return None
        if target.min() < 0 or target.max() >= logits.shape[1]:
            return None  # the general path names the bad index
        return logits, target

    @_quietly
    def __call__(self, logits, target, axis=-1, reduction="mean", label_smoothing=0.0, weight=None,
                 ignore_index=None):
        plain = self._plain_rows(logits, target, axis, reduction, label_smoothing, weight, ignore_index)
        if plain is not None:
            from . import log_softmax

            la, t = plain
            picked = log_softmax(la, axis=-1)[np.arange(t.size), t].astype(np.float64)
            loss = (-picked).sum() / (t.size if reduction == "mean" else 1.0) + 0.0
            return np.asarray(loss).astype(la.dtype)[()]
        c = self._prepare(logits, target, axis, reduction, label_smoothing, weight, ignore_index)
        logp, w, eps, classes = c["logp"](), c["w"], c["eps"], c["classes"]
        if c["kind"] == "index":
            t, keep = c["t"], c["keep"]
            picked = np.take_along_axis(logp, t[..., None], axis=-1)[..., 0].astype(np.float64)
            wt = np.where(keep, 1.0 if w is None else w[t], 0.0)
            nll = np.where(keep, -wt * picked, 0.0)
            if eps:
                total = logp.sum(-1, dtype=np.float64) if w is None else logp @ w
                smooth = np.where(keep, -total, 0.0)
            if reduction == "none":
                loss = (1 - eps) * nll + eps / classes * smooth if eps else nll
            else:
                denom = wt.sum() if reduction == "mean" else 1.0
                loss = (1 - eps) * nll.sum() / denom + (eps / classes * smooth.sum() / denom if eps else 0.0)
        else:
            wq = c["q"] if w is None else c["q"] * w
            per = -np.where(wq == 0, 0.0, wq * logp).sum(-1)  # 0 * -inf counts as 0 (PyTorch's xlogy)
            loss = per if reduction == "none" else (_mean(per) if reduction == "mean" else per.sum())
        return np.asarray(loss).astype(c["rdt"])[()]

    @_quietly
    def backward(self, logits, target, axis=-1, reduction="mean", label_smoothing=0.0, weight=None,
                 ignore_index=None, g=None):
        """d loss / d logits (the logits' shape) times the upstream gradient ``g`` (default 1)."""
        from . import softmax  # the public kernel object

        plain = None if g is not None else self._plain_rows(logits, target, axis, reduction, label_smoothing,
                                                             weight, ignore_index)
        if plain is not None:  # softmax - onehot, scaled by 1/N for the mean
            la, t = plain
            grad = softmax(la, axis=-1)
            scale = grad.dtype.type(1.0 / t.size if reduction == "mean" else 1.0)
            grad *= scale
            grad[np.arange(t.size), t] -= scale
            return grad
        c = self._prepare(logits, target, axis, reduction, label_smoothing, weight, ignore_index)

        w, eps, classes = c["w"], c["eps"], c["classes"]
        w_all = np.ones(classes) if w is None else w
        sample_shape = c["sample_shape"]
        ga = _upstream(g, reduction, sample_shape, "cross_entropy")
        if c["kind"] == "index":
            # (1 - eps) wt (p - onehot) + eps/C (sum(w) p - w), per kept sample, times g / denom:
            # formed in place on the softmax kernel's output, in the logits' dtype.
            t, keep = c["t"], c["keep"]
            wt = np.where(keep, w_all[t], 0.0)
            denom = wt.sum() if reduction == "mean" else 1.0
            scale = np.where(keep, ga / denom, 0.0) * np.ones(sample_shape)
            hit = (1 - eps) * wt * scale  # the one-hot coefficient
            grad = np.moveaxis(softmax(c["logits"], axis=c["ax"]), c["ax"], -1)
            coef = hit + eps / classes * w_all.sum() * scale
            if coef.size and (coef == coef.flat[0]).all():  # no weights or ignored samples: one scalar
                grad *= grad.dtype.type(coef.flat[0])
            else:
                grad *= coef[..., None].astype(grad.dtype)
            picked = np.take_along_axis(grad, t[..., None], axis=-1)
            np.put_along_axis(grad, t[..., None], picked - hit[..., None].astype(grad.dtype), axis=-1)
            if eps:
                grad -= (eps / classes * scale)[..., None].astype(grad.dtype) * w_all.astype(grad.dtype)
            return cast_to(np.moveaxis(grad, -1, c["ax"]), c["rdt"])
        p = np.exp(c["logp"]())
        wq = c["q"] * w_all
        grad = wq.sum(-1, keepdims=True) * p - wq
        denom = max(grad.size // max(classes, 1), 1) if reduction == "mean" else 1.0
        grad = grad * (ga[..., None] if ga.ndim else ga) / denom
        return np.moveaxis(grad, -1, c["ax"]).astype(c["rdt"])


class BinaryCrossEntropyWithLogits(ByName):
    """binary_cross_entropy_with_logits(x, t) = -[pw t log σ(x) + (1 - t) log(1 - σ(x))], computed as (1 - t) x + (1 + (pw - 1) t) softplus(-x),
    stable for every logit (softplus has no overflow and no threshold). ``pos_weight`` broadcasts
    against the target (one per class along the last axis), as in PyTorch.

    ``binary_cross_entropy_with_logits.backward(logits, target, ..., g=1.0)`` = (1 - t) -
    (1 + (pw - 1) t) σ(-x), scaled as the reduction says (σ(x) - t without pos_weight).

    Example
    -------
    >>> round(float(fa.binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0]))), 4)
    0.6931
    """

    name = "binary_cross_entropy_with_logits"

    def __repr__(self) -> str:
        return "<fastact loss binary_cross_entropy_with_logits(logits, target, reduction='mean')>"

    def _prepare(self, logits, target, reduction, pos_weight):
        la, rdt = as_input(logits, "logits")
        ta, _ = as_input(target, "target")
        if ta.shape != la.shape:
            raise ValueError(f"target: must have the logits' shape {la.shape}, got {ta.shape}")
        _reduction(reduction, self.name)
        x = la.astype(np.float64)
        t = ta.astype(np.float64)
        lw = None
        if pos_weight is not None:
            pw, _ = as_input(pos_weight, "pos_weight")
            try:
                lw = 1.0 + (np.broadcast_to(pw.astype(np.float64), x.shape) - 1.0) * t
            except ValueError:
                raise ValueError(f"pos_weight: shape {pw.shape} does not broadcast to the logits' shape {x.shape}") from None
        return x, t, lw, rdt

    @_quietly
    def __call__(self, logits, target, reduction="mean", pos_weight=None):
        from . import softplus

        x, t, lw, rdt = self._prepare(logits, target, reduction, pos_weight)
        sp = softplus(-x)  # log(1 + e^-x), accurate for every x
        per = (1 - t) * x + (sp if lw is None else lw * sp)
        loss = per if reduction == "none" else (_mean(per) if reduction == "mean" else per.sum())
        return np.asarray(loss).astype(rdt)[()]

    @_quietly
    def backward(self, logits, target, reduction="mean", pos_weight=None, g=None):
        """d loss / d logits (the logits' shape) times the upstream gradient ``g`` (default 1)."""
        from . import sigmoid

        x, t, lw, rdt = self._prepare(logits, target, reduction, pos_weight)
        s = sigmoid(-x)
        grad = (1 - t) - (s if lw is None else lw * s)
        ga = _upstream(g, reduction, x.shape, self.name)
        grad = grad * ga / (max(x.size, 1) if reduction == "mean" else 1.0)
        return cast_to(np.asarray(grad), rdt)
