"""The lecture's claims, run on the engine: what two ReLU units, a linear activation and
500 units can and cannot do."""

from __future__ import annotations

import numpy as np
import pytest

from engine import NeuralNetClassifier, datasets


def fit(X, y, **kw):
    params = dict(activation="relu", loss="hinge", learning_rate=0.1, momentum=0.9, max_iter=300)
    params.update(kw)
    return NeuralNetClassifier(**params).fit(X, y)


def test_two_relu_units_separate_the_wedge():
    """ "Separable with 2 hidden units": for some seed among a few, 100% training accuracy."""
    X, y = datasets.make("wedge", n_samples=200, noise=0.0, random_state=0)
    scores = []
    for seed in range(5):
        clf = fit(X, y, hidden_layer_sizes=(2,), random_state=seed)
        scores.append(clf.score(X, y))
        if scores[-1] == 1.0:
            break
    assert max(scores) == 1.0, scores
    # In the hidden space [f(z1), f(z2)] the output unit's line separates the classes.
    H = clf.hidden_activations(X, layer=1)
    side = H @ clf.coefs_[1][:, 0] + clf.intercepts_[1][0] > 0
    np.testing.assert_array_equal(side, y == clf.classes_[1])


def test_one_relu_unit_does_not_separate_the_wedge():
    """The wedge needs two lines: with one hidden unit no seed gets every point right."""
    X, y = datasets.make("wedge", n_samples=200, noise=0.0, random_state=0)
    best = max(fit(X, y, hidden_layer_sizes=(1,), random_state=s).score(X, y) for s in range(5))
    assert best < 1.0


@pytest.mark.parametrize("width", [2, 50, 500])
def test_identity_activation_cannot_solve_xor(width):
    """With f(z) = z the network is affine in x, whatever its width: xor stays unsolved."""
    X, y = datasets.make("xor", n_samples=200, noise=0.0, random_state=0)
    clf = fit(
        X, y, hidden_layer_sizes=(width,), activation="identity", learning_rate=0.05, random_state=0
    )
    assert clf.score(X, y) < 0.8
    W1, W2 = clf.coefs_
    b1, b2 = clf.intercepts_
    np.testing.assert_allclose(
        clf.decision_function(X), X @ (W1 @ W2)[:, 0] + (b1 @ W2 + b2)[0], rtol=1e-9, atol=1e-12
    )


def test_relu_solves_the_same_xor():
    """...while the same budget with 8 ReLU units does: the failure above is the activation's."""
    X, y = datasets.make("xor", n_samples=200, noise=0.0, random_state=0)
    assert fit(X, y, hidden_layer_sizes=(8,), random_state=0).score(X, y) >= 0.95


def test_500_relu_units_fit_moons():
    X, y = datasets.make("moons", n_samples=200, noise=0.1, random_state=0)
    clf = fit(X, y, hidden_layer_sizes=(500,), random_state=0)
    assert clf.score(X, y) >= 0.99
