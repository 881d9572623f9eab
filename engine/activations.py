"""Activation functions f and their derivatives f', side by side.

Each entry of ``ACTIVATIONS`` is one thing: ``f(z)`` and ``f'(z)`` written next to each
other, so that the backward pass ``delta^l = Diag[f'(z^l)] W^{l+1} delta^{l+1}`` can look the
pair up by the name the user picked (as TensorFlow Playground's ``{output, der}`` objects do).

Both functions take the pre-activation ``z`` (what the forward pass caches) and return a new
array; ``f`` may also write into ``out`` to spare an allocation on the hot path. ``df(z, a)``
may be given ``a = f(z)`` too, which the forward pass has already computed: then it need not
evaluate f again (sigmoid' = a (1 - a), tanh' = 1 - a^2, as scikit-learn's DERIVATIVES do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

LEAKY_SLOPE = 0.01


class Activation(NamedTuple):
    """``f`` and ``f'`` of one activation, and the initialisation that suits it."""

    f: Callable[..., np.ndarray]
    df: Callable[..., np.ndarray]
    # He initialisation keeps the variance of ReLU-like units; Glorot suits symmetric ones.
    init: str
    # The range of f, used by views to draw fixed axes in the hidden space.
    bounds: tuple[float, float] | None


def _relu(z, out=None):
    return np.maximum(z, 0.0, out=out)


def _relu_d(z, a=None):
    # The indicator 1[z > 0] as floats: sign(a) with a = max(z, 0) >= 0 is 1 exactly where
    # z > 0 (multiplying by a float mask is much faster than by a boolean one).
    return np.sign(_relu(z) if a is None else a)


def _sigmoid(z, out=None):
    # tanh form: exact for large |z| and free of the overflow warning of exp(-z).
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _sigmoid_d(z, a=None):
    s = _sigmoid(z) if a is None else a
    return s * (1.0 - s)


def _tanh(z, out=None):
    return np.tanh(z, out=out)


def _tanh_d(z, a=None):
    t = np.tanh(z) if a is None else a
    return 1.0 - t * t


def _identity(z, out=None):
    if out is None or out is z:
        return z
    np.copyto(out, z)
    return out


def _identity_d(z, a=None):
    return np.ones_like(z)


def _leaky_relu(z, out=None):
    return np.maximum(z, LEAKY_SLOPE * z, out=out)


def _leaky_relu_d(z, a=None):
    return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)


def _quadratic(z, out=None):
    # A polynomial activation: by Leshno et al. (1993) no width makes it universal.
    return np.multiply(z, z, out=out)


def _quadratic_d(z, a=None):
    return 2.0 * z


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(_relu, _relu_d, "he", (0.0, None)),
    "sigmoid": Activation(_sigmoid, _sigmoid_d, "glorot", (0.0, 1.0)),
    "tanh": Activation(_tanh, _tanh_d, "glorot", (-1.0, 1.0)),
    "identity": Activation(_identity, _identity_d, "glorot", None),
    "leaky_relu": Activation(_leaky_relu, _leaky_relu_d, "he", None),
    "quadratic": Activation(_quadratic, _quadratic_d, "glorot", (0.0, None)),
}
ACTIVATIONS["logistic"] = ACTIVATIONS["sigmoid"]

# Names offered in menus (the alias is accepted but not listed twice).
ACTIVATION_NAMES = ("relu", "sigmoid", "tanh", "identity", "leaky_relu", "quadratic")


def get(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}") from None
