"""The training objective of the lecture's ERM, and its gradient by backpropagation.

    R(theta) = (1/N) sum_i loss(y_i, F(x_i; theta)) + l2 * sum_l ||W^l||_F^2
                                                     [+ l1 * sum_l |W^l|_1]

Biases are not penalised. Each penalty is written once below, per weight, as its value and
its gradient (``2 w`` for l2, ``sign(w)`` for l1: the subgradient that is 0 at 0, for
TensorFlow Playground's L1 option); ``engine.compiled`` compiles the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


def l2_penalty(w):
    return w * w


def l2_penalty_d(w):
    return 2.0 * w


def l1_penalty(w):
    return np.abs(w)


def l1_penalty_d(w):
    return np.sign(w)


class Penalty(NamedTuple):
    """A penalty on each weight, times its strength (the setting of the same name)."""

    penalty: Callable
    penalty_d: Callable


# Keyed by the TrainingSettings field that holds the strength, in the order of the arguments
# (l2, l1) below.
PENALTIES: dict[str, Penalty] = {
    "l2": Penalty(l2_penalty, l2_penalty_d),
    "l1": Penalty(l1_penalty, l1_penalty_d),
}


def objective_and_gradients(net, loss, X, T, l2, grad, weight_mask, augmented=False, l1=0.0):
    """Return ``(R(theta), Z, deltas)`` and write dR/dtheta into ``grad`` (flat, in place).

    ``loss`` is an ``engine.losses.Loss``; ``T`` the encoded targets; ``weight_mask`` is
    ``net.weight_mask()`` (1 on weights, 0 on biases), needed only when a penalty is on.
    ``augmented`` says X already has its column of ones (the trainer's hot path, which
    also reuses the network's activation buffers).
    """
    X_aug = X if augmented else net.augment(X)
    zs, acts = net.forward_cached(X_aug.T, reuse=augmented)
    # The loss table works on rows (n, k); the network's passes on columns (k, n).
    Z = zs[-1].T
    # The mean over the batch is taken once, on delta^L = (1/n) dl/dz, and flows through
    # every layer.
    value, delta_L = loss.value_and_grad(T, Z, 1.0 / len(X))
    deltas = net.backward(zs, acts, delta_L.T, grad)
    if l2 or l1:
        weights = net.theta * weight_mask
        value += penalty_value(weights, l2, l1)
        for strength, penalty in zip((l2, l1), PENALTIES.values()):
            if strength:
                grad += strength * penalty.penalty_d(weights)
    return value, Z, deltas


def penalty_value(weights, l2, l1):
    """l2 ||W||^2 + l1 |W| over ``weights`` (the biases masked out)."""
    value = 0.0
    for strength, penalty in zip((l2, l1), PENALTIES.values()):
        if strength:
            value += strength * float(penalty.penalty(weights).sum())
    return value


def data_loss(net, loss, X, T):
    """Mean loss without the penalty (what the curves and the status line report)."""
    return loss.value(T, net.forward(X))
