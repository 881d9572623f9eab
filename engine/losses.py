"""Losses ``l(y, z)`` on the network's output ``z = z^L``, with ``dl/dz`` beside each.

The gradient is what the backward pass starts from: the output layer's activation is the
identity (``F(x; theta) = z``, as on the slide), so ``delta^L = dl/dz``.

Label conventions (DESIGN.md): for ``hinge`` and ``squared_error`` a class is +1/-1 per output
unit (+1 for ``classes_[1]`` in the binary case, one-vs-rest with three or more classes); for
``log_loss`` the binary target is 0/1 under a sigmoid and the multiclass target one-hot under a
softmax.

Each loss is written once, per output unit, with NumPy's ufuncs: the NumPy path applies the
formulas to (n, k) arrays, ``engine.compiled`` compiles the same functions for one number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

# -- the formulas, one output unit of one point at a time ------------------------------------
# ``loss(t, z)`` is the point's loss on that unit and ``loss_d(t, z, s)`` its dl/dz; ``s`` is
# the point's log-partition log sum_k e^{z_k} for the losses that have one (log loss), else 0.


def hinge(t, z):
    return np.maximum(1.0 - t * z, 0.0)  # max(0, 1 - y z); max(NaN, 0) is NaN


def hinge_d(t, z, s):
    return -t * (t * z < 1.0)  # -y where 1 - y z > 0, else 0 (the slide's cases)


def squared_error(t, z):
    return 0.5 * (z - t) * (z - t)  # (y - z)^2 / 2


def squared_error_d(t, z, s):
    return z - t


def log_loss(t, z):
    # l = log sum_k e^{z_k} - t.z: the point's s is added once to the units' -t z.
    return -t * z


def log_loss_d(t, z, s):
    return np.exp(z - s) - t  # softmax(z) - t (sigmoid(z) - t for one output)


def log_partition_step(s, z):
    """One more logit into s = log sum e^z (from s = 0 for one output, whose other logit is
    0: then e^{z - s} is the sigmoid; from -inf for k outputs: the softmax)."""
    return np.logaddexp(s, z)


class Loss(NamedTuple):
    """One loss: ``loss(t, z)`` and ``loss_d(t, z, s)`` per output unit, and whether the
    point's log-partition ``s`` enters (log loss: then R adds s once per point)."""

    loss: Callable
    loss_d: Callable
    log_partition: bool
    # Whether the output is read as probabilities (predict_proba is offered only then).
    probabilistic: bool

    def value_and_grad(self, T, Z, scale=1.0):
        """(mean loss over the rows of (T, Z), scale * dl/dz per row); T and Z are (n, k)."""
        value = float(self.loss(T, Z).sum())
        s = 0.0
        if self.log_partition:
            s = _log_partition(Z)
            value += float(s.sum())
        grad = self.loss_d(T, Z, s)  # a new array (every formula's result is)
        if scale != 1.0:
            grad *= scale
        return value / len(Z), grad

    def value(self, T, Z):
        return self.value_and_grad(T, Z)[0]

    def grad(self, T, Z):
        return self.value_and_grad(T, Z)[1]


def _log_partition(Z):
    """s per row of Z, (n, 1): log(1 + e^z) for one output, log sum_k e^{z_k} for k."""
    s = np.zeros((len(Z), 1)) if Z.shape[1] == 1 else np.full((len(Z), 1), -np.inf)
    for column in Z.T:
        s[:, 0] = log_partition_step(s[:, 0], column)
    return s


LOSSES: dict[str, Loss] = {
    "hinge": Loss(hinge, hinge_d, False, False),
    "squared_error": Loss(squared_error, squared_error_d, False, False),
    "log_loss": Loss(log_loss, log_loss_d, True, True),
}
LOSS_NAMES = tuple(LOSSES)


def get(name: str) -> Loss:
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"loss must be one of {list(LOSSES)}, got {name!r}") from None


def n_outputs(n_classes: int) -> int:
    """One output unit for two classes (and for regression), k for k classes."""
    return 1 if n_classes <= 2 else n_classes


def encode_targets(loss: str, y_index: np.ndarray, n_classes: int) -> np.ndarray:
    """Class indices 0..k-1 -> the (n, outputs) target matrix the loss expects."""
    y_index = np.asarray(y_index, dtype=np.intp)
    n = len(y_index)
    if n_classes <= 2:
        t = (y_index == 1).astype(np.float64)[:, None]
        return t if loss == "log_loss" else 2.0 * t - 1.0
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y_index] = 1.0
    return onehot if loss == "log_loss" else 2.0 * onehot - 1.0


def predict_index(Z: np.ndarray) -> np.ndarray:
    """Class index from outputs: the sign of the one output, or the largest of k."""
    if Z.shape[1] == 1:
        return (Z[:, 0] > 0).astype(np.intp)
    return Z.argmax(axis=1)


def probabilities(Z: np.ndarray) -> np.ndarray:
    """(n, k) class probabilities under log_loss: sigmoid for one output, else softmax."""
    p = log_loss_d(0.0, Z, _log_partition(Z))
    if Z.shape[1] == 1:
        return np.column_stack([1.0 - p[:, 0], p[:, 0]])
    return p
