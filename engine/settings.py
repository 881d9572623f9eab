"""The training settings: one frozen object, validated once where the user's values enter.

The page, the estimators and the labs build one ``TrainingSettings``; the trainer, its NumPy
optimisers and the compiled loop all read that same object. A change between steps (the
Playground's sliders) is a new object handed to ``Trainer.change_settings``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass

import numpy as np

from engine.optim import SOLVERS


def is_number(x):
    # NumPy scalars count (a grid search hands out np.float64), booleans do not.
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _finite(x):
    return is_number(x) and math.isfinite(x)


@dataclass(frozen=True)
class TrainingSettings:
    """How the weights are updated: the lecture's eta, mu, clipping, penalties and batch."""

    learning_rate: float = 0.1
    momentum: float = 0.0
    clip_norm: float | None = None  # None: no clipping
    l2: float = 0.0
    l1: float = 0.0
    batch_size: int | None = None  # None: the whole training set
    solver: str = "sgd"  # "sgd" or "adam"

    def __post_init__(self):
        lr, mu, clip = self.learning_rate, self.momentum, self.clip_norm
        if not (_finite(lr) and lr > 0):
            raise ValueError(f"learning_rate must be a finite number > 0, got {lr!r}")
        if not (is_number(mu) and 0 <= mu < 1):
            raise ValueError(f"momentum must be a number in [0, 1), got {mu!r}")
        if clip is not None and not (_finite(clip) and clip > 0):
            raise ValueError(f"clip_norm must be None or a finite number > 0, got {clip!r}")
        for name in ("l2", "l1"):
            value = getattr(self, name)
            if not (_finite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        batch = self.batch_size
        if batch is not None and not (
            isinstance(batch, numbers.Integral) and not isinstance(batch, (bool, np.bool_))
            and batch >= 1
        ):  # fmt: skip
            raise ValueError(f"batch_size must be None or an integer >= 1, got {batch!r}")
        if not isinstance(self.solver, str) or self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {tuple(SOLVERS)}, got {self.solver!r}")
        # Plain Python numbers from here on (NumPy scalars in, the same values out).
        set_field = object.__setattr__
        set_field(self, "learning_rate", float(lr))
        set_field(self, "momentum", float(mu))
        set_field(self, "clip_norm", None if clip is None else float(clip))
        set_field(self, "l2", float(self.l2))
        set_field(self, "l1", float(self.l1))
        set_field(self, "batch_size", None if batch is None else int(batch))

    def replace(self, **changes):
        """A copy with ``changes`` (validated as a new object is)."""
        return dataclasses.replace(self, **changes)
