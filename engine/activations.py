"""Activation functions f and their derivatives f', side by side: the one definition of each.

Each row of ``ACTIVATIONS`` is f(z) and f'(z, a) written next to each other, so that the
backward pass ``delta^l = Diag[f'(z^l)] W^{l+1} delta^{l+1}`` can look the pair up by the
name the user picked (as TensorFlow Playground's ``{output, der}`` objects do).

The formulas are written once, with NumPy's ufuncs, so that the same Python function takes a
float or an array: the NumPy path calls it on whole layers, and ``engine.compiled`` compiles
it with numba for one number at a time inside its loops. ``f'`` is given ``a = f(z)`` too,
which the forward pass has already computed, so that it need not evaluate f again
(sigmoid' = a (1 - a), tanh' = 1 - a^2, as scikit-learn's DERIVATIVES do).

Adding an activation is one pair of functions and one line in ``ACTIVATIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

LEAKY_SLOPE = 0.01
# The largest temporary Activation.f makes at once (below malloc's threshold for mapping).
BLOCK_BYTES = 120 * 1024


# -- the formulas: f(z) and f'(z, a) with a = f(z) -------------------------------------------
# Each keeps a NaN z a NaN (np.maximum does), so that the divergence guard sees it.


def relu(z):
    return np.maximum(z, 0.0)


def relu_d(z, a):
    # The indicator 1[z > 0] as floats: sign(a) with a = max(z, 0) >= 0 is 1 exactly where
    # z > 0 (multiplying by a float mask is much faster than by a boolean one).
    return np.sign(a)


def sigmoid(z):
    # tanh form: exact for large |z| and free of the overflow of exp(-z).
    return 0.5 * (np.tanh(0.5 * z) + 1.0)


def sigmoid_d(z, a):
    return a * (1.0 - a)


def tanh(z):
    return np.tanh(z)


def tanh_d(z, a):
    return 1.0 - a * a


def identity(z):
    return z


def identity_d(z, a):
    return 0.0 * z + 1.0  # ones shaped like z, for a float or an array alike


def leaky_relu(z):
    return np.maximum(z, LEAKY_SLOPE * z)


def leaky_relu_d(z, a):
    return (z > 0.0) + LEAKY_SLOPE * (z <= 0.0)


def quadratic(z):
    # A polynomial activation: by Leshno et al. (1993) no width makes it universal.
    return z * z


def quadratic_d(z, a):
    return 2.0 * z


class Activation(NamedTuple):
    """One activation: its formulas, and the initialisation and range that suit it."""

    formula: Callable  # f(z), for a float or an array
    derivative: Callable  # f'(z, a) with a = f(z)
    # He initialisation keeps the variance of ReLU-like units; Glorot suits symmetric ones.
    init: str
    # The range of f, used by views to draw fixed axes in the hidden space.
    bounds: tuple[float, float] | None

    def f(self, z, out=None):
        """f(z) on an array (written into ``out`` when given; ``out`` may be z)."""
        if z.nbytes <= BLOCK_BYTES:
            a = self.formula(z)
            if out is None:
                return a
            out[...] = a
            return out
        # A large array goes through in blocks of rows: the formula's temporaries then stay
        # in the cache and in malloc's heap (a temporary of a megabyte is mapped and
        # unmapped on each call, and its page faults cost more than the maths).
        out = np.empty_like(z) if out is None else out
        rows = max(1, BLOCK_BYTES * len(z) // z.nbytes)
        for start in range(0, len(z), rows):
            out[start : start + rows] = self.formula(z[start : start + rows])
        return out

    def df(self, z, a=None):
        """f'(z) on an array, from ``a = f(z)`` when the caller has it."""
        d = self.derivative(z, self.formula(z) if a is None else a)
        return np.asarray(d, dtype=np.result_type(z, np.float32))


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(relu, relu_d, "he", (0.0, None)),
    "sigmoid": Activation(sigmoid, sigmoid_d, "glorot", (0.0, 1.0)),
    "tanh": Activation(tanh, tanh_d, "glorot", (-1.0, 1.0)),
    "identity": Activation(identity, identity_d, "glorot", None),
    "leaky_relu": Activation(leaky_relu, leaky_relu_d, "he", None),
    "quadratic": Activation(quadratic, quadratic_d, "glorot", (0.0, None)),
}
# Names offered in menus: the table's (the alias below is accepted but not listed twice).
ACTIVATION_NAMES = tuple(ACTIVATIONS)
ACTIVATIONS["logistic"] = ACTIVATIONS["sigmoid"]


def get(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}") from None
