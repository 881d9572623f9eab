"""Prespecified input features (TensorFlow Playground's x1, x2, x1^2, ..., sin x2).

The lecture's "explicit nonlinear features: a prespecified map" next to the learned ones:
the network then takes ``phi(x)`` as its input instead of ``x``.
"""

from __future__ import annotations

import numpy as np

FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}
FEATURE_NAMES = tuple(FEATURES)
RAW = ("x1", "x2")


def check(names):
    names = tuple(names)
    unknown = [n for n in names if n not in FEATURES]
    if unknown or not names:
        raise ValueError(
            f"input features must be a non-empty subset of {FEATURE_NAMES}, got {list(names)}"
        )
    return tuple(n for n in FEATURE_NAMES if n in names)  # canonical order


class FeatureMap:
    """phi: (n, 2) points -> (n, len(names)) network inputs. Picklable, comparable."""

    def __init__(self, names=RAW):
        self.names = check(names)

    def __call__(self, X):
        X = np.asarray(X, dtype=np.float64)
        return np.column_stack([FEATURES[n](X) for n in self.names])

    @property
    def is_raw(self):
        """True when the inputs are the plane's coordinates themselves (x1, x2)."""
        return self.names == RAW

    def __eq__(self, other):
        return isinstance(other, FeatureMap) and other.names == self.names

    def __hash__(self):
        return hash(self.names)

    def __repr__(self):
        return f"FeatureMap({list(self.names)})"
