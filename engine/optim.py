"""Stochastic gradient descent with classical momentum and global-norm clipping.

On the flat parameter vector, one update is (lecture; cs231n's "SGD + momentum"):

    g <- g * min(1, clip_norm / ||g||)      clipping first, on the whole gradient
    v <- mu v - eta g                        classical momentum (v = -eta g when mu = 0)
    theta <- theta + v

The optimizer owns its velocity and nothing else; its settings may change between steps
(the page's learning-rate slider acts live, as in TensorFlow Playground).
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def is_number(x):
    # NumPy scalars count (a grid search hands out np.float64), booleans do not.
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def check_hyperparameters(learning_rate, momentum, clip_norm):
    if not (is_number(learning_rate) and math.isfinite(learning_rate)):
        raise ValueError(f"learning_rate must be a finite number, got {learning_rate!r}")
    if learning_rate <= 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    if not (is_number(momentum) and 0 <= momentum < 1):
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    if clip_norm is not None and not (
        is_number(clip_norm) and math.isfinite(clip_norm) and clip_norm > 0
    ):
        raise ValueError(f"clip_norm must be None or a number > 0, got {clip_norm!r}")


class SGD:
    def __init__(self, n_params, learning_rate=0.1, momentum=0.0, clip_norm=None):
        check_hyperparameters(learning_rate, momentum, clip_norm)
        self.learning_rate = float(learning_rate)
        self.momentum = float(momentum)
        self.clip_norm = None if clip_norm is None else float(clip_norm)
        self.velocity = np.zeros(n_params)

    def step(self, theta, grad):
        """Update ``theta`` in place from ``grad`` (may be scaled in place); return ||g||.

        An update that would leave a weight non-finite is not made, so that theta stays the
        last good weights: when ||g|| is not finite (returned as it is) or when the step
        itself overflows (inf is returned). The velocity may then have changed; the trainer's
        guard resets it.
        """
        norm = math.sqrt(float(np.dot(grad, grad)))
        if not math.isfinite(norm):
            return norm
        if self.clip_norm is not None and norm > self.clip_norm:
            grad *= self.clip_norm / norm
        v = self.velocity
        if self.momentum:
            v *= self.momentum
            v -= self.learning_rate * grad
        else:
            np.multiply(grad, -self.learning_rate, out=v)
        # v . v finite means every |v_i| < 1e154: a weight could only overflow after some
        # 1e154 such steps, so finite steps keep theta finite.
        if not math.isfinite(float(np.dot(v, v))):
            return math.inf
        theta += v
        return norm

    def reset(self):
        self.velocity[...] = 0.0
