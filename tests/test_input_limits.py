"""Huge finite numbers, empty lists and big files are refused where they enter, in words.

Issue 11, bugs 7, 10 and 11: a CSV at +-1e308, a network file with weights of 1e308 or a
weight typed as 1e308 loaded and then broke the page ("must be 4 finite numbers"); 1e400
typed became 0; a formula of 1e308 drew empty plots; ``?layers=,,,,`` silently built no
hidden layer; a saved 250 x 250 network could not be loaded back (the server's 1 MB cap
answered 413 to a file the uploader allowed); the weight editor's box kept the weight's
value at epoch 0, and "Set" wrote it back. Each test drives the page (AppTest) or the
engine function where the value enters.
"""

from __future__ import annotations

import base64
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from apptest import assert_ok, loaded
from streamlit.testing.v1 import AppTest

from app import config as C
from app import exports, messages
from app import state as S
from engine import csv_points, datasets, serialize
from engine.features import FEATURE_NAMES
from engine.formula import MAX_VALUE, FormulaError, sample_formula
from engine.network import Network

ROOT = Path(__file__).resolve().parent.parent
HUGE = 1e308


def state(at) -> S.PlaygroundState:
    return at.session_state["playground"]


def infos(at):
    return [str(e.value) for e in at.info]


# -- ?layers=,,,, ----------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [",,,,", ",", " , , "])
def test_layers_with_no_width_are_refused_with_a_notice(raw):
    config, notices = C.from_query({"layers": raw})
    assert config.hidden == C.DEFAULT.hidden, "the default network, not an empty one"
    [notice] = notices
    assert "no layer width" in notice and isinstance(notice, messages.Markdown)
    # "0" still means no hidden layer, without a notice.
    assert C.from_query({"layers": "0"}) == (C.with_changes(C.DEFAULT, hidden=()), [])


def test_a_link_with_layers_of_commas_opens_the_default_network_and_says_so():
    at = loaded(layers=",,,,")
    assert state(at).config.hidden == C.DEFAULT.hidden
    assert any("no layer width" in m for m in infos(at)), infos(at)


# -- CSV coordinates -------------------------------------------------------------------------
def _csv(last_row):
    rows = "".join(f"{i / 10},{-i / 10},{'ab'[i % 2]}\n" for i in range(10))
    return f"x1,x2,label\n{rows}{last_row}\n".encode()


@pytest.mark.parametrize(
    "row, where",
    [
        ("1e308,0,a", "line 12, column 1 (x1)"),
        ("0,-1e308,b", "line 12, column 2 (x2)"),
        ("1000000.5,0,a", "line 12, column 1 (x1)"),
    ],
)
def test_csv_coordinates_beyond_the_limit_are_refused_with_their_place(row, where):
    with pytest.raises(datasets.DatasetError, match="too large") as err:
        csv_points.load_csv(_csv(row))
    assert str(err.value).startswith(where)
    # The limit itself loads.
    X, _ = csv_points.load_csv(_csv(f"{csv_points.MAX_COORDINATE},{-csv_points.MAX_COORDINATE},a"))
    assert np.abs(X).max() == csv_points.MAX_COORDINATE


def test_to_csv_refuses_what_the_loader_would_refuse():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [HUGE, 0.0]])
    with pytest.raises(datasets.DatasetError, match="beyond"):
        csv_points.to_csv(X, np.array([0, 1, 0, 1]))


def test_a_csv_at_1e308_is_refused_on_the_page_and_the_setup_is_kept():
    at = loaded()
    config = state(at).config
    at.file_uploader(key="upload").set_value(("huge.csv", _csv("1e308,-1e308,a"), "text/csv"))
    at.run()
    assert_ok(at)
    assert any("too large" in m for m in infos(at)), infos(at)
    assert state(at).config == config and state(at).uploaded is None


# -- network files ---------------------------------------------------------------------------
def _net_doc(weight):
    net = Network((2, 8, 1), "relu", random_state=0)
    doc = json.loads(serialize.network_to_json(net))
    doc["coefs"][0][1][3] = weight
    return json.dumps(doc)


def test_a_network_file_with_a_weight_of_1e308_is_refused_with_its_place():
    with pytest.raises(serialize.ModelFormatError, match=r"coefs\[0\] \(W1\)\[1\]\[3\] is 1e\+308"):
        serialize.network_from_json(_net_doc(HUGE))
    net = serialize.network_from_json(_net_doc(serialize.MAX_WEIGHT))
    assert net.coefs[0][1, 3] == serialize.MAX_WEIGHT


def test_compact_files_are_checked_the_same_way():
    net = Network((2, 8, 1), "relu", random_state=0)
    net.coefs[1][5, 0] = HUGE
    with pytest.raises(serialize.ModelFormatError, match="beyond"):
        serialize.network_to_json(net, compact=True)  # the writer refuses it too
    net.coefs[1][5, 0] = 0.5
    doc = json.loads(serialize.network_to_json(net, compact=True))
    raw = np.frombuffer(base64.b64decode(doc["coefs"][1]), "<f8").copy()
    raw[5] = HUGE
    doc["coefs"][1] = base64.b64encode(raw.tobytes()).decode()
    with pytest.raises(serialize.ModelFormatError, match=r"coefs\[1\] \(W2\)\[5\]\[0\] is 1e\+308"):
        serialize.network_from_json(json.dumps(doc))
    for bad in ("!!!!", doc["coefs"][1][:-4], doc["coefs"][1] + "AAAA"):
        doc["coefs"][1] = bad
        with pytest.raises(serialize.ModelFormatError, match=r"coefs\[1\]"):
            serialize.network_from_json(json.dumps(doc))


def _panel_app():
    import streamlit as st

    from app import config as C
    from app import exports
    from app import state as S

    if "playground" not in st.session_state:
        st.session_state["playground"] = S.new_state(C.DEFAULT)
    exports.export_panel(st.session_state["playground"])


def test_a_network_file_with_huge_weights_is_refused_on_the_page_in_words():
    at = AppTest.from_function(_panel_app, default_timeout=60).run()
    before = at.session_state["playground"].trainer.net.theta.copy()
    at.file_uploader[0].set_value(("evil.json", _net_doc(HUGE).encode(), "application/json"))
    at.run()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("The network file `evil.json` was not loaded: `")
    assert "1e+308" in error.value and "beyond" in error.value
    assert np.array_equal(at.session_state["playground"].trainer.net.theta, before)


def test_a_network_that_could_not_load_back_is_not_offered_and_says_why():
    at = AppTest.from_function(_panel_app, default_timeout=60).run()
    ps = at.session_state["playground"]
    ps.trainer.net.coefs[0][0, 0] = 1e12  # what a run that blew up may leave
    at.run()
    [button] = [b for b in at.get("download_button") if b.proto.label == "Network (JSON)"]
    assert button.proto.disabled and "beyond" in button.proto.help


# -- every network the studio exports loads back; the limits agree ---------------------------
def _upload_cap_mib():
    with open(ROOT / ".streamlit" / "config.toml", "rb") as f:
        return tomllib.load(f)["server"]["maxUploadSize"]


def test_the_upload_limits_agree():
    # The server refuses (413, shown only as "AxiosError ... 413") what is over its cap, so
    # no uploader may promise more.
    cap = _upload_cap_mib() * 2**20  # Streamlit counts MiB: 1024 * 1024 bytes
    assert serialize.MAX_BYTES <= cap
    at = AppTest.from_function(_panel_app, default_timeout=60).run()
    assert at.file_uploader[0].proto.max_upload_size_mb * 2**20 == serialize.MAX_BYTES
    assert at.file_uploader[0].proto.max_upload_size_mb <= _upload_cap_mib()


def test_the_playgrounds_largest_network_exports_within_the_limits_and_loads_back():
    # The sidebar's largest choices: every input feature, MAX_LAYERS layers of the widest
    # width, the most classes a CSV may have.
    sizes = (len(FEATURE_NAMES), *[max(C.WIDTHS)] * C.MAX_LAYERS, datasets.MAX_CLASSES)
    net = Network(sizes, "tanh", random_state=0)
    net.theta[:] = np.random.default_rng(1).normal(0, 3, net.theta.shape)  # full mantissas
    text = exports.network_json(net, {"step": 10**6})
    assert len(text) <= serialize.MAX_BYTES
    back = serialize.network_from_json(text.encode())
    assert back.layer_sizes == sizes and np.array_equal(back.theta, net.theta)


def test_the_bug_reports_250_by_250_network_loads_back_through_the_page():
    at = AppTest.from_function(_panel_app, default_timeout=60)
    at.session_state["playground"] = S.new_state(C.with_changes(C.DEFAULT, hidden=(250, 250)))
    at.run()
    ps = at.session_state["playground"]
    ps.trainer.step(20)
    text = exports.network_json(ps.trainer.net, exports.network_meta(ps))
    assert len(text) < 1_000_000, "compact: ~0.7 MB (the old lists took 1.4 MB)"
    trained = ps.trainer.net.theta.copy()
    ps.trainer.step(5)  # the page's network moves on; loading brings the file's back
    assert not np.array_equal(ps.trainer.net.theta, trained)
    at.file_uploader[0].set_value(("network.json", text.encode(), "application/json")).run()
    assert not at.exception and not at.error
    assert at.success and "Loaded the network" in at.success[0].value
    assert np.array_equal(at.session_state["playground"].trainer.net.theta, trained)


def test_an_oversized_network_file_is_refused_in_words():
    with pytest.raises(serialize.ModelFormatError, match=r"is 16\.0 MB; a network file may be"):
        serialize.network_from_json(b" " * (serialize.MAX_BYTES + 1))


# -- the weight editor -----------------------------------------------------------------------
def _weight(ps):
    return float(ps.trainer.net.coefs[0][0, 0])


def _editor(at):
    at.selectbox(key="edit_layer").set_value(1)
    at.selectbox(key="edit_from").set_value(0)
    at.selectbox(key="edit_to").set_value(0)
    at.run()
    assert_ok(at)
    return at


def test_the_value_box_shows_the_weight_now_and_set_with_nothing_typed_changes_nothing():
    at = _editor(loaded())
    assert at.number_input(key="weight_value").value == _weight(state(at))
    for _ in range(3):
        at.button(key="step").click().run()
    assert_ok(at)
    now = _weight(state(at))
    assert at.number_input(key="weight_value").value == now, "not the value at epoch 0"
    theta = state(at).trainer.net.theta.copy()
    at.button(key="set_weight").click().run()
    assert_ok(at)
    assert np.array_equal(state(at).trainer.net.theta, theta), "an empty Set changes nothing"
    # A typed value is set, and kept in the box.
    at.number_input(key="weight_value").set_value(2.5).run()
    at.button(key="set_weight").click().run()
    assert_ok(at)
    assert _weight(state(at)) == 2.5 and at.number_input(key="weight_value").value == 2.5


@pytest.mark.parametrize("typed", [HUGE, -HUGE, math.inf, serialize.MAX_WEIGHT * 1.5])
def test_a_typed_weight_beyond_the_limit_is_refused_with_a_notice(typed):
    at = _editor(loaded())
    before = state(at).trainer.net.theta.copy()
    box = at.number_input(key="weight_value")
    assert box.proto.max == serialize.MAX_WEIGHT and box.proto.min == -serialize.MAX_WEIGHT
    box.set_value(typed).run()
    at.button(key="set_weight").click().run()
    assert_ok(at)
    assert np.array_equal(state(at).trainer.net.theta, before)
    assert any("was not changed" in m for m in infos(at)), infos(at)


def test_a_weight_beyond_the_box_is_shown_and_does_not_break_the_page():
    at = _editor(loaded())
    state(at).trainer.set_parameter(1, 0, 0, 1e9)
    at.run()
    assert_ok(at)
    assert at.number_input(key="weight_value").value == serialize.MAX_WEIGHT
    assert any("beyond the box" in c.value for c in at.caption)


# -- formulas --------------------------------------------------------------------------------
@pytest.mark.parametrize("formula", ["1e308", "1e7", "exp(exp(x))", "-1e300*x"])
def test_a_target_too_large_to_fit_is_refused_with_a_message(formula):
    with pytest.raises(FormulaError, match="within ±1e\\+06"):
        sample_formula(formula)


def test_a_target_at_the_limit_is_allowed():
    x, y = sample_formula(f"{MAX_VALUE:g}*sin(x)")
    assert np.abs(y).max() <= MAX_VALUE
