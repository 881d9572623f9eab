"""The grids' forward pass: a network with one hidden layer, in float32, goes through the
compiled pass (engine.compiled.one_hidden_layer); it must compute the lecture's
F(x) = f(x W1 + b1) W2 + b2, checked against the NumPy recursion written out here."""

import numpy as np
import pytest

from engine import geometry, trainer
from engine.activations import ACTIVATION_NAMES, ACTIVATIONS
from engine.network import FUSED_FROM, Network

needs_kernel = pytest.mark.skipif(trainer.compiled is None, reason="numba is off (ENGINE_JIT=0)")


def by_hand(net, X):
    W1, b1, W2, b2 = (
        np.asarray(a, np.float64)
        for a in (*net.coefs[:1], *net.intercepts[:1], net.coefs[1], net.intercepts[1])
    )
    return ACTIVATIONS[net.activation].f(X @ W1 + b1) @ W2 + b2


@needs_kernel
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("shape", [(2, 500, 1), (2, 7, 3), (5, 16, 1)])
def test_the_compiled_grid_pass_is_the_lectures_forward_pass(activation, shape):
    net = Network(shape, activation, random_state=1)
    X = np.random.default_rng(0).uniform(-3, 3, size=(FUSED_FROM + 37, shape[0]))
    got = net.forward(X, dtype=np.float32)
    assert got.dtype == np.float32 and got.shape == (len(X), shape[-1])
    want = by_hand(net, X)
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4 * np.abs(want).max())


@needs_kernel
def test_a_grid_surface_is_the_same_through_either_pass(monkeypatch):
    net = Network((2, 50, 1), "relu", random_state=3)
    extent = (-2.0, 2.0, -1.5, 1.5)
    compiled = geometry.decision_surface(net, extent, 40)
    monkeypatch.setattr(trainer, "compiled", None)
    numpy_pass = geometry.decision_surface(net, extent, 40)
    np.testing.assert_allclose(compiled, numpy_pass, rtol=1e-5, atol=1e-5)
