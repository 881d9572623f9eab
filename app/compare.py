"""Runs side by side: the current setup and one other, on the same data and seed."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from app import config as C
from app import figures, frames
from app import state as S
from engine import views
from engine.features import FeatureMap


@dataclass
class Result:
    label: str
    surface: np.ndarray
    curves: dict
    X: np.ndarray
    y: np.ndarray


def train(config, data, epochs, progress=None, share=(0.0, 1.0)):
    """Train ``config`` from its seed on ``data`` for ``epochs`` epochs; return its Result."""
    trainer = S.make_trainer(config, data)
    batch = config.batch_size or len(data.X_train)
    steps_per_epoch = -(-len(data.X_train) // batch)
    total = epochs * steps_per_epoch
    chunks = np.linspace(0, total, 21).round().astype(int)
    for i, (a, b) in enumerate(zip(chunks[:-1], chunks[1:], strict=True)):
        trainer.step(int(b - a))
        if progress is not None:
            progress.progress(share[0] + (share[1] - share[0]) * (i + 1) / 20)
    trainer.record()
    extent = frames.plane_extent(data)
    phi = FeatureMap(config.features)
    surface = views.decision_surface(trainer.net, extent, 60, inputs=phi)
    if surface.ndim == 3:  # several classes: the margin of the winning class
        surface = surface.max(axis=2) - np.sort(surface, axis=2)[..., -2]
    label = (
        f"{config.activation}, layers {list(config.hidden) or 'none'}, lr {config.learning_rate:g}"
    )
    return Result(label, surface, trainer.history.curves(), data.X_train, data.y_train)


def show(ps):
    cfg = ps.config
    with st.expander("Compare two setups side by side"), st.container(key="compare"):
        st.caption(
            "The current setup (A) and a variant (B), trained from the same seed on the "
            "same data for the same number of epochs."
        )
        c = st.columns(4)
        activation = c[0].selectbox(
            "B: activation",
            C.CHOICES["activation"],
            index=C.CHOICES["activation"].index(cfg.activation),
            key="cmp_activation",
        )
        layers = c[1].text_input(
            "B: hidden layers", ",".join(map(str, cfg.hidden)) or "0", key="cmp_layers"
        )
        lr = c[2].select_slider(
            "B: learning rate", C.LEARNING_RATES, value=cfg.learning_rate, key="cmp_lr"
        )
        epochs = c[3].number_input("Epochs", 10, 5000, 300, step=50, key="cmp_epochs")
        if st.button("Train both", key="cmp_run"):
            notices = []
            hidden = C.parse_layers(layers, notices)
            for n in notices:
                st.info(n)
            variant = replace(cfg, activation=activation, hidden=hidden, learning_rate=lr)
            bar = st.progress(0.0, text="Training A and B…")
            a = train(cfg, ps.data, int(epochs), bar, (0.0, 0.5))
            b = train(variant, ps.data, int(epochs), bar, (0.5, 1.0))
            bar.empty()
            a.label, b.label = "A: " + a.label, "B: " + b.label
            ps.compare = (a, b)
        if ps.compare:
            st.plotly_chart(
                figures.compare_boundaries(ps.compare, frames.plane_extent(ps.data)),
                key="compare_chart",
                config={"displayModeBar": False},
            )
