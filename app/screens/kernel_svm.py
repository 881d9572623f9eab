"""Lab: kernels vs learned features. Fix the features in advance, or learn them?

On the same data, side by side: kernel SVMs (RBF and polynomial: the features k(x_i, x) are
fixed, only alpha is learned), the network with its hidden layer frozen at random initial
weights (random features, only the output is trained) and the same network trained end to
end (features learned). The maths is in `engine.labs`; this page gathers, shows and draws.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Opened by its URL on a fresh server, before the entry script ever ran, a page runs on its
# own (Streamlit's pages-folder mode): put the repository on the path as streamlit_app.py does.
_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import NamedTuple  # noqa: E402

import numpy as np  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import streamlit as st  # noqa: E402
from plotly.subplots import make_subplots  # noqa: E402

from app import exports, guard, jobs  # noqa: E402
from app.figures import HEAT  # noqa: E402
from app.figures import NEGATIVE as NEG  # noqa: E402
from app.figures import POSITIVE as POS  # noqa: E402
from engine import datasets, labs  # noqa: E402

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
    params: Params
    result: Result | None = None


def get_state() -> KernelsState:
    """The page's one state object, created only when missing."""
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = KernelsState(Params())
    return st.session_state[STATE_KEY]


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
        fig.add_trace(
            go.Heatmap(
                zsmooth="best",
                x=xs,
                y=ys,
                z=z,
                zmin=-2,
                zmax=2,
                colorscale=HEAT,
                showscale=False,
                hoverinfo="skip",
            ),
            row=1,
            col=k,
        )
        fig.add_trace(
            go.Contour(
                x=xs,
                y=ys,
                z=z,
                contours=dict(start=0, end=0, coloring="none"),
                line=dict(color="#222831", width=2),
                showscale=False,
                hoverinfo="skip",
            ),
            row=1,
            col=k,
        )
        if m.support is not None and len(m.support):
            fig.add_trace(
                go.Scatter(
                    x=m.support[:, 0],
                    y=m.support[:, 1],
                    mode="markers",
                    name="support vectors",
                    hoverinfo="skip",
                    marker=dict(
                        size=10, color="rgba(0,0,0,0)", line=dict(color="#222831", width=1)
                    ),
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
                dict(size=6, color="white", line=dict(color=colors, width=1.5))
                if hollow
                else dict(size=6, color=colors, line=dict(color="white", width=0.5))
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
        ("learned_test", "learned features (trained net), test", "#d6336c", None),
        ("random_test", "random features (frozen hidden layer), test", "#6a3d9a", None),
        ("learned_train", "learned features, train", "#d6336c", "dot"),
        ("random_train", "random features, train", "#6a3d9a", "dot"),
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
                    size=12, symbol="diamond" if "RBF" in m.name else "square", color="#1b9e77"
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


def compare_png(result: Result) -> bytes:
    comp = result.comparison
    images = []
    for m in comp.models:
        title = f"{m.name.split(' (')[0]} · test {m.test_accuracy * 100:.0f} %"
        c = exports.Canvas(comp.extent, (340, 340), title=title, xlabel="x1", ylabel="x2")
        c.surface(m.surface, "binary", (-2.0, 2.0))
        c.points(result.X_train, result.y_train)
        c.points(result.X_test, result.y_test, hollow=True)
        c.axes()
        images.append(c.image)
    return exports.to_png(exports.compose(images, len(images), title="Kernels vs learned features"))


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
    state = get_state()
    new = controls(state)
    st.title("Kernels vs learned features")
    st.markdown(
        "**The lecture asks:** a kernel SVM computes on features Φ(x) = [y_i k(x_i, x)] that "
        "are fixed before training and only learns α: what if we learned the features from "
        "data instead?  \n"
        "**Here:** the same data for kernel SVMs (features fixed), a network whose hidden "
        "layer stays at its random start (random features) and the same network trained "
        "end to end (features learned)."
    )
    if new is not None and (new != state.params or state.result is None):
        state.params = new
        state.result = None
    if state.result is None:
        params = state.params
        state.result = jobs.run(
            JOB_KEY,
            params,
            lambda: compute(params),
            name="Fitting the models",
            restart=new is not None,
        )
        if state.result is None:  # running (its progress is shown), cancelled or failed
            return
    result = state.result
    p = result.params
    with st.container(key="kernel_compare"):
        st.plotly_chart(compare_figure(result), key="kc_figure", config={"displayModeBar": False})
        st.caption(
            "Filled points: training data; hollow: test data; ringed: an SVM's support "
            "vectors. Both networks start from the same random weights."
        )
    st.dataframe(table_rows(result), hide_index=True, key="kc_table")
    if result.sweep:
        st.markdown("**Accuracy against the number of basis functions**")
        st.plotly_chart(
            sweep_figure(result), key="kc_sweep_chart", config={"displayModeBar": False}
        )
    trainer = result.comparison.trainer
    data = exports_data(result)
    entries = list(trainer.history.entries)
    exports.download_row(
        ("Boundaries (PNG)", lambda: compare_png(result), "kernels.png", "kc_png"),
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
    st.info(
        "**What you should see.** The RBF SVM does well with many basis functions: one "
        "k(x_i, ·) per support vector, chosen from the training points. The polynomial kernel "
        "is limited by its degree. With few units, random features are weak (their lines "
        "z_i = 0 fall anywhere), while the trained network places its few units where the "
        "classes meet and matches the SVM with far fewer basis functions. With hundreds of "
        "random units the frozen network catches up: random features approximate a kernel.",
        icon=":material/visibility:",
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
