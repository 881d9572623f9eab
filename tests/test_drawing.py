"""Drawing data on the input plane (app.drawing): the pure functions on (X, y) checked by
hand, the session glue on a real Playground state, and the page's toggle under AppTest."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import streamlit as st

from app import config as C
from app import drawing
from app import state as S
from app.exports import dataset_csv
from engine import datasets


# -- pure functions -----------------------------------------------------------------------------
def test_add_point_appends_the_point_and_its_class_without_touching_the_inputs():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1])
    X2, y2 = drawing.add_point(X, y, (0.25, -2.0), 1)
    np.testing.assert_array_equal(X2, [[0.0, 0.0], [1.0, 1.0], [0.25, -2.0]])
    np.testing.assert_array_equal(y2, [0, 1, 1])
    assert y2.dtype == y.dtype
    assert len(X) == 2 and len(y) == 2  # new arrays, the old ones unchanged
    with pytest.raises(ValueError, match="finite"):
        drawing.add_point(X, y, (np.nan, 0.0), 0)


def test_remove_nearest_removes_the_closest_point_by_euclidean_distance():
    X = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 2.0]])
    y = np.array([0, 1, 2])
    # (1.4, 1.1) is sqrt(1.96 + 1.21) = 1.78 from (0, 0), 1.99 from (3, 0), 1.57 from (0, 2).
    X2, y2, i = drawing.remove_nearest(X, y, (1.4, 1.1))
    assert i == 2
    np.testing.assert_array_equal(X2, [[0.0, 0.0], [3.0, 0.0]])
    np.testing.assert_array_equal(y2, [0, 1])
    X3, y3, none = drawing.remove_nearest(np.zeros((0, 2)), np.zeros(0), (0.0, 0.0))
    assert none is None and len(X3) == 0


# -- the session's drawn data -------------------------------------------------------------------
@pytest.fixture
def session(monkeypatch):
    """A Playground state on the moons and a plain dict as Streamlit's session state."""
    ss = {}
    monkeypatch.setattr(st, "session_state", ss)
    ps = S.new_state(C.with_changes(C.DEFAULT, n_samples=40))
    ss["playground"] = ps
    return ps, ss


def click(x, y, *, shift=False, alt=False, point=None):
    return {
        "x": x,
        "y": y,
        "point": point,
        "view": "boundary",
        "frame": 1,
        "shift": shift,
        "alt": alt,
    }


def test_starting_to_draw_copies_the_points_and_keeps_the_network(session):
    ps, ss = session
    ps.trainer.step(5)
    theta = ps.trainer.net.theta.copy()
    before = dataset_csv(ps.data)
    drawing.start(ps)
    assert drawing.is_drawn(ps) and ss["cfg_dataset"] == C.CUSTOM
    assert ps.uploaded.name == drawing.DRAWN and len(ps.uploaded.X) == 40
    assert dataset_csv(ps.data) == before  # same points, same split
    np.testing.assert_array_equal(ps.trainer.net.theta, theta)
    # The sidebar's config (dataset "csv") is the state's own: applying it rebuilds nothing.
    S.rebuild(ps, C.with_changes(ps.config))
    np.testing.assert_array_equal(ps.trainer.net.theta, theta)


def test_clicks_add_the_chosen_class_shift_the_other_alt_removes(session):
    ps, ss = session
    ss[drawing.MODE_KEY] = True
    ss[drawing.CLASS_KEY] = 1
    # Not drawing yet (the toggle's callback never ran): a click changes nothing.
    assert drawing.handle_click(ps, click(0.5, 0.5)) is False
    drawing.start(ps)
    n_train, n_test, version = len(ps.data.X_train), len(ps.data.X_test), ps.points_version

    assert drawing.handle_click(ps, click(0.5, 0.25)) is True
    assert len(ps.data.X_train) == n_train + 1 and len(ps.data.X_test) == n_test
    np.testing.assert_array_equal(ps.data.X_train[-1], [0.5, 0.25])
    assert ps.data.y_train[-1] == 1
    assert ps.points_version == version + 1
    # The trainer trains on the new point (its raw features are the point itself).
    np.testing.assert_array_equal(ps.trainer.X_train[-1], [0.5, 0.25])

    drawing.handle_click(ps, click(-1.0, 2.0, shift=True))
    assert ps.data.y_train[-1] == 0 and len(ps.data.X_train) == n_train + 2
    # The drawn set (what a rebuild or a seed change splits again) holds every point.
    assert len(ps.uploaded.X) == n_train + n_test + 2

    # Alt-click near the last drawn point removes that one, not another.
    drawing.handle_click(ps, click(-1.01, 2.02, alt=True, point={"set": "train", "index": 0}))
    assert len(ps.data.X_train) == n_train + 1
    assert not np.any(np.all(ps.data.X_train == [-1.0, 2.0], axis=1))
    # Alt-click on empty space (no point under the mouse): nothing removed, a hint instead.
    drawing.handle_click(ps, click(3.0, 3.0, alt=True, point=None))
    assert len(ps.data.X_train) == n_train + 1 and "Alt-click on a point" in ps.notices[-1]


def test_a_drawn_point_changes_the_next_step(session):
    ps, ss = session
    ss[drawing.MODE_KEY] = True
    ss[drawing.CLASS_KEY] = 1
    drawing.start(ps)
    without = copy.deepcopy(ps.trainer)
    # Deep in the moons' class-0 corner: a class-1 point there has a large hinge loss.
    drawing.handle_click(ps, click(-1.0, -1.5))
    ps.trainer.step(1)
    without.step(1)
    assert ps.trainer.y_train[-1] == 1
    # Full batch, same weights before: the steps differ only by the drawn point's gradient.
    assert not np.allclose(ps.trainer.net.theta, without.net.theta)


def test_the_last_point_of_a_class_stays(session):
    ps, ss = session
    ss[drawing.MODE_KEY] = True
    ps.uploaded = S.Uploaded(
        "x",
        np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 3.0]]),
        np.array([0, 0, 0, 1]),
        ("a", "b"),
    )
    cfg = C.with_changes(ps.config, dataset=C.CUSTOM, test_fraction=0.0)
    S.rebuild(ps, cfg)
    drawing.start(ps)
    # the class name comes from the data (a CSV label): shown literally, as code
    assert drawing.remove(ps, (0.0, 3.0)) == "This is the last point of `b`: it stays."
    assert len(ps.data.X_train) == 4
    assert drawing.remove(ps, (2.0, 0.1)) is None
    assert drawing.remove(ps, (1.0, 0.1)) is None
    assert len(ps.data.X_train) == 2
    assert drawing.remove(ps, (0.0, 0.1)) is not None  # two training points stay
    assert len(ps.data.X_train) == 2


def test_drawing_refuses_regression_data(session):
    ps, _ = session
    S.rebuild(
        ps, C.with_changes(ps.config, dataset=datasets.REGRESSION_NAMES[0], loss="squared_error")
    )
    assert not drawing.can_draw(ps)


# -- the page -----------------------------------------------------------------------------------
def test_the_toggle_makes_the_present_points_the_drawn_dataset_and_a_lab_visit_keeps_them():
    from apptest import assert_ok, loaded

    at = loaded()
    ps = at.session_state["playground"]
    theta = ps.trainer.net.theta.copy()
    assert not [r for r in at.radio if r.key == drawing.CLASS_KEY]  # off: no class picker
    at.toggle(key=drawing.MODE_KEY).set_value(True).run()
    assert_ok(at)
    ps = at.session_state["playground"]
    assert drawing.is_drawn(ps)
    assert at.selectbox(key="cfg_dataset").value == C.CUSTOM
    assert at.radio(key=drawing.CLASS_KEY).options == ["`class 0`", "`class 1`"]
    np.testing.assert_array_equal(ps.trainer.net.theta, theta)  # no reset
    # A drawn point (as handle_click adds it), then a lab and back: the points are kept.
    drawing.add(ps, (0.1, 0.2), 1)
    csv = dataset_csv(ps.data)
    at.switch_page("screens/kernel_svm.py").run()
    at.switch_page("screens/playground.py").run()
    assert_ok(at)
    ps = at.session_state["playground"]
    assert drawing.is_drawn(ps) and dataset_csv(ps.data) == csv
    assert at.selectbox(key="cfg_dataset").value == C.CUSTOM
