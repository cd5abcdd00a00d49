"""The worked values and facts of docs/textbook.md that fastact's users learn from."""

import numpy as np
import pytest

import fastact as fa

X = np.array([-1.0, 2.0, 0.5, -3.0])


@pytest.mark.parametrize(
    "name, values, decimals",
    [
        ("sigmoid", [0.27, 0.88, 0.62, 0.05], 2),
        ("tanh", [-0.76, 0.96, 0.46, -1.00], 2),
        ("relu", [0, 2, 0.5, 0], 6),
        ("leaky_relu", [-0.01, 2, 0.5, -0.03], 6),
        ("gelu", [-0.16, 1.95, 0.35, -0.004], 2),
        ("silu", [-0.27, 1.76, 0.31, -0.14], 2),
    ],
)
def test_worked_values(name, values, decimals, dtype):
    np.testing.assert_allclose(fa.get(name)(X.astype(dtype)), values, atol=0.5 * 10.0**-decimals)


@pytest.mark.parametrize(
    "name, values, decimals",
    [
        ("sigmoid", [0.197, 0.105, 0.235, 0.045], 3),
        ("tanh", [0.420, 0.071, 0.786, 0.010], 3),
        ("leaky_relu", [0.01, 1, 1, 0.01], 6),
    ],
)
def test_worked_derivatives(name, values, decimals, dtype):
    np.testing.assert_allclose(fa.get(name).derivative(X.astype(dtype)), values, atol=0.5 * 10.0**-decimals)


def test_sigmoid_landmarks():
    assert fa.sigmoid(0.0) == 0.5
    assert round(float(fa.sigmoid(1.0)), 4) == 0.7311
    assert round(float(fa.sigmoid(-1.0)), 4) == 0.2689
    assert round(float(fa.sigmoid(10.0)), 5) == 0.99995
    assert abs(float(fa.sigmoid(-10.0)) - 0.000045) < 5e-7


def test_tanh_landmarks_and_relation_to_sigmoid():
    assert round(float(fa.tanh(1.0)), 4) == 0.7616
    assert round(float(fa.tanh(3.0)), 4) == 0.9951
    x = np.linspace(-5, 5, 1001)
    np.testing.assert_allclose(fa.tanh(x), 2 * fa.sigmoid(2 * x) - 1, atol=1e-15)


def test_derivative_peaks():
    x = np.linspace(-6, 6, 120_001)  # contains 0 exactly
    ds, dt = fa.sigmoid.derivative(x), fa.tanh.derivative(x)
    assert ds.max() == 0.25 and x[ds.argmax()] == 0.0
    assert dt.max() == 1.0 and x[dt.argmax()] == 0.0
    np.testing.assert_allclose(fa.tanh.derivative(x), 4 * fa.sigmoid.derivative(2 * x), rtol=1e-14)


def test_gradient_decay_through_depth():
    """Max sigmoid factor per layer is 0.25: 0.25^5 ~ 0.000977 and 0.25^10 ~ 1e-6; a 'typical'
    factor 0.20 gives 3.2e-4 at depth 5; tanh ~0.42 gives 0.013; ReLU keeps 1."""
    peak = float(fa.sigmoid.derivative(0.0))
    assert round(peak**5, 6) == 0.000977 and abs(peak**10 - 1e-6) < 5e-8
    typical_sigmoid = float(fa.sigmoid.derivative(1.5))  # 0.149..: a point in the 'typical' range
    assert typical_sigmoid < 0.2
    assert round(0.20**5, 5) == 0.00032 and round(0.42**5, 3) == 0.013
    assert float(fa.relu.derivative(1.0)) ** 50 == 1.0


def test_dead_relu_unit():
    """W = [-3, -2], b = -1 fed positive inputs: z < 0 always, output 0, gradient 0 (dead);
    Leaky ReLU keeps a gradient of alpha."""
    rng = np.random.default_rng(0)
    inputs = rng.uniform(0, 5, size=(1000, 2))
    z = inputs @ np.array([-3.0, -2.0]) - 1.0
    assert np.all(fa.relu(z) == 0) and np.all(fa.relu.derivative(z) == 0)
    assert np.all(fa.leaky_relu.derivative(z) == 0.01)


def test_gelu_is_x_times_phi_with_the_textbook_phis():
    """The table's Phi column: gelu(x) / x = Phi(x) = 0.159, 0.977, 0.691, 0.001 at -1, 2, 0.5, -3."""
    np.testing.assert_allclose(fa.gelu(X) / X, [0.159, 0.977, 0.691, 0.001], atol=5e-4)


def test_gelu_shape():
    """GELU'(0) = 0.5; GELU dips to about -0.17 around x = -0.75 and is non-monotonic; the tanh
    form (constants sqrt(2/pi) = 0.7979, 0.044715) stays within 1e-3 of the exact one."""
    assert fa.gelu.derivative(0.0) == 0.5 and fa.gelu.derivative(0.0, approximate="tanh") == 0.5
    x = np.linspace(-3, 3, 600_001)
    y = fa.gelu(x)
    assert round(float(y.min()), 2) == -0.17 and round(float(x[y.argmin()]), 2) == -0.75
    d = fa.gelu.derivative(x)
    assert (d[x < -0.76] < 0).all() and (d[x > -0.75] > 0).all()
    assert np.abs(fa.gelu(x, approximate="tanh") - y).max() < 1e-3
    u = np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)
    np.testing.assert_allclose(fa.gelu(x, approximate="tanh"), 0.5 * x * (1 + np.tanh(u)), atol=1e-15)
