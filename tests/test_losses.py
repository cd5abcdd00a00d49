"""cross_entropy and binary_cross_entropy_with_logits: PyTorch's semantics, written out here sample
by sample in float64 as the reference, stability on huge logits, gradients by central differences."""

import numpy as np
import pytest
from support import numeric_gradient

import fastact as fa

rng = np.random.default_rng(42)
LOGITS = rng.standard_normal((7, 5)) * 3
TARGET = rng.integers(0, 5, 7)
WEIGHT = rng.uniform(0.5, 2.0, 5)
PROBS = rng.dirichlet(np.ones(5), 7)


def ce_by_hand(x, t, reduction="mean", label_smoothing=0.0, weight=None, ignore_index=None):
    """torch.nn.functional.cross_entropy's definition for class indices, one sample at a time."""
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    losses, weights = [], []
    for i in range(n):
        if ignore_index is not None and t[i] == ignore_index:
            losses.append(0.0)
            weights.append(0.0)
            continue
        logp = x[i] - x[i].max() - np.log(np.exp(x[i] - x[i].max()).sum())
        nll = -w[t[i]] * logp[t[i]]
        smooth = -(w * logp).sum()
        losses.append((1 - label_smoothing) * nll + label_smoothing / c * smooth)
        weights.append(w[t[i]])
    losses = np.array(losses)
    if reduction == "none":
        return losses
    return losses.sum() / (np.sum(weights) if reduction == "mean" else 1.0)


CE_OPTIONS = [dict(), dict(reduction="sum"), dict(reduction="none"), dict(label_smoothing=0.1),
              dict(weight=WEIGHT), dict(weight=WEIGHT, label_smoothing=0.25), dict(ignore_index=2),
              dict(weight=WEIGHT, ignore_index=TARGET[0], label_smoothing=0.3)]


@pytest.mark.parametrize("kw", CE_OPTIONS, ids=lambda kw: ",".join(kw) or "default")
def test_cross_entropy_class_indices(kw):
    np.testing.assert_allclose(fa.cross_entropy(LOGITS, TARGET, **kw), ce_by_hand(LOGITS, TARGET, **kw), rtol=1e-13)
    upstream = rng.standard_normal(7) if kw.get("reduction") == "none" else 0.7
    grad = fa.cross_entropy.backward(LOGITS, TARGET, **kw, g=upstream)
    numeric = numeric_gradient(lambda z: np.sum(upstream * ce_by_hand(z, TARGET, **kw)), LOGITS)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kw", [dict(), dict(reduction="sum"), dict(label_smoothing=0.2, weight=WEIGHT)],
                         ids=lambda kw: ",".join(kw) or "default")
def test_cross_entropy_probabilities(kw):
    eps = kw.get("label_smoothing", 0.0)
    w = kw.get("weight", np.ones(5))

    def by_hand(x):
        q = PROBS * (1 - eps) + eps / 5
        logp = x - x.max(1, keepdims=True) - np.log(np.exp(x - x.max(1, keepdims=True)).sum(1, keepdims=True))
        per = -(w * q * logp).sum(1)
        return per.mean() if kw.get("reduction", "mean") == "mean" else per.sum()

    np.testing.assert_allclose(fa.cross_entropy(LOGITS, PROBS, **kw), by_hand(LOGITS), rtol=1e-13)
    np.testing.assert_allclose(fa.cross_entropy.backward(LOGITS, PROBS, **kw), numeric_gradient(by_hand, LOGITS),
                               rtol=1e-6, atol=1e-8)


def test_cross_entropy_other_axis_and_dtype():
    x3 = rng.standard_normal((2, 5, 3)).astype(np.float32)  # classes on axis 1, as PyTorch's (N, C, d)
    t2 = rng.integers(0, 5, (2, 3))
    loss = fa.cross_entropy(x3, t2, axis=1)
    assert loss.dtype == np.float32
    flat = np.moveaxis(x3, 1, -1).reshape(-1, 5).astype(np.float64)
    assert loss == pytest.approx(ce_by_hand(flat, t2.reshape(-1)), rel=1e-6)
    grad = fa.cross_entropy.backward(x3, t2, axis=1)
    assert grad.shape == x3.shape and grad.dtype == np.float32
    np.testing.assert_allclose(np.moveaxis(grad, 1, -1).reshape(-1, 5),
                               fa.cross_entropy.backward(flat, t2.reshape(-1)), rtol=1e-5, atol=1e-7)


def test_cross_entropy_is_stable_for_huge_logits():
    x = np.array([[1e4, 0.0, -1e4], [-1e30, 1e30, 0.0]], dtype=np.float32)
    loss = fa.cross_entropy(x, np.array([1, 0]), reduction="none")
    np.testing.assert_allclose(loss, [1e4, 2e30], rtol=1e-6)
    grad = fa.cross_entropy.backward(x, np.array([1, 0]), reduction="sum")
    np.testing.assert_array_equal(grad, [[1, -1, 0], [-1, 1, 0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_minus_the_target_log_softmax_special_rows_too(dtype):
    """Class indices take lse - x_t per sample (no log-softmax array); a row whose lse is not
    finite takes the log-softmax limits: +inf shares the mass, a row of -inf or with NaN is NaN."""
    x = (rng.standard_normal((9, 6)) * 4).astype(dtype)
    x[1, 2] = np.inf
    x[2] = -np.inf
    x[3, 4] = np.nan
    t = np.array([0, 2, 0, 1, 5, 3, 2, 1, 0])
    loss = fa.cross_entropy(x, t, reduction="none")
    want = -np.take_along_axis(fa.reference.log_softmax(x.astype(np.float64), -1), t[:, None], 1)[:, 0]
    assert loss[1] == 0.0 and np.isnan(loss[2]) and np.isnan(loss[3])
    ok = [0, 4, 5, 6, 7, 8]
    np.testing.assert_allclose(loss[ok], want[ok], rtol=4 * np.finfo(dtype).eps, atol=4 * np.finfo(dtype).eps)
    x[1, 2] = 0.0  # every row ordinary: the same losses as the log-softmax path gives
    np.testing.assert_allclose(fa.cross_entropy(x[ok], t[ok], reduction="sum"), want[ok].sum(), rtol=1e-6)


@pytest.mark.parametrize("index", ["a", 1.0, True, np.bool_(True), [1], np.array([1])])
def test_cross_entropy_ignore_index_takes_an_int_only(index):
    with pytest.raises(TypeError, match="cross_entropy: ignore_index must be an int"):
        fa.cross_entropy(LOGITS, TARGET, ignore_index=index)
    with pytest.raises(TypeError, match="ignore_index must be an int"):
        fa.cross_entropy.backward(LOGITS, TARGET, ignore_index=index)


def test_cross_entropy_ignore_index_as_a_numpy_int_and_out_of_range():
    assert fa.cross_entropy(LOGITS, TARGET, ignore_index=np.int64(1)) == fa.cross_entropy(LOGITS, TARGET, ignore_index=1)
    with pytest.raises(ValueError, match="ignore_index .* out of the 64-bit integer range"):
        fa.cross_entropy(LOGITS, TARGET, ignore_index=2**70)


def test_cross_entropy_bad_arguments():
    with pytest.raises(ValueError, match="target"):
        fa.cross_entropy(LOGITS, np.full(7, 5))
    with pytest.raises(ValueError, match="target"):
        fa.cross_entropy(LOGITS, np.full(7, -1))
    with pytest.raises(ValueError, match="target"):
        fa.cross_entropy(LOGITS, TARGET[:3])
    with pytest.raises(TypeError, match="target"):
        fa.cross_entropy(LOGITS, TARGET.astype(complex))
    with pytest.raises(ValueError, match="reduction"):
        fa.cross_entropy(LOGITS, TARGET, reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        fa.cross_entropy(LOGITS, TARGET, label_smoothing=1.5)
    with pytest.raises(ValueError, match="weight"):
        fa.cross_entropy(LOGITS, TARGET, weight=np.ones(3))
    with pytest.raises(ValueError, match="g"):
        fa.cross_entropy.backward(LOGITS, TARGET, g=np.ones(7))
    assert fa.cross_entropy(LOGITS, np.where(TARGET == 2, -100, TARGET), ignore_index=-100) == pytest.approx(
        ce_by_hand(LOGITS, np.where(TARGET == 2, -100, TARGET), ignore_index=-100))


# -- binary cross-entropy with logits --------------------------------------------------------------

def bce_by_hand(x, t, reduction="mean", pos_weight=None):
    pw = np.ones_like(x) if pos_weight is None else np.broadcast_to(pos_weight, x.shape)
    log_sig = -np.logaddexp(0, -x)  # log σ(x)
    log_one_minus = -np.logaddexp(0, x)  # log(1 - σ(x))
    per = -(pw * t * log_sig + (1 - t) * log_one_minus)
    return per if reduction == "none" else (per.mean() if reduction == "mean" else per.sum())


@pytest.mark.parametrize("kw", [dict(), dict(reduction="sum"), dict(reduction="none"),
                                dict(pos_weight=WEIGHT), dict(pos_weight=WEIGHT, reduction="sum")],
                         ids=lambda kw: ",".join(kw) or "default")
def test_bce_with_logits(kw):
    t = rng.uniform(0, 1, LOGITS.shape)
    np.testing.assert_allclose(fa.binary_cross_entropy_with_logits(LOGITS, t, **kw), bce_by_hand(LOGITS, t, **kw),
                               rtol=1e-13)
    upstream = rng.standard_normal(LOGITS.shape) if kw.get("reduction") == "none" else 1.3
    grad = fa.binary_cross_entropy_with_logits.backward(LOGITS, t, **kw, g=upstream)
    numeric = numeric_gradient(lambda z: np.sum(upstream * bce_by_hand(z, t, **kw)), LOGITS)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_bce_with_logits_is_stable():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=np.float32)
    t = np.array([1.0, 1.0, 0.5, 0.0, 0.0], dtype=np.float32)
    loss = fa.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss, [1000, 50, np.log(2), 50, 1000], rtol=1e-6)
    grad = fa.binary_cross_entropy_with_logits.backward(x, t, reduction="sum")
    np.testing.assert_allclose(grad, [-1, -1, 0, 1, 1], atol=1e-7)
    with pytest.raises(ValueError, match="target"):
        fa.binary_cross_entropy_with_logits(x, t[:2])
    with pytest.raises(ValueError, match="pos_weight"):
        fa.binary_cross_entropy_with_logits(x, t, pos_weight=np.ones(3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (100, 10), (33, 1000)])
def test_cross_entropy_common_call_matches_the_general_path_bit_for_bit(dtype, reduction, shape):
    """(N, C) logits with plain class indices take a short path; a weight of ones (same math, the
    general path) and the class axis first (the general path again) must give the same bits."""
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 5).astype(dtype)
    t = rng.integers(0, shape[1], shape[0])
    ones = np.ones(shape[1])
    loss = fa.cross_entropy(x, t, reduction=reduction)
    assert loss.dtype == dtype
    assert loss.tobytes() == fa.cross_entropy(x, t, reduction=reduction, weight=ones).tobytes()
    assert loss.tobytes() == fa.cross_entropy(np.ascontiguousarray(x.T), t, axis=0, reduction=reduction).tobytes()
    grad = fa.cross_entropy.backward(x, t, reduction=reduction)
    assert grad.dtype == dtype and grad.shape == shape
    assert grad.tobytes() == fa.cross_entropy.backward(x, t, reduction=reduction, weight=ones).tobytes()
    x_before = x.copy()
    fa.cross_entropy.backward(x, t)
    assert x.tobytes() == x_before.tobytes()


def test_cross_entropy_common_call_still_reports_bad_targets():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match="class index 4 is out of range"):
        fa.cross_entropy(x, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="class index -1 is out of range"):
        fa.cross_entropy.backward(x, np.array([0, -1, 1]))
    with pytest.raises(TypeError, match="axis"):
        fa.cross_entropy(x, np.array([0, 1, 1]), axis=True)


def test_means_over_nothing_are_nan_without_a_warning():
    """PyTorch's convention for all three: an empty batch, every target ignored, or zero weights
    leave the mean undefined. (Warnings are errors in this suite: none may leak.)"""
    nothing = [
        fa.cross_entropy(np.zeros((0, 3)), np.zeros(0, np.int64)),
        fa.cross_entropy(np.zeros((0, 3)), np.zeros((0, 3))),
        fa.binary_cross_entropy_with_logits(np.zeros(0), np.zeros(0)),
        fa.cross_entropy(np.zeros((2, 3)), np.array([1, 1]), ignore_index=1),
        fa.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), weight=np.zeros(3)),
    ]
    assert all(np.isnan(v) for v in nothing)
    assert fa.cross_entropy(np.zeros((0, 3)), np.zeros(0, np.int64), reduction="sum") == 0.0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_weight_rescales_each_elements_loss_and_gradient(reduction):
    rng = np.random.default_rng(7)
    x, t = rng.standard_normal((6, 4)) * 5, rng.random((6, 4))
    w, pw = rng.random(4) + 0.5, rng.random(4) + 1.0
    unweighted = fa.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=pw)
    expected = {"none": w * unweighted, "sum": (w * unweighted).sum(), "mean": (w * unweighted).mean()}[reduction]
    np.testing.assert_allclose(fa.binary_cross_entropy_with_logits(x, t, reduction, pw, w), expected, rtol=1e-14)
    g = np.ones(x.shape) if reduction == "none" else 1.0
    grad = fa.binary_cross_entropy_with_logits.backward(x, t, reduction, pw, g=g, weight=w)
    plain = fa.binary_cross_entropy_with_logits.backward(x, t, reduction, pw, g=g)
    np.testing.assert_allclose(grad, w * plain, rtol=1e-14)
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x, requires_grad=True)
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        xt, torch.tensor(t), weight=torch.tensor(w), pos_weight=torch.tensor(pw), reduction=reduction)
    np.testing.assert_allclose(fa.binary_cross_entropy_with_logits(x, t, reduction, pw, w), theirs.detach().numpy(),
                               rtol=1e-14, atol=1e-15)
    (g_theirs,) = torch.autograd.grad(theirs.sum(), xt)
    np.testing.assert_allclose(grad, g_theirs.numpy(), rtol=1e-13, atol=1e-16)


def test_bce_with_logits_weight_must_broadcast():
    with pytest.raises(ValueError, match="weight: shape"):
        fa.binary_cross_entropy_with_logits(np.zeros((2, 3)), np.zeros((2, 3)), weight=np.ones(2))
