"""The numba kernel (engine.compiled) against the NumPy path it stands in for.

Both paths are built from one definition of each activation, loss, penalty and update rule
(the tables of engine.activations, .losses, .objective and .optim). Those definitions are
checked against finite differences and the slides by hand in test_engine_gradients.py,
test_engine_sgd.py and test_engine_defaults.py. Here: each activation, compiled, gives what
the NumPy path computes from it (a NaN stays NaN, for the guard); then the kernel's wiring:
the same weights, velocity, objective and gradient norm after a few steps (rtol 1e-10: only
the order of the sums may differ) for each activation, each loss and output count, each
depth and batch, each setting alone and all together, each solver (each once, not every
combination). The kernel's own gradient is also checked against central differences of its
own objective, and the trainer's behaviour around it: the divergence guard, the snapshots,
rewind and replay, ENGINE_JIT=0, a cache that cannot be written.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from engine_paths import numpy_path

from engine import ACTIVATION_NAMES, Network, NeuralNetClassifier, Trainer, compiled, losses
from engine import trainer as trainer_module
from engine.activations import ACTIVATIONS as ACTIVATION_TABLE
from engine.objective import PENALTIES
from engine.settings import TrainingSettings

ROOT = Path(__file__).resolve().parent.parent

# (loss, outputs): binary and 3-class classification, and regression with 1 or 2 outputs.
TASKS = [
    ("hinge", 2),
    ("log_loss", 2),
    ("squared_error", 2),
    ("hinge", 3),
    ("log_loss", 3),
    ("squared_error", 3),
    ("regression", 1),
    ("regression", 2),
]
ACTIVATIONS = (*ACTIVATION_NAMES, "logistic")
# Hidden widths of 5 and 6: the kernel's products take four rows a pass, then the rest.
HIDDEN = {0: (), 1: (6,), 2: (5, 6)}
ALL_ON = dict(momentum=0.9, clip_norm=0.05, l2=0.01, l1=0.003)


def make_data(task, k, n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    if task == "regression":
        y = np.column_stack([np.sin(X[:, 0]) + 0.5 * X[:, 1], X[:, 0] * X[:, 1]])[:, :k]
        return X, (y[:, 0] if k == 1 else y), 0, "squared_error", k
    y = np.arange(n) % k
    rng.shuffle(y)
    return X, y, k, task, 1 if k == 2 else k


def make_trainer(task, k, activation, depth, batch_size, seed=0, **settings):
    X, y, n_classes, loss, outputs = make_data(task, k, seed=seed)
    net = Network((2, *HIDDEN[depth], outputs), activation, random_state=seed)
    # The quadratic grows fast through two layers: a gentler rate keeps every run finite.
    rate = 0.005 if activation == "quadratic" else 0.05
    return Trainer(
        net,
        X,
        y,
        n_classes=n_classes,
        loss=loss,
        batch_size=batch_size,
        random_state=seed,
        history_capacity=0,
        **{"learning_rate": rate, **settings},
    )


def assert_same_run(a, b, rtol=1e-10):
    """Two trainers at the same point of the same run (up to the order of sums)."""
    np.testing.assert_allclose(a.net.theta, b.net.theta, rtol=rtol, atol=1e-13)
    np.testing.assert_allclose(a.optimizer.velocity, b.optimizer.velocity, rtol=rtol, atol=1e-13)
    assert a.objective == pytest.approx(b.objective, rel=rtol, abs=1e-13)
    assert a.grad_norm == pytest.approx(b.grad_norm, rel=rtol, abs=1e-13)
    assert a.objective_sum == pytest.approx(b.objective_sum, rel=rtol, abs=1e-13)
    counters = ("objective_count", "step_count", "samples_seen", "_cursor", "message")
    assert [getattr(a, c) for c in counters] == [getattr(b, c) for c in counters]
    assert a._batch_state() == b._batch_state()


def run_both(make, plan):
    """Train two copies, the kernel's and NumPy's, with the same calls of step()."""
    jit, ref = make(), make()
    assert jit.uses_kernel
    for n in plan:
        assert jit.step(n) == n
        with numpy_path():
            assert not ref.uses_kernel
            assert ref.step(n) == n
        assert_same_run(jit, ref)
    assert trainer_module.compiled is compiled  # the kernel never gave up along the way
    return jit, ref


# -- each activation, compiled, is the NumPy path's -----------------------------------------
# (The losses, penalties and update rules are held to the NumPy path through the kernel's
# steps below: each loss and output count, each penalty, each solver.)

# Both signs, zero, the saturated tails and a NaN (which must stay NaN for the guard).
Z_SAMPLES = np.array([-40.0, -3.0, -1.0, -1e-3, 0.0, 1e-3, 0.5, 2.0, 40.0, np.nan])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_each_activation_compiles_to_its_formula(name):
    act, code = ACTIVATION_TABLE[name], compiled.ACTIVATION_CODES[name]
    z, n = Z_SAMPLES.copy(), len(Z_SAMPLES)
    a = np.empty(n)
    compiled._activate(code, z, a, n)
    np.testing.assert_allclose(a, act.f(z), rtol=1e-14)  # libm's tanh or NumPy's: an ulp
    assert math.isnan(a[-1])
    delta = np.full(n, 3.0)
    compiled._times_derivative(code, z, a, delta, n)
    # fastmath may fuse 1 - a * a into one multiply-add: an ulp or two.
    np.testing.assert_allclose(delta[:-1], 3.0 * act.df(z, a)[:-1], rtol=1e-14)


# -- each path's wiring: the kernel's steps are the NumPy path's -------------------------------

# Each activation through two hidden layers, each loss and output count, each depth and batch,
# each setting alone and all together, each solver: once each, not every combination.
WIRING = [
    *[(activation, "hinge", 2, 2, 7, "plain") for activation in ACTIVATIONS],
    *[("tanh", task, k, 1, 7, "plain") for task, k in TASKS],
    ("relu", "log_loss", 3, 0, None, "plain"),
    ("relu", "hinge", 2, 1, None, "all on"),
    ("sigmoid", "log_loss", 3, 2, 7, "all on"),
    ("quadratic", "regression", 2, 2, 7, "all on"),
    ("leaky_relu", "squared_error", 3, 1, None, "adam"),
    ("tanh", "log_loss", 2, 2, 7, "adam"),
]


@pytest.mark.parametrize(("activation", "task", "k", "depth", "batch_size", "settings"), WIRING)
def test_kernel_steps_match_the_numpy_path(activation, task, k, depth, batch_size, settings):
    extra = {"plain": {}, "all on": ALL_ON, "adam": {**ALL_ON, "solver": "adam"}}[settings]

    def make():
        return make_trainer(task, k, activation, depth, batch_size, **extra)

    # 3 + 4 steps of 7 points out of 30 cross a pass, and its last batch has 2 points.
    jit, ref = run_both(make, [3, 4])
    assert jit.step_count == 7
    assert jit.samples_seen == (7 * 30 if batch_size is None else 30 + 2 * 7)
    moved = np.abs(jit.net.theta - make().net.theta).max()
    assert moved > 1e-4  # the steps did something
    if settings != "plain":
        assert jit.grad_norm > ALL_ON["clip_norm"]  # so clipping was at work
    if settings == "adam":
        np.testing.assert_allclose(jit.optimizer.second, ref.optimizer.second, rtol=1e-10)
        assert jit.optimizer.t == ref.optimizer.t == 7


@pytest.mark.parametrize(
    "settings",
    [dict(momentum=0.5), dict(clip_norm=0.02), dict(l2=0.05), dict(l1=0.02), dict(l2=0.1, l1=0.1)],
)
def test_each_setting_alone_matches(settings):
    def make():
        return make_trainer("log_loss", 3, "tanh", 1, 4, **settings)

    jit, ref = run_both(make, [2, 9])
    if "clip_norm" in settings:
        assert jit.grad_norm > settings["clip_norm"]


def test_settings_changed_between_steps_match():
    """The page's sliders act between steps: the kernel reads them at each call."""
    jit, ref = run_both(lambda: make_trainer("hinge", 2, "relu", 1, 5), [3])
    changed = TrainingSettings(learning_rate=0.2, momentum=0.8, clip_norm=0.3, l2=0.02,
                               batch_size=5)  # fmt: skip
    for tr in (jit, ref):
        tr.change_settings(changed)
    with numpy_path():
        ref.step(6)
    jit.step(6)
    assert_same_run(jit, ref)
    for tr in (jit, ref):
        tr.set_hyperparameters(batch_size=None, momentum=0.0, l1=0.01)  # the older form
    with numpy_path():
        ref.step(4)
    jit.step(4)
    assert_same_run(jit, ref)
    # A change of solver starts Adam's state afresh, in both paths alike.
    for tr in (jit, ref):
        tr.change_settings(tr.settings.replace(solver="adam", learning_rate=0.01))
        assert tr.optimizer.t == 0 and not tr.optimizer.second.any()
    with numpy_path():
        ref.step(5)
    jit.step(5)
    assert_same_run(jit, ref)


def test_a_wide_deep_network_is_right_in_the_kernel_too(monkeypatch):
    """The trainer leaves wide networks to BLAS, but the kernel is right for them."""
    X, y, *_ = make_data("hinge", 3, n=40)

    def make():
        net = Network((2, 33, 64, 37, 3), "tanh", random_state=1)
        return Trainer(net, X, y, n_classes=3, loss="log_loss", learning_rate=0.1,
                       momentum=0.5, batch_size=9, history_capacity=0)  # fmt: skip

    assert not make().uses_kernel  # 128 x (66 + 2112 + 2368 + 111) multiply-adds: too many
    monkeypatch.setattr(trainer_module, "KERNEL_MAX_WORK", 10**9)
    run_both(make, [3, 5])


def test_which_path_the_trainer_takes():
    X, y, *_ = make_data("hinge", 2, n=200)

    def uses_kernel(sizes, batch_size=None):
        net = Network(sizes, "relu", random_state=0)
        tr = Trainer(net, X, y, batch_size=batch_size, history_capacity=0)
        return tr.uses_kernel

    assert uses_kernel((2, 8, 1)) and uses_kernel((2, 8, 1), 10)
    assert uses_kernel((2, 8, 8, 8, 8, 8, 8, 1))
    assert uses_kernel((2, 256, 1))
    # A hidden layer feeding another of 500 units, or of 64 on more than a few points: BLAS.
    assert not uses_kernel((2, 500, 500, 1), 1)
    assert not uses_kernel((2, 500, 500, 500, 1), 10)
    assert not uses_kernel((2, 64, 64, 1), 10)


def test_chunks_of_the_kernel_calls_do_not_change_the_run(monkeypatch):
    """Steps in one call or in many: the same weights, bit for bit."""
    one = make_trainer("log_loss", 3, "relu", 2, 6, momentum=0.9)
    many = make_trainer("log_loss", 3, "relu", 2, 6, momentum=0.9)
    one.step(40, record=False)
    monkeypatch.setattr(trainer_module, "KERNEL_CHUNK", 3)
    for _ in range(8):
        many.step(5, record=False)
    np.testing.assert_array_equal(one.net.theta, many.net.theta)
    np.testing.assert_array_equal(one.optimizer.velocity, many.optimizer.velocity)
    assert one._batch_state() == many._batch_state()


def test_the_estimator_learns_the_same_in_the_kernel():
    X, y, *_ = make_data("hinge", 3, n=60)
    settings = dict(hidden_layer_sizes=(8,), batch_size=16, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 5 epochs: that is the point
        jit = NeuralNetClassifier(**settings).fit(X, y)
        with numpy_path():
            ref = NeuralNetClassifier(**settings).fit(X, y)
    np.testing.assert_allclose(jit.loss_curve_, ref.loss_curve_, rtol=1e-10)
    assert (jit.n_iter_, jit.t_) == (ref.n_iter_, ref.t_)
    np.testing.assert_allclose(jit.network_.theta, ref.network_.theta, rtol=1e-10, atol=1e-13)


# -- the kernel's gradient against finite differences ----------------------------------------

EPS = 1e-6
KINK_GAP = 1e-4


def kernel_step(net, X, T, activation, loss, theta, lr, l2, l1):
    """One plain SGD step of the kernel from ``theta``: (new theta, objective, ||g||)."""
    theta, velocity, log = theta.copy(), np.zeros_like(theta), np.empty((2, 1))
    X_aug = net.augment(X)
    sizes = np.array(net.layer_sizes, dtype=np.int64)
    act, lo = compiled.ACTIVATION_CODES[activation], compiled.LOSS_CODES[loss]
    strengths = compiled.penalty_strengths(TrainingSettings(l2=l2, l1=l1))
    taken, status = compiled.train_steps(
        theta, velocity, velocity.copy(), X_aug, T, 0, len(X), True, 1, sizes, act, lo,
        strengths, compiled.SOLVER_CODES["sgd"], lr, 0.0, math.inf, 0, log[0], log[1],
        no_guard(), theta.copy(),
    )  # fmt: skip
    assert (taken, status) == (1, compiled.OK)
    return theta, log[0, 0], log[1, 0]


def kink_free_case(activation, loss, k):
    """Weights and points with no ReLU or hinge kink within KINK_GAP, both sides visited."""
    from engine import losses

    outputs = 1 if k == 2 else k
    for seed in range(200):
        rng = np.random.default_rng(seed)
        net = Network((2, 4, 3, outputs), activation, random_state=seed)
        net.theta[:] = rng.uniform(-1.0, 1.0, net.theta.shape)
        X = rng.normal(size=(12, 2))
        T = np.require(losses.encode_targets(loss, np.arange(12) % k, k), np.float64, "CW")
        hidden = np.concatenate([net.hidden_preactivations(X, l).ravel() for l in (1, 2)])
        if activation in ("relu", "leaky_relu"):
            if np.abs(hidden).min() < KINK_GAP or (hidden > 0).all() or (hidden <= 0).all():
                continue
        if loss == "hinge":
            slack = 1.0 - T * net.forward(X)
            if np.abs(slack).min() < KINK_GAP or (slack > 0).all() or (slack <= 0).all():
                continue
        if np.abs(np.concatenate([W.ravel() for W in net.coefs])).min() < KINK_GAP:
            continue  # |W| has a kink at 0
        return net, X, T
    raise AssertionError("no kink-free case found")


@pytest.mark.parametrize(
    ("activation", "loss", "k"),
    [*((activation, "hinge", 2) for activation in ACTIVATION_NAMES)]
    + [("tanh", loss, k) for loss in losses.LOSS_NAMES for k in (2, 3)],
)
def test_kernel_gradient_matches_finite_differences(activation, loss, k):
    net, X, T = kink_free_case(activation, loss, k)
    l2, l1, lr = 0.03, 0.02, 1e-6
    theta = net.theta.copy()
    after, value, norm = kernel_step(net, X, T, activation, loss, theta, lr, l2, l1)
    grad = (theta - after) / lr

    def objective(at):
        return kernel_step(net, X, T, activation, loss, at, lr, l2, l1)[1]

    numeric = np.empty_like(theta)
    for i in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[i] += EPS
        down[i] -= EPS
        numeric[i] = (objective(up) - objective(down)) / (2 * EPS)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)
    assert norm == pytest.approx(np.linalg.norm(numeric), rel=1e-5)
    assert value == objective(theta)


# -- the divergence guard --------------------------------------------------------------------


def test_divergence_is_caught_alike_in_the_kernel_and_in_numpy():
    def make():
        return make_trainer("squared_error", 2, "relu", 1, None, learning_rate=1e4)

    tr = make()
    assert tr.uses_kernel
    seen = [tr.net.theta.copy()]
    while tr.step(1) == 1:
        seen.append(tr.net.theta.copy())
        assert math.isfinite(tr.objective) and tr.objective < 1e10
    assert tr.diverged and 1 <= len(seen) < 1000
    assert tr.step_count == len(seen) - 1
    # The weights kept are some the run went through (not the blown-up last ones), finite.
    assert any(np.array_equal(tr.net.theta, theta) for theta in seen[:-1])
    assert not tr.optimizer.velocity.any()
    # One call of many steps stops at the same step and keeps the same weights; so does NumPy.
    many, ref = make(), make()
    assert many.step(1000) == len(seen) - 1
    np.testing.assert_array_equal(many.net.theta, tr.net.theta)
    with numpy_path():
        assert ref.step(1000) == len(seen) - 1
    np.testing.assert_allclose(ref.net.theta, tr.net.theta, rtol=1e-10)
    assert tr.message == many.message == ref.message
    assert "step" in tr.message and "learning rate" in tr.message
    assert tr.step(5) == 0


@pytest.mark.parametrize("batch_size", [None, 4])
def test_divergence_with_momentum_keeps_the_last_good_snapshot(batch_size):
    tr = make_trainer("squared_error", 3, "tanh", 2, batch_size, learning_rate=3e3, momentum=0.9)
    tr.history = trainer_module.History(50)
    tr.record()
    done = tr.step(500)
    assert done < 500 and tr.diverged and tr.step_count == done
    assert np.isfinite(tr.net.theta).all()
    assert all(np.isfinite(s.theta).all() for s in tr.history.entries)
    np.testing.assert_array_equal(tr.history.entries[-1].theta, tr.net.theta)
    tr.rewind(0)
    tr.set_hyperparameters(learning_rate=0.01)
    assert tr.step(3) == 3


def raw_call(theta, velocity, X, T, sizes, activation, loss, lr):
    log = np.zeros((2, 5))
    result = compiled.train_steps(
        theta, velocity, velocity.copy(), X, T, 0, len(X), True, 5, sizes, activation, loss,
        np.zeros(len(PENALTIES)), compiled.SOLVER_CODES["sgd"], lr, 0.9, math.inf, 0, log[0],
        log[1], no_guard(), theta.copy(),
    )  # fmt: skip
    return result, log


def no_guard():
    """The growth guard's state with no limit: [best, limit, index of the good copy]."""
    return np.array([math.inf, math.inf, -1.0])


def test_a_non_finite_objective_leaves_theta_and_velocity_alone():
    net = Network((2, 3, 1), "quadratic", random_state=0)
    net.theta[:] = 1e200  # z^2 overflows: the objective is infinite at the first step
    X, T = net.augment(np.ones((4, 2))), np.ones((4, 1))
    theta, velocity = net.theta.copy(), np.full_like(net.theta, 0.25)
    sizes = np.array(net.layer_sizes, dtype=np.int64)
    (taken, diverged), log = raw_call(
        theta,
        velocity,
        X,
        T,
        sizes,
        compiled.ACTIVATION_CODES["quadratic"],
        compiled.LOSS_CODES["squared_error"],
        0.1,
    )
    assert (taken, diverged) == (0, True)
    assert not math.isfinite(log[0, 0])
    np.testing.assert_array_equal(theta, net.theta)
    np.testing.assert_array_equal(velocity, 0.25)


def test_an_update_that_overflows_is_not_taken():
    """Finite objective and gradient, but eta g beyond the largest float: no step, and the
    trainer says the weights would have become infinite (both paths)."""
    net = Network((2, 3, 1), "tanh", random_state=0)
    X, T = net.augment(np.ones((4, 2))), np.full((4, 1), 5.0)
    theta, velocity = net.theta.copy(), np.zeros_like(net.theta)
    sizes = np.array(net.layer_sizes, dtype=np.int64)
    (taken, diverged), log = raw_call(
        theta,
        velocity,
        X,
        T,
        sizes,
        compiled.ACTIVATION_CODES["tanh"],
        compiled.LOSS_CODES["squared_error"],
        1e308,
    )
    assert (taken, diverged) == (0, True)
    assert math.isfinite(log[0, 0]) and log[1, 0] == math.inf
    np.testing.assert_array_equal(theta, net.theta)
    assert not velocity.any()

    def make():
        return make_trainer("regression", 1, "tanh", 1, None, learning_rate=1e308)

    jit, ref = make(), make()
    start = jit.net.theta.copy()
    assert jit.step(3) == 0
    with numpy_path():
        assert ref.step(3) == 0
    for tr in (jit, ref):
        np.testing.assert_array_equal(tr.net.theta, start)
        assert "gradient or weights became infinite" in tr.message
    assert jit.message == ref.message


# -- snapshots, rewind and replay ------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [None, 7])
def test_snapshots_are_taken_at_the_same_steps(batch_size):
    def make():
        tr = make_trainer("log_loss", 2, "relu", 1, batch_size, momentum=0.5)
        tr.history = trainer_module.History(8)
        tr.record()
        return tr

    jit, ref = make(), make()
    for n in [1, 5, 13, 40, 7, 100, 3]:
        jit.step(n)
        with numpy_path():
            ref.step(n)
        a, b = jit.history.entries, ref.history.entries
        assert [e.step for e in a] == [e.step for e in b]
        assert jit.history.interval == ref.history.interval
        for x, y in zip(a, b):
            np.testing.assert_allclose(x.theta, y.theta, rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(x.velocity, y.velocity, rtol=1e-10, atol=1e-13)
            assert x.epoch == y.epoch and x.batches == y.batches
            assert x.train_loss == pytest.approx(y.train_loss, rel=1e-10)
    assert jit.history.interval > 1  # it did have to thin
    assert_same_run(jit, ref)


@pytest.mark.parametrize(
    "settings",
    [
        dict(batch_size=None, momentum=0.0),
        dict(batch_size=7, momentum=0.0),
        dict(batch_size=7, momentum=0.9, clip_norm=0.5),
        dict(batch_size=1, momentum=0.5, l1=0.01),
    ],
)
def test_rewind_then_replay_is_bit_for_bit_in_the_kernel(settings):
    tr = make_trainer("hinge", 2, "relu", 1, **settings)
    tr.history = trainer_module.History(600)
    tr.record()
    assert tr.uses_kernel
    thetas = {0: tr.net.theta.copy()}
    for s in range(1, 51):
        tr.step(1)
        thetas[s] = tr.net.theta.copy()
    index = [e.step for e in tr.history.entries].index(20)
    tr.rewind(index)
    assert tr.step_count == 20
    np.testing.assert_array_equal(tr.net.theta, thetas[20])
    tr.step(30)  # one call, one chunk per snapshot: the same steps as one by one
    np.testing.assert_array_equal(tr.net.theta, thetas[50])
    assert [e.step for e in tr.history.entries] == list(range(51))


def test_a_failing_kernel_hands_over_to_numpy(monkeypatch):
    monkeypatch.setattr(trainer_module, "compiled", compiled)  # put back after the test

    class Broken:
        ACTIVATION_CODES, LOSS_CODES = compiled.ACTIVATION_CODES, compiled.LOSS_CODES
        SOLVER_CODES, OK = compiled.SOLVER_CODES, compiled.OK

        @staticmethod
        def train_steps(*args):
            raise OSError("cannot read the cache")

    jit = make_trainer("hinge", 2, "relu", 1, 7, momentum=0.9)
    ref = make_trainer("hinge", 2, "relu", 1, 7, momentum=0.9)
    jit.step(4)
    with numpy_path():
        ref.step(4)
    trainer_module.compiled = Broken
    with pytest.warns(RuntimeWarning, match="training goes on in NumPy"):
        assert jit.step(6) == 6
    assert trainer_module.compiled is None and not jit.uses_kernel
    with numpy_path():
        ref.step(6)
    assert_same_run(jit, ref)


# -- ENGINE_JIT=0 and the cache --------------------------------------------------------------

TRAIN = """
import json, sys
import numpy as np
from engine import Network, Trainer, trainer
X = np.random.default_rng(0).normal(size=(30, 2))
y = (X[:, 0] * X[:, 1] > 0).astype(int)
tr = Trainer(Network((2, 6, 1), "tanh", random_state=0), X, y, learning_rate=0.1,
             momentum=0.9, batch_size=4, history_capacity=0)
tr.step(12)
print(json.dumps({"kernel": trainer.compiled is not None, "numba": "numba" in sys.modules,
                  "uses_kernel": tr.uses_kernel, "theta": tr.net.theta.tolist()}))
"""


def run_python(code, **env):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def reference_theta():
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    tr = Trainer(Network((2, 6, 1), "tanh", random_state=0), X, y, learning_rate=0.1,
                 momentum=0.9, batch_size=4, history_capacity=0)  # fmt: skip
    with numpy_path():
        tr.step(12)
    return tr.net.theta


def test_engine_jit_0_trains_in_numpy_without_importing_numba():
    out = run_python(TRAIN, ENGINE_JIT="0")
    assert out == {**out, "kernel": False, "numba": False, "uses_kernel": False}
    np.testing.assert_allclose(out["theta"], reference_theta(), rtol=1e-12)


def test_no_writable_cache_anywhere_compiles_in_the_process():
    """Package dir, ~/.cache and the temp dir all unwritable: the import works, nothing is
    cached, and the kernel (compiled in the process) trains as NumPy would."""
    refuse = (
        "import numba.core.caching as caching\n"
        "def refuse(self):\n"
        "    raise PermissionError('read-only file system')\n"
        "caching._CacheLocator.ensure_cache_path = refuse\n"
        "from engine import compiled\n"
        "assert compiled.CACHE_DIR is None, compiled.CACHE_DIR\n"
    )
    out = run_python(refuse + TRAIN, NUMBA_CACHE_DIR="")
    assert out["kernel"] and out["uses_kernel"]
    np.testing.assert_allclose(out["theta"], reference_theta(), rtol=1e-10)


def test_unwritable_package_dir_caches_in_the_temp_dir(tmp_path):
    code = (
        "import json, numba\n"
        "import numba.core.caching as caching\n"
        "for cls in (caching.InTreeCacheLocator, caching.UserWideCacheLocator):\n"
        "    cls.from_function = classmethod(lambda cls, *args: None)\n"
        "before = numba.config.CACHE_DIR\n"
        "from engine import compiled\n"
        "print(json.dumps({'dir': compiled.CACHE_DIR, 'same': numba.config.CACHE_DIR == before}))\n"
    )
    out = run_python(code, TMPDIR=str(tmp_path), NUMBA_CACHE_DIR="")
    assert out["same"]  # numba's own setting is put back
    assert out["dir"].startswith(str(tmp_path / "engine-numba-cache"))
    assert Path(out["dir"]).is_dir()


def test_warm_up_compiles_the_one_kernel_every_setting_uses():
    seconds = compiled.warm_up()
    assert 0 < seconds < 60
    assert compiled.CACHE_DIR is not None and os.path.isdir(compiled.CACHE_DIR)
    # Trainers of every kind (above) ran on the signature warm_up compiled, and no other.
    tr = make_trainer("log_loss", 3, "sigmoid", 2, 5, momentum=0.5, clip_norm=1.0, l1=0.1)
    tr.step(3)
    assert len(compiled._train_steps.signatures) == 1
