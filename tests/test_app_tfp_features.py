"""TensorFlow Playground's features on our Playground, as a user meets them (AppTest).

Input features, weight editing, classroom mode, L1, regenerate, the stopping rule, runs side
by side and regression as a problem type.
"""

from __future__ import annotations

import numpy as np
import pytest
from apptest import assert_ok, loaded, view_data

from app.payloads import decode_grid

pytestmark = pytest.mark.timeout(300)


def ps(at):
    return at.session_state["playground"]


def boundary(at):
    return view_data(at, "boundary")


def grid_of(data):
    g = data["grid"]
    return decode_grid(g["data"], g["rows"], g["cols"])


def widget_keys(at):
    keys = set()
    for kind in (
        "slider",
        "select_slider",
        "selectbox",
        "multiselect",
        "number_input",
        "checkbox",
        "button",
        "text_input",
    ):
        keys.update(w.key for w in at.get(kind) if getattr(w, "key", None))
    return keys


def test_input_features_set_the_networks_input_size():
    at = loaded()
    assert ps(at).trainer.net.layer_sizes[0] == 2
    at.multiselect(key="cfg_features").set_value(["x1", "x2", "x1^2", "sin(x2)"]).run()
    assert_ok(at)
    net = ps(at).trainer.net
    assert net.layer_sizes[0] == 4
    # The trainer sees the mapped points: column 2 is x1 squared of the raw data.
    np.testing.assert_allclose(ps(at).trainer.X_train[:, 2], ps(at).data.X_train[:, 0] ** 2)
    # Units' lines are lines only in the raw plane: none are drawn over other features.
    assert not boundary(at)["units"]
    assert at.query_params["feat"] == "x1,x2,x1^2,sin(x2)"


def test_features_from_the_url_feed_a_network_that_can_learn_circles():
    at = loaded(
        data="circles",
        layers="0",
        feat="x1^2,x2^2",
        act="identity",
        lr="0.3",
        spf="200",
        loss="log_loss",
    )
    for _ in range(3):
        at.button(key="step").click().run()
    assert_ok(at)
    # A linear classifier on (x1^2, x2^2) separates the circles: the prespecified map.
    assert ps(at).trainer.metrics()["train_accuracy"] > 0.95


def test_an_edited_weight_changes_the_boundary_at_once():
    at = loaded()
    before = grid_of(boundary(at))
    at.selectbox(key="edit_layer").set_value(2)
    at.run()
    source = at.selectbox(key="edit_from")
    source.select_index(len(source.options) - 1).run()  # the last choice: the output's bias
    at.number_input(key="weight_value").set_value(5.0).run()
    at.button(key="set_weight").click().run()
    assert_ok(at)
    assert ps(at).trainer.net.intercepts[1][0] == 5.0
    after = grid_of(boundary(at))
    # A large positive output bias turns most of the plane to the positive class.
    assert (after > 128).mean() > (before > 128).mean() + 0.2


@pytest.mark.parametrize(
    "query, absent",
    [
        ({"hide": "lr,noise"}, {"cfg_learning_rate", "cfg_noise"}),
        ({"lr_hide": "1", "act_hide": "true"}, {"cfg_learning_rate", "cfg_activation"}),
        ({"hide": "flip,compare,edit"}, {"flip_1_0", "cmp_run", "set_weight"}),
    ],
)
def test_classroom_mode_hides_the_named_controls(query, absent):
    at = loaded(**query)
    keys = widget_keys(at)
    assert not absent & keys, absent & keys
    assert "cfg_dataset" in keys and "play" in keys  # the rest is still there
    # The switches survive the page's own rewrite of the URL.
    for name, value in query.items():
        assert at.query_params[name] == value


def test_l1_changes_live_without_a_reset():
    at = loaded()
    theta = ps(at).trainer.net.theta.copy()
    at.select_slider(key="cfg_l1").set_value(0.01).run()
    assert_ok(at)
    assert ps(at).trainer.l1 == 0.01
    np.testing.assert_array_equal(ps(at).trainer.net.theta, theta)


def test_regenerate_draws_new_points_and_keeps_the_weights():
    at = loaded()
    theta = ps(at).trainer.net.theta.copy()
    X = ps(at).data.X_train.copy()
    at.button(key="regenerate").click().run()
    assert_ok(at)
    assert not np.array_equal(ps(at).data.X_train, X)
    np.testing.assert_array_equal(ps(at).trainer.net.theta, theta)
    np.testing.assert_array_equal(ps(at).trainer.X_train, ps(at).data.X_train)


def test_the_epoch_budget_stops_play():
    at = loaded(stop="80", spf="40")
    at.button(key="play").click().run()
    shown = [str(i.value) for i in at.info]
    for _ in range(6):
        if not ps(at).playing:
            break
        at.run()
        shown += [str(i.value) for i in at.info]
    assert_ok(at)
    assert not ps(at).playing
    assert ps(at).trainer.epoch >= 80
    assert any("epoch budget" in text for text in shown)


def test_runs_side_by_side_train_both_from_the_same_seed():
    at = loaded()
    at.selectbox(key="cmp_activation").set_value("identity")
    at.number_input(key="cmp_epochs").set_value(50)
    at.button(key="cmp_run").click().run()
    assert_ok(at)
    a, b = ps(at).compare
    assert "relu" in a.label and "identity" in b.label
    assert a.curves["epoch"][-1] == pytest.approx(50, abs=1)
    assert not np.array_equal(a.surface, b.surface)
    assert any(c.key == "compare_chart" for c in at.get("plotly_chart"))


def test_regression_is_a_problem_type_with_a_continuous_scale():
    at = loaded(data="tfp_plane", loss="hinge")
    assert ps(at).config.loss == "squared_error"
    data = boundary(at)
    assert data["mode"] == "regression"
    at.button(key="step").click().run()
    assert_ok(at)
    assert np.isnan(ps(at).trainer.metrics()["train_accuracy"])
