"""The step-at-a-time trainer: the divergence guard, history, rewind and live settings."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from engine import Network, Trainer, datasets, losses
from engine.objective import objective_and_gradients
from engine.settings import TrainingSettings


@pytest.fixture(scope="module")
def moons():
    return datasets.make("moons", n_samples=60, noise=0.1, random_state=0)


def make_trainer(data, sizes=(2, 8, 1), seed=0, activation="relu", **kw):
    X, y = data
    net = Network(sizes, activation, random_state=seed)
    return Trainer(net, X, y, n_classes=2, random_state=seed, **kw)


def ref_hinge(net, X, y):
    t = np.where(y == 1, 1.0, -1.0)
    a = X
    for l, (W, b) in enumerate(zip(net.coefs, net.intercepts), start=1):
        z = a @ W + b
        a = np.maximum(z, 0) if l < net.n_layers else z
    return float(np.maximum(0.0, 1.0 - t * a[:, 0]).mean())


# -- the divergence guard ------------------------------------------------------------------


def test_divergence_is_caught_long_before_overflow(moons):
    tr = make_trainer(moons, loss="squared_error", learning_rate=1e4)
    X, y = moons
    T = np.where(y == 1, 1.0, -1.0)[:, None]
    seen = []  # (weights, objective over all the points) before each step
    for _ in range(1000):
        theta = tr.net.theta.copy()
        value = 0.5 * float(np.mean((tr.net.forward(X) - T) ** 2))
        if tr.step(1) == 0:
            break
        seen.append((theta, value))
        assert math.isfinite(tr.objective) and tr.objective < 1e10  # far from 1e308
    assert tr.diverged and 0 < len(seen) < 1000
    assert "learning rate" in tr.message and "1e+04" in tr.message  # the value to change
    assert "rewind" not in tr.message.lower()
    # The weights kept are weights the run went through, whose objective was within a
    # factor 2 of the best seen: usable, not the blown-up ones.
    best = min(v for _, v in seen)
    kept = [v for theta, v in seen if np.array_equal(theta, tr.net.theta)]
    assert kept and kept[0] <= 2 * best
    assert tr.step_count == len(seen)
    # Nothing moves any more.
    theta = tr.net.theta.copy()
    assert tr.step(5) == 0
    np.testing.assert_array_equal(tr.net.theta, theta)


def test_divergence_in_one_call_of_many_steps(moons):
    tr = make_trainer(moons, loss="squared_error", learning_rate=1e4, momentum=0.5)
    done = tr.step(500)
    assert done < 500
    assert tr.diverged and tr.step_count == done
    assert np.isfinite(tr.net.theta).all()
    # The history recorded only finite states.
    assert all(np.isfinite(s.theta).all() for s in tr.history.entries)
    # Rewinding clears the stop and training continues (at a sane rate).
    tr.rewind(0)
    tr.set_hyperparameters(learning_rate=0.01)
    assert not tr.diverged
    assert tr.step(3) == 3


def test_a_sane_rate_never_stops(moons):
    tr = make_trainer(moons, learning_rate=0.1)
    assert tr.step(200) == 200
    assert not tr.diverged and tr.message is None


# -- history -------------------------------------------------------------------------------


def test_history_is_bounded_and_evenly_thinned(moons):
    tr = make_trainer(moons, learning_rate=0.05, history_capacity=10)
    for _ in range(37):
        tr.step(27)
        entries = tr.history.entries
        steps = [e.step for e in entries]
        assert len(entries) <= 10
        assert steps[0] == 0 and steps == sorted(steps)
        gaps = np.diff(steps)
        assert np.all(gaps[:-1] == gaps[0])  # even, except perhaps the newest
        assert 0 < gaps[-1] <= gaps[0]
        assert tr.step_count - steps[-1] < tr.history.interval
    assert tr.history.interval > 1  # it did have to thin


def test_history_with_momentum_stays_within_its_bytes(moons):
    """Snapshots keep the velocity too (for an exact replay): theta and velocity together
    stay within HISTORY_BYTES, for the widest network the app offers."""
    from engine import trainer as trainer_module

    X, y = moons
    net = Network((2, 500, 500, 500, 1), "relu", random_state=0)
    tr = Trainer(net, X[:8], y[:8], learning_rate=1e-3, momentum=0.9, batch_size=4)
    most = 0
    for _ in range(2 * tr.history.capacity + 3):
        tr.step(1)
        entries = tr.history.entries
        assert all(e.velocity is not None for e in entries)
        most = max(most, sum(e.theta.nbytes + e.velocity.nbytes for e in entries))
    assert tr.history.capacity >= 4
    assert most <= trainer_module.HISTORY_BYTES


def test_history_entries_hold_the_run(moons):
    tr = make_trainer(moons, learning_rate=0.1)
    tr.step(5)
    last = tr.history.entries[-1]
    assert last.step == 5 == tr.step_count
    np.testing.assert_array_equal(last.theta, tr.net.theta)
    assert last.theta is not tr.net.theta
    X, y = moons
    assert last.train_loss == pytest.approx(ref_hinge(tr.net, X, y), rel=1e-12)
    pred = (tr.net.forward(X)[:, 0] > 0).astype(int)
    assert last.train_accuracy == pytest.approx(np.mean(pred == y))
    curves = tr.history.curves()
    np.testing.assert_array_equal(curves["step"], np.arange(6))
    assert math.isnan(curves["test_loss"][0])  # no test set given


# -- rewind and replay ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        dict(batch_size=None, momentum=0.0),
        dict(batch_size=7, momentum=0.0),
        dict(batch_size=7, momentum=0.9, clip_norm=0.5),
        dict(batch_size=1, momentum=0.5),
    ],
)
def test_rewind_then_replay_is_bit_for_bit(moons, settings):
    tr = make_trainer(moons, learning_rate=0.05, **settings)
    thetas, epochs = {0: tr.net.theta.copy()}, {0: 0.0}
    for s in range(1, 51):
        tr.step(1)
        thetas[s], epochs[s] = tr.net.theta.copy(), tr.epoch
    index = [e.step for e in tr.history.entries].index(20)
    tr.rewind(index)
    assert tr.step_count == 20
    np.testing.assert_array_equal(tr.net.theta, thetas[20])
    assert tr.history.entries[-1].step == 20  # what came after is forgotten
    assert tr.epoch == epochs[20]
    tr.step(30)
    np.testing.assert_array_equal(tr.net.theta, thetas[50])


def test_rewind_to_start_and_bad_index(moons):
    tr = make_trainer(moons, batch_size=10, learning_rate=0.05)
    start = tr.net.theta.copy()
    tr.step(9)
    tr.rewind(0)
    np.testing.assert_array_equal(tr.net.theta, start)
    assert tr.step_count == 0 and tr.epoch == 0
    with pytest.raises(IndexError):
        tr.rewind(5)


# -- live settings, pure SGD ---------------------------------------------------------------


def test_learning_rate_changes_live(moons):
    a, b = make_trainer(moons, learning_rate=0.1), make_trainer(moons, learning_rate=0.1)
    a.step(3)
    b.step(3)
    before = a.net.theta.copy()
    b.set_hyperparameters(learning_rate=0.3)
    a.step(1)
    b.step(1)
    # Without momentum the update is -eta g: the same gradient, three times the step.
    np.testing.assert_allclose(b.net.theta - before, 3 * (a.net.theta - before), rtol=1e-12)


def test_set_hyperparameters_validates_and_keeps_old_values(moons):
    tr = make_trainer(moons, learning_rate=0.1, momentum=0.5)
    for bad in [
        dict(learning_rate=-1.0),
        dict(learning_rate=math.nan),
        dict(momentum=1.0),
        dict(clip_norm=-2.0),
        dict(l2=-0.1),
        dict(l2=math.inf),
        dict(batch_size=0),
        dict(batch_size=2.5),
    ]:
        with pytest.raises(ValueError):
            tr.set_hyperparameters(**bad)
    assert tr.settings.learning_rate == 0.1 and tr.settings.momentum == 0.5
    tr.set_hyperparameters(momentum=0.0, clip_norm=1.0, l2=0.01, batch_size=5)
    assert tr.settings == TrainingSettings(
        learning_rate=0.1, momentum=0.0, clip_norm=1.0, l2=0.01, batch_size=5
    )
    tr.step(1)
    assert tr.samples_seen == 5
    tr.set_hyperparameters(batch_size=None)
    tr.step(1)
    assert tr.samples_seen == 65


def test_l2_changes_the_objective_live(moons):
    tr = make_trainer(moons, learning_rate=0.1)
    tr.step(1)
    tr.set_hyperparameters(l2=0.5)
    X, y = moons
    theta = tr.net.theta.copy()
    tr.step(1)
    tr.net.theta[:] = theta
    penalty = sum(float((W**2).sum()) for W in tr.net.coefs)
    assert tr.objective == pytest.approx(ref_hinge(tr.net, X, y) + 0.5 * penalty, rel=1e-12)


def test_batch_size_one_is_pure_sgd(moons):
    """Each step is theta - eta * (the gradient at one point), and a pass visits every point
    once. (Squared error and tanh, so that no two points share a gradient and each step
    names its point.)"""
    X, y = moons
    n = len(X)
    tr = make_trainer(
        moons, batch_size=1, learning_rate=0.05, loss="squared_error", activation="tanh"
    )
    loss = losses.get("squared_error")
    T = np.where(y == 1, 1.0, -1.0)[:, None]
    visited = []
    g = np.empty_like(tr.net.theta)
    for s in range(1, n + 1):
        before = tr.net.theta.copy()
        tr.step(1)
        after = tr.net.theta.copy()
        assert tr.epoch == pytest.approx(s / n)
        tr.net.theta[:] = before
        matches = []
        for i in range(n):
            objective_and_gradients(
                tr.net, loss, X[i : i + 1], T[i : i + 1], 0.0, g, tr.weight_mask
            )
            if np.allclose(after - before, -0.05 * g, rtol=1e-9, atol=1e-14):
                matches.append(i)
        tr.net.theta[:] = after
        assert len(matches) == 1, f"step {s} is not one point's gradient step: {matches}"
        visited += matches
    assert tr.epoch == 1.0
    assert sorted(visited) == list(range(n))


# -- edits are recorded --------------------------------------------------------------------


def test_flip_is_recorded_and_reverses_velocity(moons):
    tr = make_trainer(moons, learning_rate=0.1, momentum=0.9)
    tr.step(4)
    v = tr.optimizer.velocity.copy()
    tr.flip_unit_sign(1, 2)
    last = tr.history.entries[-1]
    np.testing.assert_array_equal(last.theta, tr.net.theta)
    assert last.step == 4
    mask = tr.net.unit_param_mask(1, 2)
    np.testing.assert_array_equal(tr.optimizer.velocity[mask], -v[mask])
    np.testing.assert_array_equal(tr.optimizer.velocity[~mask], v[~mask])
    with pytest.raises(ValueError):
        tr.flip_unit_sign(2, 0)


def test_set_parameter_is_recorded(moons):
    tr = make_trainer(moons, learning_rate=0.1)
    tr.step(2)
    tr.set_parameter(1, 0, 3, 0.75)
    tr.set_parameter(2, None, 0, -0.25)
    assert tr.net.coefs[0][0, 3] == 0.75
    assert tr.net.intercepts[1][0] == -0.25
    np.testing.assert_array_equal(tr.history.entries[-1].theta, tr.net.theta)
    theta = tr.net.theta.copy()
    with pytest.raises(ValueError):
        tr.set_parameter(1, 0, 0, math.nan)
    np.testing.assert_array_equal(tr.net.theta, theta)


# -- data ----------------------------------------------------------------------------------


def test_metrics_with_test_data(moons):
    X, y = moons
    net = Network((2, 8, 1), "relu", random_state=0)
    tr = Trainer(net, X[:40], y[:40], X[40:], y[40:], n_classes=2)
    m = tr.metrics()
    assert m["test_loss"] == pytest.approx(ref_hinge(net, X[40:], y[40:]), rel=1e-12)
    pred = (net.forward(X[40:])[:, 0] > 0).astype(int)
    assert m["test_accuracy"] == pytest.approx(np.mean(pred == y[40:]))


def test_regression_trainer_without_test_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 1))
    y = X[:, 0] ** 2
    net = Network((1, 16, 1), "tanh", random_state=0)
    tr = Trainer(net, X, y, n_classes=0, loss="squared_error", learning_rate=0.1, momentum=0.9)
    first = tr.metrics()["train_loss"]
    tr.step(300)
    m = tr.metrics()
    assert m["train_loss"] < first / 5
    assert math.isnan(m["train_accuracy"]) and math.isnan(m["test_loss"])
    with pytest.raises(ValueError, match="squared_error"):
        Trainer(net, X, y, n_classes=0, loss="hinge")


def test_replace_data_keeps_the_weights(moons):
    X, y = moons
    tr = make_trainer(moons, learning_rate=0.1, batch_size=8)
    tr.step(3)
    theta = tr.net.theta.copy()
    tr.replace_data(X[:30], y[:30])
    np.testing.assert_array_equal(tr.net.theta, theta)
    assert tr.step(5) == 5
    assert tr.n_train == 30


def test_pickled_trainer_continues_identically(moons):
    tr = make_trainer(moons, learning_rate=0.1, batch_size=9, momentum=0.9)
    tr.step(5)
    copy = pickle.loads(pickle.dumps(tr))
    tr.step(10)
    copy.step(10)
    np.testing.assert_array_equal(copy.net.theta, tr.net.theta)
