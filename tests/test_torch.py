"""fastact.torch and tensors through the top-level ops: autograd functions and modules on
fastact's kernels, gradcheck in float64, agreement with PyTorch's own ops, no copies, out=
tensors, the 16-bit formats, clear errors, and a training loop that matches PyTorch's."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

import fastact as fa  # noqa: E402
import fastact.torch as ft  # noqa: E402


def _x(*shape, dtype=torch.float64, seed=0, requires_grad=True):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=dtype) * 2).requires_grad_(requires_grad)


ELEMENTWISE = [n for n in fa.ops("elementwise")]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_gradcheck_elementwise(name):
    x = _x(3, 5)
    assert torch.autograd.gradcheck(getattr(ft, name), (x,))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "glu", "swiglu", "geglu", "reglu"])
@pytest.mark.parametrize("axis", [0, -1])
def test_gradcheck_rowwise_and_gated(name, axis):
    x = _x(4, 6)
    assert torch.autograd.gradcheck(lambda t: getattr(ft, name)(t, axis=axis), (x,))


def test_gradcheck_learnable_parameters_and_bias():
    x = _x(4, 6)
    beta = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t, b: ft.swish(t, beta=b), (x, beta))
    alpha = torch.linspace(0.1, 0.6, 6, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda t, a: ft.prelu(t, a, axis=1), (x, alpha))
    bias = _x(6, seed=1)
    assert torch.autograd.gradcheck(lambda t, b: ft.gelu(t, bias=b), (x, bias))
    assert torch.autograd.gradcheck(lambda t, b: ft.gelu(t, bias=b, axis=0), (x, _x(4, seed=2)))


@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.1},
                                    {"weight": torch.linspace(0.5, 2.0, 6, dtype=torch.float64), "ignore_index": 2}])
def test_cross_entropy_matches_pytorch_and_gradchecks(kwargs):
    x = _x(5, 6)
    target = torch.tensor([0, 2, 5, 1, 3])
    assert torch.autograd.gradcheck(lambda t: ft.cross_entropy(t, target, **kwargs), (x,))
    ours = ft.cross_entropy(x, target, **kwargs)
    theirs = F.cross_entropy(x, target, **kwargs)
    torch.testing.assert_close(ours, theirs, rtol=1e-14, atol=1e-14)
    (g_ours,) = torch.autograd.grad(ours.sum(), x)
    (g_theirs,) = torch.autograd.grad(theirs.sum(), x)
    torch.testing.assert_close(g_ours, g_theirs, rtol=1e-13, atol=1e-15)


def test_binary_cross_entropy_with_logits_matches_pytorch():
    x = _x(5, 6)
    t = torch.rand(5, 6, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    pw = torch.linspace(0.5, 3.0, 6, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda v: ft.binary_cross_entropy_with_logits(v, t, pos_weight=pw), (x,))
    torch.testing.assert_close(ft.binary_cross_entropy_with_logits(x, t, pos_weight=pw),
                               F.binary_cross_entropy_with_logits(x, t, pos_weight=pw), rtol=1e-14, atol=0)


PEERS = {
    "relu": F.relu, "leaky_relu": F.leaky_relu, "hardtanh": F.hardtanh, "relu6": F.relu6,
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": F.elu, "selu": F.selu, "celu": F.celu,
    "softsign": F.softsign, "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "silu": F.silu,
    "softplus": F.softplus, "log_sigmoid": F.logsigmoid, "mish": F.mish, "gelu": F.gelu,
    "threshold": lambda x: F.threshold(x, 0.0, 0.0), "hardshrink": F.hardshrink, "softshrink": F.softshrink,
    "squared_relu": lambda x: F.relu(x) ** 2, "tanhshrink": F.tanhshrink, "quick_gelu": lambda x: x * torch.sigmoid(1.702 * x),
}


@pytest.mark.parametrize("name", sorted(PEERS))
def test_forward_and_gradient_agree_with_pytorch_in_float64(name):
    """Values agree with PyTorch's to 1e-13 absolute (not in ULP: PyTorch's own float64 GELU
    loses relative digits in the negative tail, where both are tiny); the gradient is fastact's
    derivative (to 1e-13 or 1e-15 absolute: tanh and the other ops that save the output
    differentiate from it, 1 - y^2 for tanh) and PyTorch's to 1e-7 relative (PyTorch's float64 hardsigmoid/hardswish
    backward multiplies by 1/6 rounded to float32)."""
    x = torch.linspace(-6, 6, 1001, dtype=torch.float64, requires_grad=True)
    ours, theirs = getattr(ft, name)(x), PEERS[name](x)
    assert np.abs(ours.detach().numpy() - theirs.detach().numpy()).max() <= 1e-13
    (g_ours,) = torch.autograd.grad(ours.sum(), x)
    (g_theirs,) = torch.autograd.grad(theirs.sum(), x)
    np.testing.assert_allclose(g_ours.numpy(), fa.get(name).derivative(x.detach().numpy()), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(g_ours.numpy(), g_theirs.numpy(), rtol=1e-7, atol=1e-13)


def test_top_level_op_on_a_tensor_that_requires_grad_is_differentiable():
    x = _x(8)
    y = fa.gelu(x)
    assert isinstance(y, torch.Tensor) and y.grad_fn is not None
    (g,) = torch.autograd.grad(y.sum(), x)
    np.testing.assert_array_equal(g.numpy(), fa.gelu.derivative(x.detach().numpy()))


def test_output_is_saved_instead_of_input_where_the_op_allows_it():
    x = _x(8)
    for name in ("sigmoid", "tanh", "elu", "selu", "softmax", "log_softmax", "softmin"):
        y = getattr(ft, name)(x)
        (saved,) = y.grad_fn.saved_tensors
        assert torch.equal(saved, y), name
    (saved,) = ft.gelu(x).grad_fn.saved_tensors
    assert torch.equal(saved, x)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_no_copy_in_or_out(dtype):
    x = torch.linspace(-3, 3, 64, dtype=dtype)
    out = torch.empty_like(x)
    assert fa.tanh(x, out=out) is out
    np.testing.assert_array_equal(out.numpy(), fa.tanh(x.numpy()))
    y = fa.relu(x)
    assert isinstance(y, torch.Tensor) and y.dtype == dtype
    view = y.numpy()  # the tensor shares the result array's memory
    view[0] = 42
    assert y[0].item() == 42


def test_bfloat16_tensors():
    pytest.importorskip("ml_dtypes")
    x = torch.linspace(-4, 4, 33, dtype=torch.bfloat16)
    y = fa.gelu(x)
    assert y.dtype == torch.bfloat16
    torch.testing.assert_close(y, F.gelu(x.float()).to(torch.bfloat16), rtol=0, atol=0)
    x.requires_grad_()
    (g,) = torch.autograd.grad(ft.silu(x).float().sum(), x)
    assert g.dtype == torch.bfloat16


def test_the_callers_tensor_is_not_modified_and_non_contiguous_input_works():
    x = _x(6, 4, requires_grad=False)
    before = x.clone()
    y = fa.sigmoid(x.t())
    assert torch.equal(x, before)
    torch.testing.assert_close(y, torch.sigmoid(x.t()), rtol=1e-15, atol=0)


def test_clear_errors():
    with pytest.raises(TypeError, match="complex64"):
        fa.relu(torch.zeros(3, dtype=torch.complex64))
    with pytest.raises(TypeError, match="out="):
        fa.relu(_x(3), out=torch.empty(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="same shape|shape"):
        fa.relu.backward(torch.ones(3), torch.ones(4))
    if torch.cuda.is_available():  # pragma: no cover - no GPU on the CI machines
        with pytest.raises(ValueError, match="CPU"):
            fa.relu(torch.ones(3, device="cuda"))
    meta = torch.empty(3, device="meta")
    with pytest.raises(ValueError, match="CPU"):
        fa.relu(meta)


def test_modules():
    torch.manual_seed(0)
    x = _x(4, 3, 5, dtype=torch.float32)
    prelu = ft.PReLU(3)
    assert [n for n, _ in prelu.named_parameters()] == ["weight"]
    theirs = torch.nn.PReLU(3)
    torch.testing.assert_close(prelu(x), theirs(x))
    (g1,) = torch.autograd.grad(prelu(x).sum(), prelu.weight)
    (g2,) = torch.autograd.grad(theirs(x).sum(), theirs.weight)
    torch.testing.assert_close(g1, g2)
    swish = ft.Swish(beta=1.5)
    swish(x).sum().backward()
    assert swish.beta.grad is not None and swish.beta.grad.shape == ()
    torch.testing.assert_close(ft.GELU(approximate="tanh")(x), F.gelu(x, approximate="tanh"))
    torch.testing.assert_close(ft.Softmax(axis=1)(x), F.softmax(x, dim=1))
    assert "approximate='tanh'" in repr(ft.GELU(approximate="tanh"))
    with pytest.raises(TypeError):
        ft.GELU(nonsense=1)
    loss = ft.CrossEntropyLoss()(x[:, 0, :], torch.tensor([0, 1, 2, 3]))
    torch.testing.assert_close(loss, F.cross_entropy(x[:, 0, :], torch.tensor([0, 1, 2, 3])))


def _digits():
    datasets = pytest.importorskip("sklearn.datasets")
    data = datasets.load_digits()
    x = torch.tensor(data.data / 16.0, dtype=torch.float32)
    return x, torch.tensor(data.target)


def train(activation, loss_fn, steps=60, seed=0):
    """An MLP on scikit-learn's bundled digits, full batch, SGD: the loss after ``steps``."""
    x, y = _digits()
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), activation, torch.nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return loss.item()


def test_training_with_fastact_modules_reaches_pytorchs_loss():
    ours = train(ft.GELU(), ft.CrossEntropyLoss())
    theirs = train(torch.nn.GELU(), torch.nn.CrossEntropyLoss())
    assert ours < 0.5  # it learns (chance is log 10 = 2.3)
    assert abs(ours - theirs) <= 1e-4 * theirs
