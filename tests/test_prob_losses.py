"""nll_loss, kl_div, binary_cross_entropy, logsumexp and rrelu: values and gradients against
PyTorch's (float64), the special cases, and bad input."""

import numpy as np
import pytest

import fastact as fa

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(7)
LOGITS = RNG.standard_normal((6, 5)) * 3
LOG_PROBS = fa.log_softmax(LOGITS)
CLASSES = np.array([0, 4, 2, 2, 1, 3])
WEIGHT = np.linspace(0.5, 2.0, 5)


def _torch_grad(fn, x, *rest, g=None):
    t = torch.tensor(x, requires_grad=True)
    y = fn(t, *rest)
    (grad,) = torch.autograd.grad(y, t, grad_outputs=None if g is None else torch.tensor(g))
    return y.detach().numpy(), grad.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, WEIGHT])
@pytest.mark.parametrize("ignore_index", [None, 2])
def test_nll_loss_matches_pytorch(reduction, weight, ignore_index):
    g = RNG.standard_normal(6) if reduction == "none" else None
    kw = {"reduction": reduction, "weight": None if weight is None else torch.tensor(weight)}
    if ignore_index is not None:
        kw["ignore_index"] = ignore_index
    y_t, g_t = _torch_grad(lambda t: F.nll_loss(t, torch.tensor(CLASSES), **kw), LOG_PROBS, g=g)
    ours = dict(reduction=reduction, weight=weight, ignore_index=ignore_index)
    np.testing.assert_allclose(fa.nll_loss(LOG_PROBS, CLASSES, **ours), y_t, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(fa.nll_loss.backward(LOG_PROBS, CLASSES, **ours, g=g), g_t, rtol=1e-15, atol=1e-15)


def test_nll_loss_after_log_softmax_is_cross_entropy_along_any_axis():
    x = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    t = RNG.integers(0, 4, (3, 5))
    np.testing.assert_allclose(fa.nll_loss(fa.log_softmax(x, axis=1), t, axis=1), fa.cross_entropy(x, t, axis=1),
                               rtol=1e-6)
    assert fa.nll_loss(fa.log_softmax(x, axis=1), t, axis=1).dtype == np.float32
    gx = fa.nll_loss.backward(fa.log_softmax(x, axis=1), t, axis=1)
    assert gx.shape == x.shape and np.all(gx.sum(axis=1) == -1 / t.size)


def test_nll_loss_bad_input():
    with pytest.raises(ValueError, match="class index 5 is out of range for 5 classes"):
        fa.nll_loss(LOG_PROBS, np.array([0, 5, 1, 1, 1, 1]))
    with pytest.raises(TypeError, match="target must be integer class indices"):
        fa.nll_loss(LOG_PROBS, CLASSES.astype(float))
    with pytest.raises(ValueError, match="weight must be 5 real numbers"):
        fa.nll_loss(LOG_PROBS, CLASSES, weight=np.ones(4))
    with pytest.raises(ValueError, match="target must have log_probs' shape"):
        fa.nll_loss(LOG_PROBS, CLASSES[:5])
    with pytest.raises(ValueError, match="reduction must be one of"):
        fa.nll_loss(LOG_PROBS, CLASSES, reduction="batchmean")
    with pytest.raises(ValueError, match="g must be a scalar"):
        fa.nll_loss.backward(LOG_PROBS, CLASSES, g=np.ones(6))
    with pytest.raises(TypeError, match="log_probs must be an array of real numbers"):
        fa.nll_loss(LOG_PROBS.astype(complex), CLASSES)
    assert np.isnan(fa.nll_loss(LOG_PROBS, np.full(6, 2), ignore_index=2))  # nothing left to average


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # PyTorch's note on "mean"
@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_pytorch(reduction, log_target):
    target = fa.softmax(RNG.standard_normal((6, 5)))
    if log_target:
        target = np.log(target)
    else:
        target[0, 1] = 0.0  # 0 log 0 = 0
    g = RNG.standard_normal(target.shape) if reduction == "none" else None
    y_t, g_t = _torch_grad(lambda t: F.kl_div(t, torch.tensor(target), reduction=reduction, log_target=log_target),
                           LOG_PROBS, g=g)
    kw = dict(reduction=reduction, log_target=log_target)
    np.testing.assert_allclose(fa.kl_div(LOG_PROBS, target, **kw), y_t, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(fa.kl_div.backward(LOG_PROBS, target, **kw, g=g), g_t, rtol=1e-15, atol=0)


def test_kl_div_is_zero_for_equal_distributions_and_the_known_value():
    p = fa.softmax(RNG.standard_normal((4, 3)))
    assert abs(fa.kl_div(np.log(p), p, reduction="batchmean")) < 1e-16
    # KL((1/2, 1/2) || (1/4, 3/4)) = 1/2 log 2 + 1/2 log(2/3)
    value = fa.kl_div(np.log([[0.25, 0.75]]), np.array([[0.5, 0.5]]), reduction="batchmean")
    assert value == pytest.approx(0.5 * np.log(2) + 0.5 * np.log(2 / 3), rel=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, np.linspace(0.5, 2.0, 5)])
def test_binary_cross_entropy_matches_pytorch_including_the_clamp(reduction, weight):
    p = 1 / (1 + np.exp(-LOGITS))
    p[0, :3] = [0.0, 1.0, 1e-50]  # log clamped at -100, gradient at PyTorch's 1e-12 bound
    t = RNG.uniform(size=p.shape)
    g = RNG.standard_normal(p.shape) if reduction == "none" else None
    w = None if weight is None else torch.tensor(weight)
    y_t, g_t = _torch_grad(lambda v: F.binary_cross_entropy(v, torch.tensor(t), weight=w, reduction=reduction), p, g=g)
    np.testing.assert_allclose(fa.binary_cross_entropy(p, t, reduction=reduction, weight=weight), y_t, rtol=1e-14)
    np.testing.assert_allclose(fa.binary_cross_entropy.backward(p, t, reduction=reduction, weight=weight, g=g), g_t,
                               rtol=1e-14)


def test_binary_cross_entropy_bad_input_and_small_probabilities():
    with pytest.raises(ValueError, match=r"probs must be in \[0, 1\]"):
        fa.binary_cross_entropy(np.array([1.5]), np.array([1.0]))
    with pytest.raises(ValueError, match="same shape"):
        fa.binary_cross_entropy(np.array([0.5, 0.5]), np.array([1.0]))
    with pytest.raises(ValueError, match="would broadcast"):
        fa.binary_cross_entropy(np.array([0.5]), np.array([1.0]), weight=np.ones(3))
    assert np.isnan(fa.binary_cross_entropy(np.array([np.nan]), np.array([1.0])))
    # -log(1 - p) for tiny p keeps its digits (log1p), where log(1 - p) would give 0
    assert fa.binary_cross_entropy(np.array([1e-20]), np.array([0.0])) == pytest.approx(1e-20, rel=1e-15)
    assert fa.binary_cross_entropy(np.float32([0.25]), np.float32([1.0])).dtype == np.float32


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape, weight_shape", [((50, 777), (777,)), ((50, 777), (50, 1)), ((3, 30011), None),
                                                 ((40003,), None), ((7, 9, 401), (9, 1))])
def test_kl_div_and_bce_over_many_chunks_match_pytorch(reduction, shape, weight_shape):
    """Batches of 20k-40k elements, taken in float64 passes of 16k: rows cut at chunk boundaries,
    weights broadcast along either axis, the upstream gradient of reduction='none' sliced with them."""
    rng = np.random.default_rng(11)
    x = np.log(rng.dirichlet(np.ones(shape[-1]), shape[:-1] or None)).reshape(shape)
    t = rng.dirichlet(np.ones(shape[-1]), shape[:-1] or None).reshape(shape)
    t.flat[::97] = 0.0  # 0 log 0 = 0
    g = rng.standard_normal(shape) if reduction == "none" else None
    y_t, g_t = _torch_grad(lambda v: F.kl_div(v, torch.tensor(t), reduction=reduction), x, g=g)
    np.testing.assert_allclose(fa.kl_div(x, t, reduction=reduction), y_t, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(fa.kl_div.backward(x, t, reduction=reduction, g=g), g_t, rtol=1e-14)
    p = rng.uniform(size=shape)
    p.flat[::101] = 0.0
    p.flat[1::103] = 1.0
    w = None if weight_shape is None else rng.uniform(0.5, 2.0, weight_shape)
    y_t, g_t = _torch_grad(lambda v: F.binary_cross_entropy(
        v, torch.tensor(t), weight=None if w is None else torch.tensor(w), reduction=reduction), p, g=g)
    np.testing.assert_allclose(fa.binary_cross_entropy(p, t, reduction=reduction, weight=w), y_t, rtol=1e-13)
    np.testing.assert_allclose(fa.binary_cross_entropy.backward(p, t, reduction=reduction, weight=w, g=g), g_t,
                               rtol=1e-14)
    # float32 in, float32 out, computed in float64 and rounded once
    y32 = fa.kl_div(x.astype(np.float32), t.astype(np.float32), reduction=reduction)
    assert y32.dtype == np.float32
    ref = fa.kl_div(x.astype(np.float32).astype(np.float64), t.astype(np.float32).astype(np.float64),
                    reduction=reduction)
    np.testing.assert_array_equal(y32, np.asarray(ref).astype(np.float32))


@pytest.mark.parametrize("dtype_name", ["float16", "bfloat16"])
def test_kl_div_and_bce_keep_16_bit_dtypes(dtype_name):
    """16-bit inputs (bfloat16 is not a NumPy float kind) give results of their own dtype: the float64
    result rounded once."""
    dtype = np.dtype(pytest.importorskip("ml_dtypes").bfloat16) if dtype_name == "bfloat16" else np.dtype(dtype_name)
    x = np.log(np.array([[0.25, 0.75], [0.5, 0.5]])).astype(dtype)
    t = np.array([[0.5, 0.5], [0.9, 0.1]]).astype(dtype)
    x64, t64 = x.astype(np.float64), t.astype(np.float64)
    for reduction in ("mean", "none"):
        for f, args, args64 in ((fa.kl_div, (x, t), (x64, t64)), (fa.binary_cross_entropy, (t, t), (t64, t64))):
            y, y64 = f(*args, reduction=reduction), f(*args64, reduction=reduction)
            assert np.asarray(y).dtype == dtype
            np.testing.assert_array_equal(np.asarray(y), np.asarray(y64).astype(dtype))
            assert f.backward(*args, reduction=reduction).dtype == dtype


def test_the_losses_through_fastact_torch_have_pytorchs_gradients():
    ft = pytest.importorskip("fastact.torch")
    x = torch.tensor(LOG_PROBS, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: ft.nll_loss(v, torch.tensor(CLASSES), weight=torch.tensor(WEIGHT)), (x,))
    target = torch.tensor(fa.softmax(RNG.standard_normal((6, 5))))
    assert torch.autograd.gradcheck(lambda v: ft.kl_div(v, target, reduction="batchmean"), (x,))
    p = torch.tensor(RNG.uniform(0.1, 0.9, (6, 5)), requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: ft.binary_cross_entropy(v, target), (p,))
    assert isinstance(ft.NLLLoss()(x, torch.tensor(CLASSES)), torch.Tensor)
    assert torch.autograd.gradcheck(lambda v: ft.logsumexp(v, axis=0), (x,))


@pytest.mark.parametrize("axis", [-1, 0, (0, 1), None])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_matches_pytorch_with_its_gradient(axis, keepdims):
    x = RNG.standard_normal((4, 3, 5)) * 10
    dim = tuple(range(3)) if axis is None else axis
    y_t = torch.logsumexp(torch.tensor(x), dim=dim, keepdim=keepdims).numpy()
    y = fa.logsumexp(x, axis=axis, keepdims=keepdims)
    assert np.shape(y) == y_t.shape
    np.testing.assert_allclose(y, y_t, rtol=1e-15)
    g = RNG.standard_normal(y_t.shape)
    _, g_t = _torch_grad(lambda t: torch.logsumexp(t, dim=dim, keepdim=keepdims), x, g=g)
    np.testing.assert_allclose(fa.logsumexp.backward(g, x, axis=axis, keepdims=keepdims), g_t, rtol=1e-14, atol=1e-16)


def test_logsumexp_special_rows_and_accuracy(dtype):
    x = np.array([[1000.0, 1000.0, -np.inf], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, -np.inf],
                  [np.nan, 0.0, 1.0], [-1e4, -1e4 - 1, -1e4 - 2]], dtype=dtype)
    y = fa.logsumexp(x, axis=1)
    assert y.dtype == dtype
    assert y[1] == -np.inf and y[2] == np.inf and np.isnan(y[3])
    ref = fa.logsumexp.reference(x[[0, 4]].astype(np.longdouble), axis=1)
    ulp = np.abs(y[[0, 4]].astype(np.longdouble) - ref) / np.spacing(ref.astype(dtype))
    assert ulp.max() <= 1.0  # computed in float64 (float32) or the same formula (float64), rounded once
    np.testing.assert_array_equal(fa.logsumexp.backward(np.ones(5, dtype), x, axis=1)[1], np.nan)  # -inf row: 0 / 0
    assert fa.logsumexp(np.zeros((0, 3)), axis=0).tolist() == [-np.inf] * 3


@pytest.mark.parametrize("shape, axis", [((7, 1000), 1), ((7, 1000), 0), ((3, 40, 37), 1), ((2, 5, 3), 2),
                                         ((300, 10), 1), ((1,), 0)])
@pytest.mark.parametrize("shift", [0.0, -2.0, 3.0])
def test_logsumexp_is_the_float64_formula_rounded_once_on_every_layout(shape, axis, shift, dtype):
    """Rows (one group per row), columns (a group per lane, ragged blocks) and short rows, with
    results around 0 where m + log s cancels (shift -2: two elements of -0.69 give 2e-4), around
    the float kernel's switch to widened terms (|result| 4) and beyond it. float32: within an ULP
    of the exact value; float64: the float64 formula's own absolute error."""
    x = (RNG.standard_normal(shape) + shift).astype(dtype)
    x.flat[:2] = -0.69  # a cancelling group
    y = fa.logsumexp(x, axis=axis)
    ref = fa.logsumexp.reference(x.astype(np.longdouble), axis=axis)
    ulp = np.abs(y.astype(np.longdouble) - ref) / np.spacing(np.abs(ref).astype(dtype))
    assert y.dtype == dtype and y.shape == ref.shape
    if dtype == np.float32:
        assert ulp.max() <= 1.0
    else:  # the float64 formula's own limit: e^(x - m) good to 2^-53, so log s to 2^-53 absolute
        scale = np.abs(np.max(x, axis=axis)) + np.log(x.shape[axis]) + 1
        assert (np.abs(y - ref) <= 4 * np.finfo(dtype).eps * scale).all()
    g = RNG.standard_normal(y.shape).astype(dtype)
    e = np.exp(x.astype(np.longdouble) - np.expand_dims(ref, axis))  # softmax: the exact weights
    ref_g = np.expand_dims(g, axis) * e
    err = np.abs(fa.logsumexp.backward(g, x, axis=axis).astype(np.longdouble) - ref_g)
    assert (err <= 5 * np.finfo(dtype).eps * np.abs(ref_g) + np.finfo(dtype).tiny).all()  # softmax's 4 ULP + 1
    if dtype == np.float32:  # exactly the float64 formula, rounded once
        pair = np.array([-0.69, -0.69], dtype)
        assert fa.logsumexp(pair) == np.float32(fa.logsumexp.reference(pair.astype(np.float64)))


@pytest.mark.parametrize("length", [1, 5, 8, 13, 16])
def test_logsumexp_of_a_row_does_not_depend_on_its_batch(length, dtype):
    """Short rows go through blocks of rows transposed into lanes; the rows left over, and a row
    alone, take the one-row walk: the same bits either way, results near 0 and special rows too."""
    x = (RNG.standard_normal((37, length)) * 3 - 1).astype(dtype)
    x[3] = -np.inf
    x[5, 0] = np.inf
    x[7, -1] = np.nan
    x[9, :2] = -0.69
    batch = fa.logsumexp(x, axis=1)
    alone = np.array([fa.logsumexp(row) for row in x], dtype=dtype)
    assert batch.tobytes() == alone.tobytes()
    assert batch[3] == -np.inf and batch[5] == np.inf and np.isnan(batch[7])


def test_logsumexp_bad_input():
    with pytest.raises(np.exceptions.AxisError):
        fa.logsumexp(np.ones(3), axis=1)
    with pytest.raises(TypeError, match="axis must be an int"):
        fa.logsumexp(np.ones(3), axis=1.0)
    with pytest.raises(ValueError, match="g must have the result's shape"):
        fa.logsumexp.backward(np.ones(3), np.ones((2, 3)))


def test_rrelu_evaluation_is_leaky_relu_with_the_mean_slope_as_pytorch():
    x = np.linspace(-4, 4, 17)
    np.testing.assert_array_equal(fa.rrelu(x), F.rrelu(torch.tensor(x), training=False).numpy())
    np.testing.assert_array_equal(fa.rrelu.backward(np.ones_like(x), x), fa.leaky_relu.derivative(x, alpha=(1 / 8 + 1 / 3) / 2))


def test_rrelu_training_draws_reproducibly_and_the_backward_uses_the_draw(dtype):
    x = RNG.standard_normal(1000).astype(dtype)
    y, s = fa.rrelu(x, lower=0.1, upper=0.3, training=True, seed=3)
    y2, s2 = fa.rrelu(x, lower=0.1, upper=0.3, training=True, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(s, s2)
    np.testing.assert_array_equal(y, y2)
    assert y.dtype == s.dtype == dtype
    negative = x < 0
    assert np.all(s[~negative] == 1) and np.all((s[negative] >= dtype.type(0.1)) & (s[negative] <= dtype.type(0.3)))
    assert len(np.unique(s[negative])) > 100  # one slope per element
    np.testing.assert_array_equal(y, x * s)
    g = RNG.standard_normal(1000).astype(dtype)
    np.testing.assert_array_equal(fa.rrelu.backward(g, x, slopes=s), g * s)
    np.testing.assert_array_equal(fa.rrelu(x, training=True, slopes=s)[0], y)  # a draw reused
    assert not np.array_equal(fa.rrelu(x, training=True, seed=4)[1], fa.rrelu(x, training=True, seed=3)[1])


def test_rrelu_bad_input():
    x = np.ones(3)
    with pytest.raises(ValueError, match="lower must be <= upper"):
        fa.rrelu(x, lower=0.5, upper=0.1)
    with pytest.raises(ValueError, match="training mode only"):
        fa.rrelu(x, seed=1)
    with pytest.raises(ValueError, match="not both"):
        fa.rrelu(x, training=True, seed=1, rng=np.random.default_rng())
    with pytest.raises(TypeError, match="Generator"):
        fa.rrelu(x, training=True, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="slopes must have x's shape"):
        fa.rrelu(x, training=True, slopes=np.ones(2))
    with pytest.raises(TypeError, match="PyTorch and JAX have their own rrelu"):
        fa.rrelu(torch.ones(3))
