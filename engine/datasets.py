"""Toy 2-D data sets for the decision-boundary studio, and the train/test split.

Every picture in the app starts from a data set, and a lecture needs the same
picture twice, so every generator is a pure function of its arguments: the same
seed gives the same points. Points read from or written to CSV: `engine.csv_points`.

Noise, for the data sets of this studio (not the ``tfp_*`` ones), is the
standard deviation of a Gaussian jitter added to the clean positions after they
were labelled. The jitter is drawn even when ``noise`` is 0, so for one seed
``X(noise) = X(0) + noise * Z`` with the same ``Z``: moving a noise slider moves
the same points smoothly instead of drawing a new sample.

This module imports only NumPy, scikit-learn and the standard library.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from functools import partial

import numpy as np
from sklearn.datasets import make_circles, make_moons
from sklearn.model_selection import train_test_split

MIN_SAMPLES = 4
MAX_SAMPLES = 5000
MAX_CLASSES = 10

# TF Playground labels its classes -1 and +1; here they are 0 and 1, and label 1
# is always its +1 class (inside the circle, same-sign quadrants, the (2, 2) blob,
# the spiral arm that starts at angle 0).
TFP_LABEL_SIGN = {0: -1, 1: +1}


class DatasetError(ValueError):
    """A bad data-set request or a malformed file; the message says what and where."""


# ---------------------------------------------------------------- validation


def _lookup(name, table, kind):
    """Return ``table[name]``, or say which names exist (the app shows this message)."""
    if isinstance(name, str) and name in table:
        return table[name]
    raise DatasetError(f"unknown {kind} {name!r}; choose one of: {', '.join(table)}")


def _check_n(n_samples):
    """Bound the sample count: too few points cannot be split, too many stall a frame."""
    try:
        n = operator.index(n_samples)
    except TypeError:
        raise DatasetError(f"n_samples must be an integer, got {n_samples!r}") from None
    if not MIN_SAMPLES <= n <= MAX_SAMPLES:
        raise DatasetError(f"n_samples must be between {MIN_SAMPLES} and {MAX_SAMPLES}, got {n}")
    return n


def _check_noise(noise):
    """Noise is a spread, so it must be a finite number that is not negative."""
    if not isinstance(noise, numbers.Real) or not (math.isfinite(noise) and noise >= 0):
        raise DatasetError(f"noise must be a finite number >= 0, got {noise!r}")
    return float(noise)


def _rng(random_state):
    """All randomness comes from one generator, so a seed fixes the whole data set."""
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError):
        raise DatasetError(
            f"random_state must be a non-negative integer, got {random_state!r}"
        ) from None


# ---------------------------------------------------------- shared helpers


def _class_sizes(n, k):
    """Split n points over k classes as evenly as possible, so every class exists."""
    return [n // k + (i < n % k) for i in range(k)]


def _labels(n, k):
    """Labels 0..k-1 in blocks of `_class_sizes`, before the final shuffle."""
    return np.repeat(np.arange(k, dtype=np.int64), _class_sizes(n, k))


def _jitter(rng, X, noise):
    """Gaussian jitter of the positions; drawn even for noise 0 (see the module doc)."""
    return X + noise * rng.standard_normal(X.shape)


def _seed(rng):
    """A seed for scikit-learn's generators, taken from our own generator."""
    return int(rng.integers(2**31 - 1))


# ------------------------------------------------ this studio's data sets

_MOONS_CENTRE = np.array([0.5, 0.25])
CIRCLES_RADII = (1.5, 0.75)  # outer (label 0) and inner (label 1)


def _moons(rng, n, noise):
    """scikit-learn's two moons, shifted so they span [-1.5, 1.5] x [-0.75, 0.75]."""
    X, y = make_moons(n_samples=n, noise=noise, random_state=_seed(rng))
    return X - _MOONS_CENTRE, y


def _circles(rng, n, noise):
    """scikit-learn's circles scaled by 1.5 (radii 1.5 and 0.75); noise in these units."""
    scale = CIRCLES_RADII[0]
    X, y = make_circles(n_samples=n, noise=noise / scale, factor=0.5, random_state=_seed(rng))
    return scale * X, y


def _xor(rng, n, noise):
    """Uniform in [-1, 1]^2 with label ``x1 * x2 > 0``, drawn class by class.

    Each class is sampled from its own two quadrants, which is the uniform
    distribution conditioned on the label, so even 4 points show both classes.
    """
    y = _labels(n, 2)
    size = 1.0 - rng.random((n, 2))  # in (0, 1]: never on an axis
    sign1 = rng.choice([-1.0, 1.0], n)
    sign2 = np.where(y == 1, sign1, -sign1)
    return _jitter(rng, size * np.column_stack([sign1, sign2]), noise), y


CHECKER_CELLS = 4


def _checkerboard(rng, n, noise):
    """Uniform in [-1, 1]^2 cut into 4 x 4 cells; label = (column + row) % 2.

    A random cell whose parity is wrong for its label moves to its neighbour
    (column index with its low bit flipped), which keeps the cells of each
    class equally likely.
    """
    y = _labels(n, 2)
    cells = rng.integers(0, CHECKER_CELLS, (n, 2))
    wrong = (cells.sum(axis=1) % 2) != y
    cells[:, 0] = np.where(wrong, cells[:, 0] ^ 1, cells[:, 0])
    width = 2.0 / CHECKER_CELLS
    X = -1.0 + width * (cells + rng.random((n, 2)))
    return _jitter(rng, X, noise), y


SPIRAL_TURNS = 1.5
SPIRAL_RADII = (0.05, 1.4)  # radius at t = 0 and t = 1


def _spirals(rng, n, noise, arms):
    """Interleaved spiral arms, one class each.

    Arm k at parameter t ~ U(0, 1) is at radius ``r = r0 + (r1 - r0) t`` and
    angle ``2 pi (turns t + k / arms)``, point ``(r cos angle, r sin angle)``.
    """
    y = _labels(n, arms)
    t = rng.random(n)
    r0, r1 = SPIRAL_RADII
    radius = r0 + (r1 - r0) * t
    angle = 2 * np.pi * (SPIRAL_TURNS * t + y / arms)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _jitter(rng, X, noise), y


BLOB_STD = 0.35
GAUSSIAN_CENTRES = np.array([[-0.8, -0.8], [0.8, 0.8]])
BLOBS3_CENTRES = 0.9 * np.array([[0.0, 1.0], [-math.sqrt(3) / 2, -0.5], [math.sqrt(3) / 2, -0.5]])


def _blobs(rng, n, noise, centres):
    """Gaussian blobs of std `BLOB_STD` around `centres`, one class each; noise widens them."""
    y = _labels(n, len(centres))
    X = centres[y] + BLOB_STD * rng.standard_normal((n, 2))
    return _jitter(rng, X, noise), y


# The wedge: the lecture's "separable with 2 hidden units" example.
WEDGE_MARGIN = 0.2
WEDGE_BOX = 1.5
_SQRT2 = math.sqrt(2.0)
# Hidden units z = X @ W + b: unit normals, so z_i is the signed distance to line i.
WEDGE_W = np.array([[1.0, -1.0], [-1.0, -1.0]]) / _SQRT2
WEDGE_B = np.array([-0.5, -0.5]) / _SQRT2


def _wedge(rng, n, noise):
    """One class inside a wedge where two half-planes meet, the other outside.

    Geometry (``x = (x1, x2)``; both lines pass through the apex (0, -0.5))::

        z1 = ( x1 - x2 - 0.5) / sqrt(2)   signed distance to the line x2 =  x1 - 0.5
        z2 = (-x1 - x2 - 0.5) / sqrt(2)   signed distance to the line x2 = -x1 - 0.5

    i.e. ``z = x @ WEDGE_W + WEDGE_B``. Label 1 is the wedge ``z1 < 0 and z2 < 0``
    (above the V ``x2 = |x1| - 0.5``), label 0 the rest of the box [-1.5, 1.5]^2.
    Points with ``|max(z1, z2)| < WEDGE_MARGIN`` are rejected, so an empty band
    of half-width 0.2 surrounds the boundary.

    Why two ReLU units suffice: under ``a = [relu(z1), relu(z2)]`` every wedge
    point maps to (0, 0), and every outside point has ``a1 + a2 >= WEDGE_MARGIN``;
    the hidden-space line ``a1 + a2 = WEDGE_MARGIN / 2`` separates them perfectly.
    Flip both units' signs and the wedge maps into the open quadrant while the
    outside lands on the axes: the lecture's sign-flip exercise.

    Classes are drawn to equal size by rejection. Noise jitters positions after
    labelling, as elsewhere: with noise 0 (the lecture's picture) the band is
    empty and the separation exact; noise > 0 lets points into the band.
    """
    sizes = _class_sizes(n, 2)
    found = [np.empty((0, 2)), np.empty((0, 2))]
    while any(len(f) < size for f, size in zip(found, sizes, strict=True)):
        P = rng.uniform(-WEDGE_BOX, WEDGE_BOX, (2 * n, 2))
        score = (P @ WEDGE_W + WEDGE_B).max(axis=1)
        found = [
            np.vstack([found[0], P[score >= WEDGE_MARGIN]]),
            np.vstack([found[1], P[score <= -WEDGE_MARGIN]]),
        ]
    X = np.vstack([f[:size] for f, size in zip(found, sizes, strict=True)])
    return _jitter(rng, X, noise), _labels(n, 2)


# ------------------------------------------- TF Playground's data sets
# Reproduced from the description of its formulas; nu = noise (its slider / 100).

TFP_CIRCLE_RADIUS = 2.5


def _tfp_circle(rng, n, nu):
    """Half the points at r ~ U(0, 2.5), half at r ~ U(3.5, 5); label noise only.

    A point is labelled 1 when it lies inside radius 2.5 after a shift of
    ``nu * U(-5, 5)`` per axis; the stored position is not shifted.
    """
    inner, outer = _class_sizes(n, 2)
    radius = np.concatenate([rng.uniform(0, 2.5, inner), rng.uniform(3.5, 5, outer)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = radius[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    shifted = X + nu * rng.uniform(-5, 5, (n, 2))
    y = (np.hypot(shifted[:, 0], shifted[:, 1]) < TFP_CIRCLE_RADIUS).astype(np.int64)
    return X, y


TFP_XOR_PADDING = 0.3


def _tfp_xor(rng, n, nu):
    """Uniform in [-5, 5]^2, pushed 0.3 off each axis; label noise only."""
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, TFP_XOR_PADDING, -TFP_XOR_PADDING)
    shifted = X + nu * rng.uniform(-5, 5, (n, 2))
    return X, (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)


def _tfp_gauss(rng, n, nu):
    """Label 1 around (2, 2), label 0 around (-2, -2), variance 0.5 + 7 nu."""
    y = _labels(n, 2)
    centre = np.where(y[:, None] == 1, 2.0, -2.0)
    return centre + math.sqrt(0.5 + 7 * nu) * rng.standard_normal((n, 2)), y


def _tfp_spiral(rng, n, nu):
    """Two arms of i = 0..m-1 points: r = 5 i / m, t = 3.5 pi i / m + d.

    d = 0 is label 1 and d = pi label 0; the point ``(r sin t, r cos t)`` is
    jittered by ``nu * U(-1, 1)`` per axis.
    """
    parts = []
    for label, size in zip((0, 1), _class_sizes(n, 2), strict=True):
        i = np.arange(size)
        radius = 5 * i / size
        t = 1.75 * 2 * np.pi * i / size + (np.pi if label == 0 else 0.0)
        parts.append(radius[:, None] * np.column_stack([np.sin(t), np.cos(t)]))
    X = np.vstack(parts)
    return X + nu * rng.uniform(-1, 1, X.shape), _labels(n, 2)


TFP_REGRESSION_RADIUS = 6.0
TFP_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64,
)


def _tfp_points(rng, n, nu):
    """Regression inputs U(-6, 6)^2 and the same points shifted by nu U(-6, 6)."""
    r = TFP_REGRESSION_RADIUS
    X = rng.uniform(-r, r, (n, 2))
    return X, X + nu * rng.uniform(-r, r, (n, 2))


def _tfp_plane(rng, n, nu):
    """Target (x' + y') / 10 at the noise-shifted point (x', y')."""
    X, shifted = _tfp_points(rng, n, nu)
    return X, shifted.sum(axis=1) / 10


def multigauss_target(P):
    """Six signed cone bumps ``sign * max(0, 1 - d / 2)``; the largest in size wins.

    Ties keep the first bump in `TFP_BUMPS` order, as TF Playground does.
    """
    d = np.hypot(P[:, :1] - TFP_BUMPS[:, 0], P[:, 1:] - TFP_BUMPS[:, 1])
    values = TFP_BUMPS[:, 2] * np.maximum(0.0, 1 - d / 2)
    pick = np.abs(values).argmax(axis=1)
    return values[np.arange(len(P)), pick]


def _tfp_multigauss(rng, n, nu):
    """The bump target of `multigauss_target` at the noise-shifted point."""
    X, shifted = _tfp_points(rng, n, nu)
    return X, multigauss_target(shifted)


# name -> (generator(rng, n, noise) -> (X, y), number of classes), in menu order
_CLASSIFICATION: dict[str, tuple[Callable, int]] = {
    "moons": (_moons, 2),
    "circles": (_circles, 2),
    "xor": (_xor, 2),
    "spiral": (partial(_spirals, arms=2), 2),
    "gaussians": (partial(_blobs, centres=GAUSSIAN_CENTRES), 2),
    "checkerboard": (_checkerboard, 2),
    "wedge": (_wedge, 2),
    "blobs3": (partial(_blobs, centres=BLOBS3_CENTRES), 3),
    "spiral3": (partial(_spirals, arms=3), 3),
    "tfp_circle": (_tfp_circle, 2),
    "tfp_xor": (_tfp_xor, 2),
    "tfp_gauss": (_tfp_gauss, 2),
    "tfp_spiral": (_tfp_spiral, 2),
}
_REGRESSION: dict[str, Callable] = {
    "tfp_plane": _tfp_plane,
    "tfp_multigauss": _tfp_multigauss,
}
NAMES: tuple[str, ...] = tuple(_CLASSIFICATION)
REGRESSION_NAMES: tuple[str, ...] = tuple(_REGRESSION)


_GENERATORS: dict[str, Callable] = {
    **{name: generate for name, (generate, _) in _CLASSIFICATION.items()},
    **_REGRESSION,
}


def make(name, n_samples=200, noise=0.1, random_state=0):
    """Generate a named 2-D data set: ``X`` (n, 2) float64 and ``y``.

    ``y`` holds int64 labels 0..k-1 for `NAMES` and float64 targets for
    `REGRESSION_NAMES`. Rows are shuffled once (as TF Playground does), so any
    prefix is a fair sample. Raises `DatasetError` for an unknown name, an
    ``n_samples`` outside [4, 5000] or a negative or non-finite ``noise``.
    """
    generate = _lookup(name, _GENERATORS, "data set")
    n, noise, rng = _check_n(n_samples), _check_noise(noise), _rng(random_state)
    X, y = generate(rng, n, noise)
    order = rng.permutation(n)
    y_type = np.int64 if name in _CLASSIFICATION else np.float64
    return X[order].astype(np.float64), y[order].astype(y_type)


def n_classes(name):
    """Number of classes of a data set: 2 or 3, and 0 for regression targets."""
    if isinstance(name, str) and (name in _REGRESSION or name in _TARGETS):
        return 0
    return _lookup(name, _CLASSIFICATION, "data set")[1]


# ------------------------------------------------- 1-D regression targets


def _triangle(x):
    """A continuous triangle wave of period pi in [-1, 1]: a chain of ReLU kinks."""
    return (2 / np.pi) * np.arcsin(np.sin(2 * x))


def _gauss_mix(x):
    """Three Gaussian bumps of different signs and widths."""
    return (
        np.exp(-(((x + 1.5) / 0.5) ** 2))
        - 0.8 * np.exp(-(((x - 0.5) / 0.4) ** 2))
        + 0.6 * np.exp(-(((x - 2.0) / 0.6) ** 2))
    )


def _step(x):
    """sign(x), 0 at the jump: the one discontinuous target.

    A network is continuous, so its sup error here never falls below 1 however
    many units it has: the limit of the universality theorems, made visible.
    """
    return np.sign(x).astype(np.float64)


_TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin,
    "abs": np.abs,
    "step": _step,
    "bump": lambda x: np.exp(-(x**2)),
    "sawtooth": _triangle,
    "sin3": lambda x: np.sin(3 * x),
    "gauss_mix": _gauss_mix,
}
TARGETS_1D: tuple[str, ...] = tuple(_TARGETS)


def target_1d(name):
    """The noise-free target h(x) of a 1-D data set, vectorised (to plot the truth)."""
    return _lookup(name, _TARGETS, "1-D target")


def make_1d(name, n_samples=200, noise=0.0, random_state=0):
    """Sample a 1-D target for the universal-approximation lab.

    Returns ``X`` (n, 1), sorted and uniform on [-pi, pi], and ``y = h(x) + noise * N(0, 1)``.
    """
    h = target_1d(name)
    n, noise, rng = _check_n(n_samples), _check_noise(noise), _rng(random_state)
    x = np.sort(rng.uniform(-np.pi, np.pi, n))
    y = h(x) + noise * rng.standard_normal(n)
    return x[:, None], y.astype(np.float64)


# ------------------------------------------------------------ train/test


def _can_stratify(y, n_test):
    """Stratify only where scikit-learn can: integer labels, each class twice,
    and room for every class on both sides."""
    if not np.issubdtype(y.dtype, np.integer):
        return False
    counts = np.unique(y, return_counts=True)[1]
    k = len(counts)
    return counts.min() >= 2 and n_test >= k and len(y) - n_test >= k


def split(X, y, test_fraction=0.5, random_state=0):
    """Shuffle and split into ``(X_train, X_test, y_train, y_test)``.

    Stratified when possible, so a small test set still shows every class. The
    test set has ``ceil(test_fraction * n)`` points but leaves at least one for
    training; ``test_fraction`` 0 gives empty test arrays of the right shapes.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise DatasetError(f"X has {len(X)} rows but y has {len(y)}")
    if not (isinstance(test_fraction, numbers.Real) and 0 <= test_fraction <= 0.9):
        raise DatasetError(f"test_fraction must be in [0, 0.9], got {test_fraction!r}")
    n_test = min(len(y) - 1, math.ceil(test_fraction * len(y)))
    if n_test <= 0:
        return X.copy(), X[:0].copy(), y.copy(), y[:0].copy()
    stratify = y if _can_stratify(y, n_test) else None
    return tuple(
        train_test_split(X, y, test_size=n_test, random_state=random_state, stratify=stratify)
    )
