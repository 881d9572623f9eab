"""Lab: kernels vs learned features. Fix the features in advance, or learn them?

On the same data, side by side: kernel SVMs (RBF and polynomial: the features k(x_i, x) are
fixed, only alpha is learned), the network with its hidden layer frozen at random initial
weights (random features, only the output is trained) and the same network trained end to
end (features learned). The maths is `engine.labs.kernels_vs_features`; this page gathers,
shows and draws.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from app import exports, guard, jobs, lab_page
from app.palette import (
    BOUNDARY,
    KERNEL_MACHINE,
    LEARNED_FEATURES,
    PANEL,
    POINT_EDGE,
    RANDOM_FEATURES,
)
from app.palette import NEGATIVE as NEG
from app.palette import POSITIVE as POS
from engine import datasets, labs

STATE_KEY = "lab_kernels"
JOB_KEY = "lab_kernels_job"  # the computation in progress (app.jobs)
DATASETS = tuple(n for n in datasets.NAMES if datasets.n_classes(n) == 2)
ACTIVATIONS = ("relu", "sigmoid", "tanh")
WIDTHS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500)
SWEEP = (2, 5, 10, 20, 50, 100, 200)


class Params(NamedTuple):
    """The settings of one run (a tuple: equal by value even though this page's classes
    are redefined on every rerun)."""

    dataset: str = "moons"
    n_samples: int = 200
    noise: float = 0.2
    test_fraction: float = 0.3
    hidden: int = 10
    activation: str = "relu"
    C: float = 1.0
    degree: int = 3
    epochs: int = 600
    seed: int = 0
    sweep: bool = True


@dataclass
class Result:
    params: Params
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    comparison: labs.Comparison
    sweep: list[dict] = field(default_factory=list)


@dataclass
class KernelsState:
    params: Params = field(default_factory=Params)
    result: Result | None = None


# -- computing ------------------------------------------------------------------------------
def compute(p: Params) -> Iterator[jobs.Progress]:
    """The four models, then the width sweep one width a piece (a job of app.jobs: it takes
    turns with the other sessions, shows progress, can be cancelled)."""
    yield jobs.Progress(0.0, "Fitting the kernel SVMs and both networks…")
    X, y = datasets.make(p.dataset, p.n_samples, p.noise, p.seed)
    X_tr, X_te, y_tr, y_te = datasets.split(X, y, p.test_fraction, p.seed)
    share = 0.6 if p.sweep else 1.0
    comparison = labs.compare_models(
        X_tr,
        y_tr,
        X_te,
        y_te,
        hidden=p.hidden,
        activation=p.activation,
        C=p.C,
        degree=p.degree,
        epochs=p.epochs,
        random_state=p.seed,
    )
    rows = []
    if p.sweep:
        yield jobs.Progress(share, f"Width sweep: m = {SWEEP[0]} (1 of {len(SWEEP)})…")
        for k, row in enumerate(
            labs.width_sweep(
                X_tr,
                y_tr,
                X_te,
                y_te,
                SWEEP,
                activation=p.activation,
                epochs=min(p.epochs, 400),
                random_state=p.seed,
            )
        ):
            rows.append(row)
            yield jobs.Progress(
                share + (1 - share) * (k + 1) / len(SWEEP),
                f"Width sweep: m = {row['m']} done ({k + 1} of {len(SWEEP)})",
            )
    return Result(p, X_tr, y_tr, X_te, y_te, comparison, rows)


# -- figures ----------------------------------------------------------------------------------
def compare_figure(result: Result) -> go.Figure:
    comp = result.comparison
    models = comp.models
    fig = make_subplots(
        rows=1,
        cols=len(models),
        subplot_titles=[
            f"<b>{m.name}</b><br>train {m.train_accuracy * 100:.0f} % · test "
            f"{m.test_accuracy * 100:.0f} % · {m.n_basis} {m.basis}"
            for m in models
        ],
        horizontal_spacing=0.03,
    )
    xs = np.linspace(comp.extent[0], comp.extent[1], comp.grid)
    ys = np.linspace(comp.extent[2], comp.extent[3], comp.grid)
    for k, m in enumerate(models, start=1):
        z = np.clip(m.surface, -3, 3).astype(np.float32)
        lab_page.add_surface(fig, xs, ys, z, row=1, col=k, line_width=2)
        if m.support is not None and len(m.support):
            fig.add_trace(
                go.Scatter(
                    x=m.support[:, 0],
                    y=m.support[:, 1],
                    mode="markers",
                    name="support vectors",
                    hoverinfo="skip",
                    marker=dict(size=10, color="rgba(0,0,0,0)", line=dict(color=BOUNDARY, width=1)),
                ),
                row=1,
                col=k,
            )
        for X, y, hollow in (
            (result.X_train, result.y_train, False),
            (result.X_test, result.y_test, True),
        ):
            colors = np.where(y == 1, POS, NEG)
            marker = (
                dict(size=6, color=PANEL, line=dict(color=colors, width=1.5))
                if hollow
                else dict(size=6, color=colors, line=dict(color=POINT_EDGE, width=0.5))
            )
            fig.add_trace(
                go.Scatter(x=X[:, 0], y=X[:, 1], mode="markers", hoverinfo="skip", marker=marker),
                row=1,
                col=k,
            )
        fig.update_xaxes(range=list(comp.extent[:2]), row=1, col=k)
        fig.update_yaxes(range=list(comp.extent[2:]), row=1, col=k)
    fig.update_xaxes(showgrid=False, zeroline=False)
    fig.update_yaxes(showgrid=False, zeroline=False, showticklabels=False)
    fig.update_annotations(font_size=12)
    fig.update_layout(
        template="none", showlegend=False, height=430, margin=dict(l=10, r=10, t=70, b=30)
    )
    return fig


def sweep_figure(result: Result) -> go.Figure:
    fig = go.Figure()
    rows = result.sweep
    values = [100 * r[k] for r in rows for k in r if k != "m"]
    values += [100 * m.test_accuracy for m in result.comparison.models]
    low = max(0.0, min(values) - 5.0)
    ms = [r["m"] for r in rows]
    for key, name, color, dash in (
        ("learned_test", "learned features (trained net), test", LEARNED_FEATURES, None),
        ("random_test", "random features (frozen hidden layer), test", RANDOM_FEATURES, None),
        ("learned_train", "learned features, train", LEARNED_FEATURES, "dot"),
        ("random_train", "random features, train", RANDOM_FEATURES, "dot"),
    ):
        fig.add_scatter(
            x=ms,
            y=[100 * r[key] for r in rows],
            name=name,
            mode="lines+markers",
            line=dict(color=color, dash=dash),
        )
    for m in result.comparison.models:
        if m.basis == "support vectors":
            fig.add_scatter(
                x=[m.n_basis],
                y=[100 * m.test_accuracy],
                mode="markers",
                name=m.name + ", test",
                marker=dict(
                    size=12,
                    symbol="diamond" if "RBF" in m.name else "square",
                    color=KERNEL_MACHINE,
                ),
            )
    fig.update_layout(
        template="none",
        height=340,
        margin=dict(l=60, r=20, t=30, b=50),
        xaxis=dict(
            title="basis functions: hidden units m, or an SVM's support vectors",
            type="log",
            tickvals=[1, 2, 5, 10, 20, 50, 100, 200, 500],
        ),
        yaxis=dict(title="accuracy %", range=[low, 101]),
        legend=dict(orientation="h", y=-0.3, x=0),
    )
    return fig


def table_rows(result: Result) -> list[dict]:
    return [
        {
            "model": m.name,
            "what is learned": m.learns,
            "train accuracy %": round(100 * m.train_accuracy, 1),
            "test accuracy %": round(100 * m.test_accuracy, 1),
            "basis functions": f"{m.n_basis} {m.basis}",
        }
        for m in result.comparison.models
    ]


# -- the page ---------------------------------------------------------------------------------
def controls(state: KernelsState) -> Params | None:
    p = state.params
    with st.sidebar.form("kc_form"):
        st.header("Kernels vs features")
        dataset = st.selectbox(
            "Data set", DATASETS, index=DATASETS.index(p.dataset), key="kc_dataset"
        )
        n = st.slider("Points", 40, 600, p.n_samples, 20, key="kc_n")
        noise = st.slider("Noise", 0.0, 0.5, p.noise, 0.05, key="kc_noise")
        test = st.slider("Test fraction", 0.1, 0.5, p.test_fraction, 0.05, key="kc_test")
        hidden = st.select_slider("Hidden units m", WIDTHS, p.hidden, key="kc_hidden")
        act = st.selectbox(
            "Activation", ACTIVATIONS, index=ACTIVATIONS.index(p.activation), key="kc_act"
        )
        C = st.select_slider("SVM C", (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0), p.C, key="kc_C")
        degree = st.slider("Polynomial degree", 2, 6, p.degree, key="kc_degree")
        epochs = st.select_slider(
            "Training epochs (trained net)", (100, 300, 600, 1000, 2000), p.epochs, key="kc_epochs"
        )
        seed = st.number_input("Seed", 0, 10_000, p.seed, key="kc_seed")
        sweep = st.checkbox("Also sweep the width m", p.sweep, key="kc_sweep")
        submitted = st.form_submit_button("Fit all four", type="primary")
    if submitted:
        return Params(
            dataset,
            int(n),
            float(noise),
            float(test),
            int(hidden),
            act,
            float(C),
            int(degree),
            int(epochs),
            int(seed),
            bool(sweep),
        )
    return None


def page():
    state = lab_page.state(STATE_KEY, KernelsState)
    new = controls(state)
    lab_page.intro(
        "Kernels vs learned features",
        "a kernel SVM computes on features Φ(x) = [y_i k(x_i, x)] that are fixed before "
        "training and only learns α: what if we learned the features from data instead?",
        "the same data for kernel SVMs (features fixed), a network whose hidden layer stays "
        "at its random start (random features) and the same network trained end to end "
        "(features learned).",
    )
    result = lab_page.job_result(state, new, JOB_KEY, compute, name="Fitting the models")
    if result is None:  # running (its progress is shown), cancelled or failed
        return
    p = result.params
    with st.container(key="kernel_compare"):
        lab_page.chart(compare_figure(result), "kc_figure", "kernels")
        st.caption(
            "Filled points: training data; hollow: test data; ringed: an SVM's support "
            "vectors. Both networks start from the same random weights."
        )
    st.dataframe(table_rows(result), hide_index=True, key="kc_table")
    if result.sweep:
        st.markdown("**Accuracy against the number of basis functions**")
        lab_page.chart(sweep_figure(result), "kc_sweep_chart", "kernels_width_sweep")
    trainer = result.comparison.trainer
    data = exports_data(result)
    entries = list(trainer.history.entries)
    lab_page.downloads(
        (
            "Trained net's run (GIF)",
            lambda: exports.run_gif(trainer.net, entries, data),
            "kernels_training.gif",
            "kc_gif",
        ),
        (
            "Results (CSV)",
            lambda: exports.rows_csv(table_rows(result)),
            "kernels_results.csv",
            "kc_results_csv",
        ),
        ("Data (CSV)", lambda: exports.dataset_csv(data), f"{p.dataset}.csv", "kc_data_csv"),
        (
            "Trained network (JSON)",
            lambda: exports.network_json(trainer.net, {"source": "kernels", **p._asdict()}),
            "kernels_network.json",
            "kc_json",
        ),
    )
    lab_page.what_to_see(
        "The RBF SVM does well with many basis functions: one k(x_i, ·) per support vector, "
        "chosen from the training points. The polynomial kernel is limited by its degree. With "
        "few units, random features are weak (their lines z_i = 0 fall anywhere), while the "
        "trained network places its few units where the classes meet and matches the SVM with "
        "far fewer basis functions. With hundreds of random units the frozen network catches "
        "up: random features approximate a kernel."
    )


@dataclass
class _Data:
    """The shape `exports` expects of data (as the Playground's ``Data``)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int = 2
    class_names: tuple = ()


def exports_data(result: Result) -> _Data:
    return _Data(result.X_train, result.y_train, result.X_test, result.y_test)


# Any unexpected error: a short message and a reset button, never a traceback (app.guard).
guard.guarded(page, state_keys=(STATE_KEY, JOB_KEY), name="Kernels lab")
