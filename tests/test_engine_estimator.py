"""The scikit-learn estimators: check_estimator, and behaviour inside scikit-learn's tools."""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from engine import NeuralNetClassifier, NeuralNetRegressor, TrainingDivergedWarning, datasets


# Every check runs, none is marked as an expected failure. Two of scikit-learn's regressor
# checks (check_regressor_multioutput, check_regressor_data_not_an_array) fit raw
# make_regression targets in the hundreds, on which plain SGD at the default rate 0.1
# overshoots: the guard stops, keeps the last good weights and warns, and those checks (of
# shapes, dtypes and input types) pass. The warning is expected there, so it is not shown.
@pytest.mark.filterwarnings("ignore::engine.TrainingDivergedWarning")
@parametrize_with_checks([NeuralNetClassifier(), NeuralNetRegressor()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def moons():
    return datasets.make("moons", n_samples=120, noise=0.1, random_state=0)


def relu_net(**kw):
    params = dict(
        hidden_layer_sizes=(16,),
        solver="sgd",
        learning_rate=0.1,
        momentum=0.9,
        max_iter=150,
        random_state=0,
    )
    params.update(kw)
    return NeuralNetClassifier(**params)


# -- scikit-learn's tools ------------------------------------------------------------------


def test_pipeline_and_cross_val_score(moons):
    X, y = moons
    pipe = make_pipeline(StandardScaler(), relu_net())
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.85  # a linear model gets about 0.85 on moons; this is not one


def test_grid_search(moons):
    X, y = moons
    search = GridSearchCV(
        relu_net(max_iter=60),
        {"hidden_layer_sizes": [(2,), (16,)], "learning_rate": np.array([0.03, 0.1])},
        cv=3,
    )
    search.fit(X, y)
    assert search.best_params_["hidden_layer_sizes"] in [(2,), (16,)]
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.score(X, y) > 0.8


def test_decision_boundary_display(moons):
    pytest.importorskip("matplotlib")
    from sklearn.inspection import DecisionBoundaryDisplay

    X, y = moons
    DecisionBoundaryDisplay.from_estimator(relu_net(max_iter=5).fit(X, y), X)


# -- probabilities and labels --------------------------------------------------------------


@pytest.mark.parametrize("loss", ["hinge", "squared_error"])
def test_no_predict_proba_without_log_loss(moons, loss):
    clf = relu_net(loss=loss, max_iter=5).fit(*moons)
    assert not hasattr(clf, "predict_proba")
    assert not hasattr(clf, "predict_log_proba")


def test_predict_proba_with_log_loss_binary(moons):
    X, y = moons
    clf = relu_net(loss="log_loss").fit(X, y)
    assert hasattr(clf, "predict_proba")
    P = clf.predict_proba(X)
    assert P.shape == (len(X), 2)
    z = clf.decision_function(X)
    np.testing.assert_allclose(P[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(P))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[P.argmax(axis=1)])


def test_predict_proba_with_log_loss_multiclass():
    X, y = datasets.make("blobs3", n_samples=90, noise=0.0, random_state=1)
    clf = relu_net(loss="log_loss").fit(X, y)
    P = clf.predict_proba(X)
    Z = clf.decision_function(X)
    assert P.shape == Z.shape == (90, 3)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(P, e / e.sum(axis=1, keepdims=True), rtol=1e-12)
    assert clf.score(X, y) > 0.9


def test_string_labels_and_plus_one_is_classes_1(moons):
    X, y = moons
    names = np.array(["dog", "cat"])[y]  # class 1 of the data is "cat", which sorts first
    clf = relu_net().fit(X, names)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog"])
    z = clf.decision_function(X)
    pred = clf.predict(X)
    assert pred.dtype == names.dtype
    # +1 (a positive output) is classes_[1] = "dog".
    np.testing.assert_array_equal(pred == "dog", z > 0)
    assert clf.score(X, names) > 0.9
    assert z[names == "dog"].mean() > 0 > z[names == "cat"].mean()


def test_hinge_target_of_classes_1_is_plus_one():
    """With all weights 0 except the output bias b, every output is b; the hinge objective
    is then mean(max(0, 1 - y b)) with y = +1 for classes_[1]: one value of b tells."""
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    y = np.array(["b", "a", "b"])
    clf = NeuralNetClassifier((3,), max_iter=1, learning_rate=1e-9, random_state=0).fit(X, y)
    for W, b in zip(clf.coefs_, clf.intercepts_):
        W[:] = 0.0
        b[:] = 0.0
    clf.intercepts_[-1][:] = 0.5
    value, _, _ = clf.loss_and_gradients(X, y)
    # "b" = classes_[1] (y = +1): max(0, 1 - 0.5) = 0.5; "a" (y = -1): max(0, 1 + 0.5) = 1.5.
    assert value == pytest.approx((0.5 + 1.5 + 0.5) / 3)


def test_three_string_classes_one_vs_rest():
    X, y = datasets.make("blobs3", n_samples=90, noise=0.0, random_state=2)
    names = np.array(["red", "green", "blue"])[y]
    clf = relu_net().fit(X, names)
    np.testing.assert_array_equal(clf.classes_, ["blue", "green", "red"])
    Z = clf.decision_function(X)
    assert Z.shape == (90, 3)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[Z.argmax(axis=1)])
    assert clf.score(X, names) > 0.9


# -- partial_fit ---------------------------------------------------------------------------


def test_partial_fit_with_classes(moons):
    X, y = moons
    clf = relu_net(batch_size=20)
    with pytest.raises(ValueError, match="classes"):
        clone(clf).partial_fit(X[:10], y[:10])
    # The first batch may lack a class that `classes` announces.
    first = y == 0
    clf.partial_fit(X[first][:10], y[first][:10], classes=[0, 1])
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert clf.n_iter_ == 1
    for _ in range(40):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 41
    assert clf.score(X, y) > 0.85
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:3], np.array([0, 1, 7]))


def test_partial_fit_is_one_epoch_of_fit(moons):
    """fit with max_iter = k and k calls of partial_fit on the same data agree bit for bit."""
    X, y = moons
    a = relu_net(batch_size=16, max_iter=3).fit(X, y)
    b = relu_net(batch_size=16)
    for _ in range(3):
        b.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(a.network_.theta, b.network_.theta)
    assert a.loss_curve_ == b.loss_curve_


def test_regressor_partial_fit():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (80, 1))
    y = np.sin(3 * X[:, 0])
    reg = NeuralNetRegressor((20,), momentum=0.9, random_state=0)
    for _ in range(300):
        reg.partial_fit(X, y)
    assert reg.score(X, y) > 0.9


# -- live parameters, reproducibility ------------------------------------------------------


def test_coefs_and_intercepts_are_live(moons):
    X, y = moons
    clf = relu_net(max_iter=5).fit(X, y)
    clf.coefs_[-1][:] = 0.0
    clf.intercepts_[-1][:] = 2.5
    np.testing.assert_array_equal(clf.decision_function(X), np.full(len(X), 2.5))
    np.testing.assert_array_equal(clf.predict(X), np.full(len(X), clf.classes_[1]))
    # Assigning whole lists writes into the same network as well.
    W1 = np.zeros_like(clf.coefs_[0])
    W1[0, :] = 1.0
    clf.coefs_ = [W1, np.ones_like(clf.coefs_[1])]
    clf.intercepts_ = [np.zeros_like(b) for b in clf.intercepts_]
    h = np.maximum(X[:, 0], 0.0)  # every hidden unit is relu(x_1); the output sums them
    np.testing.assert_allclose(clf.decision_function(X), h * W1.shape[1], rtol=1e-12)


def test_reproducible_bit_for_bit(moons):
    X, y = moons
    for kw in [{}, {"batch_size": 16, "clip_norm": 1.0}]:
        a = relu_net(**kw).fit(X, y)
        b = relu_net(**kw).fit(X, y)
        for Wa, Wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            np.testing.assert_array_equal(Wa, Wb)
        assert a.loss_curve_ == b.loss_curve_
        c = relu_net(random_state=1, **kw).fit(X, y)
        assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_pickled_estimator_keeps_training_identically(moons):
    X, y = moons
    a = relu_net(batch_size=10, max_iter=3).fit(X, y)
    b = pickle.loads(pickle.dumps(a))
    a.partial_fit(X, y)
    b.partial_fit(X, y)
    np.testing.assert_array_equal(a.network_.theta, b.network_.theta)
    # The unpickled coefs_ are still views of the unpickled network's parameters.
    b.coefs_[-1][:] = 0.0
    b.intercepts_[-1][:] = -1.0
    np.testing.assert_array_equal(b.decision_function(X), -1.0)


# -- hyperparameter validation -------------------------------------------------------------

BAD = [
    ({"activation": "softplus"}, "activation"),
    ({"activation": None}, "activation"),
    ({"loss": "hinge2"}, "loss"),
    ({"learning_rate": -0.1}, "learning_rate"),
    ({"learning_rate": 0.0}, "learning_rate"),
    ({"learning_rate": math.nan}, "learning_rate"),
    ({"learning_rate": math.inf}, "learning_rate"),
    ({"momentum": 1.0}, "momentum"),
    ({"momentum": -0.1}, "momentum"),
    ({"momentum": math.nan}, "momentum"),
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (501,)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (2.5,)}, "hidden_layer_sizes"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": -3}, "batch_size"),
    ({"l2": -1e-3}, "l2"),
    ({"l2": math.nan}, "l2"),
    ({"clip_norm": 0.0}, "clip_norm"),
    ({"clip_norm": math.nan}, "clip_norm"),
    ({"max_iter": 0}, "max_iter"),
    ({"init": "zeros"}, "init"),
]


@pytest.mark.parametrize(("params", "name"), BAD)
@pytest.mark.parametrize("cls", [NeuralNetClassifier, NeuralNetRegressor])
def test_invalid_hyperparameters_raise_at_fit(cls, params, name):
    est = cls(**params)  # construction stores them untouched (scikit-learn's convention)
    assert est.get_params()[next(iter(params))] is next(iter(params.values()))
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([0, 1, 1, 0])
    with pytest.raises(ValueError, match=name):
        est.fit(X, y)


def test_regressor_rejects_classification_losses():
    with pytest.raises(ValueError, match="squared_error"):
        NeuralNetRegressor(loss="hinge").fit(np.zeros((4, 1)), np.zeros(4))


def test_numpy_scalars_are_valid_hyperparameters(moons):
    X, y = moons
    relu_net(
        learning_rate=np.float32(0.1),
        momentum=np.float64(0.5),
        l2=np.float32(1e-4),
        batch_size=np.int64(32),
        hidden_layer_sizes=(np.int64(4),),
        max_iter=2,
    ).fit(X, y)


def test_nan_in_data_is_rejected(moons):
    X, y = moons
    X = X.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        relu_net().fit(X, y)


# -- divergence ----------------------------------------------------------------------------


def test_fit_warns_when_training_diverges(moons):
    X, y = moons
    clf = relu_net(loss="squared_error", learning_rate=1e3, momentum=0.0, max_iter=100)
    with pytest.warns(TrainingDivergedWarning, match="learning rate"):
        clf.fit(X, y)
    assert all(np.isfinite(W).all() for W in clf.coefs_ + clf.intercepts_)
    assert clf.n_iter_ < 100
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingDivergedWarning)
        relu_net(max_iter=5).fit(X, y)  # a sane rate does not warn


# -- the lecture's quantities on the estimator ---------------------------------------------


def test_hidden_activations_and_flip_through_the_estimator(moons):
    X, y = moons
    clf = relu_net(max_iter=5).fit(X, y)
    W, b = clf.coefs_[0].copy(), clf.intercepts_[0].copy()
    np.testing.assert_allclose(clf.hidden_activations(X), np.maximum(X @ W + b, 0), rtol=1e-12)
    assert clf.flip_unit_sign(layer=1, unit=3) is clf
    np.testing.assert_array_equal(clf.coefs_[0][:, 3], -W[:, 3])
    assert clf.intercepts_[0][3] == -b[3]
    np.testing.assert_allclose(clf.hidden_activations(X)[:, 3], np.maximum(-(X @ W + b)[:, 3], 0))
