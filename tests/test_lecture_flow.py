"""The lecturer's path through the Playground under AppTest: page switches, links, the
timeline, regenerate, display choices, presets, flips that compensate, the feature space.

Each test walks a sequence a class would see, and checks what the page then holds.
"""

from __future__ import annotations

import base64
import json
import math
import re

import numpy as np
import pytest
from apptest import assert_ok, loaded, make_app, view_data

from app import config as C
from app import presets
from app import state as S

pytestmark = pytest.mark.timeout(300)

LABS = ("sign_flips", "kernel_svm", "universal", "backprop")


def status(at):
    for element in at.markdown:
        if "epoch" in element.value and "step" in element.value:
            return element.value
    raise AssertionError("no status line")


def surface(at):
    """The input plane's decision surface as the browser gets it (uint8 levels)."""
    grid = view_data(at, "boundary")["grid"]
    levels = np.frombuffer(base64.b64decode(grid["data"]), dtype=np.uint8)
    return levels.reshape(grid["rows"], grid["cols"]).astype(int)


def ps_of(at) -> S.PlaygroundState:
    return at.session_state["playground"]


def infos(at):
    return [e.value for e in at.info]


# -- 1. a page switch keeps the Playground ------------------------------------------------------
def test_going_to_each_lab_and_back_keeps_setup_network_history_and_link():
    at = loaded(data="wedge", layers="2", lr="0.3", mom="0.9", noise="0.05", n="300", seed="4")
    at.button(key="step").click().run()
    at.button(key="step").click().run()
    before = ps_of(at)
    config, steps = before.config, before.trainer.step_count
    theta = before.trainer.net.theta.copy()
    n_history = len(before.trainer.history.entries)
    link = dict(at.query_params)
    for lab in LABS:
        at.switch_page(f"screens/{lab}.py").run()
        assert not at.exception
        at.switch_page("screens/playground.py").run()
        assert_ok(at)
        ps = ps_of(at)
        assert ps.config == config, lab
        assert ps.trainer.step_count == steps
        np.testing.assert_array_equal(ps.trainer.net.theta, theta)
        assert len(ps.trainer.history.entries) == n_history
        assert dict(at.query_params) == link
        # The widgets show the setup again, not their minimums.
        assert at.sidebar.selectbox(key="cfg_dataset").value == "wedge"
        assert at.sidebar.slider(key="cfg_n_layers").value == 1
        assert at.sidebar.select_slider(key="cfg_learning_rate").value == 0.3


def test_display_choices_survive_a_page_switch():
    at = loaded(data="moons")
    at.sidebar.checkbox(key="show_test").uncheck().run()
    at.switch_page("screens/kernel_svm.py").run()
    at.switch_page("screens/playground.py").run()
    assert_ok(at)
    assert ps_of(at).show_test is False
    assert at.sidebar.checkbox(key="show_test").value is False


# -- 2. links carry no session ------------------------------------------------------------------
def test_the_link_names_no_session_and_opens_cleanly_for_anyone():
    at = loaded(data="xor", layers="4,2", act="tanh")
    link = dict(at.query_params)
    assert "sid" not in link
    other = loaded(**link)
    assert not infos(other), infos(other)
    assert ps_of(other).config == ps_of(at).config


def test_an_old_link_with_a_session_id_opens_without_a_warning_and_drops_it():
    at = loaded(data="circles", sid="0123456789ab")
    assert not infos(at), infos(at)
    assert "sid" not in dict(at.query_params)


def test_the_server_knows_which_session_ids_it_issued():
    from app import session_mark

    sid = session_mark.issue()
    assert session_mark.was_issued_here(sid)
    assert not session_mark.was_issued_here("f" * 16)


# -- 3. the timeline shows a past moment everywhere ---------------------------------------------
def test_scrubbing_back_shows_that_moment_in_every_view_and_resume_trains_from_it():
    at = loaded(data="wedge", layers="2", lr="0.3")
    for _ in range(3):
        at.button(key="step").click().run()
    ps = ps_of(at)
    entries = ps.trainer.history.entries
    now_plane = surface(at)
    now_hidden = view_data(at, "hidden_space")["grid_lines_q"]
    slider = at.select_slider(key="timeline")
    # labelled in epochs
    assert "epoch" in slider.label.lower()
    assert slider.format_func(1).startswith("epoch ")
    slider.set_value(1).run()
    assert_ok(at)
    ps = ps_of(at)
    assert ps.scrub == 1
    past = entries[1]
    # the status line says that moment's epoch and loss, not the present's
    line = status(at)
    assert f"epoch {past.epoch:,.0f}" in line and "viewing the past" in line
    assert S.number(past.train_loss) in line
    # the views show the snapshot's network
    assert not np.array_equal(surface(at), now_plane)
    assert view_data(at, "hidden_space")["grid_lines_q"] != now_hidden
    # the diagram too: its hover texts carry the weights' values
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    texts = " ".join(t for tr in spec["data"] for t in (tr.get("text") or []) if isinstance(t, str))
    W1 = past.theta[:2]  # the first two parameters are W^1's first row: w_11 and w_21
    assert f"{W1[0]:.4g}" in texts
    # resume: that state at once, then training from it
    at.button(key="rewind").click().run()
    ps = ps_of(at)
    assert ps.scrub is None and ps.playing
    # the later moments are forgotten; the run goes on from the one chosen
    kept = ps.trainer.history.entries
    assert kept[1] is past and all(e.step > past.step for e in kept[2:])
    assert kept[-1].step != entries[-1].step or len(kept) <= len(entries)


# -- 4. a blow-up shows sane numbers -----------------------------------------------------------
def test_a_diverging_run_shows_short_numbers_and_no_rewind_that_does_not_exist():
    at = loaded(data="moons", loss="squared_error", lr="10", mom="0.9")
    for _ in range(6):
        at.button(key="step").click().run()
        assert not at.exception
    ps = ps_of(at)
    assert ps.trainer.diverged
    line = status(at)
    assert not re.search(r"\d{8,}", line), line
    losses = [x for x in re.findall(r"loss ([^\s·`]+)", line)]
    for text in losses:
        value = float(text) if text != "—" else math.nan
        assert not value > 1e12, line
    kept = ps.trainer.metrics()["train_loss"]
    assert math.isfinite(kept) and kept < 1e6
    warning = " ".join(e.value for e in at.warning)
    assert "learning rate" in warning.lower()
    assert not re.search(r"\d{8,}", warning), warning
    if not getattr(ps.trainer, "can_rewind", False):
        assert "timeline" not in warning and "rewind" not in warning.lower()


def test_tf_playgrounds_plane_regression_does_not_blow_up_on_its_first_play():
    at = loaded(data="tfp_plane")
    for _ in range(8):
        at.button(key="step").click().run()
    ps = ps_of(at)
    assert not ps.trainer.diverged, ps.trainer.message
    assert ps.trainer.metrics()["train_loss"] < ps.trainer.history.entries[0].train_loss


# -- 5. regenerate ---------------------------------------------------------------------------
def test_regenerate_updates_the_status_line_and_puts_the_sample_in_the_link():
    at = loaded(data="moons", noise="0.3", n="100", lr="0.3")
    at.button(key="step").click().run()
    before = status(at)
    X_before = ps_of(at).data.X_train.copy()
    at.button(key="regenerate").click().run()
    assert_ok(at)
    ps = ps_of(at)
    assert at.query_params["draw"] == "1"
    assert not np.array_equal(ps.data.X_train, X_before)
    # the status line is the network evaluated on the new points
    fresh = ps.trainer.metrics()
    line = status(at)
    assert S.number(fresh["train_loss"]) in line and line != before
    # the link shows the same points to a student
    other = loaded(**dict(at.query_params))
    np.testing.assert_array_equal(ps_of(other).data.X_train, ps.data.X_train)
    np.testing.assert_array_equal(ps_of(other).data.y_test, ps.data.y_test)


# -- 6. show test data --------------------------------------------------------------------------
def test_hiding_test_data_hides_it_in_the_hidden_space_too():
    at = loaded(data="moons")
    assert view_data(at, "hidden_space")["show_test"] is True
    at.sidebar.checkbox(key="show_test").uncheck().run()
    assert view_data(at, "boundary")["show_test"] is False
    assert view_data(at, "hidden_space")["show_test"] is False


# -- 8. an uploaded CSV --------------------------------------------------------------------------
def test_with_a_csv_noise_and_size_are_disabled_and_left_out_of_the_link():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    rows = "\n".join(f"{a:.4f},{b:.4f},{int(a * b > 0)}" for a, b in X)
    at = loaded(data="moons")
    at.file_uploader(key="upload").set_value(("quad.csv", rows.encode(), "text/csv")).run()
    assert_ok(at)
    assert ps_of(at).config.dataset == C.CUSTOM
    assert at.sidebar.slider(key="cfg_noise").disabled
    assert at.sidebar.slider(key="cfg_n_samples").disabled
    query = dict(at.query_params)
    assert query["data"] == "csv" and "noise" not in query and "n" not in query
    # that link, opened elsewhere, says why the points are not there
    other = loaded(**query)
    assert any("CSV" in text for text in infos(other)), infos(other)


# -- the lecture's presets --------------------------------------------------------------------
def test_the_width_presets_use_the_same_data_as_the_two_unit_one():
    entries = list(presets.load().values())
    two = entries[0]["config"]
    assert two.hidden == (2,)
    wider = [e["config"] for e in entries[1:4]]
    assert [c.hidden for c in wider] == [(10,), (100,), (500,)]
    for c in wider:
        assert (c.dataset, c.noise, c.n_samples, c.seed, c.test_fraction) == (
            two.dataset,
            two.noise,
            two.n_samples,
            two.seed,
            two.test_fraction,
        )


def test_choosing_a_preset_sets_the_playground():
    at = loaded()
    name = list(presets.load())[0]
    at.sidebar.selectbox(key="preset").select(name).run()
    assert_ok(at)
    assert ps_of(at).config.hidden == (2,) and ps_of(at).config.dataset == "wedge"


# -- flip and compensate ------------------------------------------------------------------------
@pytest.mark.parametrize("act, same", [("tanh", True), ("identity", True), ("relu", False)])
def test_flip_and_compensate_keeps_the_function_only_for_odd_activations(act, same):
    at = loaded(data="moons", layers="4", act=act)
    at.button(key="step").click().run()
    before = surface(at)
    at.toggle(key="flip_compensate").set_value(True).run()
    assert "flip & compensate z1" == at.button(key="flip_1_0").label
    at.button(key="flip_1_0").click().run()
    assert_ok(at)
    after = surface(at)
    # the same function: equal up to a level of quantisation where rounding falls apart
    assert (np.abs(before - after).max() <= 1) == same


def test_a_plain_flip_moves_the_boundary_for_tanh():
    at = loaded(data="moons", layers="4", act="tanh")
    at.button(key="step").click().run()
    before = surface(at)
    at.button(key="flip_1_0").click().run()
    assert np.abs(surface(at) - before).max() > 1


# -- the feature space ("layer 0") --------------------------------------------------------------
def test_with_input_features_the_hidden_view_can_show_the_feature_space():
    at = loaded(data="circles", layers="0", feat="x1^2,x2^2")
    layer = at.selectbox(key="hs_layer")
    assert 0 in layer.options or "input features" in layer.options
    data = view_data(at, "hidden_space")
    assert data["axis_labels"] == ["x1^2", "x2^2"]
    # no hidden layer, two features: the output's boundary is a line in this space
    assert data["output_line"] is not None


def test_without_input_features_there_is_no_layer_zero():
    at = loaded(data="circles", layers="3")
    assert at.selectbox(key="hs_layer").options == ["layer 1"]


# -- the charts --------------------------------------------------------------------------------
def test_the_loss_chart_has_the_gradient_norm_and_the_clipping_threshold():
    at = loaded(data="moons", clip="0.5", lr="1")
    for _ in range(2):
        at.button(key="step").click().run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name") for t in spec["data"]]
    assert "‖g‖" in names
    shapes = spec["layout"].get("shapes", [])
    assert any(s.get("y0") == 0.5 and s.get("y1") == 0.5 for s in shapes)


def test_the_network_diagram_names_its_weights_and_inputs():
    at = loaded(data="moons", layers="3")
    at.run()  # the Plotly figures follow a page's first paint (drawn by the canvas)
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    texts = [t for tr in spec["data"] for t in (tr.get("text") or []) if isinstance(t, str)]
    w = ps_of(at).trainer.net.coefs[0]
    assert any(t.startswith("w<sup>1</sup><sub>2,1</sub>") and f"{w[0, 1]:.4g}" in t for t in texts)
    assert "x1" in texts and "x2" in texts


# -- presentation mode --------------------------------------------------------------------------
def test_presentation_mode_from_the_link_stays_in_the_link():
    at = loaded(data="wedge", present="1")
    assert ps_of(at).present
    assert at.query_params["present"] == "1"
    assert at.sidebar.toggle(key="present").value is True
    at.sidebar.toggle(key="present").set_value(False).run()
    assert "present" not in dict(at.query_params)


def test_classroom_hide_still_applies_in_presentation_mode():
    at = make_app(data="wedge", present="1", hide="lr,flip")
    at.run()
    assert_ok(at)
    assert not [s for s in at.sidebar.select_slider if s.key == "cfg_learning_rate"]
    assert not [b for b in at.button if (b.key or "").startswith("flip_1_")]


def test_choosing_plane_regression_in_the_sidebar_picks_a_rate_it_can_take():
    at = loaded(data="moons")
    assert ps_of(at).config.learning_rate == 0.1
    at.sidebar.selectbox(key="cfg_dataset").select("tfp_plane").run()
    assert_ok(at)
    assert ps_of(at).config.learning_rate == C.REGRESSION_LEARNING_RATE
    for _ in range(8):
        at.button(key="step").click().run()
    assert not ps_of(at).trainer.diverged, ps_of(at).trainer.message


def test_a_plane_link_that_names_its_rate_keeps_it():
    at = loaded(data="tfp_plane", lr="0.01")
    assert ps_of(at).config.learning_rate == 0.01


def test_a_blow_up_at_the_first_steps_offers_no_timeline_to_go_back_with():
    at = loaded(data="moons", loss="squared_error", lr="10", mom="0.9")
    for _ in range(3):
        at.button(key="step").click().run()
    warning = " ".join(w.value for w in at.warning)
    assert "learning rate" in warning.lower() and "timeline" not in warning


def test_a_blow_up_after_some_training_points_to_the_timeline():
    at = loaded(data="moons", loss="squared_error", lr="0.1")
    for _ in range(3):
        at.button(key="step").click().run()
    at.sidebar.select_slider(key="cfg_learning_rate").set_value(10.0).run()
    at.sidebar.slider(key="cfg_momentum").set_value(0.9).run()
    for _ in range(3):
        at.button(key="step").click().run()
    assert ps_of(at).trainer.diverged
    warning = " ".join(w.value for w in at.warning)
    assert "timeline" in warning
    at.select_slider(key="timeline").set_value(1).run()
    assert_ok(at)


def test_relu_units_killed_by_a_huge_step_get_a_notice():
    at = loaded(data="moons", lr="10", layers="8", loss="hinge")
    for _ in range(4):
        at.button(key="step").click().run()
    assert any("dead" in text and "learning rate" in text for text in infos(at)), infos(at)
    # a healthy run has no such notice
    at = loaded(data="moons", lr="0.1", layers="8", loss="hinge")
    at.button(key="step").click().run()
    assert not any("dead" in text for text in infos(at))


def test_a_run_of_an_expensive_network_stops_adding_frames_past_its_cpu_share(monkeypatch):
    """A 6 x 500 network costs ~0.25 s a step: a run must not make forty such frames while
    every other session waits for the frame slot. The clock is a fake: each reading is
    0.1 s later, so the budget is spent after a few frames whatever the machine."""
    from app import pacing

    at = loaded(data="moons", layers="8")
    ticks = iter(range(10**6))
    monkeypatch.setattr(pacing, "cpu_clock", lambda: 0.1 * next(ticks))
    # Forty frames a run, whatever the plan and the lead of a click's run.
    monkeypatch.setattr(pacing, "session_plan", lambda *a, **k: pacing.Plan(0.3, 40))
    monkeypatch.setattr(pacing, "MAX_BURST", 40)
    monkeypatch.setattr(pacing, "FIRST_FRAMES", 40)
    at.button(key="play").click().run()
    data = view_data(at, "boundary")
    sent = 1 + len(data.get("burst", []))
    assert 1 <= sent <= 4, sent
    monkeypatch.setattr(pacing, "cpu_clock", lambda: 0.0)  # a clock that never moves
    at.run()
    data = view_data(at, "boundary")
    assert 1 + len(data.get("burst", [])) == 40
