"""The Playground's "Compare two setups" panel under AppTest (issue 11, bug 12; issue 14).

The field "B: hidden layers" is read as the URL's ``layers`` is, with the same notices; what
cannot be read, or is too long, is said on the page (no "Something went wrong", no
traceback) and the last comparison is kept. A run that blows up says so, and the chart's
axis is not stretched to its last losses. "Train both" is a job (app.jobs): a request that
would take hours is cut to the server's budget with a notice, shows its progress, and can
be cancelled.
"""

from __future__ import annotations

import math

from apptest import assert_ok, loaded

from app import compare, jobs, pacing
from app import config as C


def ps(at):
    return at.session_state["playground"]


def texts(elements):
    return [str(e.value) for e in elements]


def train_both(at, layers=None, lr=None, activation=None, epochs=None, runs=40):
    """Fill the panel, press Train both and rerun until its job has ended."""
    if layers is not None:
        at.text_input(key="cmp_layers").input(layers)
    if lr is not None:
        at.select_slider(key="cmp_lr").set_value(lr)
    if activation is not None:
        at.selectbox(key="cmp_activation").set_value(activation)
    if epochs is not None:
        at.number_input(key="cmp_epochs").set_value(epochs)
    at.button(key="cmp_run").click().run()
    shown = texts(at.info) + texts(at.warning) + texts(at.error)
    for _ in range(runs):
        if compare.JOB_KEY not in at.session_state:
            break
        at.run()
        shown += texts(at.info) + texts(at.warning) + texts(at.error)
    return shown


def test_letters_in_hidden_layers_are_a_message_not_a_crash():
    at = loaded()
    train_both(at, epochs=20)
    before = ps(at).compare
    assert before is not None
    at.text_input(key="cmp_layers").input("abc")
    at.button(key="cmp_run").click().run()
    assert not at.exception
    errors = texts(at.error)
    assert not any("Something went wrong" in e for e in errors), errors
    assert any("B: hidden layers" in e and "abc" in e for e in errors), errors
    assert compare.JOB_KEY not in at.session_state  # nothing started
    assert ps(at).compare is before  # the last comparison is kept
    assert any(c.key == "compare_chart" for c in at.get("plotly_chart"))


def test_the_field_has_a_length_cap_and_200_kb_is_read_as_its_first_60_characters():
    at = loaded()
    assert at.text_input(key="cmp_layers").proto.max_chars == compare.MAX_LAYERS_TEXT
    # As a browser stops typing at max_chars, AppTest's input() ignores a longer text...
    at.text_input(key="cmp_layers").input("8," * 100_000)
    assert at.text_input(key="cmp_layers").value == "8"
    # ... and a crafted message that sends 200 KB anyway is cut by Streamlit to max_chars:
    # the widths it holds are read with the URL's notice, in short messages.
    at.text_input(key="cmp_layers").set_value("8," * 100_000)
    shown = train_both(at, epochs=20)
    assert_ok(at)
    url_notices = []
    C.parse_layers(("8," * 100_000)[: compare.MAX_LAYERS_TEXT], url_notices)
    assert url_notices == ["At most 6 hidden layers; keeping the first 6."]
    assert any(url_notices[0] in s for s in shown), shown
    assert all(len(s) < 500 for s in shown)
    assert "layers [8, 8, 8, 8, 8, 8]" in ps(at).compare[1].label


def test_a_longer_text_than_the_cap_is_refused_by_the_panel_itself():
    from streamlit.testing.v1 import AppTest

    def script():
        from app import compare
        from app import config as C
        from app import state as S

        cfg = C.DEFAULT
        compare.request(cfg, S.make_data(cfg), "relu", "8," * 100_000, 0.1, 20)

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    errors = texts(at.error)
    assert len(errors) == 1 and "200,000 characters" in errors[0], errors
    assert len(errors[0]) < 500


def test_layers_are_read_with_the_urls_notices():
    at = loaded()
    shown = train_both(at, layers="8.4, 900,3", epochs=20)
    assert_ok(at)
    url_notices = []
    expected = C.parse_layers("8.4, 900,3", url_notices)
    assert url_notices  # rounding and the 1..500 clamp
    a, b = ps(at).compare
    assert f"layers {list(expected)}" in b.label
    for notice in url_notices:
        # Shown as a literal: the same words, in code font.
        assert any(notice.split(" [")[0] in s for s in shown), (notice, shown)


def test_a_diverged_b_says_so_and_the_chart_keeps_a_readable_axis():
    at = loaded(loss="squared_error")
    shown = train_both(at, lr=10.0, activation="relu", epochs=300)
    assert_ok(at)
    a, b = ps(at).compare
    assert a.diverged is None and b.diverged
    assert any("B diverged" in w for w in texts(at.warning)), shown
    chart = next(c for c in at.get("plotly_chart") if c.key == "compare_chart")
    fig = chart.proto.spec
    assert "B (diverged)" in fig and "at epoch" in fig
    # The loss axis ends at 100 times the largest starting loss, not at B's last value.
    from app import figures, frames

    built = figures.compare_boundaries((a, b), frames.plane_extent(ps(at).data))
    top = built.layout.yaxis3.range[1]
    assert top <= math.log10(100 * max(a.curves["test_loss"][0], b.curves["test_loss"][0])) + 1e-9


def test_a_twelve_hour_request_is_cut_to_the_budget_shows_progress_and_can_be_cancelled():
    at = loaded(layers="500,500,500,500,500,500", batch="1", lr="0.001")
    at.number_input(key="cmp_epochs").set_value(5000)
    at.button(key="cmp_run").click().run()
    assert_ok(at)
    notices = texts(at.info)
    assert any("5,000" in n and "epochs" in n and "instead" in n for n in notices), notices
    job = at.session_state[compare.JOB_KEY]
    a_cfg, b_cfg, epochs = job.params
    assert 1 <= epochs < 5000
    data = ps(at).data
    budgeted = sum(compare.estimate_seconds(c, data, epochs) for c in (a_cfg, b_cfg))
    assert budgeted <= jobs.MAX_SECONDS
    assert job.running and job.slices >= 1 and 0 < job.fraction < 1
    at.get_by_key(f"{compare.JOB_KEY}_progress")
    at.button(key=f"{compare.JOB_KEY}_cancel").click().run()
    assert not at.exception
    assert any("cancelled" in w for w in texts(at.warning)), texts(at.warning)
    assert compare.JOB_KEY not in at.session_state
    assert not job.running and ps(at).compare is None
    assert not [k for k in pacing.REGISTRY._seen if k.endswith("/job")]
    at.run()  # the message was shown once
    assert not any("cancelled" in w for w in texts(at.warning))


def test_the_default_comparison_is_within_budget_and_trains_every_epoch():
    at = loaded()
    train_both(at, activation="identity", epochs=60)
    assert_ok(at)
    a, b = ps(at).compare
    assert a.curves["epoch"][-1] == 60 and b.curves["epoch"][-1] == 60
    assert "identity" in b.label and a.diverged is None


def test_the_legend_sits_inside_the_loss_chart_below_the_titles():
    at = loaded()
    train_both(at, epochs=20)
    a, b = ps(at).compare
    from app import figures, frames

    fig = figures.compare_boundaries((a, b), frames.plane_extent(ps(at).data))
    titles = [an for an in fig.layout.annotations if an.yref == "paper"]
    assert titles and min(an.y for an in titles) >= 1.0  # subplot titles above the plots
    legend = fig.layout.legend
    assert legend.y <= 1.0 and legend.yanchor == "top"  # inside the plotting area
    loss_domain = fig.layout.xaxis3.domain
    assert legend.x >= loss_domain[0] and legend.xanchor == "right"
