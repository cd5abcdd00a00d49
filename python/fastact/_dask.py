"""Dask arrays through fastact's ops (reached from fastact._interop): every call returns a lazy
Dask array (or a lazy scalar for a reduced loss) and computes nothing.

- Elementwise ops, their derivatives, backward passes and value_and_derivative run chunk by chunk
  (``map_blocks``): each chunk's result is bit for bit what the op gives on that chunk, so the
  whole equals the single-array result. Gradients that are sums (swish's beta, ``bias=``,
  prelu's alpha) add the chunks' float64 partial sums; each of them runs the chunk's backward
  once more (a Dask chunk holds one array, not the backward's tuple).
- softmax and log_softmax run chunk by chunk when ``axis`` lies in one chunk (bit for bit as on
  one array); across several chunks they take two passes: the maximum along the axis, then
  S = sum(exp(x - max)) in float64 over every chunk, and y = exp(x - max) / S or (x - max) - log S
  in float64, rounded once to the input's dtype. Their backward passes reduce the same way.
- cross_entropy along a split class axis uses that two-pass log_softmax; with the class axis in
  one chunk each chunk of samples runs fastact's own loss. The reductions add float64 partial sums.
- The gated units need their axis whole: it is rechunked into one chunk (halves cannot straddle).
"""
from __future__ import annotations

import inspect

import dask.array as da
import numpy as np

import fastact as fa

from ._interop import native, op_name


def _meta_dtype(fn, arrays) -> np.dtype:
    """The result dtype by fastact's rules: one call on 2 x 2 x ... arrays of the same dtypes."""
    r = fn(*(np.zeros((2,) * a.ndim, a.dtype) for a in arrays))
    return np.asarray(r[0] if isinstance(r, tuple) else r).dtype


def _as_dask(value):
    return value if isinstance(value, da.Array) else da.asarray(value)


def call(op, method: str, args: tuple, kwargs: dict):
    if kwargs.get("out") is not None:
        raise TypeError(f"{op_name(op)}: out= cannot be used with Dask arrays (the result is lazy; "
                        "store it with dask.array.store or .compute())")
    if isinstance(op, fa.Activation):
        return _elementwise(op, method, args, kwargs)
    if isinstance(op, (fa.Softmax, fa.LogSoftmax)):
        return _rowwise(op, method, args, kwargs)
    if isinstance(op, fa.Gated):
        return _gated(op, method, args, kwargs)
    if isinstance(op, fa.PReLU):
        return _prelu(op, method, args, kwargs)
    if isinstance(op, fa.CrossEntropy):
        return _cross_entropy(op, method, args, kwargs)
    if isinstance(op, fa.BinaryCrossEntropyWithLogits):
        return _binary_cross_entropy(op, method, args, kwargs)
    if isinstance(op, fa.LogSumExp):
        return _logsumexp(op, method, args, kwargs)
    if isinstance(op, (fa.NLLLoss, fa.KLDiv, fa.BinaryCrossEntropy)):
        return _probability_loss(op, method, args, kwargs)
    raise TypeError(f"{op_name(op)}: Dask arrays are not supported by this op; call .compute() on the "
                    "arguments first")


def _partial_sums(fn, arrays, pick, shape_of_one):
    """sum over chunks of ``pick(fn(*chunks))`` (float64), lazily: each chunk's partial result,
    of shape ``shape_of_one`` per chunk, is laid out in a grid and the grid summed."""
    ndim = arrays[0].ndim
    parts = da.map_blocks(lambda *b: np.asarray(pick(fn(*b)), np.float64).reshape((1,) * ndim + shape_of_one),
                          *arrays, dtype=np.float64, chunks=tuple((1,) * len(c) for c in arrays[0].chunks)
                          + tuple((n,) for n in shape_of_one), new_axis=list(range(ndim, ndim + len(shape_of_one))))
    return parts.sum(axis=tuple(range(ndim)))


def _elementwise(op, method, args, kwargs):
    arrays = [_as_dask(a) for a in args]
    bias = kwargs.get("bias")
    kw = {k: v for k, v in kwargs.items() if k not in ("bias", "y")}
    if "y" in kwargs and kwargs["y"] is not None:
        arrays.append(_as_dask(kwargs["y"]))
    with_y = "y" in kwargs and kwargs["y"] is not None
    with_bias = bias is not None
    ndim = arrays[0].ndim
    axis = kwargs.get("axis")
    ax = _axis(-1 if axis is None else axis, ndim, "bias") if with_bias and ndim else -1
    # every chunk of x meets the same chunk of g and y, and its slice of the bias vector (shaped
    # (C, 1, ..., 1) to line up with x's axis `ax`, made 1-d again in each block)
    arrays = [a.rechunk(arrays[0].chunks) if a.shape == arrays[0].shape else a for a in arrays]
    if with_bias:
        b = _as_dask(bias)
        if b.ndim == 1 and ndim:
            b = b.rechunk((arrays[0].chunks[ax],))[(slice(None),) + (None,) * (ndim - 1 - ax)]
        arrays.append(b)

    def run(*blocks):
        blocks = list(blocks)
        b = blocks.pop() if with_bias else None
        if b is not None and b.ndim > 1:  # (c, 1, ..., 1) back to c values
            b = b[(slice(None),) + (0,) * (b.ndim - 1)]
        y = blocks.pop() if with_y else None
        extra = {**({"bias": b} if with_bias else {}), **({"y": y} if with_y else {})}
        return native(op, method)(*blocks, **extra, **kw)

    dtype = _meta_dtype(run, arrays)
    if method == "value_and_derivative":
        both = da.map_blocks(lambda *b: np.stack(run(*b)), *arrays, dtype=dtype, new_axis=0,
                             chunks=((2,), *da.broadcast_arrays(*arrays)[0].chunks))
        return both[0], both[1]
    tuple_result = method == "backward" and (op.spec.learnable is not None or with_bias)
    first = da.map_blocks(lambda *b: run(*b)[0] if tuple_result else run(*b), *arrays, dtype=dtype)
    if not tuple_result:
        return first
    results = [first]
    if op.spec.learnable is not None:
        results.append(_partial_sums(run, arrays, lambda r: r[1], ()).astype(dtype))
    if with_bias:
        # each chunk's bias gradient covers its own slice of axis `ax`: a grid of those slices,
        # summed over the other axes
        grid = tuple(c if i == ax else (1,) * len(c) for i, c in enumerate(arrays[0].chunks))
        shape = tuple(-1 if i == ax else 1 for i in range(ndim))
        parts = da.map_blocks(lambda *b: np.asarray(run(*b)[-1], np.float64).reshape(shape),
                              *arrays, dtype=np.float64, chunks=grid)
        results.append(parts.sum(axis=tuple(i for i in range(ndim) if i != ax)).astype(dtype))
    return tuple(results)


def _aligned(a, like):
    """``a`` (of like's ndim) chunked as ``like`` along every axis where their sizes agree, so
    map_blocks hands each chunk of ``like`` the matching part of ``a``."""
    return a.rechunk(tuple(c if a.shape[i] == like.shape[i] else (a.shape[i],) for i, c in enumerate(like.chunks)))


def _axis(axis, ndim: int, name: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"{name}: axis {axis!r} is out of bounds for an array of dimension {ndim}")
    return int(axis) % ndim


def _rowwise(op, method, args, kwargs):
    positional = ("x", "axis") if method == "call" else ("g", "y", "axis")
    bound = dict(zip(positional, args), **kwargs)
    x = _as_dask(bound["x" if method == "call" else "y"])
    axis = _axis(bound.get("axis", -1), x.ndim, op_name(op))
    is_softmax = isinstance(op, fa.Softmax)
    dtype = _meta_dtype(lambda a: op(a, axis=axis), [x]) if method == "call" else None
    if method == "call":
        if len(x.chunks[axis]) == 1:
            return x.map_blocks(lambda b: op(b, axis=axis, **({"safe": bound.get("safe", False)} if is_softmax else {})),
                                dtype=dtype)
        return _two_pass(x, axis, is_softmax, bound.get("safe", False), dtype)
    g, y = _as_dask(bound["g"]), x
    dtype = np.result_type(g.dtype, y.dtype)
    if len(y.chunks[axis]) == 1 and len(g.chunks[axis]) == 1:
        return da.map_blocks(lambda gb, yb: op.backward(gb, yb, axis=axis), g, y, dtype=dtype)
    g64, y64 = g.astype(np.float64), y.astype(np.float64)
    if is_softmax:  # y * (g - sum(g * y))
        s = (g64 * y64).sum(axis=axis, keepdims=True)
        return (y64 * (g64 - s)).astype(dtype)
    s = g64.sum(axis=axis, keepdims=True)  # g - exp(y) * sum(g)
    return (g64 - np.exp(y64) * s).astype(dtype)


def _two_pass(x, axis, is_softmax, safe, dtype):
    """softmax / log_softmax along a split axis: see the module docstring. Special rows as the
    kernels: NaN -> NaN; all -inf -> NaN (zeros for softmax with safe=True); k entries of +inf
    -> 1/k there (log: -log k), 0 (log: -inf) elsewhere."""
    x64 = x.astype(np.float64)
    m = x64.max(axis=axis, keepdims=True)

    def shifted(xb, mb):  # x - max; in a row with +inf, 0 at the infs and -inf elsewhere
        with np.errstate(invalid="ignore"):
            return np.where(mb == np.inf, np.where(xb == np.inf, 0.0, -np.inf), xb - mb)

    s = da.map_blocks(lambda xb, mb: np.exp(shifted(xb, mb)), x64, m, dtype=np.float64).sum(axis=axis, keepdims=True)

    def finish(xb, mb, sb):
        z = shifted(xb, mb)
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.exp(z) / sb if is_softmax else z - np.log(sb)
        if is_softmax and safe:
            y = np.where(mb == -np.inf, 0.0, y)
        return y.astype(dtype)

    return da.map_blocks(finish, x64, m, s, dtype=dtype)


def _gated(op, method, args, kwargs):
    positional = ("x", "axis") if method == "call" else ("g", "x", "axis")
    bound = dict(zip(positional, args), **kwargs)
    x = _as_dask(bound["x"])
    axis = _axis(bound.pop("axis", -1), x.ndim, op_name(op))
    params = {k: v for k, v in bound.items() if k not in ("x", "g")}
    whole = {axis: -1}
    if method == "call":
        xs = x.rechunk(whole)
        dtype = _meta_dtype(lambda a: op(a, axis=axis, **params), [xs])
        chunks = list(xs.chunks)
        chunks[axis] = (xs.shape[axis] // 2,)
        return xs.map_blocks(lambda b: op(b, axis=axis, **params), dtype=dtype, chunks=tuple(chunks))
    g = _as_dask(bound["g"]).rechunk(whole)
    xs = x.rechunk(whole)
    fn = lambda gb, xb: op.backward(gb, xb, axis=axis, **params)  # noqa: E731
    dtype = np.result_type(g.dtype, xs.dtype)
    gc = list(xs.chunks)
    gc[axis] = (xs.shape[axis] // 2,)
    g = g.rechunk(tuple(gc))
    return da.map_blocks(fn, g, xs, dtype=dtype, chunks=xs.chunks)


def _prelu(op, method, args, kwargs):
    positional = ("x", "alpha", "axis") if method != "backward" else ("g", "x", "alpha", "axis")
    bound = dict(zip(positional, args), **kwargs)
    x = _as_dask(bound["x"])
    axis = _axis(bound.get("axis", 1), x.ndim, op_name(op))
    alpha = np.asarray(bound.get("alpha", 0.25)) if not isinstance(bound.get("alpha"), da.Array) else bound["alpha"]
    if np.ndim(alpha) == 0:
        a = float(alpha)
        if method == "backward":
            g = _as_dask(bound["g"])
            fn = lambda gb, xb: op.backward(gb, xb, a, axis=axis)  # noqa: E731
            gx = da.map_blocks(lambda gb, xb: fn(gb, xb)[0], g, x, dtype=_meta_dtype(fn, [g, x]))
            return gx, _partial_sums(fn, [g, x], lambda r: r[1], ()).astype(gx.dtype)
        f = native(op, method)
        return x.map_blocks(lambda b: f(b, a, axis=axis), dtype=_meta_dtype(lambda b: f(b, a, axis=axis), [x]))
    # one slope per channel: alpha laid along `axis` so each chunk sees its channels
    shape = [1] * x.ndim
    shape[axis] = -1
    alpha_d = _as_dask(alpha).reshape(shape).rechunk(tuple(x.chunks[axis] if i == axis else (1,) for i in range(x.ndim)))
    if method != "backward":
        f = native(op, method)
        fn = lambda b, al: f(b, al.reshape(-1), axis=axis)  # noqa: E731
        return da.map_blocks(fn, x, alpha_d, dtype=_meta_dtype(lambda b: f(b, 0.25, axis=axis), [x]))
    g = _as_dask(bound["g"])
    fn = lambda gb, xb, al: op.backward(gb, xb, al.reshape(-1), axis=axis)  # noqa: E731
    dtype = np.result_type(g.dtype, x.dtype)
    gx = da.map_blocks(lambda *b: fn(*b)[0], g, x, alpha_d, dtype=dtype)
    grid = tuple((1,) * len(c) if i != axis else c for i, c in enumerate(x.chunks))
    parts = da.map_blocks(lambda *b: np.asarray(fn(*b)[1], np.float64).reshape(
        [-1 if i == axis else 1 for i in range(x.ndim)]), g, x, alpha_d, dtype=np.float64, chunks=grid)
    galpha = parts.sum(axis=tuple(i for i in range(x.ndim) if i != axis))
    return gx, galpha.astype(np.asarray(alpha).dtype if np.asarray(alpha).dtype.kind == "f" else dtype)


def _reduce(losses, weights, reduction: str, name: str):
    if reduction == "none":
        return losses
    total = losses.astype(np.float64).sum()
    if reduction == "sum":
        return total.astype(losses.dtype)
    if reduction == "mean":
        return (total / weights).astype(losses.dtype)
    if reduction == "batchmean" and name == "kl_div":
        return (total / losses.shape[0]).astype(losses.dtype)
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _cross_entropy(op, method, args, kwargs):
    names = ("logits", "target", "axis", "reduction", "label_smoothing", "weight", "ignore_index", "g")
    b = dict(zip(names, args), **kwargs)
    logits, target = _as_dask(b["logits"]), b["target"]
    axis = _axis(b.get("axis", -1), logits.ndim, "cross_entropy")
    if method == "backward":
        return _loss_backward(op, logits.rechunk({axis: -1}), _as_dask(target), b, axis)
    reduction = b.get("reduction", "mean")
    eps = float(b.get("label_smoothing", 0.0))
    weight = None if b.get("weight") is None else np.asarray(b["weight"], np.float64)
    ignore = b.get("ignore_index")
    target = _as_dask(target)
    classes = logits.shape[axis]
    probabilities = target.ndim == logits.ndim
    dtype = _meta_dtype(lambda a: op(a, np.zeros(a.shape, a.dtype) if probabilities else
                                     np.zeros(np.delete(a.shape, axis), np.int64), axis=axis, reduction="none"), [logits])
    lsm = _two_pass(logits, axis, False, False, np.float64) if len(logits.chunks[axis]) > 1 else \
        logits.map_blocks(lambda x: fa.log_softmax(x.astype(np.float64), axis=axis), dtype=np.float64)
    wb = _class_weights(np.ones(classes) if weight is None else weight, logits, axis)
    if probabilities:
        q = target.astype(np.float64) * (1 - eps) + eps / classes
        losses = -(q * wb * lsm).sum(axis=axis)
        return _reduce(losses.astype(dtype), float(np.prod(losses.shape)), reduction, "cross_entropy")
    losses, total_weight = _class_index_losses(lsm, target, axis, wb, ignore, eps)
    return _reduce(losses.astype(dtype), total_weight, reduction, "cross_entropy")


def _class_weights(w: np.ndarray, like, axis: int):
    """One weight per class, shaped and chunked to broadcast along ``like``'s class axis."""
    shape = [1] * like.ndim
    shape[axis] = w.size
    return da.from_array(w.reshape(shape), chunks=tuple(like.chunks[axis] if i == axis else (1,) for i in range(like.ndim)))


def _class_index_losses(log_probs, target, axis: int, wb, ignore, eps: float):
    """Per sample -(1 - eps) w[t] log_probs[t] - eps mean_c(w[c] log_probs[c]) (0 where ignored), and
    the summed weight of the kept targets: the class axis may be split."""
    classes = log_probs.shape[axis]
    t = da.expand_dims(target.astype(np.int64), axis)
    valid = t != ignore if ignore is not None else da.ones_like(t, dtype=bool)
    index = da.arange(classes, chunks=log_probs.chunks[axis]).reshape(wb.shape)
    picked = -(da.where(index == t, wb * log_probs, 0.0)).sum(axis=axis)
    losses = (1 - eps) * picked
    if eps:
        losses = losses + eps * (-(wb * log_probs).sum(axis=axis) / classes)
    losses = da.where(valid.squeeze(axis), losses, 0.0)
    chosen_weight = da.where(valid, (da.where(index == t, wb, 0.0)).sum(axis=axis, keepdims=True), 0.0)
    return losses, chosen_weight.sum()


def _binary_cross_entropy(op, method, args, kwargs):
    names = ("logits", "target", "reduction", "pos_weight", "g")
    b = dict(zip(names, args), **kwargs)
    logits, target = _as_dask(b["logits"]), _as_dask(b["target"])
    if method == "backward":
        return _loss_backward(op, logits, target, b, None)
    reduction = b.get("reduction", "mean")
    blocks, names = _with_weights(logits, target, {"pos_weight": b.get("pos_weight"), "weight": b.get("weight")})
    fn = lambda x, t, *w: op(x, t, reduction="none", **dict(zip(names, w)))  # noqa: E731
    losses = da.map_blocks(fn, *blocks, dtype=_meta_dtype(fn, blocks))
    return _reduce(losses, float(np.prod(losses.shape)), reduction, "binary_cross_entropy_with_logits")


def _with_weights(logits, target, weights: dict) -> tuple:
    """([logits, target, *the given weights], their names): the weights (pos_weight, weight)
    broadcast to the logits' shape and chunked alike, so that each chunk gets its own."""
    blocks = [logits, _aligned(target, logits)]
    names = [k for k, v in weights.items() if v is not None]
    blocks += [_aligned(da.broadcast_to(_as_dask(weights[k]), logits.shape), logits) for k in names]
    return blocks, names


def _loss_backward(op, logits, target, b: dict, axis):
    """d loss / d logits chunk by chunk (the class axis, if any, in one chunk): each chunk's
    gradient of its own "sum" (or "none") loss, scaled by 1 / the whole batch's denominator for
    "mean" (the summed target weights, or the sample count)."""
    reduction = b.get("reduction", "mean")
    kw = {k: v for k, v in b.items() if k not in ("logits", "target", "g", "reduction")}
    g = b.get("g")
    g = 1.0 if g is None else g
    names = []
    if axis is not None:
        kw["axis"] = axis
        t = target if target.ndim == logits.ndim else da.expand_dims(target, axis)
        blocks = [logits, _aligned(t, logits)]
    else:  # binary: the element weights travel with their chunks
        blocks, names = _with_weights(logits, target, {"pos_weight": kw.pop("pos_weight", None),
                                                       "weight": kw.pop("weight", None)})
    squeeze = axis is not None and target.ndim != logits.ndim

    def chunk(x, tb, *rest):
        tb = tb.squeeze(axis) if squeeze else tb
        extra = dict(zip(names, rest))
        rest = rest[len(names):]
        if reduction == "none":
            gg = rest[0].squeeze(axis) if squeeze else rest[0]
            return op.backward(x, tb, reduction="none", g=gg, **kw, **extra)
        return op.backward(x, tb, reduction="sum", g=1.0, **kw, **extra)

    dtype = logits.dtype if logits.dtype.kind == "f" else np.dtype(np.float64)
    if reduction == "none":
        gd = _as_dask(np.asarray(g)) if not isinstance(g, da.Array) else g
        gd = da.broadcast_to(gd, target.shape) if gd.ndim < target.ndim or gd.shape != target.shape else gd
        gd = _aligned(da.expand_dims(gd, axis) if squeeze else gd, logits)
        return da.map_blocks(chunk, *blocks, gd, dtype=dtype)
    grad = da.map_blocks(chunk, *blocks, dtype=dtype)
    if reduction == "sum":
        return (grad * g).astype(dtype)
    if reduction == "batchmean":  # kl_div: over the first axis
        return (grad * (np.float64(g) / logits.shape[0])).astype(dtype)
    if axis is None:  # binary: the mean is over every element
        return (grad * (np.float64(g) / float(np.prod(logits.shape)))).astype(dtype)
    weight, ignore = kw.get("weight"), kw.get("ignore_index")
    if target.ndim == logits.ndim:  # probabilities: the mean is over samples
        count = float(np.prod(target.shape)) / logits.shape[axis]
        return (grad * (np.float64(g) / count)).astype(dtype)
    tw = target.astype(np.int64)
    valid = tw != ignore if ignore is not None else da.ones_like(tw, dtype=bool)
    w = da.ones(tw.shape, chunks=tw.chunks) if weight is None else \
        da.take(da.from_array(np.asarray(weight, np.float64)), da.where(valid, tw, 0).ravel()).reshape(tw.shape)
    denominator = da.where(valid, w, 0.0).sum()
    return (grad * (g / denominator)).astype(dtype)


def _probability_loss(op, method, args, kwargs):
    """nll_loss, kl_div and binary_cross_entropy through the core losses' chunking, the op's first
    argument in the place of the logits: nll_loss as cross_entropy's class-index picking (the class
    axis may be split), the other two chunk by chunk with "none" and a Dask reduction."""
    fn = op._forward if method == "call" else op._backward
    b = dict(inspect.signature(fn).bind(*args, **kwargs).arguments)
    first = next(iter(b))
    b["logits"] = b.pop(first)
    logits, target = _as_dask(b["logits"]), _as_dask(b["target"])
    is_nll = isinstance(op, fa.NLLLoss)
    axis = _axis(b.get("axis", -1), logits.ndim, op.name) if is_nll else None
    if method == "backward":
        if is_nll:
            logits = logits.rechunk({axis: -1})
        return _loss_backward(op, logits, target, b, axis)
    reduction = b.get("reduction", "mean")
    static = {k: v for k, v in b.items() if k in ("log_target",)}
    if is_nll:
        dtype = _meta_dtype(lambda a: op(a, np.zeros(np.delete(a.shape, axis), np.int64), axis=axis,
                                         reduction="none"), [logits])
        weight = b.get("weight")
        wb = _class_weights(np.ones(logits.shape[axis]) if weight is None else np.asarray(weight, np.float64),
                            logits, axis)
        losses, total_weight = _class_index_losses(logits.astype(np.float64), target, axis, wb,
                                                   b.get("ignore_index"), 0.0)
        return _reduce(losses.astype(dtype), total_weight, reduction, op.name)
    blocks, names = _with_weights(logits, target, {"weight": b.get("weight")})
    chunk = lambda x, t, *w: op(x, t, reduction="none", **static, **dict(zip(names, w)))  # noqa: E731
    losses = da.map_blocks(chunk, *blocks, dtype=_meta_dtype(chunk, blocks))
    return _reduce(losses, float(np.prod(losses.shape)), reduction, op.name)


def _logsumexp(op, method, args, kwargs):
    """logsumexp and its backward with the reduced axes gathered into one chunk, each chunk run by
    the NumPy code: the same values as one array's."""
    fn = op if method == "call" else op.backward
    b = dict(inspect.signature(fn).bind(*args, **kwargs).arguments)
    x = _as_dask(b["x"])
    axis, keepdims = b.get("axis", -1), b.get("keepdims", False)
    axes = tuple(range(x.ndim)) if axis is None else tuple(
        _axis(a, x.ndim, "logsumexp") for a in (axis if isinstance(axis, tuple) else (axis,)))
    x = x.rechunk({a: -1 for a in axes})
    if method == "backward":
        g = _as_dask(b["g"])
        g = g if keepdims else da.expand_dims(g, axes)
        g = g.rechunk(tuple((1,) if i in axes else c for i, c in enumerate(x.chunks)))
        run = lambda gb, xb: op.backward(gb if keepdims else gb.squeeze(axes), xb, axis=axes, keepdims=keepdims)  # noqa: E731
        return da.map_blocks(run, g, x, dtype=x.dtype if x.dtype.kind == "f" else np.dtype(np.float64))
    run = lambda xb: op(xb, axis=axes, keepdims=keepdims)  # noqa: E731
    dtype = _meta_dtype(lambda a: op(a, axis=axes, keepdims=True), [x])
    if keepdims:
        return da.map_blocks(run, x, dtype=dtype, chunks=tuple((1,) if i in axes else c for i, c in enumerate(x.chunks)))
    return da.map_blocks(run, x, dtype=dtype, drop_axis=axes)
