"""Losses ``l(y, z)`` on the network's output ``z = z^L``, with ``dl/dz`` beside each.

The gradient is what the backward pass starts from: the output layer's activation is the
identity (``F(x; theta) = z``, as on the slide), so ``delta^L = dl/dz``.

Label conventions (DESIGN.md): for ``hinge`` and ``squared_error`` a class is +1/-1 per output
unit (+1 for ``classes_[1]`` in the binary case, one-vs-rest with three or more classes); for
``log_loss`` the binary target is 0/1 under a sigmoid and the multiclass target one-hot under a
softmax. All functions take ``T`` and ``Z`` of shape (n, k).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Loss(NamedTuple):
    """``value_and_grad(T, Z, scale=1) -> (mean loss over rows, scale * dl/dz per row)``.

    The loss and its derivative are computed together because they share the margin
    (hinge), the residual (squared error) or the probabilities (log loss). ``scale`` lets
    the objective take the batch mean (scale = 1/n) in the same pass.
    """

    value_and_grad: Callable[..., tuple[float, np.ndarray]]
    # Whether the output is read as probabilities (predict_proba is offered only then).
    probabilistic: bool

    def value(self, T, Z):
        return self.value_and_grad(T, Z)[0]

    def grad(self, T, Z):
        return self.value_and_grad(T, Z)[1]


def _hinge(T, Z, scale=1.0):
    """l = max(0, 1 - y z);   dl/dz = -y where 1 - y z > 0, else 0 (the slide's cases)."""
    loss = T * Z
    np.subtract(1.0, loss, out=loss)
    np.maximum(loss, 0.0, out=loss)  # l = max(0, 1 - y z)
    # sign(l) is the indicator 1[l > 0] as floats (l >= 0 here): cheaper than a boolean mask.
    grad = np.sign(loss)
    grad *= T
    grad *= -scale  # -y 1[l > 0]
    return float(loss.sum()) / len(Z), grad


def _squared(T, Z, scale=1.0):
    """l = (y - z)^2 / 2;   dl/dz = z - y."""
    r = Z - T
    value = 0.5 * float(np.dot(r.ravel(), r.ravel())) / len(Z)
    if scale != 1.0:
        r *= scale
    return value, r


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _log_loss(T, Z, scale=1.0):
    """Binary (one output, t in {0, 1}): l = log(1 + e^z) - t z,  dl/dz = sigmoid(z) - t.
    Multiclass (one-hot t): l = log sum_k e^{z_k} - z_y,  dl/dz = softmax(z) - t."""
    if Z.shape[1] == 1:
        value = float((np.logaddexp(0.0, Z) - T * Z).sum()) / len(Z)
        grad = _sigmoid(Z) - T
    else:
        m = Z.max(axis=1, keepdims=True)
        e = np.exp(Z - m)
        total = e.sum(axis=1, keepdims=True)
        log_norm = m + np.log(total)
        value = float((log_norm[:, 0] - (T * Z).sum(axis=1)).mean())
        grad = e / total - T
    if scale != 1.0:
        grad *= scale
    return value, grad


LOSSES: dict[str, Loss] = {
    "hinge": Loss(_hinge, False),
    "squared_error": Loss(_squared, False),
    "log_loss": Loss(_log_loss, True),
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
    if Z.shape[1] == 1:
        p = _sigmoid(Z[:, 0])
        return np.column_stack([1.0 - p, p])
    return _softmax(Z)
