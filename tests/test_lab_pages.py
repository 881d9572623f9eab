"""The four lab pages driven without a browser (streamlit.testing AppTest).

Each page is opened the way a user reaches it, through the app's navigation
(``AppTest.from_file(streamlit_app.py)``, one run, then ``switch_page``), and some tests run a
page file on its own (``app`` and ``engine`` import as the installed project), which is
quicker. Every test asserts that no exception reached the page.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app" / "streamlit_app.py"
PAGES = ROOT / "app" / "screens"
TIMEOUT = 120


def via_navigation(name: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    return until_done(at.switch_page(f"screens/{name}.py").run())


def page_alone(name: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=TIMEOUT)
    return until_done(at.run())


def until_done(at: AppTest, runs: int = 200) -> AppTest:
    """Rerun while a lab's computation runs: it is a job (app.jobs) that does one slice a
    run, which in a browser its fragment's timer asks for."""
    keys = ("lab_sign_flips_job", "lab_kernels_job", "lab_universal_job")
    for _ in range(runs):
        if not any(k in at.session_state and at.session_state[k].running for k in keys):
            break
        at.run()
    return at


def assert_clean(at: AppTest):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def png_name(at: AppTest, key: str) -> str:
    """The file name the chart's toolbar gives its PNG (Plotly's own export, at a slide's size)."""
    options = json.loads(at.get_by_key(key).proto.config)["toImageButtonOptions"]
    assert options["format"] == "png" and options["width"] * options["scale"] >= 1920
    return options["filename"]


def opens_and_closes(at: AppTest):
    """Each lab opens with the lecture's question and ends with what to see."""
    text = markdown_text(at)
    assert "**The lecture asks:**" in text and "**Here:**" in text
    assert "What you should see" in at.info[-1].value


# -- sign patterns ----------------------------------------------------------------------------
def test_sign_flips_through_navigation():
    at = via_navigation("sign_flips")
    assert_clean(at)
    opens_and_closes(at)
    at.get_by_key("sign_patterns")
    state = at.session_state["lab_sign_flips"]
    assert [p.label for p in state.result.patterns] == ["++", "+-", "-+", "--"]
    table = at.dataframe[0].value
    assert list(table["pattern"]) == ["++", "+-", "-+", "--"]
    assert "yes" in set(table["linearly separable"]) and "no" in set(table["linearly separable"])
    assert png_name(at, "sign_grid") == "sign_patterns"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Results (CSV)", "Data (CSV)", "Trained network (JSON)"]


def test_sign_flips_order_and_more_units():
    at = page_alone("sign_flips")
    at.radio(key="sf_order").set_value("worst").run()
    acc = list(at.dataframe[0].value["training accuracy %"])
    assert acc == sorted(acc)
    at.sidebar.slider(key="sf_units").set_value(3)
    until_done(at.button[0].click().run())  # the form's submit button
    assert_clean(at)
    assert len(at.session_state["lab_sign_flips"].result.patterns) == 8
    assert len(at.dataframe[0].value) == 8
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert sum(t["type"] == "heatmap" for t in spec["data"]) == 8


# -- kernels ----------------------------------------------------------------------------------
def test_kernels_through_navigation():
    at = via_navigation("kernel_svm")
    assert_clean(at)
    opens_and_closes(at)
    at.get_by_key("kernel_compare")
    table = at.dataframe[0].value
    assert len(table) == 4
    assert list(table["basis functions"])[2:] == ["10 hidden units", "10 hidden units"]
    assert table["basis functions"].iloc[0].endswith("support vectors")
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # the boundaries and the width sweep
    assert png_name(at, "kc_figure") == "kernels"
    assert len(at.get("download_button")) == 4  # the run's GIF, results, data, network


def test_kernels_form_changes_width():
    at = page_alone("kernel_svm")
    at.sidebar.select_slider(key="kc_hidden").set_value(3)
    at.sidebar.checkbox(key="kc_sweep").uncheck()
    until_done(at.button[0].click().run())
    assert_clean(at)
    table = at.dataframe[0].value
    assert list(table["basis functions"])[2:] == ["3 hidden units", "3 hidden units"]
    assert len(at.get("plotly_chart")) == 1


# -- universal approximation -----------------------------------------------------------------
def test_universal_through_navigation():
    at = via_navigation("universal")
    assert_clean(at)
    opens_and_closes(at)
    chart = at.get_by_key("approx_error")
    spec = json.loads(chart.proto.spec)
    names = [t["name"] for t in spec["data"]]
    assert names == ["sigmoid", "relu", "quadratic"]
    sigmoid = spec["data"][0]
    assert sigmoid["y"][-1] < 0.01 * sigmoid["y"][0]  # error falls with m
    assert [png_name(at, k) for k in ("approx_fits", "approx_error")] == ["fits", "sup_error"]
    assert len(at.get("download_button")) == 2  # errors and fits as CSV


def test_universal_formula_and_bad_formula():
    at = page_alone("universal")
    at.sidebar.multiselect(key="ua_widths").set_value([2, 20])
    at.sidebar.multiselect(key="ua_acts").set_value(["sigmoid", "quadratic"])
    at.sidebar.selectbox(key="ua_target").set_value("custom formula")
    at.sidebar.text_input(key="ua_formula").set_value("__import__('os').system('true')")
    at.button[0].click().run()
    assert not at.exception
    assert len(at.error) == 1 and "cannot be used" in at.error[0].value
    # The fits of the last good parameters are still shown.
    assert at.get_by_key("approx_error") is not None
    at.sidebar.text_input(key="ua_formula").set_value("x^2 - abs(x)")
    until_done(at.button[0].click().run())
    assert_clean(at)
    state = at.session_state["lab_universal"]
    assert [f.m for f in state.fits["sigmoid"]] == [2, 20]
    assert state.fits_params.spec == "x^2 - abs(x)"


# -- backprop inspector ---------------------------------------------------------------------
def test_backprop_uses_the_playground_network():
    at = via_navigation("backprop")  # the Playground ran first and made its state
    assert_clean(at)
    opens_and_closes(at)
    ps = at.session_state["playground"]
    assert "No Playground network" not in "\n".join(i.value for i in at.info)
    at.get_by_key("backprop_table")
    at.get_by_key("gradcheck_table")
    assert png_name(at, "bp_pick") == "backprop_point"
    n_layers = ps.trainer.net.n_layers
    # The tables: one per layer (input, hidden..., output), then the gradient check's.
    assert len(at.dataframe) == n_layers + 2
    assert list(at.dataframe[1].value.columns) == ["unit", "z", "a = f(z)", "δ = ∂ℓ/∂z"]
    grads = at.dataframe[-1].value
    assert len(grads) == len(ps.trainer.net.theta)
    # Train the Playground's network a little: the inspector follows it.
    ps.trainer.step(40)
    at.run()
    assert_clean(at)
    assert "step 40" in markdown_text(at)


def test_backprop_alone_choose_point_and_check_smooth_net():
    at = page_alone("backprop")
    assert_clean(at)
    assert any("No Playground network" in i.value for i in at.info)
    at.number_input(key="bp_index").set_value(5).run()
    assert_clean(at)
    state = at.session_state["lab_backprop"]
    assert state.index == 5 and state.inspection.key.index == 5
    assert "Point **5**" in markdown_text(at)
    # Swap in a sigmoid network: every relative error of the check is tiny.
    from app import config as C
    from app import state as S

    ps = S.new_state(C.with_changes(C.DEFAULT, activation="sigmoid", loss="log_loss"))
    ps.trainer.step(30)
    at.session_state["playground"] = ps
    at.run()
    assert_clean(at)
    check = at.session_state["lab_backprop"].inspection.check
    assert check.n_params == len(ps.trainer.net.theta)
    assert np.max(check.rel_error) < 1e-6
    rel = at.dataframe[-1].value["relative error"]
    assert rel.max() < 1e-6


# -- the guard ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, key, reset",
    [("kernel_svm", "lab_kernels", "reset_page"), ("backprop", "lab_backprop", "reset_page")],
)
def test_broken_state_gives_a_message_and_a_reset(name, key, reset):
    at = page_alone(name)
    at.session_state[key] = "not a state object"
    at.run()
    assert not at.exception  # no traceback on the page
    assert len(at.error) == 1 and "Something went wrong" in at.error[0].value
    at.button(key=reset).click().run()
    assert_clean(at)
    assert not isinstance(at.session_state[key], str)
