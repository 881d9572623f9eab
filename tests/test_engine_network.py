"""The network: layout, forward passes and the lecture's sign-flip exercise."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from engine import Network

F = {
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "quadratic": lambda z: z * z,
}


def points(n=50, p=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, p))


def ref_forward(net, X, f):
    a = X
    for l, (W, b) in enumerate(zip(net.coefs, net.intercepts), start=1):
        z = a @ W + b
        a = f(z) if l < net.n_layers else z
    return a


# -- layout and forward --------------------------------------------------------------------


def test_layout_shapes_and_views():
    net = Network((3, 5, 4, 2), "tanh", random_state=0)
    assert [W.shape for W in net.coefs] == [(3, 5), (5, 4), (4, 2)]
    assert [b.shape for b in net.intercepts] == [(5,), (4,), (2,)]
    assert net.theta.size == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2
    assert net.n_layers == 3
    for arr in net.coefs + net.intercepts:
        assert np.shares_memory(arr, net.theta)
    mask = net.weight_mask()
    W_mask, b_mask = net.views(mask)
    assert all(np.all(m == 1) for m in W_mask) and all(np.all(m == 0) for m in b_mask)


@pytest.mark.parametrize("name", list(F))
@pytest.mark.parametrize("sizes", [(2, 1), (2, 7, 1), (2, 6, 5, 3)])
def test_forward_matches_the_definition(name, sizes):
    net = Network(sizes, name, random_state=1)
    X = points()
    np.testing.assert_allclose(net.forward(X), ref_forward(net, X, F[name]), rtol=1e-12)
    # float32 (the grid) agrees to float32 precision; chunking does not change the result.
    np.testing.assert_allclose(
        net.forward(X, dtype=np.float32), ref_forward(net, X, F[name]), rtol=1e-4, atol=1e-5
    )
    assert net.forward(X, dtype=np.float32).dtype == np.float32
    np.testing.assert_allclose(net.forward(X, chunk=7), net.forward(X), rtol=1e-13, atol=1e-15)


def test_forward_cached_keeps_z_and_a():
    net = Network((2, 4, 3, 1), "sigmoid", random_state=2)
    X = points(9)
    zs, acts = net.forward_cached(Network.augment(X).T)
    a = X
    for l in range(1, net.n_layers + 1):
        z = a @ net.coefs[l - 1] + net.intercepts[l - 1]
        np.testing.assert_allclose(zs[l].T, z, rtol=1e-12)
        a = F["sigmoid"](z)
        if l < net.n_layers:
            np.testing.assert_allclose(acts[l][:-1].T, a, rtol=1e-12)
            np.testing.assert_array_equal(acts[l][-1], 1.0)
    # The cached pass over reused buffers gives the same numbers as a fresh one.
    A0 = Network.augment(X).T
    first = [z.copy() for z in net.forward_cached(A0, reuse=True)[0][1:]]
    again = net.forward_cached(A0, reuse=True)[0][1:]
    for u, v in zip(first, again):
        np.testing.assert_array_equal(u, v)


def test_hidden_activations_and_preactivations():
    net = Network((2, 4, 3, 1), "relu", random_state=3)
    X = points()
    z1 = X @ net.coefs[0] + net.intercepts[0]
    z2 = F["relu"](z1) @ net.coefs[1] + net.intercepts[1]
    np.testing.assert_allclose(net.hidden_preactivations(X, 1), z1, rtol=1e-12)
    np.testing.assert_allclose(net.hidden_activations(X, 1), F["relu"](z1), rtol=1e-12)
    np.testing.assert_allclose(net.hidden_activations(X, 2), F["relu"](z2), rtol=1e-12)
    np.testing.assert_allclose(net.hidden_preactivations(X, 3), net.forward(X), rtol=1e-12)
    with pytest.raises(ValueError, match="hidden layer"):
        net.hidden_activations(X, 3)  # the output layer is not hidden
    with pytest.raises(ValueError):
        net.hidden_activations(X, 0)


def test_seeded_initialisation_is_reproducible():
    a = Network((2, 8, 1), "relu", random_state=5)
    b = Network((2, 8, 1), "relu", random_state=5)
    c = Network((2, 8, 1), "relu", random_state=6)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, c.theta)


@pytest.mark.parametrize(
    ("sizes", "activation", "init"),
    [
        ((0, 1), "relu", "auto"),
        ((2,), "relu", "auto"),
        ((2, 3, 1), "swish", "auto"),
        ((2, 3, 1), "relu", "ones"),
    ],
)
def test_bad_construction_raises(sizes, activation, init):
    with pytest.raises(ValueError):
        Network(sizes, activation, init)


def test_pickle_and_deepcopy_keep_views_on_theta():
    net = Network((2, 3, 1), "relu", random_state=0)
    for other in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        np.testing.assert_array_equal(other.theta, net.theta)
        other.coefs[0][0, 0] = 42.0
        assert 42.0 in other.theta
        assert 42.0 not in net.theta


# -- flipping a unit's signs ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(F))
def test_flip_gives_f_of_minus_z(name):
    net = Network((2, 5, 1), name, random_state=4)
    X = points()
    z_before = X @ net.coefs[0] + net.intercepts[0]
    H_before = net.hidden_activations(X, 1)
    out_W, out_b = net.coefs[1].copy(), net.intercepts[1].copy()
    net.flip_unit_sign(1, 2)
    H_after = net.hidden_activations(X, 1)
    np.testing.assert_allclose(H_after[:, 2], F[name](-z_before[:, 2]), rtol=1e-12, atol=1e-15)
    others = [0, 1, 3, 4]
    np.testing.assert_array_equal(H_after[:, others], H_before[:, others])
    np.testing.assert_array_equal(net.coefs[1], out_W)
    np.testing.assert_array_equal(net.intercepts[1], out_b)


def test_flip_twice_restores_theta_exactly():
    net = Network((2, 6, 4, 1), "relu", random_state=7)
    theta = net.theta.copy()
    net.flip_unit_sign(2, 3)
    changed = net.theta != theta
    # Exactly unit 3's six incoming weights (one from each unit of layer 1) and its bias.
    assert changed.sum() == 6 + 1
    np.testing.assert_array_equal(net.coefs[1][:, 3], -theta_view(net, theta)[1][:, 3])
    net.flip_unit_sign(2, 3)
    np.testing.assert_array_equal(net.theta, theta)


def theta_view(net, theta):
    return net.views(theta)[0]


def test_flip_rejects_bad_units():
    net = Network((2, 3, 1), "relu", random_state=0)
    with pytest.raises(ValueError, match="unit"):
        net.flip_unit_sign(1, 3)
    with pytest.raises(ValueError, match="hidden layer"):
        net.flip_unit_sign(2, 0)  # the output unit is not a hidden unit


def test_output_line_is_the_line_the_output_unit_reads():
    from engine import geometry

    linear = Network((2, 1), "relu", random_state=0)  # the slide's 1-layer network
    v1, v2, c = geometry.output_line(linear)
    assert (v1, v2, c) == (linear.coefs[0][0, 0], linear.coefs[0][1, 0], linear.intercepts[0][0])
    two = Network((2, 5, 2, 1), "relu", random_state=0)
    assert geometry.output_line(two) == (
        two.coefs[-1][0, 0],
        two.coefs[-1][1, 0],
        two.intercepts[-1][0],
    )
    assert geometry.output_line(Network((2, 3, 1), "relu", random_state=0)) is None
    assert geometry.output_line(Network((2, 2, 3), "relu", random_state=0)) is None
