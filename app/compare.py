"""Runs side by side: the current setup and one other, on the same data and seed.

"Train both" starts a job (app.jobs): the two runs train in slices that take turns with
every session's frames, with a progress bar and a Cancel button, within a budget of the
server's time (a request estimated to need more is cut to the epochs that fit, with a
notice). The field "B: hidden layers" is read as the URL's ``layers`` is
(``config.parse_layers``), with its notices; what cannot be read is said, not raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import streamlit as st

from app import config as C
from app import figures, frames, jobs
from app import messages as M
from app import state as S
from engine import geometry, losses
from engine.features import FeatureMap

JOB_KEY = "cmp_job"
# Six widths of three digits and their commas are 23 characters; the URL's own cap is 200.
MAX_LAYERS_TEXT = 60
MIN_EPOCHS, MAX_EPOCHS = 10, 5000


@dataclass
class Result:
    label: str
    surface: np.ndarray
    curves: dict
    X: np.ndarray
    y: np.ndarray
    diverged: str | None = None  # the trainer's message when the run blew up
    extent: tuple | None = None  # the plane the surface covers (the data may change since)


def describe(config) -> str:
    layers = list(config.hidden) or "none"
    return f"{config.activation} · layers {layers} · lr {config.learning_rate:g}"


def steps_per_epoch(config, data) -> int:
    n = len(data.X_train)
    return -(-n // min(config.batch_size or n, n))


def estimate_seconds(config, data, epochs: int) -> float:
    """CPU seconds of one run of ``config`` for ``epochs`` epochs (app.jobs' cost model)."""
    n = len(data.X_train)
    n_out = 1 if data.n_classes == 0 else losses.n_outputs(data.n_classes)
    sizes = (len(FeatureMap(config.features).names), *config.hidden, n_out)
    batch = min(config.batch_size or n, n)
    return jobs.estimate_seconds(sizes, batch, epochs * steps_per_epoch(config, data))


def within_budget(configs, data, epochs: int, budget: float = jobs.MAX_SECONDS):
    """(epochs that fit the budget, the estimate of the epochs asked for, in CPU seconds)."""
    per_epoch = sum(estimate_seconds(c, data, 1) for c in configs)
    asked = per_epoch * epochs
    if asked <= budget:
        return epochs, asked
    return int(budget // per_epoch), asked


def train(config, data, epochs, name="") -> Iterator[jobs.Progress]:
    """Train ``config`` from its seed on ``data`` for ``epochs`` epochs, in pieces of about
    a frame's time each (yielding progress); return its Result. A run that blows up stops
    there, with the trainer's message."""
    trainer = S.make_trainer(config, data)
    total = epochs * steps_per_epoch(config, data)
    per_step = max(estimate_seconds(config, data, 1) / steps_per_epoch(config, data), 1e-9)
    piece = max(1, int(jobs.SLICE_SHARED // per_step))
    while trainer.step_count < total and not trainer.diverged:
        trainer.step(min(piece, total - trainer.step_count))
        yield jobs.Progress(
            trainer.step_count / total,
            f"Training {name}: epoch {trainer.epoch:,.0f} of {epochs:,}",
        )
    trainer.record()
    extent = frames.plane_extent(data)
    surface = geometry.decision_surface(trainer.net, extent, 60, inputs=FeatureMap(config.features))
    if surface.ndim == 3:  # several classes: the margin of the winning class
        surface = surface.max(axis=2) - np.sort(surface, axis=2)[..., -2]
    label = f"{name}: {describe(config)}" if name else describe(config)
    return Result(
        label,
        surface,
        trainer.history.curves(),
        data.X_train,
        data.y_train,
        trainer.message if trainer.diverged else None,
        extent,
    )


def work(a_config, b_config, data, epochs) -> Iterator[jobs.Progress]:
    """Both runs, one after the other, as one job; returns (A, B)."""
    results = []
    for i, (name, config) in enumerate((("A", a_config), ("B", b_config))):
        run = train(config, data, epochs, name)
        while True:
            try:
                p = next(run)
            except StopIteration as done:
                results.append(done.value)
                break
            yield jobs.Progress((i + p.fraction) / 2, p.text)
    return tuple(results)


def request(cfg, data, activation, layers_text, lr, epochs):
    """The job's parameters ``(A, B, epochs)`` for the panel's fields, with the notices to
    show; None (and an error shown) when the fields cannot make a run."""
    notices = []
    text = str(layers_text)
    if len(text) > MAX_LAYERS_TEXT:
        M.say(
            "error",
            "B: hidden layers is {n:,} characters long; at most {most} are read (six widths "
            "such as `500,500,500,500,500,500`). The last comparison is kept.",
            n=len(text),
            most=MAX_LAYERS_TEXT,
        )
        return None
    try:
        hidden = C.parse_layers(text, notices)
    except (ValueError, OverflowError) as err:
        M.say(
            "error",
            "B: hidden layers {text} is not a list of widths such as `8,8` (or `0` for "
            "none): {why}. The last comparison is kept.",
            text=text,
            why=M.detail(err),
        )
        return None
    variant = replace(cfg, activation=activation, hidden=hidden, learning_rate=lr)
    epochs = int(min(max(int(epochs), MIN_EPOCHS), MAX_EPOCHS))
    allowed, asked = within_budget((cfg, variant), data, epochs)
    if allowed < 1:
        M.say(
            "error",
            "Training A and B for even one epoch would take about {t} of the server's time, "
            "more than a comparison may use ({most}). Try fewer or narrower layers, or a "
            "larger batch. The last comparison is kept.",
            t=M.Markdown(jobs.describe_seconds(asked / epochs)),
            most=M.Markdown(jobs.describe_seconds(jobs.MAX_SECONDS)),
        )
        return None
    if allowed < epochs:
        notices.append(
            M.text(
                "Training A and B for {epochs:,} epochs would take about {t} of the server's "
                "time; a comparison may use {most}: both train for {allowed:,} epochs "
                "instead. A larger batch or fewer units make each epoch cheaper.",
                epochs=epochs,
                t=M.Markdown(jobs.describe_seconds(asked)),
                most=M.Markdown(jobs.describe_seconds(jobs.MAX_SECONDS)),
                allowed=allowed,
            )
        )
    return (cfg, variant, allowed), notices


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
            "B: hidden layers",
            ",".join(map(str, cfg.hidden)) or "0",
            max_chars=MAX_LAYERS_TEXT,
            key="cmp_layers",
            help="Widths separated by commas, as in the link's `layers`: `8,8` is two "
            "layers of 8 units; `0` is no hidden layer.",
        )
        lr = c[2].select_slider(
            "B: learning rate", C.LEARNING_RATES, value=cfg.learning_rate, key="cmp_lr"
        )
        epochs = c[3].number_input("Epochs", MIN_EPOCHS, MAX_EPOCHS, 300, step=50, key="cmp_epochs")
        asked = None
        if st.button("Train both", key="cmp_run"):
            asked = request(cfg, ps.data, activation, layers, lr, epochs)
        job = st.session_state.get(JOB_KEY)
        if asked is not None or isinstance(job, jobs.Job):
            params = asked[0] if asked is not None else job.params
            data = ps.data
            result = jobs.run(
                JOB_KEY,
                params,
                lambda: work(*params[:2], data, params[2]),
                name="The comparison",
                restart=asked is not None,
                keep_ended=False,
                notices=asked[1] if asked is not None else (),
            )
            if result is not None:
                a, b = result
                ps.compare = (a, b)
        if ps.compare:
            for r in ps.compare:
                if r.diverged:
                    # The engine's message is the studio's own text (numbers and advice).
                    who = r.label.split(":")[0]
                    M.show("warning", M.Markdown(f"**{who} diverged.** {r.diverged}"))
            st.plotly_chart(
                figures.compare_boundaries(
                    ps.compare, ps.compare[0].extent or frames.plane_extent(ps.data)
                ),
                key="compare_chart",
                config=figures.slide_config("compare_runs"),
            )
