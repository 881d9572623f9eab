"""Tests of app.config: the Playground's configuration and its round trip through the URL.

A link must reproduce a setup exactly, and a hand-edited or hostile URL must never raise:
``from_query`` returns a valid configuration and a notice for every value it had to change.
The strategies below are built from the module's own tables (``RANGES``, ``CHOICES``,
``WIDTHS``, ``LEARNING_RATES``, ``MAX_LAYERS``), so they follow the app as it grows; the
README's list of URL names, the presets and the sidebar are checked against ``SETTINGS``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from app import config as C
from app import presets
from app.config import DEFAULT, PlaygroundConfig, from_query, snap, to_query
from engine import datasets
from engine.settings import TrainingSettings

ROOT = Path(__file__).resolve().parent.parent

FIELDS = {f.name: f for f in fields(PlaygroundConfig)}
INT_FIELDS = {
    name
    for name in C.RANGES
    if isinstance(getattr(DEFAULT, name), int) and not isinstance(getattr(DEFAULT, name), bool)
}
FLOAT_FIELDS = {name for name in C.RANGES if name not in INT_FIELDS and name != "learning_rate"}
FEATURE_NAMES = getattr(C, "FEATURE_NAMES", None)
if FEATURE_NAMES is None and "features" in FIELDS:
    from engine.features import FEATURE_NAMES

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- what a valid configuration is -------------------------------------------------------------
STEPS = getattr(C, "STEPS", {})  # slider steps, where the module declares them
LADDERS = {"learning_rate": C.LEARNING_RATES}
if hasattr(C, "PENALTIES"):
    LADDERS.update({n: C.PENALTIES for n in ("l1", "l2") if n in FIELDS})


def on_step(value, step):
    return abs(value / step - round(value / step)) < 1e-6


def assert_valid(config: PlaygroundConfig):
    """Every value is one the module's own tables allow (so a trainer can be built and the
    sidebar can show it), and the URL the page writes for it reloads without a notice."""
    assert isinstance(config, PlaygroundConfig)
    assert config.dataset in C.DATASET_NAMES
    for name, choices in C.CHOICES.items():
        assert getattr(config, name) in choices, name
    assert isinstance(config.hidden, tuple)
    assert len(config.hidden) <= C.MAX_LAYERS
    assert all(type(w) is int and w in C.WIDTHS for w in config.hidden), config.hidden
    for name, (low, high) in C.RANGES.items():
        value = getattr(config, name)
        if name in INT_FIELDS:
            assert type(value) is int, (name, value)
        else:
            assert isinstance(value, float) and math.isfinite(value), (name, value)
        assert low <= value <= high, (name, value)
        if name in STEPS:
            assert on_step(value, STEPS[name]), (name, value)
        if name in LADDERS:
            assert value in LADDERS[name], (name, value)
    if config.regression:
        assert config.loss == "squared_error"
    if "features" in FIELDS:
        assert config.features and set(config.features) <= set(FEATURE_NAMES)
        assert list(config.features) == [n for n in FEATURE_NAMES if n in config.features]
    _, notices = from_query(to_query(config))
    assert notices == []
    assert C.problems(config) == []


# -- strategies --------------------------------------------------------------------------------
def _number(name, exact=False):
    """Values of a numeric field that the sidebar can show."""
    low, high = C.RANGES[name]
    if name in LADDERS:
        return st.sampled_from(LADDERS[name])
    if name == "batch_size":
        return st.sampled_from(C.BATCH_SIZES)
    if name in STEPS:
        step = STEPS[name]
        ks = st.integers(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9))
        cast = int if name in INT_FIELDS else float
        return ks.map(lambda k: cast(round(k * step, 6)))
    if name in INT_FIELDS:
        return st.integers(low, high)
    if exact:
        return st.floats(low, high, allow_nan=False).map(lambda x: x + 0.0)
    scale = 1000  # what a hand-written link holds: a few decimals
    return st.integers(math.ceil(low * scale), math.floor(high * scale)).map(lambda k: k / scale)


@st.composite
def configs(draw, exact_floats=False):
    """Valid configurations, field by field; ``exact_floats`` draws any float in range for
    the float fields that have no slider step."""
    values = {}
    for name in FIELDS:
        if name == "dataset":
            values[name] = draw(st.sampled_from(C.DATASET_NAMES))
        elif name == "hidden":
            widths = st.sampled_from(C.WIDTHS)
            values[name] = tuple(draw(st.lists(widths, max_size=C.MAX_LAYERS)))
        elif name == "features":
            chosen = draw(st.sets(st.sampled_from(FEATURE_NAMES), min_size=1))
            values[name] = tuple(n for n in FEATURE_NAMES if n in chosen)
        elif name in C.CHOICES:
            values[name] = draw(st.sampled_from(C.CHOICES[name]))
        elif name in C.RANGES:
            values[name] = draw(_number(name, exact_floats))
    config = PlaygroundConfig(**values)
    if config.regression:
        config = C.with_changes(config, loss="squared_error")
    return config


NUMERIC_TEXT = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.floats(-1e3, 1e3).map(lambda x: f"{x:.3f}"),
    st.sampled_from(
        [
            "inf",
            "-inf",
            "nan",
            "NaN",
            "1e400",
            "-1e400",
            "1e-400",
            "0x10",
            "1_000",
            "",
            " ",
            "0",
            "-0",
            "+5",
            "1e3",
            "٣",
            "½",
            "None",
            "true",
            "[]",
            "{}",
            "0" * 300 + "1",
        ]
    ),
)
LAYER_TEXT = st.one_of(
    st.lists(NUMERIC_TEXT, max_size=C.MAX_LAYERS + 3).map(",".join),
    st.lists(st.integers(-10, 1000).map(str), max_size=C.MAX_LAYERS + 3).map(",".join),
)
ANY_TEXT = st.one_of(
    st.text(max_size=40),
    NUMERIC_TEXT,
    LAYER_TEXT,
    st.sampled_from([*C.DATASET_NAMES, C.CUSTOM, "logistic", *C.CHOICES["loss"]]),
)
QUERY_KEYS = st.one_of(st.sampled_from(sorted(C.QUERY_NAMES.values())), st.text(max_size=8))


# -- round trip -----------------------------------------------------------------------------
@SETTINGS
@given(configs())
def test_url_round_trip_gives_the_same_config(config):
    query = to_query(config)
    assert set(query) == set(C.QUERY_NAMES.values())
    assert all(isinstance(v, str) for v in query.values())
    again, notices = from_query(query)
    assert again == config
    assert notices == []


def test_query_names_are_distinct_and_cover_every_field():
    assert set(C.QUERY_NAMES) == set(FIELDS)
    assert len(set(C.QUERY_NAMES.values())) == len(C.QUERY_NAMES)


def test_default_round_trips_and_empty_query_is_the_default():
    assert from_query({}) == (DEFAULT, [])
    assert from_query(to_query(DEFAULT)) == (DEFAULT, [])
    assert from_query({"unrelated": "x", "utm_source": "slides"}) == (DEFAULT, [])


@SETTINGS
@given(configs(exact_floats=True))
@example(C.with_changes(DEFAULT, stop_loss=0.123456789) if "stop_loss" in FIELDS else DEFAULT)
def test_the_url_the_page_writes_reproduces_the_setup_exactly(config):
    """``from_query`` accepts any in-range value of a float without a slider step (e.g. a
    hand-edited target=0.123456789), and the page then writes ``to_query`` of it into the
    URL: that link must give the very same configuration, not one rounded to 6 digits."""
    query = {C.QUERY_NAMES[n]: repr(getattr(config, n)) for n in FLOAT_FIELDS}
    accepted, _ = from_query({**to_query(config), **query})
    assert from_query(to_query(accepted))[0] == accepted


# -- hostile URLs -----------------------------------------------------------------------------
@SETTINGS
@given(st.dictionaries(QUERY_KEYS, ANY_TEXT, max_size=12))
@example({"layers": "inf"})
@example({"layers": "8,1e400"})
def test_from_query_never_raises_and_gives_a_valid_config(params):
    config, notices = from_query(params)
    assert_valid(config)
    assert isinstance(notices, list) and all(isinstance(n, str) and n for n in notices)


def _bad_values():
    """(URL name, raw value) pairs that from_query must change, so each needs a notice."""
    out = []
    q = C.QUERY_NAMES
    not_numbers = st.sampled_from(["abc", "", "1,5", "0x10", "nan", "inf", "-inf", "1e400"])
    for name, (low, high) in C.RANGES.items():
        span = max(1.0, high - low)
        above = st.floats(high + span * 1e-3, 1e300).map(repr)
        below = st.floats(-1e300, low - span * 1e-3).map(repr)
        out.append(st.tuples(st.just(q[name]), st.one_of(not_numbers, above, below)))
    for name, ladder in LADDERS.items():
        low, high = C.RANGES[name]
        off_ladder = st.floats(low, high).filter(lambda x, lad=ladder: x not in lad)
        out.append(st.tuples(st.just(q[name]), off_ladder.map(repr)))
    names = st.text(min_size=1, max_size=12)
    out.append(st.tuples(st.just(q["dataset"]), names.filter(lambda s: s not in C.DATASET_NAMES)))
    for name, choices in C.CHOICES.items():
        wrong = names.filter(lambda s, c=choices: s not in c and s != "logistic")
        out.append(st.tuples(st.just(q[name]), wrong))
    off_widths = st.integers(-1000, 10**6).filter(lambda w: w not in C.WIDTHS)
    too_many = st.lists(st.sampled_from(C.WIDTHS), min_size=C.MAX_LAYERS + 1, max_size=12)
    bad_layers = st.one_of(
        st.lists(off_widths, min_size=1, max_size=C.MAX_LAYERS)
        .map(lambda ws: ",".join(map(str, ws)))
        .filter(lambda s: s != "0"),
        too_many.map(lambda ws: ",".join(map(str, ws))),
        st.sampled_from(["a", "8,b", "x,y", "8;4", "[8]"]),
    )
    out.append(st.tuples(st.just(q["hidden"]), bad_layers))
    if "features" in FIELDS:
        unknown = names.filter(lambda s: s.replace(" ", "") and "," not in s)
        unknown = unknown.filter(lambda s: s.replace(" ", "") not in FEATURE_NAMES)
        out.append(st.tuples(st.just(q["features"]), unknown))
    return st.one_of(out)


@SETTINGS
@given(_bad_values())
def test_a_bad_value_gives_a_notice_and_a_valid_config(pair):
    name, raw = pair
    config, notices = from_query({name: raw})
    assert notices, f"{name}={raw!r} was changed without a notice"
    assert_valid(config)


@pytest.mark.parametrize(
    "params",
    [{"layers": "inf"}, {"layers": "-inf"}, {"layers": "8,1e400"}, {"layers": "1e999,4"}],
    ids=lambda p: p["layers"],
)
def test_infinite_layer_width_gives_a_notice_not_an_exception(params):
    """BUG (app/config.py, _parse_layers): ``int(float(p))`` raises OverflowError for
    'inf'/'1e400', and from_query only catches ValueError, so the page shows its
    "Something went wrong" error instead of a notice."""
    config, notices = from_query(params)
    assert notices
    assert_valid(config)


@pytest.mark.parametrize(
    "name, raw",
    [
        ("n", "25.4"),
        ("seed", "1.5"),
        ("spf", "2.5"),
        ("batch", "3.3"),
        ("layers", "8.7"),
        ("n", "25"),
        ("noise", "0.123"),
        ("mom", "0.555"),
        ("test", "0.33"),
        ("clip", "0.05"),
    ],
)
def test_a_value_rounded_to_an_integer_or_a_slider_step_gives_a_notice(name, raw):
    """from_query promises "a notice that says so" for every value it replaces; a fractional
    count, or a value between two slider steps, is rounded silently."""
    field = next(f for f, q in C.QUERY_NAMES.items() if q == name)
    config, notices = from_query({name: raw})
    value = getattr(config, field)
    kept = (
        value == tuple(float(p) for p in raw.split(","))
        if field == "hidden"
        else (value == float(raw))
    )
    assert kept or notices, f"{name}={raw} became {value!r} without a notice"


def test_unknown_and_malformed_values_keep_the_default():
    config, notices = from_query({"data": "bogus", "act": "softplus", "lr": "fast", "n": "[]"})
    assert config == DEFAULT
    assert len(notices) == 4
    assert any("data" in n and "bogus" in n for n in notices)


def test_out_of_range_values_are_clamped_with_a_notice():
    config, notices = from_query({"n": "99999", "noise": "-1", "mom": "5", "spf": "0"})
    assert config.n_samples == C.RANGES["n_samples"][1]
    assert config.noise == C.RANGES["noise"][0]
    assert config.momentum == C.RANGES["momentum"][1]
    assert config.steps_per_frame == C.RANGES["steps_per_frame"][0]
    assert len(notices) == 4


def test_regression_data_forces_squared_error_with_a_notice():
    name = datasets.REGRESSION_NAMES[0]
    config, notices = from_query({"data": name, "loss": "hinge"})
    assert config.dataset == name and config.loss == "squared_error"
    assert any("squared" in n for n in notices)
    assert from_query({"data": name, "loss": "squared_error"}) == (config, [])


def test_logistic_is_an_alias_of_sigmoid():
    assert from_query({"act": "logistic"}) == (C.with_changes(DEFAULT, activation="sigmoid"), [])


def test_overlong_values_are_cut_and_never_raise():
    config, notices = from_query({"data": "x" * 10**6, "layers": "8," * 10**5})
    assert_valid(config)
    assert notices


# -- layers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, hidden",
    [
        ("", ()),
        ("0", ()),
        ("none", ()),
        (" ", ()),
        ("8", (8,)),
        ("8,4", (8, 4)),
        (" 8 , 4 ", (8, 4)),
        ("8,,4", (8, 4)),
        ("8,", (8,)),
        ("8.0", (8,)),
        ("500", (500,)),
        ("2,2,2", (2, 2, 2)),
    ],
)
def test_layers_parse_without_notice(raw, hidden):
    assert from_query({"layers": raw}) == (C.with_changes(DEFAULT, hidden=hidden), [])


@pytest.mark.parametrize(
    "raw, hidden",
    [("9", (10,)), ("600", (500,)), ("-5", (1,)), ("0,8", (1, 8)), ("11,499", (12, 500))],
)
def test_layer_widths_snap_to_the_slider_with_a_notice(raw, hidden):
    config, notices = from_query({"layers": raw})
    assert config.hidden == hidden
    assert len(notices) == 1 and "width" in notices[0].lower()


def test_too_many_layers_keeps_the_first_ones_with_a_notice():
    raw = ",".join(str(w) for w in C.WIDTHS[: C.MAX_LAYERS + 2])
    config, notices = from_query({"layers": raw})
    assert config.hidden == C.WIDTHS[: C.MAX_LAYERS]
    assert any(str(C.MAX_LAYERS) in n for n in notices)


@pytest.mark.parametrize("raw", ["a", "8,b", "x,y", "[8]", "8;4"])
def test_unparsable_layers_keep_the_default_with_a_notice(raw):
    config, notices = from_query({"layers": raw})
    assert config.hidden == DEFAULT.hidden
    assert len(notices) == 1 and "layers" in notices[0]


@SETTINGS
@given(st.lists(st.sampled_from(C.WIDTHS), max_size=C.MAX_LAYERS))
def test_to_query_layers_round_trip(widths):
    config = C.with_changes(DEFAULT, hidden=tuple(widths))
    query = to_query(config)
    assert query["layers"] == (",".join(map(str, widths)) or "0")
    assert from_query(query) == (config, [])


# -- learning-rate snapping ------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, lr, n_notices",
    [
        ("0.1", 0.1, 0),
        ("1e-1", 0.1, 0),
        ("0.05", 0.03, 1),
        ("0.2", 0.3, 1),
        ("2", 3.0, 1),
        ("0.0004", 0.0003, 1),
        ("1e-9", 1e-5, 1),
        ("0", 1e-5, 1),
        ("-3", 1e-5, 1),
        ("100", 10.0, 1),
        ("10", 10.0, 0),
        ("1e-5", 1e-5, 0),
    ],
)
def test_learning_rate_snaps_to_the_slider(raw, lr, n_notices):
    config, notices = from_query({"lr": raw})
    assert config.learning_rate == lr
    assert len(notices) == n_notices


@SETTINGS
@given(st.floats(*C.RANGES["learning_rate"]))
def test_learning_rate_snaps_to_the_nearest_step_on_a_log_scale(x):
    config, notices = from_query({"lr": repr(x)})
    got = config.learning_rate
    assert got in C.LEARNING_RATES
    best = min(abs(math.log(o / x)) for o in C.LEARNING_RATES)
    assert abs(math.log(got / x)) == pytest.approx(best, abs=1e-12)
    assert (notices == []) == (x in C.LEARNING_RATES)


@SETTINGS
@given(st.floats(1e-6, 20.0), st.floats(1e-6, 20.0))
def test_snap_is_monotone_and_idempotent(x, y):
    assume(x <= y)
    a, b = snap(x, C.LEARNING_RATES), snap(y, C.LEARNING_RATES)
    assert a <= b
    assert snap(a, C.LEARNING_RATES) == a


@pytest.mark.parametrize("value, expected", [(0, 0), (3, 2), (4, 5), (7, 5), (8, 10), (1000, 200)])
def test_snap_uses_linear_distance_on_a_ladder_with_zero(value, expected):
    assert snap(value, C.BATCH_SIZES) == expected


def test_structure_and_training_settings_split_the_fields():
    """A change of a structure field resets; an optimizer field changes live."""
    live = C.with_changes(DEFAULT, learning_rate=0.3, momentum=0.5, l2=0.01, batch_size=10)
    assert live.structure() == DEFAULT.structure()
    assert live.training_settings() != DEFAULT.training_settings()
    for change in ({"dataset": "xor"}, {"seed": 3}, {"hidden": (4,)}, {"activation": "tanh"}):
        changed = C.with_changes(DEFAULT, **change)
        assert changed.structure() != DEFAULT.structure()
        assert changed.training_settings() == DEFAULT.training_settings()
    for change in ({"steps_per_frame": 7}, {"stop_epochs": 100}, {"draw": 2}):
        changed = C.with_changes(DEFAULT, **change)
        assert changed.structure() == DEFAULT.structure()
        assert changed.training_settings() == DEFAULT.training_settings()


def test_training_settings_carry_the_sliders_values_and_zero_means_none():
    config = C.with_changes(
        DEFAULT, learning_rate=0.3, momentum=0.5, clip_norm=2.5, l2=0.01, l1=0.001, batch_size=10
    )
    assert config.training_settings() == TrainingSettings(
        learning_rate=0.3, momentum=0.5, clip_norm=2.5, l2=0.01, l1=0.001, batch_size=10
    )
    # The sliders' 0 is "off" / "full batch": the engine's None.
    settings = DEFAULT.training_settings()
    assert settings.clip_norm is None and settings.batch_size is None


# -- the table and what comes from it --------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        {"learning_rate": 0.05},  # between two steps of the ladder
        {"noise": 0.123},  # between two steps of the slider
        {"n_samples": 25},
        {"n_samples": 200.0},  # a float where the slider gives an int
        {"momentum": 1.5},
        {"hidden": (9,)},
        {"hidden": (8,) * (C.MAX_LAYERS + 1)},
        {"features": ("x2", "x1")},  # out of the canonical order
        {"features": ()},
        {"activation": "softplus"},
        {"dataset": "nope"},
        {"batch_size": 3},
        {"stop_loss": math.nan},
        {"dataset": datasets.REGRESSION_NAMES[0], "loss": "hinge"},
    ],
    ids=repr,
)
def test_problems_names_each_value_no_control_could_hold(change):
    wrong = C.problems(C.with_changes(DEFAULT, **change))
    assert wrong
    named = [name for name in change if any(name in w for w in wrong)]
    assert named or "loss" in change, wrong


def test_problems_accepts_the_default_and_an_uploaded_csv():
    assert C.problems(DEFAULT) == []
    assert C.problems(C.with_changes(DEFAULT, dataset=C.CUSTOM)) == []


def test_every_preset_is_a_valid_configuration():
    loaded = presets.load()
    raw = json.loads(presets.PRESETS_FILE.read_text(encoding="utf-8"))
    assert list(loaded) == list(raw)
    for name, entry in loaded.items():
        assert C.problems(entry["config"]) == [], name
        for field, value in raw[name]["config"].items():
            got = getattr(entry["config"], field)
            assert (list(got) if isinstance(got, tuple) else got) == value, (name, field)


def test_a_preset_no_control_could_show_is_refused_naming_it(tmp_path, monkeypatch):
    bad = {"too fast": {"about": "x", "config": {"learning_rate": 0.05}}}
    path = tmp_path / "presets.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    monkeypatch.setattr(presets, "PRESETS_FILE", path)
    presets.load.cache_clear()
    try:
        with pytest.raises(ValueError, match="too fast.*learning_rate"):
            presets.load()
    finally:
        presets.load.cache_clear()


def test_readmes_list_of_url_names_is_the_table():
    """README's table of URL names is written from SETTINGS (`python -m app.config`)."""
    block = C.readme_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert block == C.readme_table(), "README differs from app/config.py: python -m app.config"
    names = re.findall(r"^\| `([^`]+)` \|", block, flags=re.MULTILINE)
    assert names == list(C.QUERY_NAMES.values())
    assert set(names) == set(to_query(DEFAULT))


def test_the_sidebar_draws_every_control_of_the_table():
    """Each setting with a control is drawn under ``cfg_<name>`` with its table's label and
    range or options; one missing from the sidebar's layout fails here."""
    from apptest import loaded

    at = loaded()
    for s in C.SETTINGS.values():
        if s.widget in (None, "layers"):
            continue
        [control] = [w for w in getattr(at, s.widget) if w.key == f"cfg_{s.name}"]
        assert control.label == s.label, s.name
        if s.widget in ("slider", "number_input"):
            assert (control.min, control.max) == (s.low, s.high), s.name
        elif s.name != "dataset":  # the dataset box may add an uploaded CSV
            assert len(control.options) == len(s.options), s.name
    assert at.slider(key="cfg_n_layers").max == C.MAX_LAYERS


def test_the_learning_rate_slider_reaches_the_trainer_without_a_reset():
    from apptest import loaded

    at = loaded()
    at.button(key="step").click().run()
    ps = at.session_state["playground"]
    steps = ps.trainer.step_count
    at.select_slider(key="cfg_learning_rate").set_value(0.3).run()
    ps = at.session_state["playground"]
    assert ps.trainer.settings.learning_rate == 0.3
    assert ps.trainer.settings == ps.config.training_settings()
    assert ps.trainer.step_count == steps, "a live change keeps the run"
