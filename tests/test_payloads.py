"""Tests of the pure payload builders behind the live views (app/payloads.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app import payloads as P
from app.palette import CLASS_COLORS, UNIT_COLORS
from app.payloads import (
    NEUTRAL,
    NO_CLASS,
    boundary_payload,
    decode_grid,
    encode_grid,
    hidden_payload,
)

EXTENT = (-3.0, 3.0, -2.0, 2.0)


def grid(rows=7, cols=9, extent=EXTENT):
    xs = np.linspace(extent[0], extent[1], cols)
    ys = np.linspace(extent[2], extent[3], rows)
    return np.meshgrid(xs, ys)  # XX[i, j] = xs[j], YY[i, j] = ys[i]: row 0 = lowest y


def toy_points(n_train=12, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n_train + n_test, 2))
    y = (X[:, 0] > 0).astype(int)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def binary(**kw):
    XX, YY = grid()
    Xtr, ytr, Xte, yte = toy_points()
    args = dict(
        frame=3,
        extent=EXTENT,
        surface=XX,
        mode="binary",
        X_train=Xtr,
        y_train=ytr,
        X_test=Xte,
        y_test=yte,
    )
    args.update(kw)
    return boundary_payload(**args)


def hidden(**kw):
    Xtr, ytr, Xte, yte = toy_points()
    args = dict(
        frame=4,
        axes=(0.0, 5.0, 0.0, 4.0),
        H_train=np.abs(Xtr),
        y_train=ytr,
        H_test=np.abs(Xte),
        y_test=yte,
        grid_lines=[np.array([[0.0, 0.0], [1.0, 2.0], [np.nan, 1.0], [3.0, 3.0]])],
        output_line=(1.0, -1.0, 0.5),
        axis_labels=("f(z1)", "f(z2)"),
        n_classes=2,
    )
    args.update(kw)
    return hidden_payload(**args)


def strict_json(payload):
    """The payload survives JSON as the browser parses it (no NaN/Infinity literals)."""
    return json.loads(json.dumps(payload, allow_nan=False))


# ------------------------------------------------------------------------- encode_grid


def test_encode_grid_quantises_and_round_trips():
    v = np.array([[0.0, 0.5, 1.0], [0.25, 0.75, 1.0 / 255.0]])
    q = decode_grid(encode_grid(v, 0.0, 1.0), 2, 3)
    assert q.dtype == np.uint8
    np.testing.assert_array_equal(q, [[0, 128, 255], [64, 191, 1]])
    # Decoding back to values is within half a quantisation step.
    back = q / 255.0
    assert np.max(np.abs(back - v)) <= 0.5 / 255.0 + 1e-12


def test_encode_grid_row_zero_is_lowest_y():
    XX, YY = grid(rows=5, cols=4)
    q = decode_grid(encode_grid(YY, EXTENT[2], EXTENT[3]), 5, 4)
    assert (q[0] == 0).all()  # row 0 holds ymin
    assert (q[-1] == 255).all()  # last row holds ymax
    assert np.all(np.diff(q[:, 0].astype(int)) > 0)
    qx = decode_grid(encode_grid(XX, EXTENT[0], EXTENT[1]), 5, 4)
    np.testing.assert_array_equal(qx[:, 0], 0)  # column 0 holds xmin
    np.testing.assert_array_equal(qx[:, -1], 255)


def test_encode_grid_clips_and_neutralises_nan():
    v = np.array([[-5.0, 5.0, np.nan, np.inf, -np.inf]])
    q = decode_grid(encode_grid(v, -1.0, 1.0), 1, 5)
    np.testing.assert_array_equal(q, [[0, 255, NEUTRAL, 255, 0]])


def test_encode_grid_rejects_non_2d_and_survives_empty_range():
    with pytest.raises(ValueError):
        encode_grid(np.zeros(4), 0, 1)
    q = decode_grid(encode_grid(np.zeros((2, 2)), 1.0, 1.0), 2, 2)  # vmax == vmin
    assert q.shape == (2, 2)


# ------------------------------------------------------------------------- boundary


def test_boundary_binary_grid_level_and_shapes():
    p = strict_json(binary(threshold=0.0, value_range=(-3.0, 3.0)))
    assert p["view"] == "boundary" and p["frame"] == 3 and p["mode"] == "binary"
    assert p["extent"] == list(EXTENT)
    g = p["grid"]
    assert (g["rows"], g["cols"]) == (7, 9)
    q = decode_grid(g["data"], g["rows"], g["cols"])
    # surface = x: columns increase left to right, equal along a column.
    assert np.all(np.diff(q[0].astype(int)) > 0)
    assert (q == q[0]).all()
    assert p["value_range"] == [-3.0, 3.0]
    assert p["level"] == pytest.approx(127.5)
    assert p["n_classes"] == 2
    assert "conf" not in g


def test_boundary_binary_default_range_is_symmetric_about_threshold():
    XX, _ = grid()
    p = binary(surface=XX + 1.0, threshold=1.0)
    lo, hi = p["value_range"]
    assert (lo + hi) / 2 == pytest.approx(1.0)
    assert p["level"] == pytest.approx(127.5)
    prob = binary(surface=(XX + 3) / 6, threshold=0.5)
    assert prob["value_range"] == [0.0, 1.0]


def test_boundary_points_included_and_lengths():
    Xtr, ytr, Xte, yte = toy_points()
    p = strict_json(binary(points_version=7))
    pts = p["points"]
    assert p["points_version"] == 7
    assert len(pts["train"]["xy"]) == 2 * len(Xtr) and len(pts["train"]["c"]) == len(Xtr)
    assert len(pts["test"]["xy"]) == 2 * len(Xte) and len(pts["test"]["c"]) == len(Xte)
    np.testing.assert_allclose(np.reshape(pts["train"]["xy"], (-1, 2)), Xtr, atol=1e-3)
    assert pts["train"]["c"] == ytr.tolist()
    assert pts["classes"] == ["0", "1"]


def test_boundary_points_omitted_when_not_given():
    p = binary(X_train=None, X_test=None, points_version=7)
    assert "points" not in p
    assert p["points_version"] == 7  # the browser reuses the cached points of version 7
    assert p["show_test"] is True
    assert binary(show_test=False)["show_test"] is False


def test_labels_minus_one_plus_one_map_to_blue_orange():
    Xtr, ytr, Xte, yte = toy_points()
    p = binary(y_train=2 * ytr - 1, y_test=2 * yte - 1)
    assert p["points"]["train"]["c"] == ytr.tolist()
    assert p["points"]["classes"] == ["-1", "+1"]


def test_string_labels_use_sorted_order():
    Xtr, ytr, Xte, yte = toy_points()
    names = np.array(["no", "yes"])
    p = binary(y_train=names[ytr], y_test=names[yte])
    assert p["points"]["train"]["c"] == ytr.tolist()
    assert p["points"]["test"]["c"] == yte.tolist()
    assert p["points"]["classes"] == ["no", "yes"]


def test_non_finite_points_become_null():
    Xtr, ytr, Xte, yte = toy_points()
    Xtr = Xtr.copy()
    Xtr[0, 1] = np.nan
    p = strict_json(binary(X_train=Xtr))
    assert p["points"]["train"]["xy"][1] is None


def test_multiclass_colour_index_is_argmax_and_confidence():
    rng = np.random.default_rng(1)
    S = rng.normal(size=(6, 8, 4))
    S[0, 0] = [0.0, 0.0, 0.0, 0.0]  # a tie: confidence 0
    S[0, 1] = [0.0, 50.0, 0.0, 0.0]  # certain: confidence 1
    S[1, 1] = np.nan  # not finite: no class
    p = strict_json(binary(surface=S, mode="multiclass"))
    g = p["grid"]
    cls = decode_grid(g["data"], 6, 8)
    expect = np.argmax(np.nan_to_num(S), axis=2)
    expect[1, 1] = NO_CLASS
    np.testing.assert_array_equal(cls, expect)
    conf = decode_grid(g["conf"], 6, 8)
    assert conf[0, 0] == 0 and conf[0, 1] == 255 and conf[1, 1] == 0
    assert p["n_classes"] == 4 and p["level"] is None


def test_multiclass_probabilities_used_as_given():
    P = np.zeros((2, 2, 3))
    P[..., 0] = 1.0 / 3
    P[..., 1] = 1.0 / 3
    P[..., 2] = 1.0 / 3
    P[1, 1] = [0.0, 0.0, 1.0]
    p = binary(surface=P, mode="multiclass")
    conf = decode_grid(p["grid"]["conf"], 2, 2)
    assert conf[0, 0] == 0 and conf[1, 1] == 255
    assert decode_grid(p["grid"]["data"], 2, 2)[1, 1] == 2


def test_multiclass_integer_labels_index_score_columns():
    Xtr, _, Xte, _ = toy_points()
    ytr = np.arange(len(Xtr)) % 3
    yte = np.array([2] * len(Xte))  # only one class among the test points
    p = binary(surface=np.zeros((3, 3, 3)), mode="multiclass", y_train=ytr, y_test=yte)
    assert p["points"]["train"]["c"] == ytr.tolist()
    assert p["points"]["test"]["c"] == [2] * len(Xte)


def test_discretize_is_a_flag_and_keeps_the_grid():
    XX, YY = grid()
    smooth = binary(surface=XX, value_range=(-3.0, 3.0))
    flat = binary(surface=XX, value_range=(-3.0, 3.0), discretize=True)
    assert smooth["discretize"] is False and flat["discretize"] is True
    # Same full-resolution grid (the contour stays smooth); the browser flattens the colours.
    assert flat["grid"] == smooth["grid"]
    assert flat["bands"] == 8
    S = np.random.default_rng(2).normal(size=(5, 5, 3))
    m = binary(surface=S, mode="multiclass", discretize=True)
    assert m["discretize"] is True
    assert m["grid"] == binary(surface=S, mode="multiclass")["grid"]


def test_multiclass_confidence_is_margin_of_top_two():
    P = np.array([[[0.5, 0.5, 0.0], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7]]])  # (1, 3, 3) probabilities
    p = binary(surface=P, mode="multiclass")
    conf = decode_grid(p["grid"]["conf"], 1, 3)[0]
    np.testing.assert_allclose(conf, np.array([0.0, 0.3, 0.5]) * 255, atol=1)
    np.testing.assert_array_equal(decode_grid(p["grid"]["data"], 1, 3)[0][1:], [0, 2])


def test_regression_range_and_point_values():
    XX, YY = grid()
    Xtr, _, Xte, _ = toy_points()
    ytr = Xtr[:, 0] * 10.0
    p = strict_json(
        binary(surface=XX, mode="regression", y_train=ytr, y_test=Xte[:, 0], threshold=0.0)
    )
    lo, hi = p["value_range"]
    assert lo <= min(XX.min(), ytr.min()) and hi >= max(XX.max(), ytr.max())
    np.testing.assert_allclose(p["points"]["train"]["c"], ytr, atol=1e-3)
    assert p["points"]["classes"] == []
    assert p["n_classes"] == 0
    assert p["level"] == pytest.approx((0 - lo) / (hi - lo) * 255, abs=1e-3)


def test_units_passed_through_with_colours():
    units = np.array([[1.0, 0.0, 0.5], [0.0, -2.0, 1.0], [1e-5, 3.0, -0.25]])
    p = binary(units=units)
    np.testing.assert_allclose(p["units"], units, rtol=1e-6)
    assert p["unit_colors"] == list(UNIT_COLORS[:3])
    p2 = binary(units=units, unit_colors=["#111111", "#222222"])
    assert p2["unit_colors"] == ["#111111", "#222222", "#111111"]
    assert binary()["units"] == [] and binary()["unit_colors"] == []
    with pytest.raises(ValueError):
        binary(units=np.ones((2, 2)))


def test_boundary_rejects_bad_input():
    with pytest.raises(ValueError):
        binary(mode="ternary")
    with pytest.raises(ValueError):
        binary(extent=(1.0, 0.0, 0.0, 1.0))
    with pytest.raises(ValueError):
        binary(surface=np.zeros((3, 3, 2)))  # 3-D surface in binary mode
    with pytest.raises(ValueError):
        binary(surface=np.zeros((3, 3)), mode="multiclass")
    with pytest.raises(ValueError):
        binary(y_train=np.zeros(3, dtype=int))  # 12 points, 3 labels


def test_payload_is_compact():
    XX, YY = grid(rows=100, cols=100)
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    p = binary(surface=XX * YY, X_train=X[:150], y_train=y[:150], X_test=X[150:], y_test=y[150:])
    size = len(json.dumps(p))
    assert size < 20_000  # 13.3 KB of base64 grid + ~4 KB of points
    assert len(json.dumps(binary(surface=XX * YY, X_train=None))) < 14_000


# ------------------------------------------------------------------------- hidden


def test_hidden_payload_shapes_and_fields():
    Xtr, ytr, Xte, yte = toy_points()
    p = strict_json(hidden(points_version=2))
    assert p["view"] == "hidden" and p["frame"] == 4
    assert p["axes"] == [0.0, 5.0, 0.0, 4.0]
    assert p["axis_labels"] == ["f(z1)", "f(z2)"]
    assert p["output_line"] == [1.0, -1.0, 0.5]
    assert p["n_classes"] == 2 and p["points_version"] == 2
    (line,) = p["grid_lines"]
    assert len(line) == 8 and line[4] is None  # the NaN vertex breaks the polyline
    assert len(p["points"]["train"]["xy"]) == 2 * len(Xtr)
    assert p["points"]["test"]["c"] == yte.tolist()
    np.testing.assert_allclose(
        np.reshape(p["points"]["test"]["xy"], (-1, 2)), np.abs(Xte), atol=1e-3
    )


def test_hidden_points_omitted_and_no_lines():
    p = hidden(H_train=None, H_test=None, grid_lines=None, output_line=None)
    assert "points" not in p
    assert p["grid_lines"] == [] and p["output_line"] is None


def test_hidden_degenerate_output_line_is_dropped():
    assert hidden(output_line=(0.0, 0.0, 1.0))["output_line"] is None
    assert hidden(output_line=(np.nan, 1.0, 1.0))["output_line"] is None


def test_hidden_regression_colours_by_value():
    Xtr, _, Xte, _ = toy_points()
    p = strict_json(hidden(n_classes=0, y_train=Xtr[:, 0], y_test=Xte[:, 0]))
    assert p["value_range"][0] <= min(Xtr[:, 0].min(), Xte[:, 0].min())
    np.testing.assert_allclose(p["points"]["train"]["c"], Xtr[:, 0], atol=1e-3)


def test_hidden_multiclass_labels():
    Xtr, _, Xte, _ = toy_points()
    ytr = np.arange(len(Xtr)) % 5
    p = hidden(n_classes=5, y_train=ytr, y_test=np.zeros(len(Xte), dtype=int))
    assert p["points"]["train"]["c"] == ytr.tolist()
    assert p["points"]["classes"] == ["0", "1", "2", "3", "4"]


def test_palettes():
    assert len(CLASS_COLORS) == 10 and len(set(CLASS_COLORS)) == 10
    assert CLASS_COLORS[0] == "#1f77b4" and CLASS_COLORS[1] == "#ff7f0e"  # blue, orange
    assert not set(UNIT_COLORS) & set(CLASS_COLORS)


def test_every_colour_the_live_view_names_is_in_the_palette():
    """The JS reads the palette Python sends (``const PALETTE``): a name missing from it
    would paint with ``undefined``."""
    import re
    from pathlib import Path

    from app.palette import PALETTE

    assets = Path(__file__).resolve().parent.parent / "app" / "live_view"
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(assets.glob("*.js")))
    used = set(re.findall(r"PALETTE\.([A-Za-z_]\w*)", text))
    assert {"classes", "units", "heat_negative", "heat_positive"} <= used
    assert used <= set(PALETTE), sorted(used - set(PALETTE))
    # What the JS receives is the palette as JSON, and it round-trips.
    assert json.loads(json.dumps(PALETTE)) == PALETTE


def test_encode_xy_round_trips_within_its_step_and_keeps_nan():
    box = (-1.0, 2.0, 0.0, 0.5)
    rng = np.random.default_rng(3)
    # Inside the axes and somewhat outside them (up to one span beyond each side).
    pts = np.column_stack([rng.uniform(-4.0, 5.0, 500), rng.uniform(-0.5, 1.0, 500)])
    back = P.decode_xy(P.encode_xy(pts, box), box)
    step = np.array([3 * 3.0, 3 * 0.5]) / 65534
    assert np.all(np.abs(back - pts) <= step / 2 + 1e-12)
    # Far outside: clamped to the widened box, never wrapped around.
    far = P.decode_xy(P.encode_xy([[1e9, -1e9]], box), box)
    np.testing.assert_allclose(far, [[5.0, -0.5]])
    odd = P.decode_xy(P.encode_xy([[np.nan, 1.0], [np.inf, 0.2]], box), box)
    assert np.isnan(odd[0, 0]) and np.isnan(odd[1, 0])
    np.testing.assert_allclose(odd[:, 1], [1.0, 0.2], atol=step[1])


def test_a_compact_hidden_payload_carries_the_same_points_and_lines_as_strings():
    rng = np.random.default_rng(0)
    H_train, H_test = rng.uniform(0, 1, (30, 2)), rng.uniform(0, 1, (10, 2))
    line = np.column_stack([np.linspace(0, 1, 20), np.linspace(1, 0, 20)])
    line[5] = np.nan  # a break in the polyline
    kwargs = dict(
        frame=3,
        axes=(-0.1, 1.1, -0.1, 1.1),
        H_train=H_train,
        y_train=np.arange(30) % 2,
        H_test=H_test,
        y_test=np.arange(10) % 2,
        grid_lines=[line],
        output_line=(1.0, -1.0, 0.0),
        axis_labels=("a", "b"),
        n_classes=2,
    )
    plain = P.hidden_payload(**kwargs)
    compact = P.hidden_payload(**kwargs, compact=True)
    box = kwargs["axes"]
    assert compact["q_box"] == P.xy_box(box)
    np.testing.assert_allclose(
        P.decode_xy(compact["points"]["train"]["q"], box), H_train, atol=1e-4
    )
    np.testing.assert_allclose(P.decode_xy(compact["points"]["test"]["q"], box), H_test, atol=1e-4)
    assert compact["points"]["train"]["c"] == plain["points"]["train"]["c"]
    # One polyline: the line, then a break (NaN) before the next one.
    decoded = P.decode_xy(compact["grid_lines_q"][0], box)
    np.testing.assert_allclose(decoded[:-1], line, atol=1e-4)  # NaN where the line breaks
    assert np.isnan(decoded[-1]).all()
    assert compact["grid_lines"] == [] and "xy" not in compact["points"]["train"]
    assert len(json.dumps(compact)) < len(json.dumps(plain))


def test_curves_payload_keeps_the_history_and_turns_non_finite_values_into_null():
    curves = {
        "epoch": np.array([0.0, 0.5, 1.0, 1.5]),
        "train_loss": np.array([0.9, 0.5, np.nan, 0.123456789]),
        "test_loss": np.array([1.0, np.inf, 0.6, 0.4]),
        "train_accuracy": np.array([0.5, 0.6, 0.7, 0.8]),
        "test_accuracy": np.array([0.4, 0.5, 0.6, 0.7]),
    }
    out = P.curves_payload(curves, regression=False, frame=7)
    json.dumps(out, allow_nan=False)  # JSON.parse rejects NaN
    assert out["view"] == "curves" and out["frame"] == 7
    assert out["epoch"] == [0.0, 0.5, 1.0, 1.5]
    # Five significant digits: far below a pixel on a log scale.
    assert out["series"]["train_loss"] == [0.9, 0.5, None, pytest.approx(0.123456789, rel=1e-4)]
    assert out["series"]["test_loss"][1] is None
    assert out["series"]["test_accuracy"] == pytest.approx([0.4, 0.5, 0.6, 0.7])
    # Regression has no accuracy to draw.
    assert set(P.curves_payload(curves, regression=True, frame=0)["series"]) == {
        "train_loss",
        "test_loss",
    }


def test_network_payload_scales_weights_by_the_largest_drawn_and_keeps_signs():
    rng = np.random.default_rng(0)
    coefs = [rng.normal(size=(2, 30)), rng.normal(size=(30, 3)), rng.normal(size=(3, 1))]
    out = P.network_payload(coefs, ("x1", "x2"), frame=3)
    json.dumps(out, allow_nan=False)
    assert out["sizes"] == [2, 30, 3, 1]
    # Wide layers show their first units only; the rest are counted from `sizes`.
    assert out["shown"] == [2, P.MAX_DRAWN_UNITS, 3, 1]
    drawn = [W[: out["shown"][l], : out["shown"][l + 1]] for l, W in enumerate(coefs)]
    scale = max(np.abs(W).max() for W in drawn)
    for W, flat in zip(drawn, out["weights"], strict=True):
        np.testing.assert_allclose(np.reshape(flat, W.shape), W / scale, atol=5e-4)
    assert max(np.abs(w).max() for w in map(np.array, out["weights"])) == pytest.approx(1.0)
    assert out["names"] == ["x1", "x2"]


def test_network_payload_survives_zero_and_non_finite_weights():
    coefs = [np.zeros((2, 3)), np.array([[np.nan], [np.inf], [-np.inf]])]
    out = P.network_payload(coefs, ("a", "b"), frame=0)
    json.dumps(out, allow_nan=False)
    assert out["weights"][0] == [0.0] * 6
    assert all(abs(w) <= 1.0 for w in out["weights"][1])


def test_curves_payload_sends_the_gradient_norm_the_threshold_and_where_clipping_fired():
    curves = {
        "epoch": np.array([0.0, 1.0, 2.0, 3.0]),
        "train_loss": np.array([0.9, 0.5, 0.4, 0.3]),
        "test_loss": np.array([1.0, 0.6, 0.5, 0.4]),
        "train_accuracy": np.array([0.5, 0.6, 0.7, 0.8]),
        "test_accuracy": np.array([0.4, 0.5, 0.6, 0.7]),
        "grad_norm": np.array([12.345678, 3.0, np.nan, 0.5]),
        "clipped": np.array([3, 1, 0, 0]),  # clipping fired at the first two snapshots
    }
    out = P.curves_payload(curves, regression=False, frame=2, clip_norm=2.5)
    json.dumps(out, allow_nan=False)
    assert out["grad_norm"] == [pytest.approx(12.346, rel=1e-4), 3.0, None, 0.5]
    assert out["clip_norm"] == 2.5
    assert out["clipped"] == [0, 1]
    # No clipping: no threshold to draw, the norm still is.
    off = P.curves_payload(curves, regression=False, frame=2, clip_norm=0.0)
    assert off["clip_norm"] is None and off["grad_norm"][1] == 3.0


def test_curves_payload_without_gradient_columns_has_no_gradient_panel():
    curves = {
        "epoch": np.array([0.0, 1.0]),
        "train_loss": np.array([0.9, 0.5]),
        "test_loss": np.array([1.0, 0.6]),
    }
    out = P.curves_payload(curves, regression=True, frame=0, clip_norm=1.0)
    assert "grad_norm" not in out and "clipped" not in out
    # A grad_norm column but no clipped one (an older history): the norm, no marks.
    out = P.curves_payload(
        {**curves, "grad_norm": np.array([2.0, 1.0])}, regression=True, frame=0, clip_norm=1.0
    )
    assert out["grad_norm"] == [2.0, 1.0] and out["clipped"] == [] and out["clip_norm"] == 1.0


def test_curves_payload_from_a_real_history_carries_its_gradient_norms():
    from engine import Network, Trainer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    trainer = Trainer(
        Network((2, 4, 1), "tanh", "auto", 0), X, y, learning_rate=0.5, clip_norm=0.01
    )
    trainer.step(5)
    curves = trainer.history.curves()
    out = P.curves_payload(curves, regression=False, frame=1, clip_norm=0.01)
    assert len(out["grad_norm"]) == len(out["epoch"]) == len(trainer.history.entries)
    # ||g|| of a fresh tanh net on this data is far above 0.01: every step was clipped.
    assert all(g > 0.01 for g in out["grad_norm"] if g is not None)
    if "clipped" in curves:
        # Snapshot 0 holds the initial weights, before any step: nothing clipped there.
        assert trainer.history.entries[0].step == 0
        assert out["clipped"] == list(range(1, len(out["epoch"])))
