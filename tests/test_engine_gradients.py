"""Backpropagation against finite differences of the lecture's objective.

The objective is written out again here from its definition (DESIGN.md, "Definitions the
tests hold the engine to") in plain NumPy:

    z^l = (W^l)^T a^{l-1} + b^l,  a^l = f(z^l),  F(x) = z^L
    R(theta) = (1/N) sum_i loss(y_i, F(x_i)) + l2 * sum_l ||W^l||_F^2   (biases unpenalised)

and its central differences are compared with the engine's analytic gradient, for every
activation and every loss (each once: the formulas are written once, per unit), at depth 0,
1 and 2, with and without L2. Points are kept away from the
kinks of ReLU (z = 0) and of the hinge (1 - y z = 0), where a finite difference is not a
derivative: each case asserts that no kink lies within 1e-4 of a point, and that both sides
of each kink are visited, so that the indicator branches are exercised.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import ACTIVATIONS, Network, NeuralNetClassifier, NeuralNetRegressor, losses
from engine.objective import objective_and_gradients

EPS = 1e-6
KINK_GAP = 1e-4
ACTIVATIONS_ALL = ["relu", "sigmoid", "logistic", "tanh", "identity", "leaky_relu", "quadratic"]
KINKED = {"relu", "leaky_relu"}

# -- the definitions, written out independently of the engine --------------------------------


def ref_activation(name, z):
    if name == "relu":
        return np.maximum(z, 0.0)
    if name in ("sigmoid", "logistic"):
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    if name == "identity":
        return z
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "quadratic":
        return z**2
    raise AssertionError(name)


def ref_preactivations(coefs, intercepts, X, name):
    """[z^1, ..., z^L] for the rows of X."""
    zs, a = [], X
    for l, (W, b) in enumerate(zip(coefs, intercepts), start=1):
        z = a @ W + b
        zs.append(z)
        if l < len(coefs):
            a = ref_activation(name, z)
    return zs


def ref_loss_rows(loss, T, Z):
    """Loss of each row, from the definitions (summed over output units for hinge/squared)."""
    if loss == "hinge":
        return np.maximum(0.0, 1.0 - T * Z).sum(axis=1)
    if loss == "squared_error":
        return ((T - Z) ** 2 / 2).sum(axis=1)
    if loss == "log_loss" and Z.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-Z[:, 0]))
        t = T[:, 0]
        return -(t * np.log(p) + (1 - t) * np.log(1 - p))
    if loss == "log_loss":
        e = np.exp(Z)
        p = e / e.sum(axis=1, keepdims=True)
        return -np.log((p * T).sum(axis=1))
    raise AssertionError(loss)


def ref_objective(coefs, intercepts, X, T, name, loss, l2):
    Z = ref_preactivations(coefs, intercepts, X, name)[-1]
    penalty = sum(float((W**2).sum()) for W in coefs)
    return float(ref_loss_rows(loss, T, Z).mean()) + l2 * penalty


def ref_targets(loss, y, k):
    """DESIGN.md's encoding: +1/-1 per output unit for hinge and squared error (+1 is
    class 1 with two classes, one-vs-rest with more); 0/1 or one-hot for log loss."""
    if k == 2:
        t = (y == 1).astype(float)[:, None]
    else:
        t = np.eye(k)[y]
    return t if loss == "log_loss" else 2 * t - 1


def central_differences(fun, theta):
    grad = np.empty_like(theta)
    for i in range(len(theta)):
        keep = theta[i]
        theta[i] = keep + EPS
        up = fun()
        theta[i] = keep - EPS
        down = fun()
        theta[i] = keep
        grad[i] = (up - down) / (2 * EPS)
    return grad


# -- cases ---------------------------------------------------------------------------------

LOSS_CASES = [
    ("hinge", 2),
    ("hinge", 3),
    ("squared_error", 2),
    ("squared_error", 3),
    ("log_loss", 2),
    ("log_loss", 3),
]


def make_case(activation, loss, k, depth, seed_base=0):
    """A small network and data with no kink within KINK_GAP of any point."""
    for seed in range(seed_base, seed_base + 200):
        rng = np.random.default_rng(seed)
        sizes = (2, *([3] * depth), 1 if k == 2 else k)
        net = Network(sizes, activation, random_state=seed)
        # Moderate weights keep sigmoid/tanh away from saturation and the quadratic small.
        net.theta[:] = rng.uniform(-1.0, 1.0, net.theta.shape)
        X = rng.normal(size=(12, 2))
        y = np.arange(12) % k
        T = ref_targets(loss, y, k)
        zs = ref_preactivations(net.coefs, net.intercepts, X, activation)
        hidden = np.concatenate([z.ravel() for z in zs[:-1]]) if depth else np.zeros(0)
        if activation in KINKED and depth:
            if np.abs(hidden).min() < KINK_GAP or not (hidden > 0).any() or (hidden > 0).all():
                continue
        if loss == "hinge":
            slack = 1.0 - T * zs[-1]
            if np.abs(slack).min() < KINK_GAP or not (slack > 0).any() or (slack > 0).all():
                continue
        return net, X, y, T
    raise AssertionError("no kink-free case found")


# Each activation through two hidden layers, each loss (and output count) once, depth 0:
# every definition once, not every combination (the formulas are written once, per unit).
BACKPROP_CASES = [
    *[(activation, "hinge", 2, 2, 0.05) for activation in ACTIVATIONS_ALL],
    *[("tanh", loss, k, 1, 0.0) for loss, k in LOSS_CASES],
    ("relu", "log_loss", 3, 0, 0.05),
]


@pytest.mark.parametrize(("activation", "loss", "k", "depth", "l2"), BACKPROP_CASES)
def test_backprop_matches_finite_differences(activation, loss, k, depth, l2):
    net, X, y, T = make_case(activation, loss, k, depth)
    grad = np.full_like(net.theta, np.nan)  # every entry must be written
    value, Z, deltas = objective_and_gradients(
        net, losses.get(loss), X, T, l2, grad, net.weight_mask()
    )

    def objective():
        return ref_objective(net.coefs, net.intercepts, X, T, activation, loss, l2)

    assert value == pytest.approx(objective(), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(Z, ref_preactivations(net.coefs, net.intercepts, X, activation)[-1])
    numeric = central_differences(objective, net.theta)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)
    # deltas[l] = dR/dz^l for the batch (points as columns), one per layer.
    assert len(deltas) == depth + 2
    assert deltas[-1].shape == (Z.shape[1], len(X))


def test_l2_leaves_biases_alone():
    """d/db of the penalty is 0 and d/dW is 2 l2 W: compare with and without it."""
    net, X, y, T = make_case("tanh", "squared_error", 2, 2)
    loss = losses.get("squared_error")
    plain, penalised = np.empty_like(net.theta), np.empty_like(net.theta)
    v0, _, _ = objective_and_gradients(net, loss, X, T, 0.0, plain, net.weight_mask())
    v1, _, _ = objective_and_gradients(net, loss, X, T, 0.3, penalised, net.weight_mask())
    dW, db = net.views(penalised - plain)
    for W, gW, gb in zip(net.coefs, dW, db):
        np.testing.assert_allclose(gW, 2 * 0.3 * W, rtol=1e-12, atol=1e-15)
        assert np.all(gb == 0.0)
    assert v1 - v0 == pytest.approx(0.3 * sum((W**2).sum() for W in net.coefs), rel=1e-12)


# -- each activation's derivative, each loss's dl/dz --------------------------------------


@pytest.mark.parametrize("name", ACTIVATIONS_ALL)
def test_activation_values_and_derivatives(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-3.0, 3.0, 61) + 0.013  # no grid point within 1e-3 of the kink at 0
    np.testing.assert_allclose(act.f(z.copy()), ref_activation(name, z), rtol=1e-12, atol=1e-15)
    numeric = (ref_activation(name, z + EPS) - ref_activation(name, z - EPS)) / (2 * EPS)
    np.testing.assert_allclose(act.df(z), numeric, rtol=1e-6, atol=1e-8)
    # The backward pass hands f' the cached a = f(z) as well; the answer must not change.
    np.testing.assert_allclose(act.df(z, act.f(z.copy())), numeric, rtol=1e-6, atol=1e-8)
    # f writing into `out` gives the same as f returning a new array.
    out = np.empty_like(z)
    assert act.f(z, out=out) is out
    np.testing.assert_allclose(out, ref_activation(name, z), rtol=1e-12, atol=1e-15)


def test_relu_derivative_is_the_indicator_even_at_zero():
    z = np.array([-2.0, -1e-300, 0.0, 1e-300, 3.0])
    d = np.asarray(ACTIVATIONS["relu"].df(z), dtype=float)
    np.testing.assert_array_equal(d, [0.0, 0.0, 0.0, 1.0, 1.0])
    a = ACTIVATIONS["relu"].f(z.copy())
    np.testing.assert_array_equal(np.asarray(ACTIVATIONS["relu"].df(z, a), dtype=float), d)


def test_logistic_is_sigmoid():
    assert ACTIVATIONS["logistic"] is ACTIVATIONS["sigmoid"]


def test_sigmoid_does_not_overflow():
    z = np.array([-1000.0, 1000.0])
    with np.errstate(all="raise"):
        np.testing.assert_allclose(ACTIVATIONS["sigmoid"].f(z), [0.0, 1.0], atol=1e-300)


@pytest.mark.parametrize(("loss", "k"), LOSS_CASES)
def test_loss_value_and_dl_dz(loss, k):
    rng = np.random.default_rng(3)
    n = 9
    y = np.arange(n) % k
    T = ref_targets(loss, y, k)
    outputs = 1 if k == 2 else k
    Z = rng.normal(size=(n, outputs)) * 2
    if loss == "hinge":
        slack = 1 - T * Z
        assert np.abs(slack).min() > KINK_GAP and (slack > 0).any() and (slack < 0).any()
    value, grad = losses.get(loss).value_and_grad(T, Z.copy())
    assert value == pytest.approx(ref_loss_rows(loss, T, Z).mean(), rel=1e-12)
    assert grad.shape == Z.shape
    # dl/dz per row: the mean's derivative times n.
    numeric = np.empty_like(Z)
    for idx in np.ndindex(*Z.shape):
        up, down = Z.copy(), Z.copy()
        up[idx] += EPS
        down[idx] -= EPS
        numeric[idx] = ref_loss_rows(loss, T, up)[idx[0]] - ref_loss_rows(loss, T, down)[idx[0]]
    np.testing.assert_allclose(grad, numeric / (2 * EPS), rtol=1e-6, atol=1e-8)
    # scale multiplies the gradient and leaves the value alone (the objective's 1/n).
    value2, grad2 = losses.get(loss).value_and_grad(T, Z.copy(), 0.25)
    assert value2 == value
    np.testing.assert_allclose(grad2, 0.25 * grad, rtol=1e-15)


def test_hinge_gradient_cases_from_design():
    """-y where 1 - y z > 0, else 0; the loss max(0, 1 - y z)."""
    T = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    Z = np.array([[0.5], [2.0], [0.5], [-3.0]])
    value, grad = losses.get("hinge").value_and_grad(T, Z)
    np.testing.assert_array_equal(grad, [[-1.0], [0.0], [1.0], [0.0]])
    assert value == pytest.approx((0.5 + 0 + 1.5 + 0) / 4)


def test_log_loss_is_stable_for_large_outputs():
    T = np.array([[1.0], [0.0]])
    Z = np.array([[800.0], [800.0]])
    with np.errstate(over="raise", invalid="raise"):
        value, grad = losses.get("log_loss").value_and_grad(T, Z)
    assert value == pytest.approx(400.0)
    np.testing.assert_allclose(grad, [[0.0], [1.0]])


# -- the slide: one hidden ReLU layer, hinge loss -------------------------------------------


SLIDE_POINTS = [
    ([0.8, -0.3], 1, False),  # y z = 1.80 > 1: outside the margin, no gradient at all
    ([0.8, -0.3], 0, True),
    ([-1.2, 0.9], 1, True),
    ([2.0, 1.5], 1, False),
    ([0.3, 0.1], 1, True),  # y z = 0.93: just inside the margin
    ([-0.5, -1.0], 0, True),
]


@pytest.mark.parametrize(("x", "y", "active"), SLIDE_POINTS)
def test_slide_hinge_gradient_per_parameter(x, y, active):
    """dl/dw_ij = x_j 1[z_i > 0] w_i (-y if 1 - y z > 0 else 0), per parameter, one point."""
    net = Network((2, 4, 1), "relu", random_state=0)
    # w_ij for hidden unit i and input j is W^1[j, i]; w_i is W^2[i, 0].
    net.coefs[0][:] = [[1.0, -0.5, 0.3, -1.0], [0.5, 1.0, -0.8, -0.4]]
    net.intercepts[0][:] = [0.1, -0.2, 0.05, -0.3]
    net.coefs[1][:, 0] = [1.5, -0.7, 0.9, 0.6]
    net.intercepts[1][:] = [0.2]
    X = np.array([x])
    t = 1.0 if y == 1 else -1.0
    # The slide's forward pass, unit by unit.
    z_hidden = [
        sum(net.coefs[0][j, i] * x[j] for j in range(2)) + net.intercepts[0][i] for i in range(4)
    ]
    z = sum(net.coefs[1][i, 0] * max(0.0, z_hidden[i]) for i in range(4)) + net.intercepts[1][0]
    assert (1 - t * z > 0) == active, "the case is on the intended side of the margin"
    assert any(zi > 0 for zi in z_hidden) and any(zi < 0 for zi in z_hidden)
    dl_dz = -t if 1 - t * z > 0 else 0.0

    grad = np.empty_like(net.theta)
    objective_and_gradients(
        net, losses.get("hinge"), X, np.array([[t]]), 0.0, grad, net.weight_mask()
    )
    (gW1, gW2), (gb1, gb2) = net.views(grad)
    for i in range(4):
        indicator = 1.0 if z_hidden[i] > 0 else 0.0
        w_i = net.coefs[1][i, 0]
        for j in range(2):
            assert gW1[j, i] == pytest.approx(x[j] * indicator * w_i * dl_dz, abs=1e-15)
        assert gb1[i] == pytest.approx(indicator * w_i * dl_dz, abs=1e-15)
        assert gW2[i, 0] == pytest.approx(max(0.0, z_hidden[i]) * dl_dz, abs=1e-15)
    assert gb2[0] == pytest.approx(dl_dz, abs=1e-15)
    if not active:
        assert np.all(grad == 0.0)


# -- the estimators' loss_and_gradients ---------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "loss", "k"),
    [*((activation, "log_loss", 3) for activation in ACTIVATIONS_ALL)]
    + [("relu", loss, k) for loss, k in LOSS_CASES],
)
def test_classifier_loss_and_gradients(activation, loss, k):
    net, X, y, T = make_case(activation, loss, k, 1, seed_base=50)
    labels = np.array(["ant", "bee", "cow"])[y]
    clf = NeuralNetClassifier(
        (3,),
        activation=activation,
        loss=loss,
        l2=0.02,
        max_iter=1,
        learning_rate=1e-9,
        random_state=0,
    ).fit(X, labels)
    clf.coefs_, clf.intercepts_ = net.coefs, net.intercepts  # the kink-free weights
    value, coef_grads, intercept_grads = clf.loss_and_gradients(X, labels)

    theta = clf.network_.theta

    def objective():
        return ref_objective(clf.coefs_, clf.intercepts_, X, T, activation, loss, 0.02)

    assert value == pytest.approx(objective(), rel=1e-12)
    numeric = central_differences(objective, theta)
    num_W, num_b = clf.network_.views(numeric)
    for g, n in zip(coef_grads + intercept_grads, num_W + num_b):
        assert g.shape == n.shape
        np.testing.assert_allclose(g, n, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", ["relu", "tanh", "quadratic"])
def test_regressor_loss_and_gradients(activation):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(10, 3))
    y = rng.normal(size=(10, 2))
    reg = NeuralNetRegressor(
        (4, 3), activation=activation, l2=0.1, max_iter=1, learning_rate=1e-9, random_state=1
    ).fit(X, y)
    value, coef_grads, intercept_grads = reg.loss_and_gradients(X, y)
    theta = reg.network_.theta

    def objective():
        return ref_objective(reg.coefs_, reg.intercepts_, X, y, activation, "squared_error", 0.1)

    if activation == "relu":
        zs = ref_preactivations(reg.coefs_, reg.intercepts_, X, activation)[:-1]
        assert min(np.abs(z).min() for z in zs) > KINK_GAP
    assert value == pytest.approx(objective(), rel=1e-12)
    numeric = central_differences(objective, theta)
    num_W, num_b = reg.network_.views(numeric)
    for g, n in zip(coef_grads + intercept_grads, num_W + num_b):
        np.testing.assert_allclose(g, n, rtol=1e-5, atol=1e-7)


def test_gradient_is_mean_over_points():
    """R over N points is the mean of the one-point objectives (l2 = 0), so are gradients."""
    net, X, y, T = make_case("sigmoid", "log_loss", 3, 1)
    loss = losses.get("log_loss")
    whole = np.empty_like(net.theta)
    value, _, _ = objective_and_gradients(net, loss, X, T, 0.0, whole, net.weight_mask())
    parts, values = np.zeros_like(net.theta), []
    one = np.empty_like(net.theta)
    for i in range(len(X)):
        v, _, _ = objective_and_gradients(
            net, loss, X[i : i + 1], T[i : i + 1], 0.0, one, net.weight_mask()
        )
        parts += one
        values.append(v)
    np.testing.assert_allclose(whole, parts / len(X), rtol=1e-12, atol=1e-15)
    assert value == pytest.approx(math.fsum(values) / len(X), rel=1e-12)
