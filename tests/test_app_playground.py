"""The Playground page under Streamlit's AppTest: widgets, URL, buttons and session state.

AppTest has no ``run_every`` timer, so "playing" is simulated by calling ``run()`` again
(each run of the live fragment is one animation frame). The live views are
``st.components.v2`` components; their data is read from ``proto.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields

import numpy as np
import pytest
from apptest import assert_ok, loaded, make_app, view_data

from app import config as C
from app import presets, sidebar
from app import state as S
from engine import csv_points, datasets

pytestmark = pytest.mark.timeout(300)


def state(at) -> S.PlaygroundState:
    return at.session_state["playground"]


def infos(at):
    return [str(e.value) for e in at.info]


def warnings(at):
    return [str(e.value) for e in at.warning]


def query(at):
    """The configuration part of the page's URL (it may carry other names, e.g. a session id)."""
    names = set(C.QUERY_NAMES.values())
    return {k: at.query_params[k] for k in at.query_params if k in names}


def click(at, key):
    at.button(key=key).click().run()
    assert_ok(at)
    return at


def activation_of(net):
    return getattr(net, "activation", None)


# -- loading -----------------------------------------------------------------------------------
def test_loads_without_exception_and_writes_the_default_url():
    at = loaded()
    ps = state(at)
    assert ps.config == C.DEFAULT
    assert query(at) == C.to_query(ps.config)
    assert view_data(at, "boundary")["frame"] >= 1
    assert view_data(at, "hidden_space")["frame"] >= 1
    for key in ("play", "pause", "step", "reset", "flip_1_0"):
        assert at.button(key=key) is not None
    assert not infos(at)


# -- presets -----------------------------------------------------------------------------------
PRESETS = presets.load()


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_lecture_preset_sets_the_widgets_and_the_network(name):
    at = loaded()
    at.selectbox(key="preset").set_value(name).run()
    assert_ok(at)
    wanted = PRESETS[name]["config"]
    ps = state(at)
    assert ps.config == wanted
    net = ps.trainer.net
    assert net.layer_sizes[1:-1] == wanted.hidden
    assert activation_of(net) == wanted.activation
    assert ps.trainer.loss_name == wanted.loss
    assert ps.trainer.step_count == 0
    # the widgets show it
    assert at.selectbox(key="cfg_dataset").value == wanted.dataset
    assert at.session_state["cfg_n_layers"] == len(wanted.hidden)
    for i, width in enumerate(wanted.hidden):
        assert at.select_slider(key=f"cfg_width_{i}").value == width
    assert at.selectbox(key="cfg_activation").value == wanted.activation
    assert at.select_slider(key="cfg_learning_rate").value == wanted.learning_rate
    # and the URL carries it
    assert query(at) == C.to_query(wanted)


def test_the_wedge_preset_is_two_relu_units():
    name = next(n for n, e in PRESETS.items() if e["config"].dataset == "wedge")
    at = loaded()
    at.selectbox(key="preset").set_value(name).run()
    net = state(at).trainer.net
    assert net.layer_sizes == (2, 2, 1)
    assert activation_of(net) == "relu"
    assert [b.key for b in at.button if b.key.startswith("flip_1_")] == ["flip_1_0", "flip_1_1"]


# -- the URL -----------------------------------------------------------------------------------
SETUP = {
    "data": "xor",
    "layers": "4,3",
    "act": "tanh",
    "lr": "0.03",
    "seed": "5",
    "n": "300",
    "mom": "0.5",
    "batch": "10",
    "spf": "7",
    "noise": "0.2",
    "test": "0.25",
}


def test_url_query_params_reproduce_the_setup():
    at = loaded(**SETUP)
    ps = state(at)
    expected, notices = C.from_query(SETUP)
    assert notices == []
    assert ps.config == expected
    assert (ps.config.dataset, ps.config.hidden, ps.config.seed) == ("xor", (4, 3), 5)
    assert ps.trainer.net.layer_sizes[1:-1] == (4, 3)
    assert activation_of(ps.trainer.net) == "tanh"
    assert ps.trainer.settings.learning_rate == 0.03
    assert ps.trainer.batch_size == 10
    assert len(ps.data.X_train) + len(ps.data.X_test) == 300
    # the same link gives the same data and the same initial weights
    fresh = S.new_state(expected)
    np.testing.assert_array_equal(ps.trainer.net.theta, fresh.trainer.net.theta)
    np.testing.assert_array_equal(ps.data.X_train, fresh.data.X_train)
    # the widgets show it, and the page writes the whole config back into the URL
    assert at.selectbox(key="cfg_dataset").value == "xor"
    assert at.selectbox(key="cfg_activation").value == "tanh"
    assert query(at) == C.to_query(expected)
    assert not infos(at)


def test_a_widget_change_is_written_to_the_url():
    at = loaded()
    at.selectbox(key="cfg_dataset").set_value("circles").run()
    at.select_slider(key="cfg_learning_rate").set_value(0.3).run()
    assert_ok(at)
    ps = state(at)
    assert (ps.config.dataset, ps.config.learning_rate) == ("circles", 0.3)
    q = query(at)
    assert (q["data"], q["lr"]) == ("circles", "0.3")
    assert q == C.to_query(ps.config)
    # and that URL, opened afresh, gives the same setup
    again = loaded(**q)
    assert state(again).config == ps.config


BAD_URLS = {
    "unknown-dataset": {"data": "bogus"},
    "not-a-number": {"lr": "fast", "n": "many"},
    "nan": {"noise": "nan"},
    "out-of-range": {"n": "99999", "mom": "5"},
    "too-many-layers": {"layers": ",".join(["4"] * (C.MAX_LAYERS + 2))},
    "off-ladder-width": {"layers": "9"},
    "unknown-activation": {"act": "softplus"},
    "regression-with-hinge": {"data": datasets.REGRESSION_NAMES[0], "loss": "hinge"},
    "infinite-width": {"layers": "1e400"},
    "clip-above-slider": {"clip": "50"},
}


@pytest.mark.parametrize("params", list(BAD_URLS.values()), ids=list(BAD_URLS))
def test_bad_url_values_show_a_notice_and_no_exception(params):
    at = make_app(**params)
    at.run()
    assert_ok(at)
    assert infos(at), f"no notice for {params}"
    ps = state(at)
    assert query(at) == C.to_query(ps.config)
    # the notice is shown once, not on every rerun
    at.run()
    assert not infos(at)


OFF_SLIDER = {"l2": "0.5", "batch": "7", "n": "25", "noise": "0.123", "clip": "7.25"}


@pytest.mark.parametrize("name", list(OFF_SLIDER))
def test_a_url_value_the_sidebar_cannot_show_is_kept_or_noticed(name):
    """The page must run the setup the link describes, or say what it changed: a value that
    from_query accepts but the sidebar's widget cannot show must not be swapped silently."""
    params = {name: OFF_SLIDER[name]}
    at = make_app(**params)
    at.run()
    assert_ok(at)
    from_url, _ = C.from_query(params)
    ps = state(at)
    assert ps.config == from_url or infos(at), (
        f"{name}={params[name]}: from_query gives {from_url}, the page runs {ps.config} "
        "and says nothing"
    )


# -- buttons -----------------------------------------------------------------------------------
def test_step_advances_by_steps_per_frame():
    at = loaded(spf="7")
    ps = state(at)
    assert ps.trainer.step_count == 0
    click(at, "step")
    assert state(at).trainer.step_count == 7
    click(at, "step")
    assert state(at).trainer.step_count == 14
    frame = view_data(at, "boundary")["frame"]
    click(at, "step")
    assert view_data(at, "boundary")["frame"] > frame


def test_play_trains_on_each_rerun_and_pause_stops():
    at = loaded()
    spf = state(at).config.steps_per_frame
    click(at, "play")
    assert state(at).playing
    steps = [state(at).trainer.step_count]
    for _ in range(3):
        at.run()
        steps.append(state(at).trainer.step_count)
        # Each run sends a burst of frames, each a further steps_per_frame steps on.
        boundary, hidden = view_data(at, "boundary"), view_data(at, "hidden_space")
        frames = [boundary] + boundary["burst"]
        assert len(frames) >= 2
        assert steps[-1] - steps[-2] == spf * len(frames), steps
        numbers = [f["frame"] for f in frames]
        assert numbers == list(range(numbers[0], numbers[0] + len(frames)))
        assert [f["frame"] for f in [hidden] + hidden["burst"]] == numbers
        # Training moved the surface between the first and the last frame of the burst,
        # and every hidden frame carries its own points (they move too).
        assert frames[0]["grid"]["data"] != frames[-1]["grid"]["data"]
        assert all("points" in f for f in hidden["burst"])
        assert all("points" not in f for f in boundary["burst"])
    click(at, "pause")
    count = state(at).trainer.step_count
    at.run()
    assert not state(at).playing
    assert state(at).trainer.step_count == count


def live_views(at):
    views = (json.loads(v.proto.json).get("view") for v in at.get("bidi_component"))
    return [v for v in views if v is not None]  # the page's invisible components have none


def test_while_playing_the_curves_and_diagram_are_drawn_by_the_canvas_and_plotly_when_paused():
    at = loaded()
    click(at, "step")
    assert "curves" not in live_views(at) and "network" not in live_views(at)
    assert len(at.get("plotly_chart")) == 2
    click(at, "play")
    at.run()
    ps = state(at)
    curves = ps.trainer.history.curves()
    chart = view_data(at, "loss_curve")
    assert chart["view"] == "curves"
    # The chart shows the run's history as it is, to the stored precision.
    assert len(chart["epoch"]) == len(curves["epoch"]) >= 2
    assert chart["epoch"][-1] == pytest.approx(curves["epoch"][-1], rel=1e-6)
    last = chart["series"]["train_loss"][-1]
    assert last == pytest.approx(curves["train_loss"][-1], rel=1e-4)
    assert set(chart["series"]) == {"train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    network = view_data(at, "network")
    assert network["view"] == "network"
    assert network["sizes"] == list(ps.trainer.net.layer_sizes)
    # Largest weight drawn is +-1, with its sign.
    W = ps.trainer.net.coefs[0]
    first = np.array(network["weights"][0]).reshape(W.shape)
    assert np.abs(first).max() <= 1.0
    assert np.array_equal(np.sign(first[np.abs(first) > 1e-2]), np.sign(W[np.abs(first) > 1e-2]))
    assert not at.get("plotly_chart")
    assert sorted(live_views(at)) == ["boundary", "curves", "hidden", "network"]
    click(at, "pause")
    at.run()
    assert len(at.get("plotly_chart")) == 2
    assert live_views(at) == ["boundary", "hidden"]


def test_flip_negates_the_units_weights_and_changes_the_hidden_view():
    at = loaded()
    click(at, "step")
    ps = state(at)
    w_before = ps.trainer.net.coefs[0].copy()
    b_before = ps.trainer.net.intercepts[0].copy()
    hidden_before = view_data(at, "hidden_space")
    steps = ps.trainer.step_count
    click(at, "flip_1_0")
    ps = state(at)
    np.testing.assert_array_equal(ps.trainer.net.coefs[0][:, 0], -w_before[:, 0])
    assert ps.trainer.net.intercepts[0][0] == -b_before[0]
    np.testing.assert_array_equal(ps.trainer.net.coefs[0][:, 1:], w_before[:, 1:])
    assert ps.trainer.step_count == steps
    hidden_after = view_data(at, "hidden_space")
    strip = ("frame", "points_version")
    assert {k: v for k, v in hidden_after.items() if k not in strip} != {
        k: v for k, v in hidden_before.items() if k not in strip
    }
    # flipping twice gives the original weights back
    click(at, "flip_1_0")
    np.testing.assert_array_equal(state(at).trainer.net.coefs[0], w_before)


def test_rewind_to_an_earlier_snapshot():
    at = loaded()
    click(at, "play")
    for _ in range(3):
        at.run()
    click(at, "pause")
    ps = state(at)
    entries = ps.trainer.history.entries
    assert ps.trainer.step_count > 0 and len(entries) >= 3
    index = len(entries) // 3
    target = entries[index].step
    theta = entries[index].theta.copy()
    assert 0 < target < ps.trainer.step_count
    at.select_slider(key="timeline").set_value(index).run()
    assert_ok(at)
    assert state(at).scrub == index
    assert any("viewing the past" in m.value for m in at.markdown)
    click(at, "rewind")
    ps = state(at)
    # "Resume from here": back to that moment (its snapshot kept, the later ones gone), and
    # training goes on from it
    assert ps.scrub is None and ps.playing
    kept = ps.trainer.history.entries
    assert kept[index].step == target and all(e.step > target for e in kept[index + 1 :])
    np.testing.assert_array_equal(kept[index].theta, theta)
    click(at, "pause")
    ps = state(at)
    # the state as the resume found it, to check the next step (thinning may have moved it)
    index = [e.step for e in ps.trainer.history.entries].index(target)
    ps.trainer.rewind(index)
    np.testing.assert_array_equal(ps.trainer.net.theta, theta)
    # training continues from there
    click(at, "step")
    assert state(at).trainer.step_count == target + ps.config.steps_per_frame


def test_reset_restores_the_initial_weights():
    at = loaded()
    initial = state(at).trainer.net.theta.copy()
    click(at, "step")
    assert not np.array_equal(state(at).trainer.net.theta, initial)
    click(at, "reset")
    ps = state(at)
    assert ps.trainer.step_count == 0
    np.testing.assert_array_equal(ps.trainer.net.theta, initial)


# -- live settings and resets ------------------------------------------------------------------
def test_a_learning_rate_change_keeps_the_weights():
    at = loaded()
    click(at, "step")
    ps = state(at)
    theta, steps, trainer = ps.trainer.net.theta.copy(), ps.trainer.step_count, ps.trainer
    at.select_slider(key="cfg_learning_rate").set_value(0.3).run()
    assert_ok(at)
    ps = state(at)
    assert ps.trainer is trainer
    assert ps.trainer.step_count == steps
    np.testing.assert_array_equal(ps.trainer.net.theta, theta)
    assert ps.trainer.settings.learning_rate == 0.3
    assert query(at)["lr"] == "0.3"


def test_a_dataset_change_resets_with_the_same_seed():
    at = loaded(seed="3")
    click(at, "step")
    at.selectbox(key="cfg_dataset").set_value("circles").run()
    assert_ok(at)
    ps = state(at)
    assert ps.trainer.step_count == 0
    assert ps.config.dataset == "circles" and ps.config.seed == 3
    fresh = S.new_state(ps.config)
    np.testing.assert_array_equal(ps.trainer.net.theta, fresh.trainer.net.theta)
    np.testing.assert_array_equal(ps.data.X_train, fresh.data.X_train)


DIVERGE = {"lr": "10", "loss": "squared_error", "spf": "500", "layers": "8,8", "mom": "0.9"}


def _assert_diverged(at):
    ps = state(at)
    assert ps.trainer.diverged
    assert np.isfinite(ps.trainer.net.theta).all()
    shown = warnings(at)
    assert any(ps.trainer.message in w for w in shown), shown
    assert any("learning rate" in w.lower() for w in shown)


def test_a_diverging_learning_rate_warns_and_keeps_finite_weights():
    at = loaded(**DIVERGE)
    click(at, "step")
    _assert_diverged(at)
    steps = state(at).trainer.step_count
    click(at, "step")  # no further damage
    _assert_diverged(at)
    assert state(at).trainer.step_count == steps
    # a lower learning rate clears the stop (and the warning); the weights are kept
    theta = state(at).trainer.net.theta.copy()
    at.select_slider(key="cfg_learning_rate").set_value(0.01).run()
    assert_ok(at)
    ps = state(at)
    assert not ps.trainer.diverged
    assert not any("Training stopped" in w for w in warnings(at))
    np.testing.assert_array_equal(ps.trainer.net.theta, theta)


def test_a_weight_beyond_the_editors_range_does_not_break_the_page():
    """A large but finite weight (what a learning rate of 10 leaves behind) must not turn the
    page into "Something went wrong": the weight editor's number_input (-100..100) gets the
    weight as its value and Streamlit raises StreamlitValueAboveMaxError."""
    at = loaded()
    ps = state(at)
    ps.trainer.set_parameter(1, 0, 0, 150.0)
    at.run()
    assert_ok(at)
    assert state(at).trainer.net.coefs[0][0, 0] == 150.0


def test_divergence_while_playing_pauses():
    at = loaded(**DIVERGE)
    click(at, "play")
    for _ in range(3):
        if not state(at).playing:
            break
        at.run()
    assert_ok(at)
    assert not state(at).playing
    _assert_diverged(at)


# -- CSV upload (AppTest 1.67 supports file_uploader.set_value) ---------------------------------
BAD_CSVS = {
    "too-few-columns": b"x1,x2,label\n1,2\n3,4\n",
    "not-numbers": b"x1,x2,label\n1,2,a\nfoo,bar,b\n" + b"1,1,a\n" * 10,
    "one-class": b"x1,x2,label\n" + b"".join(f"{i},{i},a\n".encode() for i in range(20)),
    "empty": b"",
    "binary": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("content", list(BAD_CSVS.values()), ids=list(BAD_CSVS))
def test_a_bad_csv_shows_the_engines_message_and_keeps_the_setup(content):
    with pytest.raises(datasets.DatasetError) as err:
        csv_points.load_csv_with_classes(content)
    at = loaded()
    click(at, "step")
    before = state(at)
    config, steps = before.config, before.trainer.step_count
    at.file_uploader(key="upload").set_value(("bad.csv", content, "text/csv")).run()
    assert_ok(at)
    shown = infos(at) + [str(e.value) for e in at.error] + warnings(at)
    assert any(str(err.value) in m for m in shown), (str(err.value), shown)
    ps = state(at)
    assert ps.config == config and ps.trainer.step_count == steps and ps.uploaded is None


def test_a_good_csv_becomes_the_dataset():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    rows = "".join(f"{a:.4f},{b:.4f},{'in' if a * b > 0 else 'out'}\n" for a, b in X)
    at = loaded()
    at.file_uploader(key="upload").set_value(
        ("quad.csv", f"x,y,label\n{rows}".encode(), "text/csv")
    )
    at.run()
    assert_ok(at)
    ps = state(at)
    assert ps.config.dataset == C.CUSTOM
    assert ps.uploaded is not None and ps.uploaded.name == "quad.csv"
    assert len(ps.data.X_train) + len(ps.data.X_test) == 40
    assert ps.data.class_names == ("in", "out")
    assert ps.trainer.step_count == 0
    click(at, "step")
    assert state(at).trainer.step_count == ps.config.steps_per_frame


# -- isolation ---------------------------------------------------------------------------------
def test_two_sessions_do_not_share_state():
    a, b = loaded(), loaded()
    click(a, "step")
    click(a, "flip_1_0")
    assert state(b).trainer.step_count == 0
    assert state(a).trainer is not state(b).trainer
    assert not np.shares_memory(state(a).trainer.net.theta, state(b).trainer.net.theta)
    np.testing.assert_array_equal(
        state(b).trainer.net.theta, S.new_state(state(b).config).trainer.net.theta
    )


def test_every_config_field_has_a_widget_value():
    """The sidebar keeps one session value per config field (``cfg_<field>``)."""
    at = loaded()
    missing = [
        f.name
        for f in fields(C.PlaygroundConfig)
        if f.name != "hidden"
        and f.name not in sidebar.NOT_WIDGETS
        and f"cfg_{f.name}" not in at.session_state
    ]
    assert not missing
    shown = [n for n in C.RANGES if n not in sidebar.NOT_WIDGETS]
    assert all(math.isfinite(float(at.session_state[f"cfg_{n}"])) for n in shown)


def test_a_pages_first_paint_draws_the_charts_on_the_canvas_and_plotly_follows():
    """Plotly's code would hold up a fresh page's first frame in the browser: the first run
    draws the curves and the diagram with the canvas, the next run (the fragment's timer, or
    any click) with Plotly, hover and zoom included."""
    at = loaded()
    assert sorted(live_views(at)) == ["boundary", "curves", "hidden", "network"]
    assert not at.get("plotly_chart")
    at.run()
    assert len(at.get("plotly_chart")) == 2
    assert live_views(at) == ["boundary", "hidden"]


def test_play_answers_at_once_with_a_few_frames_that_replace_the_queue():
    """The click's own run sends pacing.FIRST_FRAMES frames (the fragment's first timer run
    then sends the lead): the first new frame does not wait for a whole run's training."""
    from app import pacing

    at = loaded()
    click(at, "play")
    data = view_data(at, "boundary")
    assert data["flush"] is True
    assert 1 + len(data.get("burst", [])) == pacing.FIRST_FRAMES
    # Later frames of the burst carry what changes; the browser fills in the rest.
    assert all("frame" in f and "grid" in f and "mode" not in f for f in data["burst"])
    assert state(at).trainer.step_count > 0
