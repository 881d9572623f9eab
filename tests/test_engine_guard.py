"""What the Playground needs from the trainer: the growth guard, can_rewind, the dead-ReLU
notice, the gradient-norm history, flip and compensate, and the TF Playground plane."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from engine_paths import numpy_path

from engine import Network, Trainer, datasets
from engine import trainer as trainer_module
from engine.objective import objective_and_gradients

PATHS = ["kernel", "numpy"]


def on_path(path):
    if path == "kernel" and trainer_module.compiled is None:
        pytest.skip("numba is off (ENGINE_JIT=0 or not installed): no kernel path to test")
    return numpy_path() if path == "numpy" else contextlib.nullcontext()


@pytest.fixture(scope="module")
def moons():
    return datasets.make("moons", n_samples=200, noise=0.15, random_state=0)


# -- the growth guard ----------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_the_issue_setting_stops_before_overflow_with_usable_weights(moons, path):
    """?data=moons&loss=squared_error&lr=10&mom=0.9 on 8,8: the curves once reached 1e300."""
    X, y = moons
    net = Network((2, 8, 8, 1), "relu", random_state=0)
    with on_path(path):
        tr = Trainer(net, X, y, loss="squared_error", learning_rate=10.0, momentum=0.9)
        assert tr.uses_kernel == (path == "kernel")
        done = tr.step(500)
    assert done < 500 and tr.diverged
    curves = tr.history.curves()
    assert np.all(np.isfinite(curves["train_loss"]))
    assert curves["train_loss"].max() < 1e10  # caught long before it overflows
    # The weights kept: finite, and their loss (over all the points, computed here) within
    # a factor 2 of the best loss the history saw.
    T = np.where(y == 1, 1.0, -1.0)[:, None]
    kept_loss = 0.5 * float(np.mean((net.forward(X) - T) ** 2))
    assert np.isfinite(net.theta).all()
    assert kept_loss <= 2 * curves["train_loss"].min()
    assert curves["train_loss"][-1] == pytest.approx(kept_loss, rel=1e-12)  # history ends there
    message = tr.message
    assert "learning rate (now 10;" in message and "try 1)" in message
    assert "momentum (now 0.9)" in message
    assert "rewind" not in message.lower()


def test_a_sane_run_is_never_stopped_by_the_guard(moons):
    X, y = moons
    for loss in ("hinge", "squared_error", "log_loss"):
        tr = Trainer(Network((2, 8, 1), "tanh", random_state=1), X, y, loss=loss, batch_size=1)
        assert tr.step(2000) == 2000 and not tr.diverged


def test_the_guard_restarts_after_the_stop_is_cleared(moons):
    X, y = moons
    tr = Trainer(Network((2, 8, 1), "relu", random_state=0), X, y, loss="squared_error")
    tr.set_hyperparameters(learning_rate=50.0)
    tr.step(200)
    assert tr.diverged
    tr.set_hyperparameters(learning_rate=0.05)
    tr.clear_stop()
    assert tr.step(200) == 200 and not tr.diverged


def test_can_rewind(moons):
    X, y = moons
    tr = Trainer(Network((2, 8, 1), "relu", random_state=0), X, y)
    assert not tr.can_rewind  # only the snapshot of the start, and we are there
    tr.step(1)
    assert tr.can_rewind
    tr.rewind(0)
    assert not tr.can_rewind
    no_history = Trainer(Network((2, 8, 1), "relu", random_state=0), X, y, history_capacity=0)
    no_history.step(3)
    assert not no_history.can_rewind


# -- the dead-ReLU notice ------------------------------------------------------------------


def test_hinge_at_a_huge_rate_kills_a_layer_and_the_notice_says_so(moons):
    X, y = moons
    tr = Trainer(Network((2, 8, 1), "relu", random_state=3), X, y, learning_rate=10.0)
    assert tr.health_notice() is None
    tr.step(400)
    notice = tr.health_notice()
    assert notice == (
        "All 8 units of hidden layer 1 are dead (zero on every training point): nothing can "
        "learn. Lower the learning rate and Reset."
    )
    # Checked against the maths: every a^1 is zero, and so then is every gradient but the
    # output bias's, so the loss stays flat.
    assert not tr.net.hidden_activations(X, 1).any()
    grad = np.zeros_like(tr.net.theta)
    net = tr.net
    objective_and_gradients(net, tr.loss, X, tr.T_train, 0.0, grad, net.weight_mask())
    assert not grad[:-1].any()
    W1, b1 = net.coefs[0].copy(), net.intercepts[0].copy()
    tr.set_hyperparameters(learning_rate=0.1)
    tr.step(200)
    np.testing.assert_array_equal(net.coefs[0], W1)  # layer 1 never moves again
    np.testing.assert_array_equal(net.intercepts[0], b1)
    # A constant output c has mean hinge 0.5 (max(0, 1 - c) + max(0, 1 + c)) >= 1 on these
    # balanced classes: the loss cannot go below 1.
    assert tr.metrics()["train_loss"] >= 1.0 - 1e-9
    assert tr.health_notice() == notice


def test_the_notice_names_a_deeper_layer_and_stays_quiet_otherwise(moons):
    X, y = moons
    net = Network((2, 8, 5, 1), "relu", random_state=0)
    tr = Trainer(net, X, y)
    net.intercepts[1][:] = -1e3  # layer 2's units are below zero everywhere
    assert tr.health_notice().startswith("All 5 units of hidden layer 2 are dead")
    net.intercepts[1][2] = 1e3
    assert tr.health_notice() is None  # one unit alive: it can still learn
    tanh = Trainer(Network((2, 8, 1), "tanh", random_state=0), X, y)
    tanh.net.intercepts[0][:] = -1e3
    assert tanh.health_notice() is None  # tanh has no zero gradient region


# -- the gradient norm in the history ------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("batch_size", [None, 16])
def test_history_records_the_gradient_norm_and_the_clipped_steps(moons, path, batch_size):
    X, y = moons
    clip = 0.3

    def make():
        net = Network((2, 8, 1), "relu", random_state=0)
        return Trainer(
            net, X, y, learning_rate=0.1, clip_norm=clip, batch_size=batch_size, momentum=0.5
        )

    # The norms one step at a time, recomputed here from the weights before each step.
    ref = make()
    norms = []
    for _ in range(60):
        Xb, Tb = ref._next_batch()
        ref._cursor -= 0 if batch_size is None else batch_size  # the step takes it again
        grad = np.zeros_like(ref.net.theta)
        objective_and_gradients(ref.net, ref.loss, Xb, Tb, 0.0, grad, ref.weight_mask, True)
        norms.append(float(np.linalg.norm(grad)))
        with numpy_path():
            ref.step(1, record=False)
    with on_path(path):
        tr = make()
        tr.history.interval = 20
        tr.step(60)
    curves = tr.history.curves()
    np.testing.assert_array_equal(curves["step"], [0, 20, 40, 60])
    expected = [sum(n > clip for n in norms[a:b]) for a, b in ((0, 20), (20, 40), (40, 60))]
    assert 0 < sum(expected) < 60  # some steps clipped, not all
    np.testing.assert_array_equal(curves["clipped"][1:], expected)
    assert curves["clipped"][0] == 0
    np.testing.assert_allclose(curves["grad_norm"][1:], [norms[19], norms[39], norms[59]])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_rewind_replays_the_norms_and_clipped_counts_bit_for_bit(moons, solver):
    X, y = moons
    net = Network((2, 8, 1), "relu", random_state=0)
    tr = Trainer(net, X, y, learning_rate=0.05, clip_norm=0.2, batch_size=10, solver=solver)
    tr.history.interval = 7
    tr.step(70)
    first = tr.history.curves()
    thetas = [e.theta for e in tr.history.entries]
    tr.rewind(3)
    tr.step(70 - 21)
    again = tr.history.curves()
    for key in ("grad_norm", "clipped", "train_loss"):
        np.testing.assert_array_equal(again[key], first[key])
    for a, b in zip(thetas, tr.history.entries):
        np.testing.assert_array_equal(a, b.theta)


# -- flip and compensate -------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_flip_and_compensate_keeps_an_odd_networks_output(activation):
    rng = np.random.default_rng(0)
    P = rng.normal(size=(50, 2))
    net = Network((2, 6, 4, 1), activation, random_state=0)
    before = net.forward(P)
    for layer, unit in ((1, 2), (2, 0)):
        net.flip_unit_sign(layer, unit, compensate=True)
        np.testing.assert_allclose(net.forward(P), before, rtol=0, atol=1e-12)
    # the unit's own output did change sign (f is odd): the flip is real
    W, b = net.coefs[0], net.intercepts[0]
    np.testing.assert_allclose(net.hidden_activations(P, 1)[:, 2], -net.act.f(-(P @ W + b))[:, 2])


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_flip_and_compensate_changes_a_relu_or_sigmoid_network(activation):
    P = np.random.default_rng(0).normal(size=(50, 2))
    net = Network((2, 6, 1), activation, random_state=0)
    W2 = net.coefs[1].copy()
    before = net.forward(P)
    net.flip_unit_sign(1, 2, compensate=True)
    np.testing.assert_array_equal(net.coefs[1][2], -W2[2])
    assert np.abs(net.forward(P) - before).max() > 1e-3


def test_plain_flip_leaves_the_outgoing_weights(moons):
    X, y = moons
    net = Network((2, 6, 1), "tanh", random_state=0)
    W1, W2 = net.coefs[0].copy(), net.coefs[1].copy()
    tr = Trainer(net, X, y, momentum=0.9)
    tr.step(3)
    W1, W2, v = net.coefs[0].copy(), net.coefs[1].copy(), tr.optimizer.velocity.copy()
    tr.flip_unit_sign(1, 4)
    np.testing.assert_array_equal(net.coefs[0][:, 4], -W1[:, 4])
    np.testing.assert_array_equal(net.coefs[1], W2)
    tr.flip_unit_sign(1, 4)  # back
    tr.flip_unit_sign(1, 4, compensate=True)
    np.testing.assert_array_equal(net.coefs[1][4], -W2[4])
    # The velocity of every negated weight is negated with it, no other.
    moved = net.unit_param_mask(1, 4, outgoing=True)
    np.testing.assert_array_equal(tr.optimizer.velocity[moved], -v[moved])
    np.testing.assert_array_equal(tr.optimizer.velocity[~moved], v[~moved])


# -- TF Playground's plane -----------------------------------------------------------------


def test_tfp_plane_blows_up_at_lr_0_1_but_is_caught_and_trains_at_0_03():
    """The app's defaults (8 ReLU, squared error, full batch, He init) on the plane (inputs in
    [-6, 6]): at 0.1 full-batch descent is past its stability limit for most seeds."""
    X, y = datasets.make("tfp_plane", n_samples=200, noise=0.0, random_state=0)
    for lr, diverges in ((0.1, True), (0.03, False)):
        net = Network((2, 8, 1), "relu", random_state=0)
        tr = Trainer(net, X, y, n_classes=0, loss="squared_error", learning_rate=lr)
        tr.step(400)
        assert tr.diverged == diverges
        assert np.isfinite(net.theta).all()
        if not diverges:
            assert tr.metrics()["train_loss"] < 0.01  # (x + y) / 10 is nearly fitted


def test_the_estimators_flip_and_compensate(moons):
    from engine import NeuralNetClassifier

    X, y = moons
    clf = NeuralNetClassifier((6,), "tanh", max_iter=30, random_state=0).fit(X, y)
    before, W2 = clf.decision_function(X), clf.coefs_[1].copy()
    assert clf.flip_unit_sign(1, 3, compensate=True) is clf
    np.testing.assert_allclose(clf.decision_function(X), before, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(clf.coefs_[1][3], -W2[3])
    clf.flip_unit_sign(1, 3)  # a plain flip of a tanh unit changes the output
    assert np.abs(clf.decision_function(X) - before).max() > 1e-3


def test_the_notice_looks_at_every_training_point():
    """The quick look at the first points may see a layer dead that a later point keeps
    alive: then there is no notice."""
    from engine.trainer import HEALTH_SAMPLE

    X, y = datasets.make("moons", n_samples=600, noise=0.1, random_state=0)
    X = X.copy()
    X[500] = (X[:HEALTH_SAMPLE, 0].max() + 1.0, 0.0)  # one point further right than the rest
    net = Network((2, 3, 1), "relu", random_state=0)
    tr = Trainer(net, X, y)
    net.coefs[0][:] = [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]  # z_i = x1 + b_i
    net.intercepts[0][:] = -(X[:HEALTH_SAMPLE, 0].max() + 0.5)
    assert tr.health_notice() is None  # alive on point 500 alone
    net.intercepts[0][:] = -(X[:, 0].max() + 0.5)
    assert tr.health_notice().startswith("All 3 units of hidden layer 1 are dead")
