"""The training objective of the lecture's ERM, and its gradient by backpropagation.

    R(theta) = (1/N) sum_i loss(y_i, F(x_i; theta)) + l2 * sum_l ||W^l||_F^2
                                                     [+ l1 * sum_l |W^l|_1]

Biases are not penalised. The gradient of the penalty is ``2 * l2 * W^l`` (and
``l1 * sign(W^l)``, the subgradient that is 0 at 0, for TensorFlow Playground's L1 option).
"""

from __future__ import annotations

import numpy as np


def objective_and_gradients(net, loss, X, T, l2, grad, weight_mask, augmented=False, l1=0.0):
    """Return ``(R(theta), Z, deltas)`` and write dR/dtheta into ``grad`` (flat, in place).

    ``loss`` is an ``engine.losses.Loss``; ``T`` the encoded targets; ``weight_mask`` is
    ``net.weight_mask()`` (1 on weights, 0 on biases), needed only when ``l2 > 0``.
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
    if l2:
        weights = net.theta * weight_mask
        value += l2 * float(np.dot(weights, net.theta))
        grad += (2.0 * l2) * weights
    if l1:
        weights = net.theta * weight_mask
        value += l1 * float(np.abs(weights).sum())
        grad += l1 * np.sign(weights)
    return value, Z, deltas


def data_loss(net, loss, X, T):
    """Mean loss without the penalty (what the curves and the status line report)."""
    return loss.value(T, net.forward(X))
