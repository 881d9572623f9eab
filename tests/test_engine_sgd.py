"""Two SGD steps with momentum and clipping, worked out by hand from the lecture's formulas.

A 2-2-1 ReLU network, hinge loss, four points, full batch. The expected parameters are
computed below with scalar Python arithmetic that follows the slides line by line:

    forward    z_i = sum_j w_ij x_j + b_i,  a_i = max(0, z_i),  z = sum_i w_i a_i + b
    hinge      l = max(0, 1 - y z),  dl/dz = -y if 1 - y z > 0 else 0
    deltas     delta^2 = (1/N) dl/dz,  delta^1_i = 1[z_i > 0] w_i delta^2
    gradients  dR/dw_i = sum a_i delta^2 + 2 l2 w_i,  dR/db = sum delta^2,
               dR/dw_ij = sum x_j delta^1_i + 2 l2 w_ij,  dR/db_i = sum delta^1_i
    clip       g <- g * min(1, c / ||g||)            (the global norm, before momentum)
    momentum   v <- mu v - eta g;  theta <- theta + v

and then compared with the engine's Trainer after two steps (momentum matters on the second).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Network, Trainer

POINTS = [(1.0, 2.0), (-1.5, 0.5), (0.5, -1.0), (2.0, 0.0)]
LABELS = [1, 0, 1, 1]  # class 1 is y = +1, class 0 is y = -1
W1 = [[0.5, -0.3], [0.2, 0.8]]  # W1[j][i]: input j -> hidden unit i (the engine's layout)
B1 = [0.1, -0.2]
W2 = [1.2, -0.4]
B2 = 0.05
ETA, MU, CLIP, L2 = 0.5, 0.9, 0.3, 0.01


def hand_gradient(w1, b1, w2, b2, seen):
    """dR/dtheta as dicts of plain floats; ``seen`` collects which branches were taken."""
    n = len(POINTS)
    g_w1 = [[0.0, 0.0], [0.0, 0.0]]
    g_b1 = [0.0, 0.0]
    g_w2 = [0.0, 0.0]
    g_b2 = 0.0
    for (x1, x2), label in zip(POINTS, LABELS):
        x = (x1, x2)
        y = 1.0 if label == 1 else -1.0
        z_h = [w1[0][i] * x[0] + w1[1][i] * x[1] + b1[i] for i in range(2)]
        a = [max(0.0, zi) for zi in z_h]
        z = w2[0] * a[0] + w2[1] * a[1] + b2
        dl_dz = -y if 1.0 - y * z > 0 else 0.0
        seen.add("hinge active" if dl_dz else "hinge inactive")
        delta2 = dl_dz / n
        g_b2 += delta2
        for i in range(2):
            g_w2[i] += a[i] * delta2
            on = 1.0 if z_h[i] > 0 else 0.0
            seen.add("relu on" if on else "relu off")
            delta1 = on * w2[i] * delta2
            g_b1[i] += delta1
            for j in range(2):
                g_w1[j][i] += x[j] * delta1
    for i in range(2):
        g_w2[i] += 2 * L2 * w2[i]
        for j in range(2):
            g_w1[j][i] += 2 * L2 * w1[j][i]
    return g_w1, g_b1, g_w2, g_b2


def flat(w1, b1, w2, b2):
    """All parameters as one list (the global norm is over all of them)."""
    return [w1[0][0], w1[0][1], w1[1][0], w1[1][1], b1[0], b1[1], w2[0], w2[1], b2]


def unflat(p):
    return [[p[0], p[1]], [p[2], p[3]]], [p[4], p[5]], [p[6], p[7]], p[8]


def test_two_steps_with_momentum_and_clipping_by_hand():
    theta = flat(W1, B1, W2, B2)
    velocity = [0.0] * len(theta)
    seen, clipped = set(), []
    for _ in range(2):
        g = flat(*hand_gradient(*unflat(theta), seen))
        norm = math.sqrt(sum(gi * gi for gi in g))
        if norm > CLIP:
            g = [gi * CLIP / norm for gi in g]
        clipped.append(norm > CLIP)
        velocity = [MU * vi - ETA * gi for vi, gi in zip(velocity, g)]
        theta = [ti + vi for ti, vi in zip(theta, velocity)]
    # The hand computation took every branch: both hinge cases, both ReLU cases, clipping.
    assert seen == {"hinge active", "hinge inactive", "relu on", "relu off"}
    assert clipped[0]

    net = Network((2, 2, 1), "relu", random_state=0)
    net.coefs[0][:] = W1
    net.intercepts[0][:] = B1
    net.coefs[1][:, 0] = W2
    net.intercepts[1][:] = [B2]
    trainer = Trainer(
        net,
        np.array(POINTS),
        np.array(LABELS),
        n_classes=2,
        loss="hinge",
        l2=L2,
        learning_rate=ETA,
        momentum=MU,
        clip_norm=CLIP,
        batch_size=None,
        random_state=0,
    )
    assert trainer.step(2) == 2
    w1, b1, w2, b2 = unflat(theta)
    np.testing.assert_allclose(net.coefs[0], w1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.intercepts[0], b1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.coefs[1][:, 0], w2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.intercepts[1], [b2], rtol=1e-12, atol=1e-15)
    assert trainer.step_count == 2


def test_momentum_and_clipping_each_change_the_result():
    """The same two steps without momentum, or without clipping, land elsewhere: the test
    above could not pass by ignoring either."""

    def run(mu, clip):
        net = Network((2, 2, 1), "relu", random_state=0)
        net.coefs[0][:] = W1
        net.intercepts[0][:] = B1
        net.coefs[1][:, 0] = W2
        net.intercepts[1][:] = [B2]
        trainer = Trainer(
            net,
            np.array(POINTS),
            np.array(LABELS),
            loss="hinge",
            l2=L2,
            learning_rate=ETA,
            momentum=mu,
            clip_norm=clip,
        )
        trainer.step(2)
        return net.theta.copy()

    both = run(MU, CLIP)
    assert not np.allclose(both, run(0.0, CLIP))
    assert not np.allclose(both, run(MU, None))


def test_clipping_scales_the_whole_gradient_not_each_entry():
    from engine.optim import SGD
    from engine.settings import TrainingSettings

    opt = SGD(3)
    theta = np.zeros(3)
    grad = np.array([3.0, 4.0, 0.0])  # norm 5
    norm = opt.step(theta, grad, TrainingSettings(learning_rate=1.0, clip_norm=1.0))
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(theta, [-0.6, -0.8, 0.0], rtol=1e-15)
    # Below the threshold nothing is scaled.
    opt = SGD(3)
    theta = np.zeros(3)
    opt.step(theta, np.array([3.0, 4.0, 0.0]), TrainingSettings(learning_rate=1.0, clip_norm=10.0))
    np.testing.assert_allclose(theta, [-3.0, -4.0, 0.0], rtol=1e-15)
