"""The update rules: stochastic gradient descent with classical momentum, and Adam, after
global-norm clipping.

Each rule is written once, per parameter, with NumPy's ufuncs: the optimisers below apply it
to the flat parameter vector, ``engine.compiled`` compiles the same function for one number.
On the flat vector, one update is (lecture; cs231n's "SGD + momentum"):

    g <- g * min(1, clip_norm / ||g||)      clipping first, on the whole gradient
    v <- mu v - eta g                        classical momentum (v = -eta g when mu = 0)
    theta <- theta + v

The optimiser owns its state (the velocity, Adam's moments) and nothing else; the settings
(eta, mu, clip_norm) come with each step from the trainer's ``TrainingSettings``, so that
they may change between steps (the page's learning-rate slider acts live, as in TensorFlow
Playground). SGD is the lecture's and the Playground's; Adam is offered beside it (the
estimators' default).
"""

from __future__ import annotations

import math

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

# Adam's constants (Kingma and Ba, 2015; scikit-learn's).
BETA1 = 0.9
BETA2 = 0.999
EPS = 1e-8


# -- the divergence guard ---------------------------------------------------------------------

# What the guard says of a step before its update (a step with a non-finite gradient or
# update is NOT_FINITE too; each path checks those where it computes them).
TAKE, NOT_FINITE, GREW, TAKE_AND_KEEP = range(4)


def guard_verdict(value, guard):
    """The guard's rule for a step whose objective is ``value``; ``guard`` is [best objective
    so far, limit, ...] and its best is updated here. TAKE_AND_KEEP: the weights before this
    update are within GOOD_FACTOR of the best, the copy to go back to."""
    if not math.isfinite(value):
        return NOT_FINITE
    if value > guard[1]:
        return GREW
    if value < guard[0]:
        guard[0] = value
    return TAKE_AND_KEEP if value <= GOOD_FACTOR * guard[0] else TAKE


# -- the rules ---------------------------------------------------------------------------------


def clip_scale(norm, clip_norm):
    """min(1, clip_norm / ||g||): what global-norm clipping multiplies g by (clip_norm inf:
    no clipping)."""
    return clip_norm / norm if norm > clip_norm else 1.0


def sgd_update(g, m, s, eta, mu, t):
    """SGD with classical momentum: v <- mu v - eta g, and the step is v.

    Every rule takes one gradient g, the state it keeps (m, s) and the settings (eta, mu,
    t = the number of this update), and returns (step, new m, new s)."""
    v = mu * m - eta * g if mu else -eta * g  # the same, without reading m
    return v, v, s


def adam_update(g, m, s, eta, mu, t):
    """Adam (mu is not read: beta1 plays its part):

    m <- beta1 m + (1 - beta1) g                      running mean of the gradient
    s <- beta2 s + (1 - beta2) g*g                    running mean of its square
    step = -eta m / (1 - beta1^t) / (sqrt(s / (1 - beta2^t)) + eps)
    """
    m = m * BETA1 + (1.0 - BETA1) * g
    s = s * BETA2 + (1.0 - BETA2) * (g * g)
    step = (m * (-eta / (1.0 - BETA1**t))) / (np.sqrt(s * (1.0 / (1.0 - BETA2**t))) + EPS)
    return step, m, s


# -- the optimisers: a rule's state on the flat vector ----------------------------------------


class Optimizer:
    """Applies ``rule`` to the flat vector: ``velocity`` is its m, ``second`` its s (None
    when the rule keeps none), ``t`` the number of updates made."""

    rule = staticmethod(sgd_update)
    keeps_second = False

    def __init__(self, n_params):
        self.velocity = np.zeros(n_params)
        self.second = np.zeros(n_params) if self.keeps_second else None
        self.t = 0

    def step(self, theta, grad, settings):
        """Update ``theta`` in place from ``grad`` (may be scaled in place) with the
        learning rate, momentum and clipping of ``settings``; return ||g||.

        An update that would leave a weight non-finite is not made, so that theta stays the
        last good weights: when ||g|| is not finite (returned as it is) or when the step
        itself overflows (inf is returned). The state is then left as it was.
        """
        norm = math.sqrt(float(np.dot(grad, grad)))
        if not math.isfinite(norm):
            return norm
        if settings.clip_norm is not None:
            scale = clip_scale(norm, settings.clip_norm)
            if scale != 1.0:
                grad *= scale
        s = 0.0 if self.second is None else self.second
        step, m, s = self.rule(
            grad, self.velocity, s, settings.learning_rate, settings.momentum, self.t + 1
        )
        # step . step finite means every |step_i| < 1e154: a weight could only overflow
        # after some 1e154 such steps, so finite steps keep theta finite.
        if not math.isfinite(float(np.dot(step, step))):
            return math.inf
        # The rule's new state, as it returned it (new arrays: nothing else holds them).
        self.velocity = m
        if self.second is not None:
            self.second = s
        self.t += 1
        theta += step
        return norm

    def state(self, settings):
        """What a snapshot keeps for an exact replay."""
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
        if self.second is not None:
            self.second[...] = 0.0
        self.t = 0


class SGD(Optimizer):
    """The lecture's SGD with momentum."""

    rule = staticmethod(sgd_update)

    def state(self, settings):
        # The velocity, or None when momentum is off: the next update does not read it.
        return self.velocity.copy() if settings.momentum else None

    def load_state(self, state):
        if state is None:
            self.reset()
        else:
            np.copyto(self.velocity, state)


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), scikit-learn's default solver. Each weight's step is
    about eta whatever the scale of its gradient, so one learning rate suits a ReLU
    regression whose gradients reach 1e3 and a sigmoid one whose gradients are 1e-3: the
    reason the estimators use it by default (plain SGD at one rate blows up on the first
    and barely moves the second)."""

    rule = staticmethod(adam_update)
    keeps_second = True
    beta1, beta2, eps = BETA1, BETA2, EPS


# The solvers a TrainingSettings may name: each an update rule and the state it keeps.
SOLVERS = {"sgd": SGD, "adam": Adam}
