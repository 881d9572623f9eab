"""Tests of engine.labs: the maths of the four lecture labs.

Each lab's claim is checked against an independent oracle where there is one: separability
against points that are separable (or not) by construction, backprop against finite
differences and against the estimator's own gradient, the sweep against the lecture's
statement that error falls with m (and does not for a polynomial activation).
"""

import math

import numpy as np
import pytest

from engine import NeuralNetClassifier, datasets, labs, losses
from engine.formula import FormulaError
from engine.network import Network
from engine.settings import TrainingSettings


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wedge():
    return datasets.make("wedge", 120, 0.0, 0)


@pytest.fixture(scope="module")
def wedge_patterns(wedge):
    X, y = wedge
    trainer = labs.train_network(X, y, (2,), "relu", epochs=800, restarts=5)
    return trainer, labs.sign_patterns(trainer.net, X, y)


# -- the output unit on fixed features -------------------------------------------------------
def test_linearly_separable_by_construction():
    rng = np.random.default_rng(0)
    H = rng.normal(size=(80, 3))
    y = (H @ [1.0, -2.0, 0.5] + 0.3 > 0).astype(int)
    assert labs.linearly_separable(H, y)
    # XOR's four corners: no line separates them.
    Hx = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], float)
    assert not labs.linearly_separable(Hx, np.array([0, 0, 1, 1]))
    # One class only is trivially separable.
    assert labs.linearly_separable(H, np.zeros(80, int))


def test_fit_output_unit_separates_separable_features():
    rng = np.random.default_rng(1)
    H = rng.uniform(0, 3, size=(100, 2))
    y = (H[:, 0] + 2 * H[:, 1] > 3.2).astype(int)
    keep = np.abs(H[:, 0] + 2 * H[:, 1] - 3.2) > 0.1  # a margin, so training reaches 100 %
    fit = labs.fit_output_unit(H[keep], y[keep])
    assert fit.accuracy == 1.0 and fit.separable
    assert np.array_equal((fit.decision(H[keep]) > 0).astype(int), y[keep])


def test_fit_output_unit_reports_non_separable():
    Hx = np.array([[0, 0], [1, 1], [0, 1], [1, 0]] * 5, float)
    fit = labs.fit_output_unit(Hx, np.array([0, 0, 1, 1] * 5), steps=300)
    assert fit.accuracy < 1.0 and not fit.separable


# -- 1. sign patterns -------------------------------------------------------------------------
def test_all_sign_patterns_enumerates_2_to_the_m():
    for m in range(1, 6):
        patterns = labs.all_sign_patterns(m)
        assert len(patterns) == 2**m == len(set(patterns))
        assert patterns[0] == (1,) * m


def test_flip_pattern_copies_and_flips():
    net = Network((2, 3, 1), "relu", random_state=0)
    before = net.theta.copy()
    flipped = labs.flip_pattern(net, (1, -1, -1))
    assert np.array_equal(net.theta, before)  # the original is untouched
    assert np.allclose(flipped.coefs[0][:, 1:], -net.coefs[0][:, 1:])
    assert np.allclose(flipped.intercepts[0][1:], -net.intercepts[0][1:])
    assert np.allclose(flipped.coefs[0][:, 0], net.coefs[0][:, 0])
    again = labs.flip_pattern(flipped, (1, -1, -1))
    assert np.allclose(again.theta, net.theta)


def test_wedge_two_relu_units_has_separable_and_non_separable_patterns(wedge, wedge_patterns):
    """The lecture's exercise: of the 4 sign patterns of 2 ReLU units on the wedge, some
    work (the trained one) and some do not."""
    X, y = wedge
    trainer, patterns = wedge_patterns
    assert labs.accuracy(trainer.net, X, y) == 1.0
    assert [p.label for p in patterns] == ["++", "+-", "-+", "--"]
    separable = [p for p in patterns if p.separable]
    assert separable and len(separable) < len(patterns)
    assert patterns[0].separable and patterns[0].accuracy == 1.0
    for p in patterns:
        # The verdict agrees with the retrained output unit's training accuracy.
        assert p.separable == (p.accuracy == 1.0)
        assert p.hidden.shape == (len(X), 2)
        assert labs.accuracy(p.net, X, y) == pytest.approx(p.accuracy)
        assert np.allclose(p.net.hidden_activations(X, 1), p.hidden)


def test_sort_patterns(wedge_patterns):
    _, patterns = wedge_patterns
    best = labs.sort_patterns(patterns, "best")
    worst = labs.sort_patterns(patterns, "worst")
    assert [p.accuracy for p in best] == sorted((p.accuracy for p in patterns), reverse=True)
    assert [p.accuracy for p in worst] == sorted(p.accuracy for p in patterns)
    assert labs.sort_patterns(patterns, "pattern") == list(patterns)
    with pytest.raises(ValueError):
        labs.sort_patterns(patterns, "random")


def test_sign_patterns_refuse_too_many_units_or_layers():
    X, y = datasets.make("wedge", 20, 0.0, 0)
    with pytest.raises(ValueError, match="1..5"):
        labs.sign_patterns(Network((2, 6, 1), "relu", random_state=0), X, y)
    with pytest.raises(ValueError, match="one hidden layer"):
        labs.sign_patterns(Network((2, 2, 2, 1), "relu", random_state=0), X, y)


# -- 2. kernels vs learned features ---------------------------------------------------------
@pytest.fixture(scope="module")
def moons_split():
    X, y = datasets.make("moons", 120, 0.15, 0)
    return datasets.split(X, y, 0.3, 0)


def test_compare_models(moons_split):
    X_tr, X_te, y_tr, y_te = moons_split
    comp = labs.compare_models(X_tr, y_tr, X_te, y_te, hidden=8, epochs=300, grid=30)
    names = [m.name for m in comp.models]
    assert len(names) == 4 and "RBF" in names[0] and "polynomial" in names[1]
    for m in comp.models:
        assert 0 <= m.train_accuracy <= 1 and 0 <= m.test_accuracy <= 1
        assert m.surface.shape == (30, 30) and np.isfinite(m.surface).all()
    svm, _, frozen, learned = comp.models
    assert svm.basis == "support vectors" and svm.n_basis == len(svm.support) > 0
    assert frozen.basis == learned.basis == "hidden units" and frozen.n_basis == 8
    # The trained network fits the moons better than its frozen random start.
    assert learned.train_accuracy >= frozen.train_accuracy
    assert learned.train_accuracy > 0.9
    # Random features keep the initial hidden layer; training moved it.
    assert len(comp.trainer.history.entries) >= 2
    assert not np.allclose(comp.trainer.net.coefs[0], comp.initial.coefs[0])


def test_random_feature_network_keeps_the_hidden_layer(moons_split):
    X_tr, _, y_tr, _ = moons_split
    initial = Network((2, 6, 1), "relu", random_state=3)
    frozen = labs.random_feature_network(initial, X_tr, y_tr, steps=300)
    assert np.array_equal(frozen.coefs[0], initial.coefs[0])
    assert np.array_equal(frozen.intercepts[0], initial.intercepts[0])
    assert not np.array_equal(frozen.coefs[1], initial.coefs[1])


def test_the_labs_train_with_the_settings_they_are_given(wedge, moons_split):
    """One settings object goes unchanged from the caller to each lab's trainer, and it is
    what the training follows: a vanishing learning rate leaves the weights where they are."""
    X, y = wedge
    slow = TrainingSettings(learning_rate=1e-12, momentum=0.5)
    assert labs.train_network(X, y, (2,), epochs=5, settings=slow).settings is slow
    X_tr, X_te, y_tr, y_te = moons_split
    comp = labs.compare_models(X_tr, y_tr, X_te, y_te, hidden=3, epochs=5, grid=10, settings=slow)
    assert comp.trainer.settings is slow
    assert np.allclose(comp.trainer.net.theta, comp.initial.theta, atol=1e-9)
    kw = dict(n_train=100, random_state=1)
    untrained = labs.fit_universal(np.sin, 5, "sigmoid", epochs=0, **kw)
    still = labs.fit_universal(np.sin, 5, "sigmoid", epochs=50, settings=slow, **kw)
    trained = labs.fit_universal(np.sin, 5, "sigmoid", epochs=50, **kw)
    assert np.allclose(still.fit, untrained.fit, atol=1e-6)
    assert not np.allclose(trained.fit, untrained.fit, atol=1e-6)


def test_width_sweep_rows(moons_split):
    X_tr, X_te, y_tr, y_te = moons_split
    rows = list(labs.width_sweep(X_tr, y_tr, X_te, y_te, (2, 20), epochs=100))
    assert [r["m"] for r in rows] == [2, 20]
    for r in rows:
        assert all(0 <= r[k] <= 1 for k in r if k != "m")


def test_kernel_svm_rejects_unknown_kernel(moons_split):
    X_tr, _, y_tr, _ = moons_split
    with pytest.raises(ValueError, match="kernel"):
        labs.kernel_svm(X_tr, y_tr, "sigmoid")


# -- 3. universal approximation ---------------------------------------------------------------
def test_universal_sweep_error_falls_with_m_for_sigmoid():
    """Cybenko: more sigmoid units approximate a continuous h better."""
    h = datasets.target_1d("sin")
    fits = labs.universal_sweep(h, (1, 3, 10, 40), ("sigmoid",), epochs=30, n_train=200)
    errors = [f.sup_error for f in fits["sigmoid"]]
    assert all(b < a for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < 0.01 < 0.3 < errors[0]


def test_polynomial_activation_stops_improving():
    """Leshno et al.: a quadratic activation gives a quadratic F, whatever m."""
    h = datasets.target_1d("sin3")
    fits = labs.universal_sweep(h, (3, 40), ("quadratic", "sigmoid"), epochs=0, n_train=200)
    q3, q40 = (f.sup_error for f in fits["quadratic"])
    assert q40 > 0.5 and q40 == pytest.approx(q3, rel=0.05)
    assert fits["sigmoid"][-1].sup_error < 0.1 * q40


def test_fit_universal_reports_its_fit():
    fit = labs.fit_universal(np.abs, 20, "relu", epochs=10, n_train=100)
    assert fit.x.shape == fit.fit.shape == (labs.EVAL_POINTS,)
    assert fit.sup_error == pytest.approx(np.max(np.abs(fit.fit - np.abs(fit.x))))
    assert fit.m == 20 and fit.activation == "relu" and fit.train_rmse >= 0
    with pytest.raises(ValueError):
        labs.fit_universal(np.abs, 0)
    with pytest.raises(ValueError):
        labs.fit_universal(np.abs, 5, "nope")


def test_target_function_names_and_formulas():
    x = np.linspace(-3, 3, 7)
    assert np.allclose(labs.target_function("sin3")(x), np.sin(3 * x))
    assert np.allclose(labs.target_function("x^2 - 1")(x), x**2 - 1)
    for bad in ("__import__('os')", "1/x", "x +", ""):
        with pytest.raises(FormulaError):
            labs.target_function(bad)


# -- 4. backprop inspector and gradient check ----------------------------------------------
def _trained(activation, loss, hidden=(5, 3), dataset="moons", epochs=60):
    X, y = datasets.make(dataset, 60, 0.1, 0)
    trainer = labs.train_network(X, y, hidden, activation, loss=loss, epochs=epochs)
    k = len(np.unique(y))
    return trainer.net, X, losses.encode_targets(loss, y, k)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("loss", ["squared_error", "log_loss", "hinge"])
def test_gradient_check_smooth_activations_below_1e_6(activation, loss):
    net, X, T = _trained(activation, loss)
    for i in (0, 7, 23):
        check = labs.gradient_check(net, loss, X[i], T[i], l2=0.01, repeats=1)
        assert check.n_params == len(net.theta) == len(check.indices)
        assert check.rel_error.max() < 1e-6, (i, check.rel_error.max())


def test_gradient_check_multiclass_and_batch():
    net, X, T = _trained("tanh", "log_loss", hidden=(6,), dataset="blobs3")
    assert net.layer_sizes[-1] == 3
    check = labs.gradient_check(net, "log_loss", X[:10], T[:10], l2=0.001, repeats=1)
    assert check.rel_error.max() < 1e-6


def test_gradient_check_subset_and_costs():
    net = Network((2, 30, 30, 1), "sigmoid", random_state=0)
    check = labs.gradient_check(net, "squared_error", [0.3, -0.2], [1.0], max_params=50)
    assert len(check.indices) == 50 == len(set(check.indices.tolist()))
    assert check.forward_passes == 100
    assert check.n_params == len(net.theta)
    assert check.all_params_seconds == pytest.approx(2 * check.n_params * check.forward_seconds)
    assert check.backward_seconds > 0 and check.numeric_seconds > 0
    assert check.rel_error.max() < 1e-6


def test_double_precision_check_is_worse_than_extended():
    net, X, T = _trained("sigmoid", "log_loss")
    ext = labs.gradient_check(net, "log_loss", X[3], T[3], eps=1e-7, repeats=1)
    dbl = labs.gradient_check(net, "log_loss", X[3], T[3], eps=1e-7, repeats=1, extended=False)
    assert ext.extended and not dbl.extended
    assert np.median(ext.rel_error) < np.median(dbl.rel_error)


def test_point_backprop_matches_the_lecture_and_the_estimator():
    X, y = datasets.make("moons", 40, 0.1, 0)
    clf = NeuralNetClassifier((4, 3), "sigmoid", "hinge", l2=0.01, max_iter=20, random_state=0)
    clf.fit(X, y)
    net = clf.network_
    T = losses.encode_targets("hinge", y, 2)
    i = 5
    point = labs.point_backprop(net, "hinge", X[i], T[i], l2=0.01)
    # Forward: layer 0 is x, the output layer's a is F(x).
    assert np.allclose(point.layers[0].a, X[i])
    assert np.allclose(point.layers[-1].a, net.forward(X[i : i + 1])[0])
    for tr in point.layers[1:-1]:
        assert np.allclose(tr.a, 1 / (1 + np.exp(-tr.z)))
    # Final gradients: dl/dW^l = a^{l-1} (delta^l)^T (+ the penalty), dl/db^l = delta^l.
    coef_grads, intercept_grads = net.views(point.grad)
    for l in range(1, net.n_layers + 1):
        a_prev, delta = point.layers[l - 1].a, point.layers[l].delta
        W = net.coefs[l - 1]
        assert np.allclose(coef_grads[l - 1], np.outer(a_prev, delta) + 2 * 0.01 * W)
        assert np.allclose(intercept_grads[l - 1], delta)
    # The same as the estimator's gradient on that one point.
    value, cg, ig = clf.loss_and_gradients(X[i : i + 1], y[i : i + 1])
    assert value == pytest.approx(point.objective)
    for a, b in zip(cg, coef_grads):
        assert np.allclose(a, b)
    assert len(point.names) == len(net.theta)
    assert point.names[0] == "W1[1,1]" and point.names[8] == "b1[1]"


def test_parameter_names_follow_theta_layout():
    net = Network((2, 3, 1), "relu", random_state=0)
    names = labs.parameter_names(net)
    # Put each parameter's own index into theta, and read it back through the named views.
    net.theta[:] = np.arange(len(net.theta))
    W1, b1, W2, b2 = net.coefs[0], net.intercepts[0], net.coefs[1], net.intercepts[1]
    assert names[int(W1[1, 2])] == "W1[2,3]"
    assert names[int(b1[0])] == "b1[1]"
    assert names[int(W2[2, 0])] == "W2[3,1]"
    assert names[int(b2[0])] == "b2[1]"


def test_relative_error_floor():
    assert labs.relative_error(0.0, 0.0) == 0.0
    assert labs.relative_error(1.0, 1.0 + 1e-9) == pytest.approx(1e-9, rel=1e-3)
    assert math.isfinite(float(labs.relative_error(0.0, 1e-300)))


def test_largest_loss_point():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    net = Network((2, 1), "identity", random_state=0)
    net.theta[:] = [1.0, 0.0, 0.0]  # F(x) = x1
    T = np.array([[1.0], [1.0], [-1.0]])  # the third point is the worst: margin -2
    assert labs.largest_loss_point(net, "hinge", X, T) == 2


def test_separating_line_is_a_certificate():
    rng = np.random.default_rng(2)
    H = rng.normal(size=(60, 2))
    y = (H[:, 0] - H[:, 1] > 0).astype(int)
    v, c = labs.separating_line(H, y)
    s = np.where(y == 1, 1, -1)
    assert np.all(s * (H @ v + c) >= 1 - 1e-6)


def test_thin_margin_falls_back_to_the_linear_programme():
    """Separable, but too thin a margin for a few steps of gradient descent."""
    rng = np.random.default_rng(3)
    H = rng.uniform(-1, 1, size=(200, 2))
    y = (H[:, 0] + 0.3 * H[:, 1] > 0).astype(int)
    H[:, 0] += np.where(y == 1, 1e-4, -1e-4)
    fit = labs.fit_output_unit(H, y, steps=3)
    assert fit.separable and fit.accuracy == 1.0 and fit.source == "linear programme"
