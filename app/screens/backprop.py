"""Lab: the backprop inspector. What does backpropagation compute for one training point?

For one training point of the Playground's network: each layer's z^l, a^l and delta^l, the
gradient of every weight and bias by one backward pass, and beside it the finite-difference
estimate [R(theta + eps e_i) - R(theta - eps e_i)] / 2 eps with the relative error, and the
cost of both. The maths is `engine.labs.backprop_inspector` (`point_backprop`,
`gradient_check`), which call the engine's own forward_cached / backward /
objective_and_gradients.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app import config as C
from app import exports, guard, lab_page
from app import state as S
from app.palette import CLASS_COLORS, HIGHLIGHT, POINT_EDGE
from engine import labs

STATE_KEY = "lab_backprop"
EPSILONS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
MAX_CHECKED = (100, 300, 1000, 3000)
MAX_ROWS = 5000  # gradient rows shown in the table (all are in the CSV)


class Key(NamedTuple):
    """What a computed result depends on (equal by value across reruns)."""

    net_id: int
    theta: str
    index: int
    eps: float
    max_params: int
    extended: bool


@dataclass
class Inspection:
    key: Key
    point: labs.PointBackprop
    check: labs.GradCheck


@dataclass
class BackpropState:
    index: int | None = None  # None: not chosen yet (the largest-loss point is shown)
    fallback: object | None = None  # a default PlaygroundState when the Playground has none
    inspection: Inspection | None = None


def get_state() -> BackpropState:
    """The page's one state object (its callbacks need it too)."""
    return lab_page.state(STATE_KEY, BackpropState)


def playground(state: BackpropState):
    """The Playground's state, or (without touching it) a default one of this page's own."""
    ps = st.session_state.get("playground")
    if ps is not None:
        return ps, False
    if state.fallback is None:
        state.fallback = S.new_state(C.DEFAULT)
    return state.fallback, True


def theta_digest(theta: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(theta).tobytes(), digest_size=12).hexdigest()


def inspect(ps, key: Key) -> Inspection:
    """Backprop and the gradient check at one point (engine.labs.backprop_inspector), on a
    copy of the net."""
    trainer = ps.trainer
    net = copy.deepcopy(trainer.net)
    x, t = trainer.X_train[key.index], trainer.T_train[key.index]
    l2, l1 = float(trainer.l2), float(getattr(trainer, "l1", 0.0))
    point = labs.point_backprop(net, trainer.loss_name, x, t, l2=l2, l1=l1)
    check = labs.gradient_check(
        net,
        trainer.loss_name,
        x,
        t,
        l2,
        l1=l1,
        eps=key.eps,
        max_params=key.max_params,
        extended=key.extended,
    )
    return Inspection(key, point, check)


# -- figures and tables -----------------------------------------------------------------------
def plane_points(ps):
    """The training points in the plane (raw x1, x2), row for row with the trainer's."""
    X = np.asarray(ps.data.X_train)
    if X.ndim == 2 and X.shape[1] == 2 and len(X) == len(ps.trainer.X_train):
        return X
    return np.asarray(ps.trainer.X_train)[:, :2]


def pick_figure(ps, index: int) -> go.Figure:
    X = plane_points(ps)
    y = np.asarray(ps.trainer.y_train)
    if ps.trainer.regression:
        marker = dict(size=7, color=y, colorscale="Viridis", line=dict(color=POINT_EDGE, width=0.5))
    else:
        colors = [CLASS_COLORS[int(c) % len(CLASS_COLORS)] for c in y]
        marker = dict(size=7, color=colors, line=dict(color=POINT_EDGE, width=0.5))
    fig = go.Figure()
    fig.add_scatter(
        x=X[:, 0],
        y=X[:, 1],
        mode="markers",
        marker=marker,
        name="training points",
        customdata=np.arange(len(X)),
        hovertemplate="point %{customdata}<extra></extra>",
    )
    fig.add_scatter(
        x=[X[index, 0]],
        y=[X[index, 1]],
        mode="markers",
        name="chosen",
        marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color=HIGHLIGHT, width=3)),
        hoverinfo="skip",
    )
    fig.update_layout(
        template="none",
        height=320,
        showlegend=False,
        margin=dict(l=40, r=10, t=10, b=30),
        clickmode="event+select",
        xaxis=dict(title="x1"),
        yaxis=dict(title="x2", scaleanchor="x"),
    )
    return fig


def layer_rows(point: labs.PointBackprop, names_in=None) -> list[list[dict]]:
    """One table per layer: unit, z^l, a^l = f(z^l), delta^l = dl/dz^l."""
    tables = []
    for tr in point.layers:
        rows = []
        for i in range(len(tr.a)):
            if tr.layer == 0:
                name = names_in[i] if names_in and i < len(names_in) else f"x{i + 1}"
                rows.append({"unit": name, "a⁰ = x": float(tr.a[i])})
            else:
                rows.append(
                    {
                        "unit": i + 1,
                        "z": float(tr.z[i]),
                        "a = f(z)": float(tr.a[i]),
                        "δ = ∂ℓ/∂z": float(tr.delta[i]),
                    }
                )
        tables.append(rows)
    return tables


def gradient_table(insp: Inspection, limit=MAX_ROWS) -> list[dict]:
    """Every parameter's backprop gradient, and the finite difference where it was checked."""
    g = insp.point.grad
    checked = dict(zip(insp.check.indices.tolist(), range(len(insp.check.indices))))
    rows = []
    order = range(len(g)) if len(g) <= limit else insp.check.indices.tolist()
    for i in order:
        k = checked.get(i)
        rows.append(
            {
                "parameter": insp.point.names[i],
                "backprop ∂R/∂θ": float(g[i]),
                "finite difference": float(insp.check.numeric[k]) if k is not None else None,
                "relative error": float(insp.check.rel_error[k]) if k is not None else None,
            }
        )
    return rows


def layers_csv(point: labs.PointBackprop) -> str:
    out = ["layer,unit,z,a,delta"]
    for tr in point.layers:
        for i in range(len(tr.a)):
            z = "" if tr.z is None else repr(float(tr.z[i]))
            d = "" if tr.delta is None else repr(float(tr.delta[i]))
            out.append(f"{tr.layer},{i + 1},{z},{float(tr.a[i])!r},{d}")
    return "\n".join(out) + "\n"


def _seconds(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


# -- callbacks ------------------------------------------------------------------------------
def _picked():
    """A click on the small plot selects that training point."""
    state = get_state()
    event = st.session_state.get("bp_pick")
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return
    for p in points:
        if p.get("curve_number", 0) == 0 and "point_index" in p:
            state.index = int(p["point_index"])
            st.session_state["bp_index"] = state.index
            return


def _typed():
    get_state().index = int(st.session_state["bp_index"])


# -- the page ---------------------------------------------------------------------------------
def page():
    state = get_state()
    ps, own = playground(state)
    trainer = ps.trainer
    n = len(trainer.X_train)
    if state.index is None:
        state.index = labs.largest_loss_point(
            trainer.net, trainer.loss_name, trainer.X_train, trainer.T_train
        )
    state.index = min(max(0, state.index), n - 1)
    if st.session_state.get("bp_index") != state.index:
        st.session_state["bp_index"] = state.index

    lab_page.intro(
        "Backprop inspector",
        "how does a change to one weight w_ij travel through the layers to the loss, and why "
        "compute ∂ℓ/∂θ by backpropagation rather than by finite differences "
        "[R(θ + εe_i) − R(θ − εe_i)] / 2ε?",
        "one training point of the Playground's network: each layer's z, a and δ, every "
        "gradient by one backward pass, checked against finite differences.",
    )
    if own:
        st.info(
            "No Playground network in this session yet: inspecting a fresh default one "
            "(moons, one hidden layer of 8 ReLU units). Train a network in the Playground "
            "and come back to inspect it.",
            icon=":material/info:",
        )
    net = trainer.net
    l1 = float(getattr(trainer, "l1", 0.0))
    penalty = f" + {trainer.l2:g}·Σ‖W‖²" if trainer.l2 else ""
    penalty += f" + {l1:g}·Σ|W|" if l1 else ""
    st.markdown(
        f"Network: layers {list(net.layer_sizes)}, activation **{net.activation}**, loss "
        f"**{trainer.loss_name}**, step {trainer.step_count:,}; P = {len(net.theta):,} "
        f"parameters. R(θ) = ℓ(t, F(x; θ)){penalty} at the chosen point."
    )

    left, right = st.columns([2, 3], gap="medium")
    with right:
        lab_page.chart(
            pick_figure(ps, state.index),
            "bp_pick",
            "backprop_point",
            on_select=_picked,
            selection_mode="points",
        )
        st.caption("Click a point to inspect it (ringed: the chosen one).")
    with left:
        st.number_input(f"Training point (0 … {n - 1})", 0, n - 1, key="bp_index", on_change=_typed)
        eps = st.select_slider(
            "ε for finite differences",
            EPSILONS,
            1e-6,
            key="bp_eps",
            format_func=lambda v: f"{v:.0e}",
        )
        extended = st.toggle(
            "Evaluate R in extended precision",
            True,
            key="bp_extended",
            help="R(θ ± εe_i) in np.longdouble, so the check shows the method's "
            "own error, not float64 round-off (turn off to see round-off).",
        )
        max_params = st.select_slider(
            "Check at most this many parameters",
            MAX_CHECKED,
            300,
            key="bp_max",
            help="Each costs two forward passes; a random subset is checked when P is larger.",
        )
        x = np.asarray(trainer.X_train[state.index])
        t = np.asarray(trainer.T_train[state.index])
        label = trainer.y_train[state.index]
        st.markdown(
            f"Point **{state.index}**: x = {np.array2string(x, precision=3)}, "
            f"label {label}, target t = {np.array2string(t, precision=3)}"
        )

    key = Key(
        id(net), theta_digest(net.theta), state.index, float(eps), int(max_params), bool(extended)
    )
    if state.inspection is None or state.inspection.key != key:
        with st.spinner("Backprop and finite differences…"):
            state.inspection = inspect(ps, key)
    insp = state.inspection
    point, check = insp.point, insp.check

    st.subheader("Forward and backward, layer by layer")
    names_in = getattr(getattr(ps, "features", None), "names", None)
    with st.container(key="backprop_table"):
        tables = layer_rows(point, names_in)
        cols = st.columns(len(tables))
        for l, (col, rows) in enumerate(zip(cols, tables)):
            with col:
                what = "input" if l == 0 else ("output" if l == len(tables) - 1 else "hidden")
                st.markdown(f"**Layer {l}** · {what}")
                st.dataframe(
                    rows, hide_index=True, height=min(38 + 35 * len(rows), 320), key=f"bp_layer_{l}"
                )
        st.caption(
            f"R = {point.objective:.6g}. Forward: z^l = (W^l)^T a^(l−1) + b^l, a^l = f(z^l) "
            "(the output is linear: a^L = z^L). Backward: δ^L = ∂ℓ/∂z^L, then "
            "δ^l = Diag[f′(z^l)] W^(l+1) δ^(l+1); ∂ℓ/∂W^l = a^(l−1) (δ^l)^T, ∂ℓ/∂b^l = δ^l."
        )

    st.subheader("Gradient check: backprop against finite differences")
    with st.container(key="gradcheck_table"):
        rel = check.rel_error
        c = st.columns(4)
        c[0].metric("parameters checked", f"{len(check.indices):,} of {check.n_params:,}")
        c[1].metric("largest relative error", f"{rel.max():.1e}" if len(rel) else "—")
        c[2].metric(
            "backprop: 1 + 1 passes",
            _seconds(check.backward_seconds),
            help="One forward and one backward pass, measured (median of 5).",
        )
        c[3].metric(
            f"differences: {2 * check.n_params:,} passes",
            _seconds(check.all_params_seconds),
            help="Finite differences for every parameter: 2P forward passes of R, at the "
            "measured time of one float64 pass.",
        )
        ratio = check.all_params_seconds / max(check.backward_seconds, 1e-9)
        st.markdown(
            f"One backward pass gives all {check.n_params:,} partial derivatives in "
            f"{_seconds(check.backward_seconds)}; finite differences need two forward passes "
            f"per parameter: {2 * check.n_params:,} passes, about "
            f"{_seconds(check.all_params_seconds)} (**{ratio:,.0f}×** as long), and the cost "
            f"grows with P again for every pass. This check ran {check.forward_passes:,} "
            f"passes{' in extended precision' if check.extended else ''} in "
            f"{_seconds(check.numeric_seconds)}. Relative error = |g − ĝ| / max(|g|, |ĝ|)."
        )
        rows = gradient_table(insp)
        if len(point.grad) > MAX_ROWS:
            st.caption(
                f"{len(point.grad):,} parameters: the table lists the {len(rows):,} "
                "checked ones; the CSV holds every gradient."
            )
        st.dataframe(
            rows,
            hide_index=True,
            height=360,
            key="bp_grad_table",
            column_config={
                "backprop ∂R/∂θ": st.column_config.NumberColumn(format="%.6e"),
                "finite difference": st.column_config.NumberColumn(format="%.6e"),
                "relative error": st.column_config.NumberColumn(format="%.1e"),
            },
        )
    net_copy = copy.deepcopy(net)
    lab_page.downloads(
        ("Layers (CSV)", lambda: layers_csv(point), "backprop_layers.csv", "bp_layers_csv"),
        (
            "Gradients (CSV)",
            lambda: exports.rows_csv(gradient_table(insp, limit=10**9)),
            "gradient_check.csv",
            "bp_grads_csv",
        ),
        (
            "Network (JSON)",
            lambda: exports.network_json(net_copy, {"source": "backprop"}),
            "network.json",
            "bp_json",
        ),
    )
    lab_page.what_to_see(
        "With sigmoid or tanh units every relative error is tiny (about 1e-8 or less): "
        "backprop computes the exact gradient. Turn off extended precision or shrink ε and "
        "round-off grows; raise ε and the ε² error of the difference grows. With ReLU or the "
        "hinge loss a point sitting on a kink can disagree. And the cost: one backward pass "
        "against 2P forward passes, a gap that widens with every unit you add."
    )


# Any unexpected error: a short message and a reset button, never a traceback (app.guard).
guard.guarded(page, state_keys=(STATE_KEY,), name="Backprop inspector")
