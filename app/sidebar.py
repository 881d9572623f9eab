"""The Playground's sidebar: widgets in, a ``PlaygroundConfig`` out.

Each widget's value lives in ``st.session_state["cfg_<field>"]``; ``seed_widgets`` writes a
configuration into them (first load from the URL, a preset), ``show`` reads them back.

The configuration itself lives in the page's state object, not in the widgets: Streamlit
forgets the values of widgets a page did not draw, so after a visit to a lab the keys are
gone, and ``show`` gives them back their values from the configuration before drawing.
"""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

from app import drawing, presets
from app.config import (
    BATCH_SIZES,
    CUSTOM,
    DATASET_NAMES,
    LEARNING_RATES,
    MAX_LAYERS,
    PENALTIES,
    QUERY_NAMES,
    REGRESSION_LEARNING_RATE,
    WIDTHS,
    PlaygroundConfig,
    snap,
)
from engine import datasets
from engine.activations import ACTIVATION_NAMES
from engine.features import FEATURE_NAMES, RAW
from engine.losses import LOSS_NAMES
from engine.network import INITS

PRESET_NONE = "— choose a preset —"
# bytes: a CSV of 2,000 points is ~60 kB. The server's cap (.streamlit/config.toml, 16 MB)
# is for network files; the CSV uploader has its own, and the browser refuses in words.
UPLOAD_LIMIT = 1_000_000


def _key(name):
    return f"cfg_{name}"


# Fields that no sidebar widget shows: they change by the page's own actions (Regenerate).
NOT_WIDGETS = frozenset({"draw"})


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
    for f in fields(config):
        if f.name in NOT_WIDGETS:
            continue
        value = getattr(config, f.name)
        if f.name == "hidden":
            out[_key("n_layers")] = len(value)
            for i in range(MAX_LAYERS):
                out[_key(f"width_{i}")] = value[i] if i < len(value) else 8
        elif f.name == "learning_rate":
            out[_key(f.name)] = snap(value, LEARNING_RATES)
        elif f.name == "batch_size":
            out[_key(f.name)] = snap(value, BATCH_SIZES) if value else 0
        elif f.name in ("l1", "l2"):
            out[_key(f.name)] = snap(value, PENALTIES) if value else 0.0
        elif f.name == "features":
            out[_key(f.name)] = list(value)
        else:
            out[_key(f.name)] = value
    return out


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
    names = [*DATASET_NAMES, CUSTOM] if uploaded_name else list(DATASET_NAMES)
    if st.session_state.get(_key("dataset")) not in names:
        st.session_state[_key("dataset")] = names[0]
    if shown("dataset"):
        drawn = uploaded_name == drawing.DRAWN  # no CSV behind them
        sb.selectbox(
            "Dataset",
            names,
            key=_key("dataset"),
            format_func=lambda n: uploaded_name if drawn and n == CUSTOM else _dataset_label(n),
            on_change=_dataset_chosen,
        )
    # An uploaded CSV has its own points: noise and size do not apply to it.
    own_points = st.session_state[_key("dataset")] == CUSTOM
    if shown("noise"):
        sb.slider("Noise", 0.0, 0.5, step=0.01, key=_key("noise"), disabled=own_points)
    if shown("n_samples"):
        sb.slider("Number of points", 20, 2000, step=10, key=_key("n_samples"), disabled=own_points)
    if shown("test_fraction"):
        sb.slider(
            "Test fraction",
            0.0,
            0.9,
            step=0.05,
            key=_key("test_fraction"),
            help="The share of the points held out as test data.",
        )
    if shown("seed"):
        sb.number_input(
            "Seed",
            0,
            2**31 - 1,
            step=1,
            key=_key("seed"),
            help="The same seed gives the same data and the same initial weights.",
        )
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
    if shown("features"):
        sb.multiselect(
            "Input features",
            FEATURE_NAMES,
            key=_key("features"),
            help="The network's inputs: the raw coordinates, or a prespecified "
            "map of them (the lecture's explicit nonlinear features).",
        )
    if shown("hidden"):
        sb.slider(
            "Hidden layers",
            0,
            MAX_LAYERS,
            key=_key("n_layers"),
            help="0 is the slide's 1-layer network: a linear classifier.",
        )
        for i in range(st.session_state.get(_key("n_layers"), len(current.hidden))):
            sb.select_slider(f"Units in hidden layer {i + 1}", WIDTHS, key=_key(f"width_{i}"))
    if shown("activation"):
        sb.selectbox("Activation f", ACTIVATION_NAMES, key=_key("activation"))
    if shown("init"):
        sb.selectbox(
            "Initial weights", INITS, key=_key("init"), format_func=lambda v: INIT_LABELS[v]
        )

    sb.header("Training")
    regression = st.session_state[_key("dataset")] in datasets.REGRESSION_NAMES
    if regression:
        st.session_state[_key("loss")] = "squared_error"
    if shown("loss"):
        sb.selectbox("Loss", LOSS_NAMES, key=_key("loss"), disabled=regression)
    if shown("learning_rate"):
        sb.select_slider(
            "Learning rate η",
            LEARNING_RATES,
            key=_key("learning_rate"),
            format_func=lambda v: f"{v:g}",
        )
    if shown("momentum"):
        sb.slider("Momentum μ", 0.0, 0.99, step=0.01, key=_key("momentum"))
    if shown("clip_norm"):
        sb.slider("Gradient clipping (0 = off)", 0.0, 10.0, step=0.1, key=_key("clip_norm"))
    if shown("l2"):
        sb.select_slider("L2 penalty λ", PENALTIES, key=_key("l2"), format_func=lambda v: f"{v:g}")
    if shown("l1"):
        sb.select_slider("L1 penalty", PENALTIES, key=_key("l1"), format_func=lambda v: f"{v:g}")
    if shown("batch_size"):
        sb.select_slider(
            "Batch size",
            BATCH_SIZES,
            key=_key("batch_size"),
            format_func=lambda v: "full batch" if v == 0 else str(v),
        )
    if shown("steps_per_frame"):
        sb.slider("Training steps per frame", 1, 500, key=_key("steps_per_frame"))
    if shown("stop_epochs") or shown("stop_loss"):
        with sb.expander("Stopping rule"):
            if shown("stop_epochs"):
                st.number_input(
                    "Stop after this many epochs (0 = never)",
                    0,
                    10**7,
                    step=100,
                    key=_key("stop_epochs"),
                )
            if shown("stop_loss"):
                st.number_input(
                    "Stop when the test loss is below (0 = never)",
                    0.0,
                    10.0,
                    step=0.01,
                    format="%.3f",
                    key=_key("stop_loss"),
                )
    return read(current)


INIT_LABELS = {
    "auto": "He (ReLU-like) / Glorot",
    "he": "He",
    "glorot": "Glorot",
    "tfp": "TF Playground: U(-0.5, 0.5), b = 0.1",
}


def read(current: PlaygroundConfig) -> PlaygroundConfig:
    """The configuration the widgets hold; a control not drawn keeps ``current``'s value."""
    ss = st.session_state
    values = {
        f.name: ss.get(_key(f.name), getattr(current, f.name))
        for f in fields(PlaygroundConfig)
        if f.name != "hidden" and f.name not in NOT_WIDGETS
    }
    values.update({name: getattr(current, name) for name in NOT_WIDGETS})
    n_layers = ss.get(_key("n_layers"), len(current.hidden))
    old = current.hidden
    values["hidden"] = tuple(
        int(ss.get(_key(f"width_{i}"), old[i] if i < len(old) else 8)) for i in range(n_layers)
    )
    values["seed"] = int(values["seed"])
    values["features"] = tuple(n for n in FEATURE_NAMES if n in values["features"]) or RAW
    return PlaygroundConfig(**values)
