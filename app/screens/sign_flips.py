"""Lab: sign patterns. With m hidden units, how many sign flips are there, and which work?

A network with one hidden layer of m units is trained; then each of the 2ᵐ sign patterns is
applied to its first layer (unit i: w_i, b_i -> -w_i, -b_i where the pattern says "-"), the
features [f(z_1), ..., f(z_m)] are held fixed and only the output unit is retrained. A
pattern works when those features are linearly separable. The maths is in
`engine.labs.sign_flips`; this page only gathers the settings, shows progress and draws.
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
from app.palette import BOUNDARY, MUTED_TEXT, POINT_EDGE, UNIT_COLORS, ZERO_LINE
from app.palette import NEGATIVE as NEG
from app.palette import POSITIVE as POS
from engine import csv_points, datasets, geometry, labs
from engine.network import Network

STATE_KEY = "lab_sign_flips"
JOB_KEY = "lab_sign_flips_job"  # the computation in progress (app.jobs)
DATASETS = tuple(n for n in datasets.NAMES if datasets.n_classes(n) == 2)
ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu")
ORDERS = {
    "pattern": "as enumerated",
    "best": "accuracy, best first",
    "worst": "accuracy, worst first",
}


class Params(NamedTuple):
    """The settings of one run (a tuple: equal by value even though this page's classes
    are redefined on every rerun)."""

    dataset: str = "wedge"
    n_samples: int = 200
    noise: float = 0.0
    units: int = 2
    activation: str = "relu"
    epochs: int = 800
    seed: int = 0


@dataclass
class Result:
    params: Params
    X: np.ndarray
    y: np.ndarray
    base: Network
    base_accuracy: float
    patterns: list[labs.SignPattern]
    extent: tuple
    surfaces: list[np.ndarray]
    grid: int


@dataclass
class SignFlipsState:
    params: Params = field(default_factory=Params)
    result: Result | None = None
    order: str = "pattern"


# -- computing ------------------------------------------------------------------------------
def compute(p: Params) -> Iterator[jobs.Progress]:
    """Train, then try every sign pattern, one pattern a piece (a job of app.jobs: it takes
    turns with the other sessions, shows progress, can be cancelled); the maths is
    engine.labs.sign_flips."""
    n_patterns = 2**p.units
    yield jobs.Progress(0.0, "Training the network…")
    X, y = datasets.make(p.dataset, p.n_samples, p.noise, p.seed)
    trainer = labs.train_network(
        X, y, (p.units,), p.activation, epochs=p.epochs, random_state=p.seed, restarts=5
    )
    net = trainer.net
    extent = geometry.data_extent(X)
    grid = 60 if p.units <= 3 else 40
    patterns, surfaces = [], []
    for k, pattern in enumerate(labs.iter_sign_patterns(net, X, y)):
        patterns.append(pattern)
        surfaces.append(np.asarray(geometry.decision_surface(pattern.net, extent, grid)))
        yield jobs.Progress(
            (k + 1) / n_patterns,
            f"Retrained the output unit for pattern {k + 1} of {n_patterns} ({pattern.label})",
        )
    return Result(p, X, y, net, labs.accuracy(net, X, y), patterns, extent, surfaces, grid)


# -- figures ----------------------------------------------------------------------------------
def _add_segment(fig, seg, color, row, col):
    """A clipped line ``((xa, ya), (xb, yb))`` in one panel (nothing when it misses it)."""
    if seg is None:
        return
    (xa, ya), (xb, yb) = seg
    fig.add_trace(
        go.Scatter(
            x=[xa, xb],
            y=[ya, yb],
            mode="lines",
            hoverinfo="skip",
            line=dict(color=color, width=1.5),
        ),
        row=row,
        col=col,
    )


def _add_points(fig, x, y, colors, row, col):
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers",
            hoverinfo="skip",
            marker=dict(color=colors, size=4, line=dict(color=POINT_EDGE, width=0.5)),
        ),
        row=row,
        col=col,
    )


def grid_figure(result: Result, order: str) -> go.Figure:
    """Small multiples: per pattern, the input plane and the hidden space side by side."""
    ordered = labs.sort_patterns(result.patterns, order)
    index = {id(p): i for i, p in enumerate(result.patterns)}
    per_row = 2 if len(ordered) <= 4 else 4
    rows = -(-len(ordered) // per_row)
    titles = []
    for p in ordered:
        mark = "✓ separable" if p.separable else "✗ not separable"
        titles += [f"<b>{p.label}</b> · {p.accuracy * 100:.1f} % · {mark}", "hidden space"]
    titles += [""] * (2 * per_row * rows - len(titles))
    fig = make_subplots(
        rows=rows,
        cols=2 * per_row,
        subplot_titles=titles,
        horizontal_spacing=0.025,
        vertical_spacing=min(0.08, 0.3 / rows),
    )
    xs = np.linspace(result.extent[0], result.extent[1], result.grid)
    ys = np.linspace(result.extent[2], result.extent[3], result.grid)
    colors = np.where(result.y == 1, POS, NEG)
    m = result.params.units
    for k, p in enumerate(ordered):
        r, c = divmod(k, per_row)
        row, col = r + 1, 2 * c + 1
        surface = result.surfaces[index[id(p)]].astype(np.float32)
        lab_page.add_surface(fig, xs, ys, surface, row=row, col=col)
        for i, (w1, w2, b) in enumerate(geometry.unit_lines(p.net)):
            seg = geometry.clip_line(w1, w2, b, *result.extent)
            _add_segment(fig, seg, UNIT_COLORS[i % len(UNIT_COLORS)], row, col)
        _add_points(fig, result.X[:, 0], result.X[:, 1], colors, row, col)
        H = p.hidden
        h2 = H[:, 1] if m >= 2 else np.zeros(len(H))
        _add_points(fig, H[:, 0], h2, colors, row, col + 1)
        at_origin = int(np.sum(np.all(np.abs(H[:, :2]) < 1e-9, axis=1)))
        if at_origin >= 5:
            fig.add_annotation(
                x=0,
                y=0,
                text=f"{at_origin} at (0, 0)",
                showarrow=True,
                arrowhead=0,
                ax=34,
                ay=-24,
                font=dict(size=10, color=MUTED_TEXT),
                row=row,
                col=col + 1,
            )
        if m == 2:
            v, c0 = p.net.coefs[-1][:, 0], p.net.intercepts[-1][0]
            lo = min(-0.1, float(H.min()))
            hi = float(H.max()) * 1.1 + 0.1
            seg = geometry.clip_line(float(v[0]), float(v[1]), float(c0), lo, hi, lo, hi)
            _add_segment(fig, seg, BOUNDARY, row, col + 1)
            fig.update_xaxes(range=[lo, hi], row=row, col=col + 1)
            fig.update_yaxes(range=[lo, hi], row=row, col=col + 1)
        fig.update_xaxes(range=list(result.extent[:2]), row=row, col=col)
        fig.update_yaxes(range=list(result.extent[2:]), row=row, col=col)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=True, zerolinecolor=ZERO_LINE)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=True, zerolinecolor=ZERO_LINE)
    fig.update_annotations(font_size=11)
    fig.update_layout(
        template="none",
        showlegend=False,
        height=(330 if per_row == 2 else 240) * rows,
        margin=dict(l=10, r=10, t=40, b=10),
    )
    return fig


def table_rows(result: Result, order: str) -> list[dict]:
    rows = []
    for p in labs.sort_patterns(result.patterns, order):
        rows.append(
            {
                "pattern": p.label,
                "units flipped": ", ".join(f"z{i + 1}" for i, s in enumerate(p.signs) if s < 0)
                or "none",
                "training accuracy %": round(p.accuracy * 100, 1),
                "linearly separable": "yes" if p.separable else "no",
                "output unit from": p.source,
            }
        )
    return rows


# -- the page ---------------------------------------------------------------------------------
def controls(state: SignFlipsState) -> Params | None:
    """The sidebar form; returns new parameters when it was submitted."""
    p = state.params
    with st.sidebar.form("sf_form"):
        st.header("Sign patterns")
        dataset = st.selectbox(
            "Data set", DATASETS, index=DATASETS.index(p.dataset), key="sf_dataset"
        )
        n = st.slider("Points", 40, 400, p.n_samples, 20, key="sf_n")
        noise = st.slider("Noise", 0.0, 0.5, p.noise, 0.05, key="sf_noise")
        units = st.slider(
            "Hidden units m",
            1,
            labs.MAX_SIGN_UNITS,
            p.units,
            key="sf_units",
            help="2ᵐ patterns: 32 at m = 5.",
        )
        act = st.selectbox(
            "Activation", ACTIVATIONS, index=ACTIVATIONS.index(p.activation), key="sf_act"
        )
        epochs = st.select_slider(
            "Training epochs", (100, 200, 400, 800, 1500, 3000), p.epochs, key="sf_epochs"
        )
        seed = st.number_input("Seed", 0, 10_000, p.seed, key="sf_seed")
        submitted = st.form_submit_button("Train and try every pattern", type="primary")
    if submitted:
        return Params(dataset, int(n), float(noise), int(units), act, int(epochs), int(seed))
    return None


def page():
    state = lab_page.state(STATE_KEY, SignFlipsState)
    new = controls(state)
    lab_page.intro(
        "Sign patterns",
        "flip the signs of the hidden units' normal vectors: what features do we learn then? "
        "With *m* hidden units, how many such sign flips are there, and which of them still "
        "work?",
        "a network is trained, each of the 2ᵐ sign patterns is applied to its first layer, "
        "the features are frozen and only the output unit is retrained.",
    )
    result = lab_page.job_result(state, new, JOB_KEY, compute, name="Trying every sign pattern")
    if result is None:  # running (its progress is shown), cancelled or failed
        return
    p = result.params
    n_sep = sum(q.separable for q in result.patterns)
    st.markdown(
        f"Trained network on **{p.dataset}** with **{p.units} {p.activation}** unit"
        f"{'s' if p.units > 1 else ''}: training accuracy **{result.base_accuracy * 100:.1f} %**. "
        f"Of its **{len(result.patterns)}** sign patterns, **{n_sep}** "
        f"give{'s' if n_sep == 1 else ''} linearly separable features (the output unit alone "
        "reaches 100 %)."
    )
    order = st.radio(
        "Order the patterns by",
        list(ORDERS),
        index=list(ORDERS).index(state.order),
        format_func=ORDERS.get,
        horizontal=True,
        key="sf_order",
    )
    state.order = order
    with st.container(key="sign_patterns"):
        lab_page.chart(grid_figure(result, order), "sign_grid", "sign_patterns")
        st.caption(
            "Each pair: the input plane (decision surface after retraining the output unit; "
            "coloured lines are the units' lines z_i = 0) and the hidden space "
            "[f(z_1), f(z_2)] with the output unit's line"
            + (" (first two units shown)." if p.units > 2 else ".")
        )
    rows = table_rows(result, order)
    st.dataframe(rows, hide_index=True, key="sf_table")
    lab_page.downloads(
        ("Results (CSV)", lambda: exports.rows_csv(rows), "sign_patterns.csv", "sf_results_csv"),
        (
            "Data (CSV)",
            lambda: csv_points.to_csv(result.X, result.y),
            f"{p.dataset}.csv",
            "sf_data_csv",
        ),
        (
            "Trained network (JSON)",
            lambda: exports.network_json(result.base, {"source": "sign_flips", **p._asdict()}),
            "sign_flips_network.json",
            "sf_json",
        ),
    )
    draw_compensations(result)
    lab_page.what_to_see(
        "On the wedge with two ReLU units only the learned pattern (++) separates: its units "
        "send the wedge to (or next to) the corner (0, 0) of the hidden space and everything "
        "else away from it. Flip a unit and the wedge lands on an axis or in the open "
        "quadrant, mixed with the other class: the output unit alone can no longer fix it. "
        "Which flips survive depends on the data and the units: try more units, where several "
        "patterns can work, or other data sets."
    )


def draw_compensations(result: Result):
    """Each pattern applied to the trained network with nothing retrained: plainly, and with
    the flipped units' outgoing weights negated too."""
    st.subheader("Flip and compensate")
    rows = [
        {
            "pattern": "".join("+" if s > 0 else "-" for s in c.signs),
            "flipped: accuracy": f"{c.flipped_accuracy * 100:.1f} %",
            "flipped and compensated: accuracy": f"{c.compensated_accuracy * 100:.1f} %",
            "compensated: largest change of F(x)": f"{c.compensated_change:.3g}",
        }
        for c in labs.compensations(result.base, result.X, result.y)
    ]
    st.dataframe(rows, hide_index=True, key="sf_compensate")
    odd = result.params.activation == "tanh"
    st.info(
        "**The symmetry.** Negating a flipped unit's outgoing weights v_i as well sends "
        "-v_i f(-z_i) on to the output. "
        + (
            "With tanh, an odd function (f(-z) = -f(z)), that is v_i f(z_i) again: every "
            "compensated pattern computes the same function (change ~0, same accuracy). The "
            "2^m sign patterns are symmetries of the network: the weights that fit are never "
            "unique."
            if odd
            else f"With {result.params.activation}, which is not odd, f(-z) ≠ -f(z): the "
            "compensated patterns change the function, and the accuracy. Switch the "
            "activation to tanh to see the symmetry."
        ),
        icon=":material/visibility:",
    )


# Any unexpected error: a short message and a reset button, never a traceback (app.guard).
guard.guarded(page, state_keys=(STATE_KEY, JOB_KEY), name="Sign-patterns lab")
