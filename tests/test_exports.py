"""Tests of app.exports: the run as a GIF drawn with matplotlib, CSV and JSON files that load
back, loading a saved network into the Playground's state; and the slide-sized PNG config of
the Plotly charts (the browser's download of it: tests/test_export_browser.py).
"""

import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from app import config as C
from app import exports, figures, palette
from app import state as S
from engine import csv_points, geometry, serialize
from engine.network import Network


@pytest.fixture(scope="module")
def trained():
    """A Playground state (moons, 8 ReLU units) trained for a few hundred steps."""
    ps = S.new_state(C.DEFAULT)
    ps.trainer.step(200)
    return ps


def gif_frames(data: bytes):
    """(frames as (n, h, w, 3) uint8, durations in ms) of a GIF."""
    im = Image.open(io.BytesIO(data))
    assert im.format == "GIF"
    frames, durations = [], []
    for i in range(im.n_frames):
        im.seek(i)
        frames.append(np.asarray(im.convert("RGB")))
        durations.append(im.info.get("duration"))
    return np.stack(frames), durations


def pixels_near(frame, color, tol=40) -> int:
    """How many pixels of ``frame`` are within ``tol`` (summed over R, G, B) of ``color``
    ("#rrggbb" or (r, g, b))."""
    rgb = palette.rgb(color) if isinstance(color, str) else tuple(color)
    return int((np.abs(frame.astype(int) - rgb).sum(axis=2) < tol).sum())


# -- the run as a GIF ---------------------------------------------------------------------
def test_run_gif_frames_size_and_colours(trained):
    entries = trained.trainer.history.entries
    assert len(entries) >= 3
    data = exports.run_gif(
        trained.trainer.net, entries, trained.data, max_frames=12, size=(200, 180), grid=30
    )
    frames, durations = gif_frames(data)
    assert frames.shape == (min(12, len(entries)), 180, 200, 3)
    last = frames[-1]
    # Both classes' points, in the palette's class colours.
    assert pixels_near(last, palette.CLASS_COLORS[0]) > 20
    assert pixels_near(last, palette.CLASS_COLORS[1]) > 20
    # The trained net splits the plane: both sides of the boundary are tinted.
    a = palette.HEAT_MAX_ALPHA
    for heat in (palette.HEAT_NEGATIVE, palette.HEAT_POSITIVE):
        tint = np.round(255 + a * (np.array(palette.rgb(heat)) - 255)).astype(int)
        assert pixels_near(last, tint, tol=30) > 100
    # The frames show the run changing, and the end is held before the loop restarts.
    assert np.abs(frames[0].astype(int) - last).sum(axis=2).astype(bool).mean() > 0.05
    assert durations[-1] > durations[0]


def test_run_gif_spreads_frames_over_a_long_run():
    ps = S.new_state(C.DEFAULT)
    ps.trainer.step(400)
    entries = ps.trainer.history.entries
    frames, _ = gif_frames(
        exports.run_gif(ps.trainer.net, entries, ps.data, max_frames=4, size=(120, 120), grid=20)
    )
    assert len(entries) > 4 and frames.shape[0] == 4


def test_run_gif_multiclass_regression_and_features():
    ps = S.new_state(replace(C.DEFAULT, dataset="blobs3"))
    ps.trainer.step(60)
    frames, _ = gif_frames(
        exports.run_gif(ps.trainer.net, ps.trainer.history.entries, ps.data, size=(200, 200))
    )
    for k in range(3):
        assert pixels_near(frames[-1], palette.CLASS_COLORS[k]) > 10
    ps = S.new_state(
        replace(C.DEFAULT, dataset="tfp_plane", loss="squared_error", learning_rate=0.01)
    )
    ps.trainer.step(20)
    frames, _ = gif_frames(exports.run_gif(ps.trainer.net, ps.trainer.history.entries, ps.data))
    assert frames.shape[1:] == (360, 360, 3)
    assert len(np.unique(frames[-1].reshape(-1, 3), axis=0)) > 30  # a shaded surface
    # A network that takes features (x1, x2, x1^2) is drawn as F(phi(x)) over the plane.
    ps = S.new_state(C.DEFAULT)

    def phi(P):
        return np.column_stack([P, P[:, 0] ** 2])

    net = Network((3, 4, 1), "tanh", random_state=0)
    first = ps.trainer.history.entries[0]
    snaps = [replace(first, step=s, theta=(1 + s) * net.theta) for s in (0, 1)]
    frames, _ = gif_frames(exports.run_gif(net, snaps, ps.data, inputs=phi, size=(150, 150)))
    assert frames.shape == (2, 150, 150, 3)


def test_run_without_snapshots_is_refused(trained):
    with pytest.raises(ValueError, match="no stored snapshots"):
        exports.run_gif(trained.trainer.net, [], trained.data)


@pytest.mark.skipif(not exports.mp4_available(), reason="no ffmpeg encoder installed")
def test_run_mp4(trained):
    data = exports.run_mp4(trained.trainer.net, trained.trainer.history.entries, trained.data)
    assert data[4:8] == b"ftyp"


# -- PNGs come from Plotly's own export -----------------------------------------------------
def test_slide_config_asks_for_a_slide_sized_png():
    config = figures.slide_config("loss_curves")
    options = config["toImageButtonOptions"]
    assert config["displaylogo"] is False and config.get("displayModeBar", True)
    assert options["format"] == "png" and options["filename"] == "loss_curves"
    # A 16:9 slide at full HD.
    assert (options["width"] * options["scale"], options["height"] * options["scale"]) == (
        1920,
        1080,
    )
    options = figures.slide_config("x", width=800, height=600, scale=1)["toImageButtonOptions"]
    assert (options["width"], options["height"], options["scale"]) == (800, 600, 1)


def test_clip_line():
    seg = geometry.clip_line(1.0, 0.0, -0.5, -1, 1, -1, 1)  # x = 0.5
    (xa, ya), (xb, yb) = seg
    assert xa == pytest.approx(0.5) and xb == pytest.approx(0.5)
    assert sorted([ya, yb]) == pytest.approx([-1, 1])
    assert geometry.clip_line(1.0, 0.0, -5.0, -1, 1, -1, 1) is None  # x = 5: outside
    assert geometry.clip_line(0.0, 0.0, 1.0, -1, 1, -1, 1) is None  # not a line


# -- CSV and JSON -----------------------------------------------------------------------------
def test_dataset_csv_loads_back(trained):
    text = exports.dataset_csv(trained.data)
    X, y = csv_points.load_csv(text.encode())
    d = trained.data
    assert np.array_equal(X, np.concatenate([d.X_train, d.X_test]))
    assert len(y) == len(X)


def test_regression_csv_has_targets():
    ps = S.new_state(replace(C.DEFAULT, dataset="tfp_plane", loss="squared_error"))
    lines = exports.dataset_csv(ps.data).splitlines()
    assert lines[0] == "x1,x2,target"
    assert len(lines) == 1 + len(ps.data.X_train) + len(ps.data.X_test)
    assert float(lines[1].split(",")[2]) in set(ps.data.y_train.tolist())


def test_network_json_round_trip_with_meta(trained):
    text = exports.network_json(trained.trainer.net, exports.network_meta(trained))
    net, meta = serialize.read_network_json(text)
    assert np.array_equal(net.theta, trained.trainer.net.theta)
    assert meta["config"]["dataset"] == trained.config.dataset
    assert meta["step"] == trained.trainer.step_count


def test_load_network_into_playground(trained):
    ps = S.new_state(C.DEFAULT)  # the same architecture, at its initial weights
    text = exports.network_json(trained.trainer.net, exports.network_meta(trained))
    message = exports.load_network_into(ps, text)
    assert "Loaded" in message and "step 200" in message
    assert np.array_equal(ps.trainer.net.theta, trained.trainer.net.theta)
    assert np.array_equal(ps.trainer.history.entries[-1].theta, trained.trainer.net.theta)
    assert not ps.playing and ps.scrub is None
    # Training continues from the loaded weights.
    ps.trainer.step(5)
    assert not np.array_equal(ps.trainer.net.theta, trained.trainer.net.theta)


def test_load_network_with_other_shape_is_refused(trained):
    ps = S.new_state(replace(C.DEFAULT, hidden=(4,)))
    before = ps.trainer.net.theta.copy()
    with pytest.raises(serialize.ModelFormatError, match=r"hidden layers \[8\].*\[4\]"):
        exports.load_network_into(ps, exports.network_json(trained.trainer.net))
    other = Network(trained.trainer.net.layer_sizes, "tanh", random_state=0)
    ps8 = S.new_state(C.DEFAULT)
    with pytest.raises(serialize.ModelFormatError, match="tanh"):
        exports.load_network_into(ps8, exports.network_json(other))
    with pytest.raises(serialize.ModelFormatError):
        exports.load_network_into(ps, b"not json")
    assert np.array_equal(ps.trainer.net.theta, before)


# -- the Playground's export panel (AppTest) -----------------------------------------------
def _panel_app():
    import streamlit as st

    from app import config as C
    from app import exports
    from app import state as S

    if "playground" not in st.session_state:
        st.session_state["playground"] = S.new_state(C.DEFAULT)
    exports.export_panel(st.session_state["playground"])


def test_export_panel_buttons_and_upload(trained):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_panel_app, default_timeout=60).run()
    assert not at.exception
    labels = [d.proto.label for d in at.get("download_button")]
    mp4 = ["Training run (MP4)"] if exports.mp4_available() else []
    assert labels == ["Training run (GIF)", *mp4, "Data (CSV)", "Network (JSON)"]
    at.get_by_key("export_panel")
    assert any("camera button" in c.value for c in at.caption)
    # A network of the same shape loads into the Playground's trainer.
    good = exports.network_json(trained.trainer.net, exports.network_meta(trained))
    at.file_uploader[0].set_value(("net.json", good.encode(), "application/json")).run()
    assert not at.exception
    assert at.success and "Loaded the network" in at.success[0].value
    ps = at.session_state["playground"]
    assert np.array_equal(ps.trainer.net.theta, trained.trainer.net.theta)
    # Another shape is refused with a clear message, and the weights stay.
    other = Network((2, 3, 1), "relu", random_state=0)
    at.file_uploader[0].set_value(("other.json", network_bytes(other), "application/json"))
    at.run()
    assert not at.exception
    assert at.error and "was not loaded" in at.error[0].value and "[3]" in at.error[0].value
    assert np.array_equal(
        at.session_state["playground"].trainer.net.theta, trained.trainer.net.theta
    )


def test_export_panel_offers_mp4_only_with_an_encoder(monkeypatch):
    from streamlit.testing.v1 import AppTest

    for available in (True, False):
        monkeypatch.setattr(exports, "mp4_available", lambda available=available: available)
        at = AppTest.from_function(_panel_app, default_timeout=60).run()
        labels = [d.proto.label for d in at.get("download_button")]
        assert ("Training run (MP4)" in labels) is available


def network_bytes(net):
    return exports.network_json(net).encode()


def test_rows_csv_reads_back_with_the_csv_module():
    import csv as _csv
    import io as _io

    from app.exports import rows_csv

    rows = [
        {"name": 'a "quoted", b', "value": 0.1 + 0.2, "missing": None},
        {"name": "plain", "value": -1e-300, "missing": 3},
    ]
    back = list(_csv.DictReader(_io.StringIO(rows_csv(rows))))
    assert back[0]["name"] == 'a "quoted", b'
    assert float(back[0]["value"]) == 0.1 + 0.2  # full precision
    assert back[0]["missing"] == "" and back[1]["missing"] == "3"
    assert float(back[1]["value"]) == -1e-300
    assert rows_csv([]) == ""
