"""The Playground's sidebar: widgets in, a ``PlaygroundConfig`` out.

Each widget's value lives in ``st.session_state["cfg_<field>"]``; ``seed_widgets`` writes a
configuration into them (first load from the URL, a preset), ``show`` reads them back.
"""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

from app import presets
from app.config import (
    BATCH_SIZES,
    CUSTOM,
    DATASET_NAMES,
    LEARNING_RATES,
    MAX_LAYERS,
    WIDTHS,
    PlaygroundConfig,
    snap,
)
from engine import datasets
from engine.activations import ACTIVATION_NAMES
from engine.losses import LOSS_NAMES

PRESET_NONE = "— choose a preset —"
UPLOAD_LIMIT = 1_000_000  # bytes; .streamlit/config.toml caps uploads at 1 MB too


def _key(name):
    return f"cfg_{name}"


def seed_widgets(config: PlaygroundConfig) -> None:
    """Put ``config`` into the widgets' session values (they then show it)."""
    for f in fields(config):
        value = getattr(config, f.name)
        if f.name == "hidden":
            st.session_state[_key("n_layers")] = len(value)
            for i in range(MAX_LAYERS):
                st.session_state[_key(f"width_{i}")] = value[i] if i < len(value) else 8
        elif f.name == "learning_rate":
            st.session_state[_key(f.name)] = snap(value, LEARNING_RATES)
        elif f.name == "batch_size":
            st.session_state[_key(f.name)] = snap(value, BATCH_SIZES) if value else 0
        else:
            st.session_state[_key(f.name)] = value


def _apply_preset():
    name = st.session_state.get("preset")
    entry = presets.load().get(name)
    if entry is not None:
        seed_widgets(entry["config"])


def _dataset_label(name):
    if name == CUSTOM:
        return "uploaded CSV"
    return name.replace("tfp_", "TF Playground ") if name.startswith("tfp_") else name


def show(uploaded_name: str | None, on_upload) -> PlaygroundConfig:
    """Draw the sidebar; return the configuration it now shows."""
    sb = st.sidebar
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
    sb.selectbox("Dataset", names, key=_key("dataset"), format_func=_dataset_label)
    sb.slider("Noise", 0.0, 0.5, step=0.01, key=_key("noise"))
    sb.slider("Number of points", 20, 2000, step=10, key=_key("n_samples"))
    sb.slider(
        "Test fraction",
        0.0,
        0.9,
        step=0.05,
        key=_key("test_fraction"),
        help="The share of the points held out as test data.",
    )
    sb.number_input(
        "Seed",
        0,
        2**31 - 1,
        step=1,
        key=_key("seed"),
        help="The same seed gives the same data and the same initial weights.",
    )
    sb.file_uploader(
        "Upload a CSV (x1, x2, label)",
        type=["csv", "txt"],
        key="upload",
        on_change=on_upload,
        help=f"Up to {UPLOAD_LIMIT // 1000:,} kB; a header row is optional.",
    )

    sb.header("Network")
    sb.slider(
        "Hidden layers",
        0,
        MAX_LAYERS,
        key=_key("n_layers"),
        help="0 is the slide's 1-layer network: a linear classifier.",
    )
    for i in range(st.session_state[_key("n_layers")]):
        sb.select_slider(f"Units in hidden layer {i + 1}", WIDTHS, key=_key(f"width_{i}"))
    sb.selectbox("Activation f", ACTIVATION_NAMES, key=_key("activation"))

    sb.header("Training")
    regression = st.session_state[_key("dataset")] in datasets.REGRESSION_NAMES
    if regression:
        st.session_state[_key("loss")] = "squared_error"
    sb.selectbox("Loss", LOSS_NAMES, key=_key("loss"), disabled=regression)
    sb.select_slider(
        "Learning rate η", LEARNING_RATES, key=_key("learning_rate"), format_func=lambda v: f"{v:g}"
    )
    sb.slider("Momentum μ", 0.0, 0.99, step=0.01, key=_key("momentum"))
    sb.slider("Gradient clipping (0 = off)", 0.0, 10.0, step=0.1, key=_key("clip_norm"))
    sb.select_slider(
        "L2 penalty λ",
        (0.0, 1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0),
        key=_key("l2"),
        format_func=lambda v: f"{v:g}",
    )
    sb.select_slider(
        "Batch size",
        BATCH_SIZES,
        key=_key("batch_size"),
        format_func=lambda v: "full batch" if v == 0 else str(v),
    )
    sb.slider("Training steps per frame", 1, 500, key=_key("steps_per_frame"))

    n_layers = st.session_state[_key("n_layers")]
    values = {
        f.name: st.session_state[_key(f.name)]
        for f in fields(PlaygroundConfig)
        if f.name != "hidden"
    }
    values["hidden"] = tuple(int(st.session_state[_key(f"width_{i}")]) for i in range(n_layers))
    values["seed"] = int(values["seed"])
    return PlaygroundConfig(**values)
