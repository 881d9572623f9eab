"""Bad input never shows a traceback: the whole app under AppTest with hostile links, files
and settings.

Each test opens ``app/streamlit_app.py`` as a student would (a link with query parameters,
an uploaded CSV, a learning rate that blows up) and checks that the page still works: no
exception element (Streamlit's red traceback box), no "Something went wrong" from the last
line of defence (``app/guard.py``; it means a bug got that far), the Play button is there,
and a notice says what was changed or refused.

The URL parser, the CSV loader and the model loader are fuzzed on their own in
tests/test_config.py, tests/test_csv_points.py and tests/test_serialize.py; here the page
is the unit.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import config as C
from app import pacing
from engine import geometry
from engine.trainer import Trainer

APP = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"
TIMEOUT = 120
TEXT_KINDS = (
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "text",
    "code",
    "info",
    "success",
    "warning",
    "error",
)


def open_app(params=None, timeout=TIMEOUT) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def page_text(at: AppTest) -> str:
    out = []
    for kind in TEXT_KINDS:
        for element in at.get(kind):
            try:
                out.append(str(element.value))
            except (AttributeError, TypeError, ValueError):
                continue
    return "\n".join(out)


def notices(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.info] + [str(e.value) for e in at.warning]


def assert_clean(at: AppTest) -> None:
    """The page ran, showed no traceback and did not fall back on the guard."""
    assert not at.exception, [e.message for e in at.exception][:3]
    text = page_text(at)
    assert "Traceback (most recent call last)" not in text
    gone_wrong = [e.value for e in at.error if "Something went wrong" in str(e.value)]
    assert not gone_wrong, gone_wrong
    assert at.button(key="play") is not None


def playground(at: AppTest):
    return at.session_state["playground"]


# -- the link ------------------------------------------------------------------------------
WRONG_TYPE = [
    ("n", "abc"),
    ("noise", "loud"),
    ("lr", "fast"),
    ("seed", "0x1F"),
    ("layers", "a,b"),
    ("batch", "all"),
    ("mom", "%"),
    ("spf", "[]"),
    ("test", "None"),
    ("noise", "nan"),
    ("clip", "inf"),
    ("act", "softmax"),
    ("loss", "l1"),
    ("data", "mnist"),
]


@pytest.mark.parametrize(("name", "raw"), WRONG_TYPE)
def test_a_url_value_of_the_wrong_type_is_ignored_with_a_notice(name, raw):
    at = open_app({name: raw})
    assert_clean(at)
    field = next(f for f, q in C.QUERY_NAMES.items() if q == name)
    assert getattr(playground(at).config, field) == getattr(C.DEFAULT, field)
    assert any(name in n for n in notices(at)), notices(at)


OUT_OF_RANGE = [
    ("n", "-5"),
    ("n", "1000000000"),
    ("noise", "7"),
    ("test", "5"),
    ("seed", "-1"),
    ("lr", "1e9"),
    ("lr", "0"),
    ("mom", "2"),
    ("clip", "-3"),
    ("l2", "-2"),
    ("batch", "-1"),
    ("spf", "100000"),
    ("layers", "-8"),
    ("layers", "0,-3,99999"),
    ("layers", "8,8,8,8,8,8,8,8,8,8"),
]


@pytest.mark.parametrize(("name", "raw"), OUT_OF_RANGE)
def test_a_url_value_out_of_range_is_clamped_with_a_notice(name, raw):
    at = open_app({name: raw})
    assert_clean(at)
    config = playground(at).config
    for field, (low, high) in C.RANGES.items():
        assert low <= getattr(config, field) <= high, field
    assert len(config.hidden) <= C.MAX_LAYERS
    assert all(1 <= w <= 500 for w in config.hidden)
    assert notices(at), "a clamped value must say so"


HOSTILE = {
    "very long layers": {"layers": "8," * 50_000},
    "very long number": {"n": "9" * 100_000},
    "very long name": {"data": "moons" * 20_000},
    "every parameter long": {q: "x" * 10_000 for q in C.QUERY_NAMES.values()},
    "unicode digits": {"layers": "５,５", "n": "٣٠٠"},
    "emoji and right-to-left": {"data": "🧠\u202emoons", "act": "ReLU🔥"},
    "html": {"act": "<script>alert(1)</script>", "data": "<img src=x onerror=alert(1)>"},
    "markdown": {"data": "**bold** [link](javascript:alert(1))"},
    "control characters": {"act": "relu\x00", "loss": "\x1b[31mhinge"},
    "negative widths": {"layers": "-1,-500,-8"},
    "infinite width": {"layers": "inf"},
    "width 1e999": {"layers": "1e999,8"},
    "nan width": {"layers": "nan"},
    "empty values": {q: "" for q in C.QUERY_NAMES.values()},
    "only commas": {"layers": ",,,,"},
    "floats for integers": {"n": "150.7", "seed": "3.9", "batch": "10.5"},
    "exponents": {"n": "2e2", "lr": "1e-1"},
    "a list of values": {"n": ["100", "200"], "layers": ["8", "4"]},
    "unknown parameters": {"sid": "x" * 300, "hide": "everything," * 100, "__proto__": "1"},
}


@pytest.mark.parametrize("params", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_link_still_gives_a_working_page(params):
    at = open_app(params)
    assert_clean(at)
    text = page_text(at)
    assert "<script>" not in "".join(str(e.proto) for e in at.markdown)
    # A notice quotes a bad value shortened: a 100 kB value cannot flood the page.
    assert all(len(n) < 1_000 for n in notices(at)), [len(n) for n in notices(at)]
    assert len(text) < 50_000


# -- a very large network from the link ----------------------------------------------------
def test_three_layers_of_500_units_work():
    """layers=500,500,500 is allowed: the page builds it and plays a frame."""
    at = open_app({"layers": "500,500,500", "spf": "1"})
    assert_clean(at)
    assert playground(at).config.hidden == (500, 500, 500)
    at.button(key="play").click().run()
    assert_clean(at)
    assert playground(at).trainer.step_count >= 1
    for component in at.get("bidi_component"):
        data = json.loads(component.proto.json).get("data", json.loads(component.proto.json))
        grid = data.get("grid") if isinstance(data, dict) else None
        if grid:
            assert grid["rows"] <= geometry.MAX_GRID and grid["cols"] <= geometry.MAX_GRID


def test_one_frame_of_training_is_bounded_whatever_the_link_asks(monkeypatch):
    """layers=500,500,500 & n=2000 & spf=500 asks one frame for 500 full-batch steps of a
    500 000-weight network: ~10^12 multiply-adds, minutes of CPU in one frame of one
    session, while the page is unresponsive and the server's other sessions wait. The page
    must cap a frame's training (app.pacing.steps_budget) at app.pacing.FRAME_WORK.

    Training is replaced by a counter here, so the test itself stays quick.
    """
    asked = []

    def counting_step(self, n_steps=1, record=True):
        asked.append((int(n_steps), pacing.work_per_step(self)))
        return n_steps

    monkeypatch.setattr(Trainer, "step", counting_step)
    at = open_app({"layers": "500,500,500", "n": "2000", "spf": "500"})
    assert_clean(at)
    at.button(key="play").click().run()
    assert_clean(at)
    assert asked, "Play ran no training step"
    steps, per_step = asked[-1]
    work = steps * per_step
    assert work <= max(pacing.FRAME_WORK, per_step), (
        f"one frame asks for {steps} steps x {per_step:.3g} multiply-adds = {work:.3g}; "
        f"the budget is {pacing.FRAME_WORK:.3g} (call pacing.steps_budget in draw_live_views)"
    )


# -- uploaded files ------------------------------------------------------------------------
def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="upload").set_value((name, content, "text/csv")).run()
    return at


def test_a_csv_with_one_class_is_refused_with_a_clear_message():
    at = open_app()
    before = playground(at).config
    rows = "".join(f"{i / 10},{(i * 7 % 10) / 10},spam\n" for i in range(40))
    upload(at, "one_class.csv", ("x1,x2,label\n" + rows).encode())
    assert_clean(at)
    said = " ".join(notices(at) + [e.value for e in at.error])
    assert "one_class.csv" in said and "2 classes" in said, said
    assert playground(at).config.dataset == before.dataset
    assert playground(at).uploaded is None


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("junk.csv", bytes(range(256)) * 40, "binary"),
        ("empty.csv", b"", "empty"),
        ("nan.csv", b"x1,x2,label\n0,nan,a\n1,1,b\n" * 20, "NaN"),
        ("big.csv", b"0.1,0.2,a\n0.3,0.4,b\n" * 80_000, "too big"),
        ("wide.csv", b"1,2,3,4\n" * 30, "columns"),
    ],
)
def test_a_bad_csv_is_refused_with_a_message_and_the_data_kept(name, content, words):
    at = open_app()
    before = playground(at).config
    upload(at, name, content)
    assert_clean(at)
    said = " ".join(notices(at) + [e.value for e in at.error])
    assert name in said and words.lower() in said.lower(), said
    assert playground(at).config.dataset == before.dataset


# -- a learning rate that diverges ---------------------------------------------------------
# Blows up at step 6; one step a frame, so that the history (a snapshot a frame) holds
# earlier steps to rewind to.
DIVERGING = {"lr": "10", "loss": "squared_error", "layers": "50", "mom": "0.9", "spf": "1"}


def play_until_stopped(at: AppTest, ticks=20) -> AppTest:
    at.button(key="play").click().run()
    for _ in range(ticks):
        if not playground(at).playing:
            break
        at.run()  # AppTest has no run_every timer: each run is one tick
    return at


@pytest.mark.parametrize(
    "extra",
    [{}, {"hide": "edit"}],
    ids=["whole page", "without the weight editor"],
)
def test_a_diverging_learning_rate_stops_with_a_message_and_offers_a_rewind(extra):
    at = play_until_stopped(open_app({**DIVERGING, **extra}))
    ps = playground(at)
    assert ps.trainer.diverged and not ps.playing
    assert_clean(at)
    warning = " ".join(str(w.value) for w in at.warning)
    assert "Training stopped" in warning and "learning rate" in warning.lower(), warning
    assert math.isfinite(float(ps.trainer.net.theta.sum())), "the last good weights are kept"
    # The rewind: pick an earlier snapshot on the timeline, then resume from there.
    first = ps.trainer.history.entries[0]
    at.select_slider(key="timeline").set_value(0).run()
    assert_clean(at)
    assert playground(at).scrub == 0
    at.button(key="rewind").click().run()
    assert_clean(at)
    # back at the first moment, and training from it again (at the same rate it may stop
    # again, with its message: never a traceback)
    kept = playground(at).trainer.history.entries
    assert kept[0] is first and all(e.step > 0 for e in kept[1:])
