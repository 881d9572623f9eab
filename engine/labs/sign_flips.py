"""Lab 1, sign patterns: with m hidden units, how many sign flips are there, and which work?

A trained network's first-layer units are flipped in all ``2^m`` ways
(``w_i, b_i -> -w_i, -b_i``); for each pattern the features ``[f(z_1), ..., f(z_m)]`` are
held fixed and only the output unit is retrained. A pattern *works* when its features are
linearly separable: the retrained output unit reaches 100 % training accuracy, which a
linear programme certifies exactly (`training.linearly_separable`).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from engine.labs.training import accuracy, fit_output_unit, with_output
from engine.network import Network

MAX_SIGN_UNITS = 5


@dataclass(frozen=True)
class SignPattern:
    """One of the ``2^m`` sign patterns of a first layer, with its retrained output unit."""

    signs: tuple[int, ...]  # +1 kept, -1 flipped, per unit
    net: Network  # first layer flipped as ``signs`` says, output unit retrained
    hidden: np.ndarray  # the training points' features [f(z_1), ..., f(z_m)], (n, m)
    accuracy: float  # training accuracy with only the output unit retrained
    separable: bool  # the features are linearly separable (exact)
    source: str = "gradient descent"  # how the output unit was found (see fit_output_unit)

    @property
    def label(self) -> str:
        """'++', '+-', ...: which units keep (+) or flip (-) their signs."""
        return "".join("+" if s > 0 else "-" for s in self.signs)

    @property
    def n_flipped(self) -> int:
        return sum(s < 0 for s in self.signs)


def all_sign_patterns(m: int) -> list[tuple[int, ...]]:
    """The ``2^m`` patterns, the unflipped one first: (+1, +1), (+1, -1), (-1, +1), ..."""
    return [tuple(p) for p in itertools.product((1, -1), repeat=m)]


def flip_pattern(net: Network, signs: Sequence[int], compensate: bool = False) -> Network:
    """A copy of ``net`` with each first-layer unit ``i`` flipped where ``signs[i] < 0``
    (with ``compensate``, its outgoing weights negated too)."""
    new = copy.deepcopy(net)
    for unit, s in enumerate(signs):
        if s < 0:
            new.flip_unit_sign(1, unit, compensate=compensate)
    return new


@dataclass(frozen=True)
class Compensation:
    """A sign pattern applied with nothing retrained: plainly, and compensated."""

    signs: tuple[int, ...]
    flipped_accuracy: float  # first layer flipped, output as it was
    compensated_accuracy: float  # ... and the flipped units' outgoing weights negated
    compensated_change: float  # max |F(x) - F_compensated(x)| over the points


def compensations(net: Network, X, y) -> list[Compensation]:
    """Each of the 2^m patterns of the first layer, plain and compensated, without retraining.

    For an odd activation (tanh, identity) a compensated flip changes nothing: f(-z) = -f(z),
    so -v_i f(-z_i) = v_i f(z_i) and each pattern is a symmetry of the network. For ReLU or
    a sigmoid it does change the function."""
    base = net.forward(X)
    out = []
    for signs in all_sign_patterns(net.layer_sizes[1]):
        plain, comp = flip_pattern(net, signs), flip_pattern(net, signs, compensate=True)
        F = comp.forward(X)
        out.append(
            Compensation(
                tuple(int(s) for s in signs),
                accuracy(plain, X, y),
                accuracy(comp, X, y),
                float(np.max(np.abs(F - base))) if len(X) else 0.0,
            )
        )
    return out


def sign_pattern(net: Network, X, y, signs, *, steps=1500) -> SignPattern:
    """Flip the first layer as ``signs`` says, hold the features fixed, retrain the output."""
    flipped = flip_pattern(net, signs)
    H = flipped.hidden_activations(X, 1)
    fit = fit_output_unit(H, y, steps=steps)
    return SignPattern(
        tuple(int(s) for s in signs),
        with_output(flipped, fit),
        H,
        fit.accuracy,
        fit.separable,
        fit.source,
    )


def iter_sign_patterns(net: Network, X, y, *, steps=1500) -> Iterator[SignPattern]:
    """`sign_pattern` for every pattern in `all_sign_patterns` order (one at a time, so a
    page can show progress)."""
    _check_sign_net(net)
    for signs in all_sign_patterns(net.layer_sizes[1]):
        yield sign_pattern(net, X, y, signs, steps=steps)


def sign_patterns(net: Network, X, y, *, steps=1500) -> list[SignPattern]:
    return list(iter_sign_patterns(net, X, y, steps=steps))


def _check_sign_net(net: Network):
    if net.n_layers != 2 or net.layer_sizes[-1] != 1:
        raise ValueError(
            f"sign patterns need one hidden layer and one output unit, got layers {net.layer_sizes}"
        )
    if not 1 <= net.layer_sizes[1] <= MAX_SIGN_UNITS:
        raise ValueError(
            f"sign patterns are enumerated for 1..{MAX_SIGN_UNITS} hidden units, "
            f"got {net.layer_sizes[1]} ({2 ** net.layer_sizes[1]} patterns)"
        )


def sort_patterns(patterns: Sequence[SignPattern], order="pattern") -> list[SignPattern]:
    """'pattern' (as enumerated), 'best' (most accurate first) or 'worst'."""
    if order == "pattern":
        return list(patterns)
    if order not in ("best", "worst"):
        raise ValueError(f"order must be 'pattern', 'best' or 'worst', got {order!r}")
    sign = -1 if order == "best" else 1
    return sorted(patterns, key=lambda p: (sign * p.accuracy, p.n_flipped))
