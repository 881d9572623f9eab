"""Stochastic gradient descent with classical momentum and global-norm clipping (and Adam).

On the flat parameter vector, one update is (lecture; cs231n's "SGD + momentum"):

    g <- g * min(1, clip_norm / ||g||)      clipping first, on the whole gradient
    v <- mu v - eta g                        classical momentum (v = -eta g when mu = 0)
    theta <- theta + v

The optimizer owns its velocity and nothing else; its settings may change between steps
(the page's learning-rate slider acts live, as in TensorFlow Playground). SGD is the
lecture's and the Playground's; ``Adam`` is offered beside it (the estimators' default).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# The divergence guard (engine.trainer, engine.compiled). A step whose objective exceeds
# GROWTH_LIMIT x max(1, the training loss when the stretch of training began) is not taken:
# a minibatch's mean loss can exceed the mean over all n points by at most n / batch (all the
# loss on the batch's points), under 1e4 for the app's 5,000 points at most, so past that the
# weights themselves have grown; a blow-up grows the objective geometrically, and the limit
# stops it some 300 orders of magnitude before a float overflows. The weights then kept are
# the last whose objective was within GOOD_FACTOR of the best seen.
GROWTH_LIMIT = 1e4
GOOD_FACTOR = 2.0


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

    def state(self):
        """What a snapshot keeps for an exact replay: the velocity (None when momentum is
        off: the next update does not read it)."""
        return self.velocity.copy() if self.momentum else None

    def load_state(self, state):
        if state is None:
            self.reset()
        else:
            np.copyto(self.velocity, state)

    def reset(self):
        self.velocity[...] = 0.0


class Adam:
    """Adam (Kingma and Ba, 2015), scikit-learn's default solver, on the flat vector:

        g <- g * min(1, clip_norm / ||g||)           clipping first, as in SGD
        m <- beta1 m + (1 - beta1) g                  running mean of the gradient
        s <- beta2 s + (1 - beta2) g*g                running mean of its square
        theta <- theta - eta m / (1 - beta1^t) / (sqrt(s / (1 - beta2^t)) + eps)

    Each weight's step is about eta whatever the scale of its gradient, so one learning rate
    suits a ReLU regression whose gradients reach 1e3 and a sigmoid one whose gradients are
    1e-3: the reason the estimators use it by default (plain SGD at one rate blows up on
    the first and barely moves the second). ``velocity`` is m, ``second`` is s, ``t`` the
    number of updates made. ``momentum`` is not read (beta1 plays its part).
    """

    beta1 = 0.9
    beta2 = 0.999
    eps = 1e-8

    def __init__(self, n_params, learning_rate=0.001, momentum=0.0, clip_norm=None):
        check_hyperparameters(learning_rate, momentum, clip_norm)
        self.learning_rate = float(learning_rate)
        self.momentum = float(momentum)
        self.clip_norm = None if clip_norm is None else float(clip_norm)
        self.velocity = np.zeros(n_params)
        self.second = np.zeros(n_params)
        self.t = 0

    def step(self, theta, grad):
        """As ``SGD.step``: update theta in place, return ||g||; a non-finite update is not
        made (and m, s, t are left as they were)."""
        norm = math.sqrt(float(np.dot(grad, grad)))
        if not math.isfinite(norm):
            return norm
        if self.clip_norm is not None and norm > self.clip_norm:
            grad *= self.clip_norm / norm
        b1, b2, t = self.beta1, self.beta2, self.t + 1
        m = self.velocity * b1 + (1.0 - b1) * grad
        s = self.second * b2 + (1.0 - b2) * (grad * grad)
        step = (m * (-self.learning_rate / (1.0 - b1**t))) / (
            np.sqrt(s * (1.0 / (1.0 - b2**t))) + self.eps
        )
        if not math.isfinite(float(np.dot(step, step))):
            return math.inf
        self.velocity[...], self.second[...], self.t = m, s, t
        theta += step
        return norm

    def state(self):
        return self.velocity.copy(), self.second.copy(), self.t

    def load_state(self, state):
        if state is None:
            self.reset()
        else:
            np.copyto(self.velocity, state[0])
            np.copyto(self.second, state[1])
            self.t = state[2]

    def reset(self):
        self.velocity[...] = 0.0
        self.second[...] = 0.0
        self.t = 0


SOLVERS = {"sgd": SGD, "adam": Adam}
