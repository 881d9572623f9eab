"""Tests of app.exports: PNGs and GIFs drawn with Pillow (no browser), CSV and JSON files that
load back, and loading a saved network into the Playground's state.
"""

import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from app import config as C
from app import exports
from app import state as S
from engine import datasets, serialize
from engine.network import Network


@pytest.fixture(scope="module")
def trained():
    """A Playground state (moons, 8 ReLU units) trained for a few hundred steps."""
    ps = S.new_state(C.DEFAULT)
    ps.trainer.step(200)
    return ps


def image(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def colours(im: Image.Image) -> int:
    return len(np.unique(np.asarray(im.convert("RGB")).reshape(-1, 3), axis=0))


# -- PNG --------------------------------------------------------------------------------------
def test_boundary_png_draws_surface_points_and_units(trained):
    data = exports.boundary_png(trained.trainer.net, trained.data, size=(300, 280))
    im = image(data)
    assert im.format == "PNG" and im.size == (300, 280)
    assert colours(im) > 50  # a shaded surface, not a blank canvas
    px = np.asarray(im.convert("RGB"), dtype=int)
    blue = (np.abs(px - exports.NEG_RGB).sum(axis=2) < 60).sum()
    orange = (np.abs(px - exports.POS_RGB).sum(axis=2) < 60).sum()
    assert blue > 100 and orange > 100  # both sides of the boundary are shaded


def test_boundary_png_multiclass_regression_and_features():
    for cfg in (
        replace(C.DEFAULT, dataset="blobs3"),
        replace(C.DEFAULT, dataset="tfp_plane", loss="squared_error", learning_rate=0.01),
    ):
        ps = S.new_state(cfg)
        ps.trainer.step(20)
        im = image(exports.boundary_png(ps.trainer.net, ps.data))
        assert colours(im) > 30
    # A network that takes features (x1, x2, x1^2) is drawn as F(phi(x)) over the plane.
    X, y = datasets.make("circles", 60, 0.1, 0)

    def phi(P):
        return np.column_stack([P, P[:, 0] ** 2])

    net = Network((3, 4, 1), "tanh", random_state=0)
    im = exports.boundary_image(net, X, y, inputs=phi, highlight=X[0])
    assert im.size == (420, 420)


def test_hidden_and_lines_images():
    H = np.abs(np.random.default_rng(0).normal(size=(50, 2)))
    y = (H.sum(axis=1) > 1).astype(int)
    im = exports.hidden_image(H, y, output_line=(1.0, 1.0, -1.0))
    assert im.size == (420, 420) and colours(im) > 5
    im1 = exports.hidden_image(H[:, 0], y)  # one unit: drawn on a line
    assert im1.size == (420, 420)
    series = [
        {"x": [1, 10, 100], "y": [1.0, 0.1, 1e-3], "label": "sigmoid", "markers": True},
        {"x": [1, 10, 100], "y": [1.0, 0.9, 0.9], "label": "quadratic", "dash": True},
        {"x": [1, 10], "y": [np.nan, 0.0], "label": "not drawable on a log axis"},
    ]
    im = exports.lines_image(series, logx=True, logy=True, title="t", xlabel="m", ylabel="e")
    assert im.size == (560, 380)
    sheet = exports.compose([im, im1, im], cols=2, title="sheet")
    assert sheet.width > im.width and sheet.height > im.height
    assert image(exports.to_png(sheet)).format == "PNG"


def test_clip_line():
    seg = exports.clip_line(1.0, 0.0, -0.5, -1, 1, -1, 1)  # x = 0.5
    (xa, ya), (xb, yb) = seg
    assert xa == pytest.approx(0.5) and xb == pytest.approx(0.5)
    assert sorted([ya, yb]) == pytest.approx([-1, 1])
    assert exports.clip_line(1.0, 0.0, -5.0, -1, 1, -1, 1) is None  # x = 5: outside
    assert exports.clip_line(0.0, 0.0, 1.0, -1, 1, -1, 1) is None  # not a line


# -- GIF --------------------------------------------------------------------------------------
def test_run_gif_from_history(trained):
    entries = trained.trainer.history.entries
    data = exports.run_gif(
        trained.trainer.net, entries, trained.data, max_frames=12, size=(160, 160), grid=30
    )
    im = image(data)
    assert im.format == "GIF" and im.is_animated
    assert im.n_frames == min(12, len(entries)) and im.size == (160, 160)
    with pytest.raises(ValueError):
        exports.run_frames(trained.trainer.net, [], trained.data.X_train, trained.data.y_train)


# -- CSV and JSON -----------------------------------------------------------------------------
def test_dataset_csv_loads_back(trained):
    text = exports.dataset_csv(trained.data)
    X, y = datasets.load_csv(text.encode())
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
    assert labels == ["Boundary (PNG)", "Training run (GIF)", "Data (CSV)", "Network (JSON)"]
    at.get_by_key("export_panel")
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
