"""The Playground: train a network live and watch the input plane and the hidden space.

Widgets -> a frozen config -> the session's trainer -> view functions -> payloads -> the live
canvas component. Two fragments: a fast one (the live views, ~40 frames a second while
playing) and a slow one (curves and the network diagram every 2 s: drawn by the canvas
component while playing, Plotly figures when paused).
"""

from __future__ import annotations

import copy
import uuid

import numpy as np
import streamlit as st

from app import (
    compare,
    exports,
    figures,
    frames,
    guard,
    load,
    payloads,
    sidebar,
    unit_thumbnails,
    weight_editor,
)
from app import config as C
from app import state as S
from app.live_view import live_view
from engine import datasets

# The browser paints a frame every load.FRAME_SPACING (25 ms); each run of the live
# fragment sends RUN_SECONDS / load.FRAME_SPACING of them at once. Streamlit's cost is per
# run, not per frame, in the browser too: each run re-renders the page's React tree (~35 ms
# of a core here, against ~7 ms to paint a frame of both views), so one frame a run painted
# ~27 frames/s, six ~38 with the browser's core full, twelve 40 with a third of it spare.
RUN_SECONDS = 0.3
CURVES_HEIGHT, NETWORK_HEIGHT = 300, 260  # as the Plotly figures' heights
# Streamlit fades an element while a run that will replace it is under way. The status line
# and the note under the charts are replaced by every run of their fragment: with a busy
# server the fade starts, and they would dim and animate for nothing (measured: 10 pages
# playing on one machine paint ~10 % more frames without it). The live views do the same in
# app/live_view/live_view.css.
NO_FADE_CSS = """<style>
.st-key-stats [data-stale="true"], .st-key-history_note [data-stale="true"] {
  opacity: 1 !important;
  transition: none !important;
}
</style>"""
SLOW_SECONDS = 2.0  # the curves and the network diagram while playing
MAX_FLIP_BUTTONS = 16


def get_state() -> S.PlaygroundState:
    """The page's one state object, created from the URL only when missing."""
    if "playground" not in st.session_state:
        params = st.query_params.to_dict()
        config, notices = C.from_query(params)
        if "sid" in params:
            # The link names a session this server does not hold: after a server restart,
            # or when a load balancer moved the browser to another replica.
            notices.insert(
                0,
                "This server did not know your session (it may have restarted, "
                "or you were moved to another server): training starts afresh "
                "from the link's setup.",
            )
        try:
            ps = S.new_state(config)
        except (ValueError, datasets.DatasetError) as err:
            notices.append(f"The link's setup could not be built ({err}); using the default.")
            config = C.DEFAULT
            ps = S.new_state(config)
        ps.notices = notices
        ps.hidden_controls = C.hidden_controls(params)
        ps.session_id = uuid.uuid4().hex[:12]
        st.session_state["playground"] = ps
        sidebar.seed_widgets(config)
    return st.session_state["playground"]


# -- callbacks (run before the rerun they cause) --------------------------------------------
def _play():
    ps = get_state()
    stop = S.stop_reached(ps)
    if stop:
        ps.notices.append(f"{stop} Raise the budget or the target (Stopping rule) to go on.")
        return
    if ps.scrub is not None:
        ps.trainer.rewind(ps.scrub)
        ps.scrub = None
    ps.trainer.clear_stop()
    ps.playing = True


def _pause():
    get_state().playing = False


def _step():
    ps = get_state()
    ps.playing = False
    ps.scrub = None
    ps.trainer.step(ps.config.steps_per_frame)


def _reset():
    S.reset(get_state())


def _flip(layer, unit):
    ps = get_state()
    ps.scrub = None
    ps.trainer.flip_unit_sign(layer, unit)


def _scrub():
    ps = get_state()
    ps.playing = False
    index = st.session_state.get("timeline")
    last = len(ps.trainer.history.entries) - 1
    ps.scrub = None if index is None or index >= last else int(index)


def _resume_here():
    ps = get_state()
    if ps.scrub is not None:
        ps.trainer.rewind(ps.scrub)
        ps.scrub = None


def _upload():
    ps = get_state()
    file = st.session_state.get("upload")
    if file is None:
        return
    try:
        X, y, names = datasets.load_csv_with_classes(file)
    except datasets.DatasetError as err:
        ps.notices.append(f"The CSV {file.name!r} was not loaded: {err}")
        return
    ps.uploaded = S.Uploaded(file.name, X, y, tuple(str(n) for n in names))
    st.session_state["cfg_dataset"] = C.CUSTOM
    # Force a rebuild even when "csv" was already selected (a second upload).
    ps.config = C.with_changes(ps.config, dataset="__new_upload__")


# -- drawing ---------------------------------------------------------------------------------
def display_network(ps: S.PlaygroundState):
    """The network to draw: the present one, or a snapshot while scrubbing the timeline."""
    if ps.scrub is None:
        return ps.trainer.net
    net = copy.deepcopy(ps.trainer.net)
    np.copyto(net.theta, ps.trainer.history.entries[ps.scrub].theta)
    return net


def draw_live_views(ps: S.PlaygroundState):
    """One run of the live fragment: a few animation frames, sent together and played by the
    browser at an even pace; frames of all sessions take turns and the runs slow down (with
    more frames each) when a classroom plays at once (app.load)."""
    live = ps.playing and ps.scrub is None
    with load.pace(live, base=RUN_SECONDS) as run:
        run.frames = _live_frames(ps, live)


def _live_frames(ps: S.PlaygroundState, live: bool) -> int:
    """Compute and send this run's frames; return how many."""
    # A full page run (a click, a slider) replaces what the browser still has queued, so a
    # change shows at once; the fragment's own runs append to the queue.
    flush = ps.full_run
    ps.full_run = False
    count = load.frames_per_run(load.frame_interval(RUN_SECONDS)) if live else 1
    boundary, hidden, stop = [], [], None
    for _ in range(count):
        if live:
            # A frame's training is bounded whatever the link asks (500 x 3 units, 500 steps).
            ps.trainer.step(load.steps_budget(ps.config.steps_per_frame, ps.trainer))
            stop = S.stop_reached(ps)
        ps.frame += 1
        b, h = _frame_payloads(ps, send_points=not boundary)
        boundary.append(b)
        hidden.append(h)
        if stop or ps.trainer.diverged:
            break
    spacing = round(1000 * load.FRAME_SPACING)
    left, right = st.columns(2, gap="medium")
    with left:
        live_view(boundary[0], key="boundary", burst=boundary[1:], spacing_ms=spacing, flush=flush)
    with right:
        live_view(hidden[0], key="hidden_space", burst=hidden[1:], spacing_ms=spacing, flush=flush)
    with st.container(key="stats"):
        prefix = "⏪ viewing the past · " if ps.scrub is not None else ""
        st.markdown(f"`{prefix}{S.status_line(ps.trainer, ps.config.regression)}`")
    if stop:
        ps.playing = False
        ps.notices.append(stop)
        st.rerun(scope="app")
    if ps.trainer.diverged:
        st.warning(ps.trainer.message, icon=":material/warning:")
        if ps.playing:
            ps.playing = False
            st.rerun(scope="app")
    return len(boundary)


def _frame_payloads(ps: S.PlaygroundState, send_points: bool):
    """The two live views' data for the network as it is now."""
    net = display_network(ps)
    boundary = frames.boundary_frame(
        net,
        ps.data,
        frame=ps.frame,
        points_version=ps.points_version,
        send_points=send_points,
        show_test=st.session_state.get("show_test", True),
        discretize=st.session_state.get("discretize", False),
        phi=ps.features,
    )
    hidden, ps.hidden_axes = frames.hidden_frame(
        net,
        ps.data,
        frame=ps.frame,
        layer=ps.hidden_layer,
        units=ps.hidden_units,
        axes=ps.hidden_axes,
        phi=ps.features,
    )
    return boundary, hidden


def draw_history(ps: S.PlaygroundState):
    with load.frame_slot():
        _history(ps)


def _history(ps: S.PlaygroundState):
    history = ps.trainer.history
    curves = history.curves()
    marker = None if ps.scrub is None else history.entries[ps.scrub].epoch
    left, right = st.columns([3, 2], gap="medium")
    net = display_network(ps)
    if ps.playing:
        # While training runs, the canvas draws the charts: a Plotly redraw of both cost the
        # browser ~150 ms (mounting new charts each time), a canvas one ~2 ms. Paused, they
        # are Plotly charts again, with hover, zoom and the timeline's marker.
        with left:
            live_view(
                payloads.curves_payload(curves, regression=ps.config.regression, frame=ps.frame),
                key="loss_curve",
                height=CURVES_HEIGHT,
            )
        with right:
            live_view(
                payloads.network_payload(net.coefs, ps.features.names, frame=ps.frame),
                key="network",
                height=NETWORK_HEIGHT,
            )
        # Sixty small images a refresh cost the browser more than the live views do; they
        # are redrawn on every pause, step, flip or edit instead.
        with st.container(key="history_note"):
            st.caption("Pause to scrub back through the run and to refresh each unit's picture.")
        return
    with left:
        st.plotly_chart(
            figures.loss_curves(curves, ps.config.regression, marker),
            key="loss_curve",
            config={"displayModeBar": False},
        )
    with right:
        st.plotly_chart(
            figures.network_diagram(net.coefs, net.intercepts, ps.features.names),
            key="network",
            config={"displayModeBar": False},
        )
    unit_thumbnails.show(net, ps)
    last = len(history.entries) - 1
    if last >= 1:
        st.session_state["timeline"] = last if ps.scrub is None else ps.scrub
        cols = st.columns([5, 1])
        cols[0].slider(
            "Timeline (stored snapshots)",
            0,
            last,
            key="timeline",
            on_change=_scrub,
            format="%d",
            help=f"{last + 1} snapshots, up to step "
            f"{history.entries[-1].step:,}; older ones are thinned evenly.",
        )
        cols[1].button(
            "Resume from here", key="rewind", on_click=_resume_here, disabled=ps.scrub is None
        )


def draw_controls(ps: S.PlaygroundState):
    cols = st.columns([1, 1, 1, 1, 1.2, 4])
    cols[0].button(
        "Play",
        key="play",
        on_click=_play,
        disabled=ps.playing,
        type="primary",
        icon=":material/play_arrow:",
    )
    cols[1].button(
        "Pause", key="pause", on_click=_pause, disabled=not ps.playing, icon=":material/pause:"
    )
    cols[2].button(
        "Step",
        key="step",
        on_click=_step,
        icon=":material/skip_next:",
        help="One frame's worth of training steps.",
    )
    cols[3].button(
        "Reset",
        key="reset",
        on_click=_reset,
        icon=":material/restart_alt:",
        help="Back to the initial weights (same seed).",
    )
    cols[4].button(
        "Regenerate",
        key="regenerate",
        on_click=S.regenerate,
        args=(ps,),
        icon=":material/scatter_plot:",
        help="New points from the same distribution; the network keeps its weights.",
        disabled=ps.config.dataset == C.CUSTOM,
    )
    with cols[5]:
        draw_hidden_choice(ps)


def draw_hidden_choice(ps: S.PlaygroundState):
    hidden = ps.config.hidden
    if not hidden:
        st.caption("No hidden layer: the right view shows the input itself and the output's line.")
        return
    c = st.columns(3)
    ps.hidden_layer = c[0].selectbox(
        "Hidden layer",
        range(1, len(hidden) + 1),
        index=min(ps.hidden_layer, len(hidden)) - 1,
        key="hs_layer",
    )
    width = hidden[ps.hidden_layer - 1]
    options = list(range(width))
    i = c[1].selectbox(
        "unit i",
        options,
        index=min(ps.hidden_units[0], width - 1),
        format_func=lambda u: f"z{u + 1}",
        key="hs_i",
    )
    j = c[2].selectbox(
        "unit j",
        options,
        index=min(ps.hidden_units[1], width - 1),
        format_func=lambda u: f"z{u + 1}",
        key="hs_j",
    )
    if (i, j) != ps.hidden_units:
        ps.hidden_units = (i, j)
        ps.hidden_axes = None


def draw_flips(ps: S.PlaygroundState):
    if not ps.config.hidden:
        return
    width = ps.config.hidden[0]
    st.markdown(
        "**Flip a first-layer unit's signs** (w_i, b_i → −w_i, −b_i): its normal turns "
        "around and the unit now fires on the other side of its line."
    )
    if width <= MAX_FLIP_BUTTONS:
        cols = st.columns(width)
        for u in range(width):
            cols[u].button(f"flip z{u + 1}", key=f"flip_1_{u}", on_click=_flip, args=(1, u))
        return
    c = st.columns([2, 1, 5])
    u = c[0].number_input("unit", 1, width, 1, key="flip_unit") - 1
    c[1].button(f"flip z{u + 1}", key=f"flip_1_{u}", on_click=_flip, args=(1, u))


def apply_config(ps: S.PlaygroundState, config: C.PlaygroundConfig):
    try:
        S.rebuild(ps, config)
    except (ValueError, datasets.DatasetError) as err:
        st.error(f"That setting could not be applied: {err}. The previous setup is kept.")
        sidebar.seed_widgets(ps.config)
        return
    query = C.to_query(ps.config)
    current = st.query_params.to_dict()
    # Keep the classroom switches; name this session so a reconnect elsewhere can say so.
    query.update({k: v for k, v in current.items() if k == "hide" or k.endswith("_hide")})
    query["sid"] = ps.session_id
    if current != query:
        st.query_params.from_dict(query)


def page():
    ps = get_state()
    hidden = ps.hidden_controls
    config = sidebar.show(ps.config, ps.uploaded.name if ps.uploaded else None, _upload, hidden)
    st.sidebar.header("Display")
    st.sidebar.checkbox("Show test data", True, key="show_test")
    st.sidebar.checkbox("Discretize output", False, key="discretize")
    apply_config(ps, config)
    for notice in ps.notices:
        st.info(notice, icon=":material/info:")
    ps.notices.clear()

    st.title("Playground")
    st.html(NO_FADE_CSS)
    draw_controls(ps)
    # The views' titles stay outside the fragment: each frame then re-sends only what moves.
    left, right = st.columns(2, gap="medium")
    left.markdown("**Input plane** · decision surface, units' lines z_i = 0 and normals")
    right.markdown("**Hidden space** · the points mapped to [f(z_i), f(z_j)]")
    ps.full_run = True
    interval = load.frame_interval(RUN_SECONDS) if ps.playing else None
    st.fragment(guarded(draw_live_views), run_every=interval)(ps)
    if "flip" not in hidden:
        draw_flips(ps)
    slow = load.history_interval(SLOW_SECONDS) if ps.playing else None
    st.fragment(guarded(draw_history), run_every=slow)(ps)
    if "edit" not in hidden:
        weight_editor.show(ps)
    if "compare" not in hidden:
        compare.show(ps)
    if "export" not in hidden:
        with st.expander("Export: figures, the run as a GIF, the data, the network"):
            exports.export_panel(ps)


def _stop_playing(_err):
    # A failing live view must not fail thirty times a second.
    if "playground" in st.session_state:
        st.session_state["playground"].playing = False


def guarded(fn):
    """The page or a fragment body (a fragment's rerun runs only its own function), with
    app.guard's last line of defence: a short message and a reset button, never a traceback."""
    return guard.fragment_body(
        fn, state_keys=("playground", "cfg_*"), name="Playground", on_error=_stop_playing
    )


guarded(page)()
