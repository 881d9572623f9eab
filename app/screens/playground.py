"""The Playground: train a network live and watch the input plane and the hidden space.

Widgets -> a frozen config -> the session's trainer -> view functions -> payloads -> the live
canvas component. Two fragments: a fast one (the live views at the display's rate while the
server has room, app.pacing) and a slow one (curves and the network diagram every 2 s: drawn
by the canvas component while playing and on a page's first paint, Plotly figures when
paused).
"""

from __future__ import annotations

import copy
import time

import numpy as np
import streamlit as st

from app import (
    compare,
    drawing,
    exports,
    figures,
    frames,
    guard,
    keys,
    pacing,
    payloads,
    presentation,
    session_mark,
    sidebar,
    unit_thumbnails,
    weight_editor,
)
from app import config as C
from app import messages as M
from app import state as S
from app.live_view import live_view
from engine import csv_points, datasets

# The live fragment runs every RUN_SECONDS while the server has room and sends that long's
# frames at once, for the browser to paint one by one: Streamlit's cost (on the server, and
# the page's React re-render in the browser) is per run, not per frame. A busy server gives
# each page longer runs with more frames (app.pacing.plan).
RUN_SECONDS = 0.3
LEAD = "_playground_lead"  # session key: the next live run sends pacing.LEAD_RUNS runs' worth
# Session key: (when it ended, its boundary frames, its hidden frames) of the lead run, which
# the next run sends again when it follows at once (see _live_frames).
LEAD_SENT = "_playground_lead_sent"
CURVES_HEIGHT, NETWORK_HEIGHT = 360, 260  # as the Plotly figures' heights
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
# A page's first paint: the curves and diagram are drawn by the canvas, as while playing,
# and become Plotly figures this much later (the browser loads Plotly's code for them, which
# would hold up the first frame).
SETTLE_SECONDS = 0.8
CHARTS_LATER = "_playground_charts_later"  # session key: "pending", then "armed", then gone
MAX_FLIP_BUTTONS = 16


def get_state() -> S.PlaygroundState:
    """The page's one state object, created from the URL only when missing."""
    if "playground" not in st.session_state:
        params = st.query_params.to_dict()
        notices = []
        if params.get(C.QUERY_NAMES["dataset"]) == C.CUSTOM:
            del params[C.QUERY_NAMES["dataset"]]
            notices.append(
                M.text(
                    "This link was made over an uploaded CSV, which a link cannot carry: "
                    "upload the file to train on the same points."
                )
            )
        config, more = C.from_query(params)
        notices += more
        if session_mark.lost_server():
            # This browser had the page open on a server that no longer holds its session:
            # a restart, or a load balancer that moved it to another replica.
            notices.insert(
                0,
                M.text(
                    "This server did not know your session (it may have restarted, "
                    "or you were moved to another server): training starts afresh "
                    "from the link's setup."
                ),
            )
        try:
            ps = S.new_state(config)
        except (ValueError, datasets.DatasetError) as err:
            notices.append(
                M.text(
                    "The link's setup could not be built ({why}); using the default.",
                    why=M.detail(err),
                )
            )
            config = C.DEFAULT
            ps = S.new_state(config)
        ps.notices = notices
        ps.hidden_controls = C.hidden_controls(params)
        ps.present = C.is_on(params.get("present"))
        ps.session_id = session_mark.issue()
        st.session_state["playground"] = ps
        sidebar.seed_widgets(config)
    return st.session_state["playground"]


# -- callbacks (run before the rerun they cause) --------------------------------------------
def _play():
    ps = get_state()
    stop = S.stop_reached(ps)
    if stop:
        ps.notices.append(
            M.text(
                "{stop} Raise the budget or the target (Stopping rule) to go on.",
                stop=M.Markdown(stop),  # numbers only: S.stop_reached
            )
        )
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
    ps.trainer.flip_unit_sign(layer, unit, compensate=ps.compensate)


def _scrub():
    ps = get_state()
    ps.playing = False
    index = st.session_state.get("timeline")
    last = len(ps.trainer.history.entries) - 1
    ps.scrub = None if index is None or index >= last else int(index)


def _resume_here():
    """Go back to the moment being looked at, and train on from there."""
    ps = get_state()
    if ps.scrub is not None:
        ps.trainer.rewind(ps.scrub)
        ps.scrub = None
        ps.trainer.clear_stop()
        ps.playing = True
        ps.hold_first_frame = True


def _upload():
    ps = get_state()
    file = st.session_state.get("upload")
    if file is None:
        return
    try:
        X, y, names = csv_points.load_csv_with_classes(file)
    except datasets.DatasetError as err:
        ps.notices.append(
            M.text("The CSV {name} was not loaded: {why}", name=file.name, why=M.detail(err))
        )
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
    more frames each) when a classroom plays at once (app.pacing)."""
    live = ps.playing and ps.scrub is None
    # A page's own run (a click, a slider, a new page) is awaited by someone: it computes
    # before the timers' runs of other sessions.
    with pacing.pace(live, base=RUN_SECONDS, urgent=ps.full_run) as run:
        run.frames = _live_frames(ps, live, run)


def _live_frames(ps: S.PlaygroundState, live: bool, run: pacing.Run) -> int:
    """Compute and send this run's frames; return how many."""
    # A full page run (a click, a slider) replaces what the browser still has queued, so a
    # change shows at once; the fragment's own runs append to the queue.
    flush = ps.full_run
    ps.full_run = False
    count = run.plan.frames if live else 1
    lead = False
    if live and flush:
        # A page's own run (Play, a slider) answers at once with a few frames, and its first
        # timer run, pacing.FIRST_TICK later, with a lead (app.pacing).
        count = min(count, pacing.FIRST_FRAMES)
        st.session_state[LEAD] = True
    elif live and st.session_state.pop(LEAD, False):
        count = min(pacing.LEAD_RUNS * count, pacing.MAX_BURST)
        lead = True
    sent = st.session_state.pop(LEAD_SENT, None)
    if live and not flush and sent and time.monotonic() - sent[0] < pacing.FIRST_TICK:
        # The short first timer fired again before the plan's interval reached the browser:
        # this run follows the lead at once, and Streamlit replaces a view's message not yet
        # sent with the next one for that view, so the lead's frames would be lost. Send
        # them again instead of new ones (the browser skips the frames it has).
        return _send_frames(ps, sent[1], sent[2], run, live, flush, None)
    # While many play, a coarser surface: its cost and bytes are a good part of a frame's.
    grid = pacing.grid_size(ps.trainer.net.layer_sizes)
    if live:
        grid = min(grid, pacing.grid_side())
    boundary, hidden, stop = [], [], None
    # After "Resume from here" the first frame is the moment chosen, then training goes on.
    hold, ps.hold_first_frame = ps.hold_first_frame, False
    for i in range(count):
        if live and not (hold and i == 0):
            # A frame's training is bounded whatever the link asks (500 x 3 units, 500 steps).
            ps.trainer.step(pacing.steps_budget(ps.config.steps_per_frame, ps.trainer))
            stop = S.stop_reached(ps)
        ps.frame += 1
        b, h = _frame_payloads(ps, send_points=not boundary, grid=grid)
        boundary.append(b)
        hidden.append(h)
        if stop or ps.trainer.diverged or run.over_budget():
            break
    count = _send_frames(ps, boundary, hidden, run, live, flush, stop)
    if lead:
        st.session_state[LEAD_SENT] = (time.monotonic(), boundary, hidden)
    return count


def _send_frames(ps: S.PlaygroundState, boundary, hidden, run, live, flush, stop) -> int:
    """Send a run's frames to both views, with the status line under them; return how many."""
    spacing = 1000 * (run.plan.spacing if live else pacing.FRAME_SPACING)
    left, right = st.columns(2, gap="medium")
    with left:
        plane = live_view(
            boundary[0],
            key="boundary",
            burst=_changes(boundary),
            spacing_ms=spacing,
            flush=flush,
        )
    with right:
        live_view(
            hidden[0], key="hidden_space", burst=_changes(hidden), spacing_ms=spacing, flush=flush
        )
    if drawing.handle_click(ps, getattr(plane, "click", None)):
        # A drawn or removed point: the whole page (sidebar, counts, notices) shows it.
        st.rerun(scope="app")
    with st.container(key="stats"):
        prefix = "⏪ viewing the past · " if ps.scrub is not None else ""
        line = S.status_line(ps.trainer, ps.config.regression, at=ps.scrub)
        st.markdown(f"`{prefix}{line}`")
    if stop:
        ps.playing = False
        ps.notices.append(M.Markdown(stop))  # numbers only: S.stop_reached
        st.rerun(scope="app")
    if ps.trainer.diverged:
        again = (
            " The timeline below goes back to earlier moments of the run."
            if _other_moments(ps.trainer)
            else ""
        )
        # The trainer's message holds numbers and the studio's own words only.
        M.show("warning", M.Markdown(f"{ps.trainer.message}{again}"))
        if ps.playing:
            ps.playing = False
            st.rerun(scope="app")
    elif ps.trainer.step_count:
        # e.g. every ReLU unit dead after a huge step: the loss is flat and nothing learns.
        notice = ps.trainer.health_notice()
        if notice:
            M.show("info", M.Markdown(notice))  # the engine's words and counts only
    return len(boundary)


def _changes(payloads_):
    """A burst's later frames, each with only what differs from the first: the browser fills
    in the rest from it (fewer bytes to encode, send and parse a frame)."""
    first = payloads_[0]
    return [
        {k: v for k, v in p.items() if k == "frame" or first.get(k) != v} for p in payloads_[1:]
    ]


def _other_moments(trainer) -> bool:
    """Whether the history holds weights other than those kept: else a rewind offers
    nothing (a blow-up at the first steps keeps the initial weights)."""
    if not trainer.can_rewind:
        return False
    theta = trainer.net.theta
    return any(not np.array_equal(e.theta, theta) for e in trainer.history.entries[:-1])


def _frame_payloads(ps: S.PlaygroundState, send_points: bool, grid: int = frames.GRID):
    """The two live views' data for the network as it is now."""
    net = display_network(ps)
    boundary = frames.boundary_frame(
        net,
        ps.data,
        frame=ps.frame,
        grid=grid,
        points_version=ps.points_version,
        send_points=send_points,
        show_test=ps.show_test,
        discretize=ps.discretize,
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
        show_test=ps.show_test,
        # A coarser plane for a crowd, and coarser lines in the hidden space with it.
        line_points=max(24, round(frames.LINE_POINTS * grid / frames.GRID)),
    )
    return boundary, hidden


def draw_history(ps: S.PlaygroundState):
    with pacing.frame_slot():
        _history(ps)


def _history(ps: S.PlaygroundState):
    history = ps.trainer.history
    curves = history.curves()
    marker = None if ps.scrub is None else history.entries[ps.scrub].epoch
    left, right = st.columns([3, 2], gap="medium")
    net = display_network(ps)
    later = st.session_state.get(CHARTS_LATER)
    if later == "pending":  # the page's first run: the canvas now, Plotly at the next tick
        st.session_state[CHARTS_LATER] = "armed"
    elif later == "armed":
        del st.session_state[CHARTS_LATER]
        pacing.stop_timer()
    if ps.playing or later == "pending":
        # While training runs, the canvas draws the charts: a Plotly redraw of both cost the
        # browser ~150 ms (mounting new charts each time), a canvas one ~2 ms. Paused, they
        # are Plotly charts again, with hover, zoom and the timeline's marker.
        with left:
            live_view(
                payloads.curves_payload(
                    curves,
                    regression=ps.config.regression,
                    frame=ps.frame,
                    clip_norm=ps.config.clip_norm,
                ),
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
            if ps.playing:
                st.caption(
                    "Pause to scrub back through the run and to refresh each unit's picture."
                )
        return
    with left:
        st.plotly_chart(
            figures.loss_curves(
                curves,
                ps.config.regression,
                marker,
                clip_norm=ps.config.clip_norm or None,
                height=CURVES_HEIGHT,
            ),
            key="loss_curve",
            config=figures.slide_config("loss_curves"),
        )
    with right:
        st.plotly_chart(
            figures.network_diagram(net.coefs, net.intercepts, ps.features.names),
            key="network",
            config=figures.slide_config("network"),
        )
    unit_thumbnails.show(net, ps)


def draw_timeline(ps: S.PlaygroundState):
    """Scrub back through the run. Outside the charts' fragment on purpose: a fragment's
    widget reruns only its fragment, and every view must show the moment chosen."""
    entries = ps.trainer.history.entries
    last = len(entries) - 1
    if ps.playing or last < 1:
        return
    st.session_state["timeline"] = last if ps.scrub is None else ps.scrub
    epochs = [e.epoch for e in entries]  # a copy: a rewind shortens the history later
    cols = st.columns([5, 1.3], vertical_alignment="bottom")
    cols[0].select_slider(
        "Timeline (epochs)",
        options=range(last + 1),
        key="timeline",
        on_change=_scrub,
        format_func=lambda i: f"epoch {S.number(epochs[i], 6)}",
        help=f"{last + 1} stored moments of the run, up to epoch "
        f"{S.number(entries[-1].epoch, 6)}; older ones are thinned evenly.",
    )
    cols[1].button(
        "Resume from here",
        key="rewind",
        on_click=_resume_here,
        disabled=ps.scrub is None,
        help="Go back to this moment and train on from it.",
        width="stretch",
    )


def draw_controls(ps: S.PlaygroundState):
    # A row that wraps instead of columns that squeeze: at 1280 x 720 with the sidebar open,
    # fixed columns cut the labels to "P…", "St…".
    with st.container(horizontal=True, key="controls", vertical_alignment="bottom"):
        st.button(
            "Play",
            key="play",
            on_click=_play,
            disabled=ps.playing,
            type="primary",
            icon=":material/play_arrow:",
        )
        st.button(
            "Pause", key="pause", on_click=_pause, disabled=not ps.playing, icon=":material/pause:"
        )
        st.button(
            "Step",
            key="step",
            on_click=_step,
            icon=":material/skip_next:",
            help="One frame's worth of training steps.",
        )
        st.button(
            "Reset",
            key="reset",
            on_click=_reset,
            icon=":material/restart_alt:",
            help="Back to the initial weights (same seed).",
        )
        st.button(
            "Regenerate",
            key="regenerate",
            on_click=_regenerate,
            icon=":material/scatter_plot:",
            help="New points from the same distribution; the network keeps its weights.",
            disabled=ps.config.dataset == C.CUSTOM,
        )
        drawing.show_controls(ps)
        keys.show()


def _regenerate():
    S.regenerate(get_state())


def draw_hidden_choice(ps: S.PlaygroundState):
    """The hidden-space view's title, with which layer and which two units it shows; layer 0
    is the input features when they are not the raw coordinates."""
    hidden = ps.config.hidden
    features = ps.features
    first = 0 if not features.is_raw else 1
    with st.container(
        horizontal=True, vertical_alignment="center", gap="small", key="hidden_choice"
    ):
        st.markdown("**Hidden space**", width="content")
        if not hidden and first == 1:
            return
        layers = list(range(first, len(hidden) + 1))
        if ps.hidden_layer not in layers:
            ps.hidden_layer = layers[-1] if ps.hidden_layer > layers[-1] else layers[0]
        layer = st.selectbox(
            "Hidden space: layer",
            layers,
            index=layers.index(ps.hidden_layer),
            key="hs_layer",
            format_func=lambda l: "input features" if l == 0 else f"layer {l}",
            label_visibility="collapsed",
            width=150 if first == 0 else 92,
            help="Which layer's units the view shows.",
        )
        if layer != ps.hidden_layer:
            ps.hidden_layer = layer
            ps.hidden_axes = None
        names = (
            list(features.names) if layer == 0 else [f"z{u + 1}" for u in range(hidden[layer - 1])]
        )
        units = []
        for n, (label, key) in enumerate((("unit i", "hs_i"), ("unit j", "hs_j"))):
            units.append(
                st.selectbox(
                    label,
                    range(len(names)),
                    index=min(ps.hidden_units[n], len(names) - 1),
                    format_func=lambda u: names[u],
                    key=key,
                    label_visibility="collapsed",
                    width=80 if layer else 100,
                )
            )
    if tuple(units) != ps.hidden_units:
        ps.hidden_units = tuple(units)
        ps.hidden_axes = None


FLIP_NOTE = {
    False: "**Flip a first-layer unit's signs** (w_i, b_i → −w_i, −b_i): its normal turns "
    "around and the unit now fires on the other side of its line.",
    True: "**Flip and compensate**: w_i, b_i → −w_i, −b_i and the unit's outgoing weights "
    "v_i → −v_i. For an odd activation (tanh, identity) f(−z) = −f(z), so the network computes "
    "the same function: the 2^m sign patterns are symmetries, and the boundary does not move. "
    "For ReLU relu(−z) ≠ −relu(z): the boundary changes.",
}


def draw_flips(ps: S.PlaygroundState):
    if not ps.config.hidden:
        return
    width = ps.config.hidden[0]
    st.session_state.setdefault("flip_compensate", ps.compensate)
    ps.compensate = st.toggle(
        "Compensate (also negate the unit's outgoing weights)",
        key="flip_compensate",
        help="A flip the rest of the network undoes where it can: try tanh, then ReLU.",
    )
    st.markdown(FLIP_NOTE[ps.compensate])
    label = "flip & compensate" if ps.compensate else "flip"
    if width <= MAX_FLIP_BUTTONS:
        with st.container(horizontal=True, key="flips"):
            for u in range(width):
                st.button(f"{label} z{u + 1}", key=f"flip_1_{u}", on_click=_flip, args=(1, u))
        return
    c = st.columns([2, 1, 5])
    u = c[0].number_input("unit", 1, width, 1, key="flip_unit") - 1
    c[1].button(f"{label} z{u + 1}", key=f"flip_1_{u}", on_click=_flip, args=(1, u))


def apply_config(ps: S.PlaygroundState, config: C.PlaygroundConfig):
    try:
        S.rebuild(ps, config)
    except (ValueError, datasets.DatasetError) as err:
        M.say(
            "error",
            "That setting could not be applied: {why}. The previous setup is kept.",
            why=M.detail(err),
        )
        sidebar.seed_widgets(ps.config)
        return
    write_link(ps)


def write_link(ps: S.PlaygroundState):
    """Put the setup in the URL, so that a copied link reproduces it. Nothing in it names
    this session: a link opens the same way for anyone (see app.session_mark)."""
    query = C.to_query(ps.config)
    if ps.config.dataset == C.CUSTOM:
        # The points are the file's: noise, size and sample do not describe them.
        for name in ("noise", "n_samples", "draw"):
            query.pop(C.QUERY_NAMES[name], None)
    current = st.query_params.to_dict()
    # Keep the classroom switches and presentation mode.
    query.update({k: v for k, v in current.items() if k == "hide" or k.endswith("_hide")})
    if ps.present:
        query["present"] = "1"
    if current != query:
        st.query_params.from_dict(query)


def draw_display_options(ps: S.PlaygroundState):
    sb = st.sidebar
    sb.header("Display")
    for key in ("show_test", "discretize", "present"):
        st.session_state.setdefault(key, getattr(ps, key))
    ps.show_test = sb.checkbox("Show test data", key="show_test")
    ps.discretize = sb.checkbox("Discretize output", key="discretize")
    ps.present = sb.toggle(
        "Presentation mode",
        key="present",
        help="For a projector: larger text, the sidebar closed, and the controls, both views "
        "and the status line on the first screen. In a link: ?present=1.",
    )


def page():
    first_paint = "playground" not in st.session_state
    ps = get_state()
    hidden = ps.hidden_controls
    session_mark.mark(ps.session_id)
    config = sidebar.show(ps.config, ps.uploaded.name if ps.uploaded else None, _upload, hidden)
    draw_display_options(ps)
    apply_config(ps, config)
    if ps.present:
        presentation.apply()
    else:
        presentation.leave()
    for notice in ps.notices:
        M.show("info", notice)
    ps.notices.clear()

    if not ps.present:
        st.title("Playground")
    st.html(NO_FADE_CSS)
    draw_controls(ps)
    # The views' titles stay outside the fragment: each frame then re-sends only what moves.
    left, right = st.columns(2, gap="medium", vertical_alignment="bottom")
    left.markdown("**Input plane** · the boundary, each unit's line z_i = 0")
    with right:
        draw_hidden_choice(ps)
    ps.full_run = True
    # The first timer run comes soon and sets the fair interval (app.pacing); unpaced, the base.
    interval = (pacing.FIRST_TICK if pacing.PACING else RUN_SECONDS) if ps.playing else None
    st.fragment(guarded(draw_live_views), run_every=interval)(ps)
    # What is below the views waits for its turn after the frames someone waits for (50 pages
    # opened at once: every first frame before any page's charts and panels).
    with pacing.frame_slot():
        _below_the_views(ps, first_paint)


def _below_the_views(ps: S.PlaygroundState, first_paint: bool):
    hidden = ps.hidden_controls
    draw_timeline(ps)
    if "flip" not in hidden:
        draw_flips(ps)
    slow = pacing.history_interval(SLOW_SECONDS) if ps.playing else None
    if first_paint and not ps.playing:
        st.session_state[CHARTS_LATER] = "pending"
        slow = SETTLE_SECONDS
    st.fragment(guarded(draw_history), run_every=slow)(ps)
    if "edit" not in hidden:
        weight_editor.show(ps)
    if "compare" not in hidden:
        compare.show(ps)
    if "export" not in hidden:
        with st.expander("Export: the run as a GIF, the data, the network"):
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
