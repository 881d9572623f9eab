"""Tests of engine.datasets.

The generators are checked against the formulas their docstrings (and TF
Playground's description) give, written out again here; the CSV loader is
fuzzed so that anything a user uploads either loads or raises DatasetError.
"""

import codecs
import io
import math
import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.svm import LinearSVC

from engine import datasets
from engine.datasets import DatasetError

STUDIO = [name for name in datasets.NAMES if not name.startswith("tfp_")]
TFP = [name for name in datasets.NAMES if name.startswith("tfp_")]
FUZZ = settings(max_examples=150, deadline=None)


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


# ---------------------------------------------------------------- CSV files


def csv_text(rows, header="x1,x2,label"):
    lines = ([header] if header else []) + rows
    return "\n".join(lines) + "\n"


GOOD_ROWS = ["0,0,a", "1,1,b", "2,0.5,a", "-1,3e-2,b"]


def test_load_csv_basic_and_class_names():
    X, y, names = datasets.load_csv_with_classes(
        csv_text(["0,1,red", "2,3,blue", "4,5,green", "6,7,red"])
    )
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 1], [2, 3], [4, 5], [6, 7]])
    assert names == ["blue", "green", "red"]
    assert [names[i] for i in y] == ["red", "blue", "green", "red"]
    X2, y2 = datasets.load_csv(csv_text(["0,1,red", "2,3,blue", "4,5,green", "6,7,red"]))
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_header_is_optional_and_can_reorder_columns():
    X, y = datasets.load_csv(csv_text(GOOD_ROWS, header=None))
    X2, y2 = datasets.load_csv(csv_text(GOOD_ROWS, header="a,b,c"))
    rows = ["a,0,1", "b,2,3", "a,4,5", "b,6,7"]
    X3, y3 = datasets.load_csv(csv_text(rows, header="Label, X2 ,x1"))
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    np.testing.assert_array_equal(X3, [[1, 0], [3, 2], [5, 4], [7, 6]])
    assert y3.tolist() == [0, 1, 0, 1]


def test_numeric_labels_sort_by_value():
    rows = ["0,0,10", "0,0,9", "0,0,-1", "0,0,1.0", "0,0,1"]
    _, y, names = datasets.load_csv_with_classes(csv_text(rows))
    assert names == ["-1", "1", "9", "10"]
    assert y.tolist() == [3, 2, 0, 1, 1]


def test_dialects_bom_semicolons_quotes_and_crlf():
    text = '\ufeffx1;x2;label\r\n0;0;"a;b"\r\n\r\n1;1;c\r\n2;2;c\r\n3;3;"a;b"\r\n'
    X, y, names = datasets.load_csv_with_classes(text.encode("utf-8"))
    assert names == ["a;b", "c"] and y.tolist() == [0, 1, 1, 0]
    _, _, names = datasets.load_csv_with_classes('0, 0, "x, y"\n1,1,z\n2,2,z\n3,3,"x, y"\n')
    assert names == ["x, y", "z"]
    excel_unicode_text = "x1\tx2\tlabel\r\n0\t0\tä\r\n1\t1\tb\r\n2\t2\tb\r\n3\t3\tä\r\n"
    X, y, names = datasets.load_csv_with_classes(excel_unicode_text.encode("utf-16"))
    assert names == ["b", "ä"] and y.tolist() == [1, 0, 0, 1] and X[3].tolist() == [3, 3]


def test_file_like_sources_and_rereading():
    data = csv_text(GOOD_ROWS).encode()
    upload = io.BytesIO(data)
    first = datasets.load_csv(upload)
    second = datasets.load_csv(upload)  # a Streamlit rerun reads the same object again
    assert np.array_equal(first[0], second[0])
    assert np.array_equal(datasets.load_csv(io.StringIO(data.decode()))[1], first[1])

    class Pipe:  # readable, not seekable
        def read(self, size=-1):
            return data

    assert np.array_equal(datasets.load_csv(Pipe())[0], first[0])

    class Broken:
        def read(self, size=-1):
            raise OSError("disk on fire")

    with pytest.raises(DatasetError, match="disk on fire"):
        datasets.load_csv(Broken())


BAD_CSVS = [
    (b"", "empty"),
    ("\n  \n\t\n", "empty"),
    ("\ufeff", "empty"),
    ("x1,x2,label\n", "only 0 data rows"),
    (csv_text(GOOD_ROWS[:3]), "only 3 data rows"),
    (csv_text(["0,0,a", "1,1", "2,2,b"]), "line 3: expected 3 columns"),
    (csv_text(["0,0,a", "1,1,b,", "2,2,b"]), "line 3: expected 3 columns"),
    (
        csv_text(["0,0,a", "1,1,b", "2,2,b", "abc,1,a"]),
        "line 5, column 1 (x1): 'abc' is not a number",
    ),
    (csv_text(["0,0,a", "1,,b"]), "line 3, column 2 (x2): is empty"),
    (csv_text(["0,nan,a", "1,1,b"]), "line 2, column 2 (x2): NaN"),
    (csv_text(["0,0,a", "1,1,b", "-inf,1,b"]), "line 4, column 1 (x1): '-inf' is infinite"),
    (csv_text(["0,0,a", "1e999,1,b"]), "line 3, column 1 (x1): '1e999' is infinite"),
    (csv_text(["0,0,a", "1_0,1,b"]), "line 3, column 1 (x1): '1_0' is not a number"),
    (csv_text(["0,0, ", "1,1,b"]), "line 2, column 3 (label): the label is empty"),
    (csv_text(["0,0,a"] * 5), "at least 2 classes"),
    (csv_text([f"{i},{i},c{i}" for i in range(11)]), "line 12: class 'c10' is class number 11"),
    (b"x1,x2,label\n0,0,a\n1,1,\xff\n", "line 3: byte 0xff: not UTF-8 text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 1: byte 0x89: this is a binary file"),
    (b"0,0,a\n1,1,b\n\n\xc3", "line 4: byte 0xc3: not UTF-8"),
    (codecs.BOM_UTF16_LE + b"0\x00,\x00\n\x00\x00\xdc", "line 2: byte 0x00: not UTF-16"),
    (b"0,0,a\n1,1,b\n2,2\x00,a\n", "line 3: NUL byte"),
    ("x1,x2\n0,0\n", "line 1: the header has 2 columns"),
    ('0,0,"a\n1,1,b\n', "never closed"),
    ('0,0,"a"b\n1,1,b\n', "line 1:"),
    ("x1,x2,label\r\n\r\n0,0,a\r\n1,x,b\r\n", "line 4, column 2 (x2): 'x' is not a number"),
    ("x1,x2,label\r0,0,a\r1,1,b\r2,2,\r", "line 4, column 3 (label)"),
    ("0,0,a\n\ud800,1,b\n", "line 2: the text holds an invalid character"),
    (12345, "cannot read a CSV from int"),
]


@pytest.mark.parametrize(("source", "message"), BAD_CSVS)
def test_malformed_csv_says_what_and_where(source, message):
    with pytest.raises(DatasetError) as info:
        datasets.load_csv(source)
    assert message in str(info.value)


def test_size_and_row_limits():
    text = csv_text(["0,0,a", "1,1,b"] * 5)
    with pytest.raises(DatasetError, match="too big: more than 50 bytes"):
        datasets.load_csv(text, max_bytes=50)
    with pytest.raises(DatasetError, match="too big"):
        datasets.load_csv(io.BytesIO(text.encode()), max_bytes=50)
    with pytest.raises(DatasetError, match=r"line 8: too many rows; at most 6 data rows"):
        datasets.load_csv(text, max_rows=6)
    assert len(datasets.load_csv(text, max_rows=10)[0]) == 10


def check_loaded(X, y, names):
    """What a successful load promises."""
    assert X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == 2
    assert np.isfinite(X).all() and len(X) >= 4
    assert y.dtype == np.int64 and y.shape == (len(X),)
    assert 2 <= len(names) <= 10 and set(y.tolist()) == set(range(len(names)))


def load_or_refuse(source):
    try:
        result = datasets.load_csv_with_classes(source)
    except DatasetError as exc:
        assert str(exc)
        return
    check_loaded(*result)


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_load_or_raise_dataset_error(data):
    load_or_refuse(data)


@FUZZ
@given(
    st.text(
        alphabet=st.sampled_from(list("0123456789.,;+-eE\n\r \t\"'abxnif\x00\ufeffé")), max_size=200
    )
)
def test_csv_like_text_loads_or_raises_dataset_error(text):
    load_or_refuse(text)
    load_or_refuse(io.StringIO(text))


@FUZZ
@given(st.data())
def test_damaged_csv_files_load_or_raise_dataset_error(data):
    # Start from a good file and damage it in a few places, to reach deep paths.
    text = datasets.to_csv(*datasets.make("blobs3", n_samples=6, random_state=1))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        piece = data.draw(st.text(alphabet='0,.-\n\r"xa\x00e ', max_size=3))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + piece + text[at + cut :]
    load_or_refuse(text.encode("utf-8"))


# What a CSV may hold: finite coordinates within ±MAX_COORDINATE (to_csv refuses others).
finite = st.floats(-datasets.MAX_COORDINATE, datasets.MAX_COORDINATE, allow_nan=False)


@st.composite
def labelled_points(draw):
    k = draw(st.integers(2, 10))
    extra = draw(st.lists(st.integers(0, k - 1), min_size=max(0, 4 - k), max_size=20))
    y = np.array(list(range(k)) + extra, dtype=np.int64)
    order = draw(st.permutations(range(len(y))))
    X = np.array(draw(st.lists(st.tuples(finite, finite), min_size=len(y), max_size=len(y))))
    return X.reshape(-1, 2), y[list(order)]


@FUZZ
@given(labelled_points())
def test_to_csv_round_trips_exactly(points):
    X, y = points
    X_back, y_back = datasets.load_csv(datasets.to_csv(X, y))
    assert np.array_equal(X_back, X) and np.array_equal(np.signbit(X_back), np.signbit(X))
    assert np.array_equal(y_back, y)


# Class names that start with a letter (so never a number) and have no outer spaces.
class_name = st.text(alphabet=string.ascii_letters + string.digits + " ,;\"'-_é", max_size=6).map(
    lambda text: "c" + text.strip()
)


@FUZZ
@given(labelled_points(), st.lists(class_name, min_size=10, max_size=10, unique=True))
def test_to_csv_round_trips_class_names(points, names):
    X, y = points
    X_back, y_back, names_back = datasets.load_csv_with_classes(datasets.to_csv(X, y, names))
    assert np.array_equal(X_back, X)
    assert [names_back[i] for i in y_back] == [names[i] for i in y]


def test_to_csv_refuses_what_it_could_not_read_back():
    X, y = datasets.make("moons", n_samples=4)
    with pytest.raises(DatasetError, match="NaN"):
        datasets.to_csv(np.full((4, 2), np.nan), y)
    with pytest.raises(DatasetError, match="distinct"):
        datasets.to_csv(X, y, ["1", "1.0"])
    with pytest.raises(DatasetError, match="spaces"):
        datasets.to_csv(X, y, [" a", "b"])
    with pytest.raises(DatasetError, match="integer"):
        datasets.to_csv(X, y + 0.5)
    text = datasets.to_csv(X, y)
    assert text.splitlines()[0] == "x1,x2,label"


# -- coordinates too large to draw (issue 11, bug 11) ---------------------------------------
@FUZZ
@given(
    st.integers(0, 9),
    st.integers(0, 1),
    st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda v: abs(v) > datasets.MAX_COORDINATE
    ),
)
def test_a_coordinate_beyond_the_limit_is_refused_with_its_line_and_column(row, column, value):
    rows = [[i / 10, -i / 10, "ab"[i % 2]] for i in range(10)]
    rows[row][column] = repr(value)
    text = "x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)
    with pytest.raises(DatasetError, match="too large") as err:
        datasets.load_csv(text)
    assert str(err.value).startswith(f"line {row + 2}, column {column + 1}")
