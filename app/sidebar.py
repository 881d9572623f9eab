"""The Playground's sidebar: widgets in, a ``PlaygroundConfig`` out.

Each widget's value lives in ``st.session_state["cfg_<field>"]``; ``seed_widgets`` writes a
configuration into them (first load from the URL, a preset), ``show`` reads them back. What
each control is (label, range or choices, help) comes from ``config.SETTINGS``; this module
says only where it goes.

The configuration itself lives in the page's state object, not in the widgets: Streamlit
forgets the values of widgets a page did not draw, so after a visit to a lab the keys are
gone, and ``show`` gives them back their values from the configuration before drawing.
"""

from __future__ import annotations

import streamlit as st

from app import drawing, presets
from app.config import (
    CUSTOM,
    QUERY_NAMES,
    REGRESSION_LEARNING_RATE,
    SETTINGS,
    PlaygroundConfig,
    Setting,
)
from engine import datasets

PRESET_NONE = "— choose a preset —"
# bytes: a CSV of 2,000 points is ~60 kB. The server's cap (.streamlit/config.toml, 16 MB)
# is for network files; the CSV uploader has its own, and the browser refuses in words.
UPLOAD_LIMIT = 1_000_000
NEW_LAYER_WIDTH = 8  # what a layer added by the depth slider starts with


def _key(name):
    return f"cfg_{name}"


# Fields that no sidebar widget shows: they change by the page's own actions (Regenerate).
NOT_WIDGETS = frozenset(s.name for s in SETTINGS.values() if s.widget is None)


def seed_widgets(config: PlaygroundConfig, only_missing: bool = False) -> None:
    """Put ``config`` into the widgets' session values (they then show it); with
    ``only_missing``, only into those Streamlit has dropped (a page switch)."""
    ss = st.session_state
    for key, value in widget_values(config).items():
        if not only_missing or key not in ss:
            ss[key] = value


def widget_values(config: PlaygroundConfig) -> dict:
    """The session value of each sidebar widget that shows ``config``."""
    out = {}
    for s in SETTINGS.values():
        value = getattr(config, s.name)
        if s.widget == "layers":
            out[_key("n_layers")] = len(value)
            for i in range(s.high):
                out[_key(f"width_{i}")] = value[i] if i < len(value) else NEW_LAYER_WIDTH
        elif s.widget == "multiselect":
            out[_key(s.name)] = list(value)
        elif s.widget in ("slider", "number_input", "select_slider"):
            out[_key(s.name)] = s.nearest(value)
        elif s.widget is not None:
            out[_key(s.name)] = value
    return out


def read(current: PlaygroundConfig) -> PlaygroundConfig:
    """The configuration the widgets hold; a control not drawn keeps ``current``'s value."""
    ss = st.session_state
    values = {}
    for s in SETTINGS.values():
        value = getattr(current, s.name)
        if s.widget == "layers":
            old = current.hidden
            n_layers = ss.get(_key("n_layers"), len(old))
            value = tuple(
                int(ss.get(_key(f"width_{i}"), old[i] if i < len(old) else NEW_LAYER_WIDTH))
                for i in range(n_layers)
            )
        elif s.widget is not None:
            value = ss.get(_key(s.name), value)
            if s.widget == "multiselect":
                value = tuple(n for n in s.options if n in value) or s.default
            elif isinstance(s.default, int):
                value = int(value)
        values[s.name] = value
    return PlaygroundConfig(**values)


def widget(where, s: Setting, disabled: bool = False):
    """The control of a plain setting, as the table describes it."""
    common = {"key": _key(s.name), "help": s.help, "disabled": disabled}
    draw = getattr(where, s.widget)
    if s.options:
        return draw(s.label, s.options, format_func=s.show, **common)
    box = {"format": s.format} if s.format else {}
    return draw(s.label, s.low, s.high, step=s.step, **box, **common)


def _apply_preset():
    name = st.session_state.get("preset")
    entry = presets.load().get(name)
    if entry is not None:
        seed_widgets(entry["config"])


def _dataset_chosen():
    """A regression set chosen with a learning rate it cannot take: the rate it can."""
    ss = st.session_state
    if ss.get(_key("dataset")) in datasets.REGRESSION_NAMES:
        if ss.get(_key("learning_rate"), 0.0) > REGRESSION_LEARNING_RATE:
            ss[_key("learning_rate")] = REGRESSION_LEARNING_RATE


def _dataset_label(name):
    if name == CUSTOM:
        return "uploaded CSV"
    return name.replace("tfp_", "TF Playground ") if name.startswith("tfp_") else name


def show(
    current: PlaygroundConfig,
    uploaded_name: str | None,
    on_upload,
    hidden: frozenset[str] = frozenset(),
) -> PlaygroundConfig:
    """Draw the sidebar; return the configuration it now shows.

    Controls named in ``hidden`` (by their URL names: classroom mode) are not drawn; their
    values stay those of ``current``.
    """
    sb = st.sidebar
    seed_widgets(current, only_missing=True)

    def shown(name):
        return QUERY_NAMES.get(name, name) not in hidden

    def widgets(where, *names, disabled=False):
        for name in names:
            if shown(name):
                widget(where, SETTINGS[name], disabled)

    if shown("preset"):
        sb.selectbox(
            "Lecture presets",
            [PRESET_NONE, *presets.load()],
            key="preset",
            on_change=_apply_preset,
            help="Sets the data, the network and the optimizer at once.",
        )
        about = presets.load().get(st.session_state.get("preset"), {}).get("about")
        if about:
            sb.caption(about)

    sb.header("Data")
    _dataset_select(sb, uploaded_name, shown("dataset"))
    # An uploaded CSV has its own points: noise and size do not apply to it.
    widgets(sb, "noise", "n_samples", disabled=st.session_state[_key("dataset")] == CUSTOM)
    widgets(sb, "test_fraction", "seed")
    if shown("upload"):
        sb.file_uploader(
            "Upload a CSV (x1, x2, label)",
            type=["csv", "txt"],
            key="upload",
            on_change=on_upload,
            max_upload_size=UPLOAD_LIMIT // 1_000_000,  # in MB
            help=f"Up to {UPLOAD_LIMIT // 1000:,} kB; a header row is optional.",
        )

    sb.header("Network")
    widgets(sb, "features")
    if shown("hidden"):
        _layers(sb, SETTINGS["hidden"], len(current.hidden))
    widgets(sb, "activation", "init")

    sb.header("Training")
    regression = st.session_state[_key("dataset")] in datasets.REGRESSION_NAMES
    if regression:
        st.session_state[_key("loss")] = "squared_error"
    widgets(sb, "loss", disabled=regression)
    widgets(sb, "learning_rate", "momentum", "clip_norm", "l2", "l1", "batch_size")
    widgets(sb, "steps_per_frame")
    if shown("stop_epochs") or shown("stop_loss"):
        with sb.expander("Stopping rule"):
            widgets(st, "stop_epochs", "stop_loss")
    return read(current)


def _dataset_select(sb, uploaded_name, shown):
    """The table's data sets, and the uploaded CSV or drawn points under their own name."""
    s = SETTINGS["dataset"]
    names = [*s.options, CUSTOM] if uploaded_name else list(s.options)
    if st.session_state.get(_key(s.name)) not in names:
        st.session_state[_key(s.name)] = names[0]
    if shown:
        drawn = uploaded_name == drawing.DRAWN  # no CSV behind them
        sb.selectbox(
            s.label,
            names,
            key=_key(s.name),
            format_func=lambda n: uploaded_name if drawn and n == CUSTOM else _dataset_label(n),
            on_change=_dataset_chosen,
            help=s.help,
        )


def _layers(sb, s: Setting, n_current: int):
    """A depth slider, then one width ladder per hidden layer."""
    sb.slider(s.label, 0, s.high, key=_key("n_layers"), help=s.help)
    for i in range(st.session_state.get(_key("n_layers"), n_current)):
        sb.select_slider(f"Units in hidden layer {i + 1}", s.options, key=_key(f"width_{i}"))
