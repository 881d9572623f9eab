"""Lab: universal approximation. How well can one hidden layer of m units fit h(x)?

Pick a continuous h on [-pi, pi] (a named target or a formula typed in x, read by
`engine.formula`, never evaluated by Python), fit it with one hidden layer of m units for
each chosen m and each activation, and plot the fits and the sup-norm error against m. The
polynomial activation stops improving (Leshno et al., 1993). Fitting is `engine.labs`.
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

from app import exports, guard, jobs, messages  # noqa: E402
from engine import datasets, labs  # noqa: E402
from engine.formula import FormulaError  # noqa: E402

STATE_KEY = "lab_universal"
JOB_KEY = "lab_universal_job"  # the fits in progress (app.jobs)
CUSTOM = "custom formula"
TARGETS = (*datasets.TARGETS_1D, CUSTOM)
WIDTH_CHOICES = (1, 2, 3, 5, 10, 20, 50, 100, 200, 300, 500)
DEFAULT_WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
ACT_COLORS = {"sigmoid": "#1f77b4", "relu": "#d6336c", "quadratic": "#8c6d31", "tanh": "#1b9e77"}
# The fits of growing m, light and warm to dark and cool (h itself is black and dotted).
FIT_COLORS = ("#f0a830", "#e0603a", "#b5367a", "#6a2c91", "#1f1f7a")
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
    params: Params  # what the form asked for last
    fits: dict[str, list[labs.UniversalFit]] = field(default_factory=dict)
    fits_params: Params | None = None  # what ``fits`` were made with
    failed: Params | None = None  # parameters that could not be used (a bad formula)
    error: str | None = None


def get_state() -> UniversalState:
    """The page's one state object, created only when missing."""
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = UniversalState(Params())
    return st.session_state[STATE_KEY]


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
            line=dict(color="#222831", width=2, dash="dot"),
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
            line=dict(color=ACT_COLORS.get(a, "#444"), width=2),
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


def error_png(fits) -> bytes:
    series = [
        {
            "x": [f.m for f in rows],
            "y": [max(f.sup_error, 1e-12) for f in rows],
            "label": a,
            "color": ACT_COLORS.get(a),
            "markers": True,
        }
        for a, rows in fits.items()
    ]
    return exports.to_png(
        exports.lines_image(
            series,
            title="Sup error against width",
            xlabel="hidden units m",
            ylabel="max |F(x) - h(x)|",
            logx=True,
            logy=True,
            size=(620, 420),
        )
    )


def fits_png(p: Params, fits) -> bytes:
    x, h = truth(p)
    show = shown_widths(p.widths)
    lo, hi = float(h.min()), float(h.max())
    pad = 0.25 * (hi - lo or 1.0)
    images = []
    for a, rows in fits.items():
        by_m = {f.m: f for f in rows}
        series = [
            {
                "x": by_m[m].x,
                "y": by_m[m].fit,
                "label": f"m = {m}",
                "color": FIT_COLORS[min(i, len(FIT_COLORS) - 1)],
            }
            for i, m in enumerate(show)
        ]
        series.append({"x": x, "y": h, "label": "h(x)", "color": "#222831", "width": 1})
        images.append(
            exports.lines_image(
                series,
                title=a,
                xlabel="x",
                size=(420, 340),
                extent=(-np.pi, np.pi, lo - pad, hi + pad),
            )
        )
    return exports.to_png(
        exports.compose(
            images, len(images), title=f"Fits of h(x) = {DESCRIPTIONS.get(p.spec, p.spec)}"
        )
    )


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
    state = get_state()
    new = controls(state)
    st.title("Universal approximation")
    st.markdown(
        "**The lecture asks:** can one hidden layer F(x) = Σ ν_i f(w_i x + b_i) approximate "
        "*any* continuous h on a compact set to any accuracy (Cybenko, Hornik), and for which "
        "activations f (Leshno et al.: exactly those that are not polynomials)?  \n"
        "**Here:** fit h on [−π, π] with m units, for several m and activations, and watch "
        "the worst-case error max |F(x) − h(x)|."
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
    st.plotly_chart(fits_figure(shown, fits), key="approx_fits", config={"displayModeBar": False})
    st.markdown("**Sup-norm error against m** (log–log)")
    st.plotly_chart(error_figure(fits), key="approx_error", config={"displayModeBar": False})
    rows = error_rows(fits)
    with st.expander("Errors as a table, and how each network is fitted"):
        st.dataframe(rows, hide_index=True, key="ua_table")
        st.markdown(
            "Each network has one hidden layer of m units and a linear output, fitted to h "
            "at 400 evenly spaced points, in three stages: (1) each unit's transition "
            "w_i x + b_i = 0 is placed at its own point of [−π, π] (stratified), with "
            "slopes spread log-uniformly (steeper for larger m); (2) the output layer is set "
            "by least squares, then **every** weight is trained by full-batch gradient "
            "descent with momentum 0.9 (learning rate 0.01, gradient clipped at norm 1) for "
            "the chosen number of epochs; (3) the output layer is refitted by least squares, "
            "which gradient descent only approaches slowly when m is large. The error is "
            f"measured on {labs.EVAL_POINTS} points."
        )
    exports.download_row(
        ("Error chart (PNG)", lambda: error_png(fits), "sup_error.png", "ua_err_png"),
        ("Fits (PNG)", lambda: fits_png(shown, fits), "fits.png", "ua_fits_png"),
        ("Errors (CSV)", lambda: exports.rows_csv(rows), "sup_error.csv", "ua_err_csv"),
        ("Fits (CSV)", lambda: fits_csv(fits), "fits.csv", "ua_fits_csv"),
    )
    st.info(
        "**What you should see.** The sigmoid's and the ReLU's errors fall steadily as m "
        "grows (a straight-ish line on the log–log plot: more units, finer pieces). The "
        "quadratic's error stops falling after m = 2 or 3: a sum of quadratics is a quadratic, "
        "whatever m, so a polynomial activation is not universal (Leshno et al.).",
        icon=":material/visibility:",
    )


# Any unexpected error: a short message and a reset button, never a traceback (app.guard).
guard.guarded(page, state_keys=(STATE_KEY, JOB_KEY), name="Universal-approximation lab")
