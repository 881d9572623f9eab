"""Lab: universal approximation. How well can one hidden layer of m units fit h(x)?

Pick a continuous h on [-pi, pi] (a named target or a formula typed in x, read by
`engine.formula`, never evaluated by Python), fit it with one hidden layer of m units for
each chosen m and each activation, and plot the fits and the sup-norm error against m. The
polynomial activation stops improving (Leshno et al., 1993). Fitting is
`engine.labs.universal_approximation`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from app import exports, guard, jobs, lab_page, messages
from app.palette import ACTIVATIONS as ACT_COLORS
from app.palette import BOUNDARY, MUTED_TEXT
from app.palette import FITS as FIT_COLORS
from engine import datasets, labs
from engine.formula import FormulaError

STATE_KEY = "lab_universal"
JOB_KEY = "lab_universal_job"  # the fits in progress (app.jobs)
CUSTOM = "custom formula"
TARGETS = (*datasets.TARGETS_1D, CUSTOM)
WIDTH_CHOICES = (1, 2, 3, 5, 10, 20, 50, 100, 200, 300, 500)
DEFAULT_WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
DISCONTINUOUS = {"step"}
DESCRIPTIONS = {
    "sin": "sin(x)",
    "abs": "|x|",
    "step": "sign(x)",
    "bump": "exp(−x²)",
    "sawtooth": "a triangle wave of period π",
    "sin3": "sin(3x)",
    "gauss_mix": "three Gaussian bumps",
}


class Params(NamedTuple):
    """The settings of one run (a tuple: equal by value even though this page's classes
    are redefined on every rerun)."""

    target: str = "sin3"
    formula: str = "sin(3*x) + abs(x)/2"
    widths: tuple[int, ...] = DEFAULT_WIDTHS
    activations: tuple[str, ...] = labs.UNIVERSAL_ACTIVATIONS
    epochs: int = 200
    seed: int = 0

    @property
    def spec(self) -> str:
        """What `labs.target_function` reads: a target's name, or the typed formula."""
        return self.formula if self.target == CUSTOM else self.target


@dataclass
class UniversalState:
    params: Params = field(default_factory=Params)  # what the form asked for last
    fits: dict[str, list[labs.UniversalFit]] = field(default_factory=dict)
    fits_params: Params | None = None  # what ``fits`` were made with
    failed: Params | None = None  # parameters that could not be used (a bad formula)
    error: str | None = None


# -- computing ------------------------------------------------------------------------------
@st.cache_data(max_entries=2000, show_spinner=False)
def fit_one(spec: str, m: int, activation: str, epochs: int, seed: int) -> labs.UniversalFit:
    """One fit; a pure function of its arguments, so cached across reruns and sessions."""
    return labs.fit_universal(
        labs.target_function(spec), m, activation, epochs=epochs, random_state=seed
    )


def compute(p: Params) -> Iterator[jobs.Progress]:
    """Every fit, one a piece (a job of app.jobs: it takes turns with the other sessions,
    shows progress, can be cancelled); returns ``{activation: [fit per width]}``."""
    todo = [(a, m) for a in p.activations for m in p.widths]
    # Big widths cost most: weight the bar by width so it moves evenly.
    total = sum(10 + m for _, m in todo)
    done = 0
    fits: dict[str, list[labs.UniversalFit]] = {a: [] for a in p.activations}
    for a, m in todo:
        yield jobs.Progress(done / total, f"Fitting {a} with m = {m}…")
        fits[a].append(fit_one(p.spec, m, a, p.epochs, p.seed))
        done += 10 + m
    return fits


# -- figures ----------------------------------------------------------------------------------
def truth(p: Params):
    x = np.linspace(-np.pi, np.pi, labs.EVAL_POINTS)
    return x, np.asarray(labs.target_function(p.spec)(x), dtype=float)


def shown_widths(widths) -> list[int]:
    """At most five widths to draw as fits: the smallest, the largest and some between."""
    w = sorted(widths)
    if len(w) <= 5:
        return w
    picks = np.unique(np.linspace(0, len(w) - 1, 5).round().astype(int))
    return [w[i] for i in picks]


def fits_figure(p: Params, fits) -> go.Figure:
    acts = list(fits)
    fig = make_subplots(
        rows=1, cols=len(acts), subplot_titles=acts, shared_yaxes=True, horizontal_spacing=0.03
    )
    x, h = truth(p)
    show = shown_widths(p.widths)
    lo, hi = float(h.min()), float(h.max())
    pad = 0.25 * (hi - lo or 1.0)
    for k, a in enumerate(acts, start=1):
        by_m = {f.m: f for f in fits[a]}
        for i, m in enumerate(show):
            f = by_m[m]
            color = FIT_COLORS[min(i, len(FIT_COLORS) - 1)]
            fig.add_scatter(
                x=f.x[::4],
                y=f.fit[::4],
                mode="lines",
                name=f"m = {m}",
                legendgroup=f"m{m}",
                showlegend=k == 1,
                row=1,
                col=k,
                line=dict(color=color, width=1.6),
            )
        fig.add_scatter(
            x=x[::4],
            y=h[::4],
            mode="lines",
            name="h(x)",
            legendgroup="h",
            showlegend=k == 1,
            row=1,
            col=k,
            line=dict(color=BOUNDARY, width=2, dash="dot"),
        )
        fig.update_yaxes(range=[lo - pad, hi + pad], row=1, col=k)
    fig.update_layout(
        template="none",
        height=340,
        margin=dict(l=40, r=10, t=40, b=40),
        legend=dict(orientation="h", y=-0.15, x=0),
    )
    return fig


def error_figure(fits) -> go.Figure:
    fig = go.Figure()
    for a, rows in fits.items():
        fig.add_scatter(
            x=[f.m for f in rows],
            y=[max(f.sup_error, 1e-12) for f in rows],
            mode="lines+markers",
            name=a,
            line=dict(color=ACT_COLORS.get(a, MUTED_TEXT), width=2),
        )
    fig.update_layout(
        template="none",
        height=360,
        margin=dict(l=70, r=20, t=30, b=50),
        xaxis=dict(title="hidden units m", type="log", tickvals=list(WIDTH_CHOICES)),
        yaxis=dict(
            title="sup error max |F(x) − h(x)|", type="log", exponentformat="power", dtick=1
        ),
        legend=dict(orientation="h", y=1.1, x=0),
    )
    return fig


def error_rows(fits) -> list[dict]:
    return [
        {
            "activation": a,
            "m": f.m,
            "sup error": f.sup_error,
            "train RMSE": f.train_rmse,
            "seconds": round(f.seconds, 3),
        }
        for a, rows in fits.items()
        for f in rows
    ]


def fits_csv(fits) -> str:
    """x, then one column per (activation, m) fit."""
    cols, names = [], ["x"]
    for a, rows in fits.items():
        for f in rows:
            if not cols:
                cols.append(f.x)
            cols.append(f.fit)
            names.append(f"{a}_m{f.m}")
    M = np.column_stack(cols)
    return ",".join(names) + "\n" + "\n".join(",".join(repr(float(v)) for v in r) for r in M)


# -- the page ---------------------------------------------------------------------------------
def controls(state: UniversalState) -> Params | None:
    p = state.params
    with st.sidebar.form("ua_form"):
        st.header("Universal approximation")
        target = st.selectbox(
            "Target h(x)", TARGETS, index=TARGETS.index(p.target), key="ua_target"
        )
        formula = st.text_input(
            "Formula in x (for a custom target)",
            p.formula,
            max_chars=200,
            key="ua_formula",
            help="Numbers, x, pi, e, + - * / ^, and sin, cos, tan, exp, "
            "log, sqrt, abs, tanh, sinh, cosh, arctan.",
        )
        widths = st.multiselect("Widths m", WIDTH_CHOICES, list(p.widths), key="ua_widths")
        acts = st.multiselect(
            "Activations",
            ("sigmoid", "relu", "quadratic", "tanh"),
            list(p.activations),
            key="ua_acts",
        )
        epochs = st.select_slider(
            "Gradient-descent epochs", (0, 50, 100, 200, 500, 1000, 2000), p.epochs, key="ua_epochs"
        )
        seed = st.number_input("Seed", 0, 10_000, p.seed, key="ua_seed")
        submitted = st.form_submit_button("Fit", type="primary")
    if submitted:
        return Params(
            target,
            formula,
            tuple(sorted(int(w) for w in widths)) or (10,),
            tuple(acts) or ("sigmoid",),
            int(epochs),
            int(seed),
        )
    return None


def page():
    state = lab_page.state(STATE_KEY, UniversalState)
    new = controls(state)
    lab_page.intro(
        "Universal approximation",
        "can one hidden layer F(x) = Σ ν_i f(w_i x + b_i) approximate *any* continuous h on a "
        "compact set to any accuracy (Cybenko, Hornik), and for which activations f (Leshno "
        "et al.: exactly those that are not polynomials)?",
        "fit h on [−π, π] with m units, for several m and activations, and watch the "
        "worst-case error max |F(x) − h(x)|.",
    )
    if new is not None:
        state.params = new
    p = state.params
    if p != state.fits_params and p != state.failed:
        try:
            labs.target_function(p.spec)  # a bad formula is said before any work
            fits = jobs.run(
                JOB_KEY, p, lambda: compute(p), name="The fits", restart=new is not None
            )
            # Until they are done (or after a cancel) the last fits stay on the page.
            if fits is not None:
                state.fits = fits
                state.fits_params, state.failed, state.error = p, None, None
        except FormulaError as err:
            state.failed = p
            # The formula and the error's text (which quotes it) are shown literally.
            state.error = messages.text(
                "The formula {formula} cannot be used: {why}",
                formula=p.formula,
                why=messages.detail(err),
            )
    if state.error:
        kept = " The last fits are kept." if state.fits else ""
        messages.show(
            "error", messages.text("{error}" + kept, error=state.error), icon=":material/warning:"
        )
    if not state.fits:
        return
    fits, shown = state.fits, state.fits_params
    if shown.target in DISCONTINUOUS:
        st.warning(
            "This target is not continuous: no continuous F can get closer than 1 "
            "to it in the sup norm, whatever m. The theorem needs a continuous h."
        )
    what = DESCRIPTIONS.get(shown.spec) or messages.literal(shown.spec)
    messages.say(
        "markdown",
        "**Fits of h(x) = {what}** (dotted: h; darker: more units)",
        what=messages.Markdown(what),
    )
    lab_page.chart(fits_figure(shown, fits), "approx_fits", "fits")
    st.markdown("**Sup-norm error against m** (log–log)")
    lab_page.chart(error_figure(fits), "approx_error", "sup_error")
    rows = error_rows(fits)
    how = labs.UNIVERSAL_SETTINGS
    with st.expander("Errors as a table, and how each network is fitted"):
        st.dataframe(rows, hide_index=True, key="ua_table")
        st.markdown(
            "Each network has one hidden layer of m units and a linear output, fitted to h "
            "at 400 evenly spaced points, in three stages: (1) each unit's transition "
            "w_i x + b_i = 0 is placed at its own point of [−π, π] (stratified), with "
            "slopes spread log-uniformly (steeper for larger m); (2) the output layer is set "
            "by least squares, then **every** weight is trained by full-batch gradient "
            f"descent with momentum {how.momentum:g} (learning rate {how.learning_rate:g}, "
            f"gradient clipped at norm {how.clip_norm:g}) for "
            "the chosen number of epochs; (3) the output layer is refitted by least squares, "
            "which gradient descent only approaches slowly when m is large. The error is "
            f"measured on {labs.EVAL_POINTS} points."
        )
    lab_page.downloads(
        ("Errors (CSV)", lambda: exports.rows_csv(rows), "sup_error.csv", "ua_err_csv"),
        ("Fits (CSV)", lambda: fits_csv(fits), "fits.csv", "ua_fits_csv"),
    )
    lab_page.what_to_see(
        "The sigmoid's and the ReLU's errors fall steadily as m grows (a straight-ish line on "
        "the log–log plot: more units, finer pieces). The quadratic's error stops falling after "
        "m = 2 or 3: a sum of quadratics is a quadratic, whatever m, so a polynomial activation "
        "is not universal (Leshno et al.)."
    )


# Any unexpected error: a short message and a reset button, never a traceback (app.guard).
guard.guarded(page, state_keys=(STATE_KEY, JOB_KEY), name="Universal-approximation lab")
