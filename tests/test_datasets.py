"""Tests of engine.datasets: the generators and the train/test split.

The generators are checked against the formulas their docstrings (and TF
Playground's description) give, written out again here. The CSV reader and writer:
tests/test_csv_points.py.
"""

import math

import numpy as np
import pytest
from sklearn.svm import LinearSVC

from engine import datasets
from engine.datasets import DatasetError

STUDIO = [name for name in datasets.NAMES if not name.startswith("tfp_")]
TFP = [name for name in datasets.NAMES if name.startswith("tfp_")]


def radius(X):
    return np.hypot(X[:, 0], X[:, 1])


# ------------------------------------------------------------ every data set


def test_menu_names():
    assert datasets.NAMES == (
        "moons",
        "circles",
        "xor",
        "spiral",
        "gaussians",
        "checkerboard",
        "wedge",
        "blobs3",
        "spiral3",
        "tfp_circle",
        "tfp_xor",
        "tfp_gauss",
        "tfp_spiral",
    )
    assert datasets.REGRESSION_NAMES == ("tfp_plane", "tfp_multigauss")
    assert {"sin", "abs", "step", "bump", "sawtooth", "sin3", "gauss_mix"} <= set(
        datasets.TARGETS_1D
    )


@pytest.mark.parametrize("name", datasets.NAMES)
def test_shapes_dtypes_and_labels(name):
    X, y = datasets.make(name, n_samples=151, noise=0.1, random_state=3)
    assert X.shape == (151, 2) and X.dtype == np.float64
    assert y.shape == (151,) and y.dtype == np.int64
    assert np.isfinite(X).all()
    k = datasets.n_classes(name)
    assert k == (3 if name in ("blobs3", "spiral3") else 2)
    assert set(y.tolist()) == set(range(k))


@pytest.mark.parametrize("name", [n for n in datasets.NAMES if n != "tfp_xor"])
def test_every_class_appears_in_the_smallest_sample(name):
    # tfp_xor draws its labels from the positions, so only it may miss a class.
    _, y = datasets.make(name, n_samples=4, noise=0.0, random_state=1)
    assert set(y.tolist()) == set(range(datasets.n_classes(name)))


@pytest.mark.parametrize("name", datasets.NAMES + datasets.REGRESSION_NAMES)
def test_same_seed_same_data_other_seed_other_data(name):
    X1, y1 = datasets.make(name, n_samples=60, noise=0.2, random_state=7)
    X2, y2 = datasets.make(name, n_samples=60, noise=0.2, random_state=7)
    X3, _ = datasets.make(name, n_samples=60, noise=0.2, random_state=8)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("name", datasets.REGRESSION_NAMES)
def test_regression_sets(name):
    X, y = datasets.make(name, n_samples=99, noise=0.1, random_state=0)
    assert X.shape == (99, 2) and X.dtype == np.float64
    assert y.shape == (99,) and y.dtype == np.float64
    assert np.isfinite(y).all()
    assert datasets.n_classes(name) == 0


@pytest.mark.parametrize("name", STUDIO)
def test_noise_is_a_jitter_that_scales_with_noise(name):
    # One seed, three noise levels: the same points move along the same directions.
    X0, y0 = datasets.make(name, n_samples=80, noise=0.0, random_state=5)
    X1, y1 = datasets.make(name, n_samples=80, noise=0.1, random_state=5)
    X2, y2 = datasets.make(name, n_samples=80, noise=0.2, random_state=5)
    assert np.array_equal(y0, y1) and np.array_equal(y0, y2)
    assert not np.allclose(X0, X1)
    np.testing.assert_allclose(X2 - X0, 2 * (X1 - X0), atol=1e-12)


# ------------------------------------------ this studio's shapes at noise 0


def test_moons_lie_on_unit_half_circles():
    X, y = datasets.make("moons", n_samples=300, noise=0.0, random_state=0)
    centre = np.where(y[:, None] == 0, [-0.5, -0.25], [0.5, 0.25])
    np.testing.assert_allclose(radius(X - centre), 1.0)
    assert (X[y == 0, 1] >= -0.25 - 1e-12).all() and (X[y == 1, 1] <= 0.25 + 1e-12).all()
    assert np.allclose(X[:, 0].min(), -1.5) and np.allclose(X[:, 0].max(), 1.5, atol=1e-2)


def test_circles_radii():
    X, y = datasets.make("circles", n_samples=300, noise=0.0, random_state=0)
    np.testing.assert_allclose(radius(X), np.where(y == 0, 1.5, 0.75))


def test_xor_rule():
    X, y = datasets.make("xor", n_samples=400, noise=0.0, random_state=0)
    assert (np.abs(X) <= 1).all()
    assert np.array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))


def test_checkerboard_rule():
    X, y = datasets.make("checkerboard", n_samples=800, noise=0.0, random_state=0)
    assert (np.abs(X) <= 1).all()
    cells = np.floor((X + 1) * 2).astype(int)
    assert np.array_equal(y, cells.sum(axis=1) % 2)
    assert len({tuple(c) for c in cells}) == 16


@pytest.mark.parametrize(("name", "arms"), [("spiral", 2), ("spiral3", 3)])
def test_spiral_arms_follow_their_equation(name, arms):
    # Docstring: r = 0.05 + 1.35 t, angle = 2 pi (1.5 t + k / arms).
    X, y = datasets.make(name, n_samples=300, noise=0.0, random_state=0)
    r = radius(X)
    t = (r - 0.05) / 1.35
    assert ((t >= 0) & (t <= 1)).all()
    angle = 2 * np.pi * (1.5 * t + y / arms)
    np.testing.assert_allclose(X, r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]))


@pytest.mark.parametrize(
    ("name", "centres"),
    [
        ("gaussians", [[-0.8, -0.8], [0.8, 0.8]]),
        ("blobs3", 0.9 * np.array([[0, 1], [-(3**0.5) / 2, -0.5], [3**0.5 / 2, -0.5]])),
    ],
)
def test_blob_centres_and_spread(name, centres):
    X, y = datasets.make(name, n_samples=3000, noise=0.0, random_state=0)
    for label, centre in enumerate(centres):
        np.testing.assert_allclose(X[y == label].mean(axis=0), centre, atol=0.05)
        np.testing.assert_allclose(X[y == label].std(axis=0), 0.35, rtol=0.1)
    wide, y_wide = datasets.make(name, n_samples=3000, noise=0.3, random_state=0)
    spread = math.hypot(0.35, 0.3)
    np.testing.assert_allclose(wide[y_wide == 0].std(axis=0), spread, rtol=0.1)


# ----------------------------------------------------------------- wedge


def wedge_hidden(X, sign=1.0):
    """The two ReLU units of the wedge docstring: distances to x2 = x1 - 0.5 and x2 = -x1 - 0.5."""
    z1 = (X[:, 0] - X[:, 1] - 0.5) / np.sqrt(2)
    z2 = (-X[:, 0] - X[:, 1] - 0.5) / np.sqrt(2)
    return np.column_stack([z1, z2]) * sign


@pytest.mark.parametrize("seed", range(4))
def test_wedge_is_separated_by_two_relu_units(seed):
    X, y = datasets.make("wedge", n_samples=400, noise=0.0, random_state=seed)
    z = wedge_hidden(X)
    assert np.array_equal(y == 1, (z < 0).all(axis=1))  # inside the wedge
    assert (np.abs(z.max(axis=1)) >= 0.2).all()  # the margin band is empty
    hidden = np.maximum(z, 0.0)  # [f(z1), f(z2)]
    assert np.array_equal(hidden.sum(axis=1) < 0.1, y == 1)  # the documented line
    svm = LinearSVC(C=1e4, max_iter=100_000).fit(hidden, y)
    assert svm.score(hidden, y) == 1.0
    # ...while no line separates the raw inputs.
    assert LinearSVC(C=1e4, max_iter=100_000).fit(X, y).score(X, y) < 1.0


def test_wedge_with_both_signs_flipped_is_not_separable():
    # The lecture's exercise: relu(-z1), relu(-z2) puts the outside on the axes,
    # around the wedge points, so no line in hidden space separates them.
    X, y = datasets.make("wedge", n_samples=400, noise=0.0, random_state=0)
    hidden = np.maximum(wedge_hidden(X, sign=-1.0), 0.0)
    assert LinearSVC(C=1e4, max_iter=100_000).fit(hidden, y).score(hidden, y) < 1.0


def test_wedge_noise_lets_points_into_the_band():
    X, _ = datasets.make("wedge", n_samples=400, noise=0.2, random_state=0)
    assert (np.abs(wedge_hidden(X).max(axis=1)) < 0.2).any()


# --------------------------------------------------- TF Playground's sets


def test_tfp_circle():
    X, y = datasets.make("tfp_circle", n_samples=500, noise=0.0, random_state=0)
    r = radius(X)
    assert ((r <= 2.5).sum(), ((r >= 3.5) & (r <= 5)).sum()) == (250, 250)
    assert np.array_equal(y, (r < 2.5).astype(int))
    # Label noise: the same positions, some labels flipped, and a shift of at
    # most 0.1 * 5 per axis can only flip points within 0.5 * sqrt(2) of r = 2.5.
    Xn, yn = datasets.make("tfp_circle", n_samples=500, noise=0.1, random_state=0)
    assert np.array_equal(X, Xn)
    flipped = yn != y
    assert flipped.any()
    assert (np.abs(r[flipped] - 2.5) <= 0.5 * np.sqrt(2)).all()


def test_tfp_xor():
    X, y = datasets.make("tfp_xor", n_samples=500, noise=0.0, random_state=0)
    assert ((np.abs(X) >= 0.3) & (np.abs(X) <= 5.3)).all()
    assert np.array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(int))
    Xn, yn = datasets.make("tfp_xor", n_samples=500, noise=0.1, random_state=0)
    assert np.array_equal(X, Xn)
    flipped = yn != y
    assert flipped.any()
    assert (np.abs(X[flipped]).min(axis=1) <= 0.5).all()


def test_tfp_gauss_means_and_spread():
    X, y = datasets.make("tfp_gauss", n_samples=4000, noise=0.0, random_state=0)
    assert (y == 1).sum() == (y == 0).sum() == 2000
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.06)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.06)
    np.testing.assert_allclose(X[y == 1].std(axis=0), np.sqrt(0.5), rtol=0.08)
    Xn, yn = datasets.make("tfp_gauss", n_samples=4000, noise=0.5, random_state=0)
    np.testing.assert_allclose(Xn[yn == 1].std(axis=0), np.sqrt(0.5 + 3.5), rtol=0.08)


@pytest.mark.parametrize("n", [500, 501])
def test_tfp_spiral(n):
    X, y = datasets.make("tfp_spiral", n_samples=n, noise=0.0, random_state=0)
    for label, d in ((1, 0.0), (0, np.pi)):
        arm = X[y == label]
        m = len(arm)
        r = radius(arm)
        order = np.argsort(r)
        i = np.arange(m)
        np.testing.assert_allclose(r[order], 5 * i / m, atol=1e-12)
        t = 1.75 * 2 * np.pi * i / m + d
        expected = (5 * i / m)[:, None] * np.column_stack([np.sin(t), np.cos(t)])
        np.testing.assert_allclose(arm[order][1:], expected[1:], atol=1e-12)
    assert abs((y == 1).sum() - (y == 0).sum()) <= 1
    Xn, _ = datasets.make("tfp_spiral", n_samples=n, noise=0.3, random_state=0)
    assert 0 < np.abs(Xn - X).max() <= 0.3


def test_tfp_plane():
    X, y = datasets.make("tfp_plane", n_samples=400, noise=0.0, random_state=0)
    assert (np.abs(X) <= 6).all()
    np.testing.assert_allclose(y, X.sum(axis=1) / 10)
    Xn, yn = datasets.make("tfp_plane", n_samples=400, noise=0.2, random_state=0)
    assert np.array_equal(X, Xn)
    gap = np.abs(yn - Xn.sum(axis=1) / 10)
    assert 0 < gap.max() <= 2 * 0.2 * 6 / 10


def bump_rule(x, y):
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    label = 0.0
    for cx, cy, sign in bumps:
        value = sign * max(0.0, 1 - math.hypot(x - cx, y - cy) / 2)
        if abs(value) > abs(label):
            label = value
    return label


def test_tfp_multigauss():
    X, y = datasets.make("tfp_multigauss", n_samples=600, noise=0.0, random_state=0)
    assert (np.abs(y) <= 1).all()
    np.testing.assert_allclose(y, [bump_rule(a, b) for a, b in X])
    assert (y > 0.5).any() and (y < -0.5).any() and (y == 0).any()
    Xn, yn = datasets.make("tfp_multigauss", n_samples=600, noise=0.3, random_state=0)
    assert np.array_equal(X, Xn) and not np.allclose(y, yn)
    assert (np.abs(yn) <= 1).all()


# ------------------------------------------------------------ bad requests


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(DatasetError, match="unknown") as info:
        datasets.make("spirals")
    assert all(name in str(info.value) for name in datasets.NAMES)
    with pytest.raises(DatasetError):
        datasets.n_classes("nope")
    with pytest.raises(DatasetError):
        datasets.n_classes(["unhashable"])


@pytest.mark.parametrize("n", [3, 5001, 0, -1, 2.5, "200", None])
def test_bad_n_samples(n):
    with pytest.raises(DatasetError, match="n_samples"):
        datasets.make("moons", n_samples=n)


@pytest.mark.parametrize("noise", [-0.1, math.nan, math.inf, "0.1", None])
def test_bad_noise(noise):
    with pytest.raises(DatasetError, match="noise"):
        datasets.make("xor", noise=noise)


def test_bad_random_state():
    with pytest.raises(DatasetError, match="random_state"):
        datasets.make("xor", random_state=-3)


def test_sample_count_bounds_are_inclusive():
    assert len(datasets.make("moons", n_samples=4)[0]) == 4
    assert len(datasets.make("moons", n_samples=5000)[0]) == 5000


# --------------------------------------------------------------- 1-D targets


@pytest.mark.parametrize("name", datasets.TARGETS_1D)
def test_make_1d(name):
    X, y = datasets.make_1d(name, n_samples=300, noise=0.0, random_state=2)
    assert X.shape == (300, 1) and y.shape == (300,) and y.dtype == np.float64
    x = X[:, 0]
    assert (np.diff(x) >= 0).all() and x.min() >= -np.pi and x.max() <= np.pi
    h = datasets.target_1d(name)
    np.testing.assert_array_equal(y, h(x))
    assert datasets.n_classes(name) == 0
    _, noisy = datasets.make_1d(name, n_samples=5000, noise=0.2, random_state=2)
    _, clean = datasets.make_1d(name, n_samples=5000, noise=0.0, random_state=2)
    assert abs(np.std(noisy - clean) - 0.2) < 0.02


@pytest.mark.parametrize("name", datasets.TARGETS_1D)
def test_targets_are_continuous_except_step(name):
    x = np.linspace(-np.pi, np.pi, 100_001)
    jump = np.abs(np.diff(datasets.target_1d(name)(x))).max()
    if name == "step":
        assert jump >= 0.99
    else:
        assert jump < 1e-3


def test_target_formulas():
    x = np.linspace(-np.pi, np.pi, 1001)
    t = datasets.target_1d
    np.testing.assert_allclose(t("sin")(x), np.sin(x))
    np.testing.assert_allclose(t("abs")(x), np.abs(x))
    np.testing.assert_allclose(t("sin3")(x), np.sin(3 * x))
    np.testing.assert_array_equal(t("step")(x), np.sign(x))
    bump = t("bump")(x)
    assert bump.max() == pytest.approx(1.0) and bump[0] < 1e-3 and bump[-1] < 1e-3
    saw = t("sawtooth")(x)
    assert saw.min() == pytest.approx(-1, abs=1e-3) and saw.max() == pytest.approx(1, abs=1e-3)
    slopes = np.abs(np.diff(saw) / np.diff(x))
    assert np.median(slopes) == pytest.approx(4 / np.pi, rel=1e-3)  # straight pieces
    with pytest.raises(DatasetError, match="sin3"):
        datasets.make_1d("cosine")


# ------------------------------------------------------------------- split


def test_split_is_stratified_and_complete():
    X, y = datasets.make("blobs3", n_samples=90, noise=0.1, random_state=0)
    X_train, X_test, y_train, y_test = datasets.split(X, y, test_fraction=0.2, random_state=0)
    assert X_train.shape == (72, 2) and X_test.shape == (18, 2)
    assert np.bincount(y_test).tolist() == [6, 6, 6]
    rows = {tuple(r) for r in np.vstack([X_train, X_test])}
    assert rows == {tuple(r) for r in X}
    again = datasets.split(X, y, test_fraction=0.2, random_state=0)
    assert np.array_equal(again[1], X_test)


def test_split_without_test_set():
    X, y = datasets.make("moons", n_samples=10)
    X_train, X_test, y_train, y_test = datasets.split(X, y, test_fraction=0)
    assert X_test.shape == (0, 2) and y_test.shape == (0,) and y_test.dtype == y.dtype
    assert np.array_equal(X_train, X) and np.array_equal(y_train, y)


@pytest.mark.parametrize("fraction", [0.01, 0.5, 0.9])
def test_split_of_the_smallest_sets_keeps_a_training_point(fraction):
    for n in (4, 5):
        X, y = datasets.make("xor", n_samples=n)
        X_train, X_test, _, _ = datasets.split(X, y, test_fraction=fraction)
        assert len(X_train) >= 1 and len(X_test) >= 1 and len(X_train) + len(X_test) == n


def test_split_regression_targets():
    X, y = datasets.make("tfp_plane", n_samples=50)
    X_train, X_test, y_train, y_test = datasets.split(X, y, test_fraction=0.3)
    assert len(y_test) == 15 and y_test.dtype == np.float64


@pytest.mark.parametrize("fraction", [-0.1, 0.95, math.nan, "0.5"])
def test_split_bad_fraction(fraction):
    X, y = datasets.make("moons", n_samples=10)
    with pytest.raises(DatasetError, match="test_fraction"):
        datasets.split(X, y, test_fraction=fraction)
