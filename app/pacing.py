"""How many sessions are playing right now, and how fast each of them may animate.

A classroom opens the app at once: 20 pages playing would ask one small server for hundreds
of frames a second. The app's Python code runs under one interpreter lock per process, so
the frames of all sessions share about one core, and Streamlit's own work is paid per run of
the live fragment (the script run, session state, the delta, the websocket, React's
re-render in the browser): ~10 ms a run, against ~1 ms for a frame's training and views.
So a run computes several frames (``frames_per_run``) that the browser paints one by one,
``FRAME_SPACING`` apart; when many sessions play, the runs come less often and carry more
frames. Measured with ``benchmarks/classroom_load.py --clients protocol``: 20 sessions
playing get ~17-20 frames/s each (one frame a run: ~2-3 each). This module keeps a
process-wide count of the sessions that are playing and hands out:

* ``pace(playing)``: a context manager around a live fragment's body. It computes the run
  in one of the process's ``FRAME_SLOTS`` (one by default: runs of different sessions
  take turns instead of thrashing), marks the session as playing, measures the CPU time per
  frame (the body sets ``run.frames``), and re-tunes the fragment's timer in the browser
  to the fair interval (Streamlit sends ``run_every`` to the browser only when the page
  itself reruns, so a page that started playing alone would keep its timer when 19 others
  join);
* ``frame_interval(base)``: the ``run_every`` a playing page should declare: ``base`` when
  the server has room, longer (fewer runs a second, more frames each) when many play;
* ``frames_per_run(interval)``: how many frames a run of that interval computes;
* ``history_interval(base)``: the same for the slow fragment (curves and diagram, a few runs'
  worth of CPU each): 2 s, up to 30 s when the room is busy;
* ``steps_budget(steps, trainer)``: how many training steps one frame may run, so that a
  frame's work stays bounded whatever the network (``layers=500,500,500&spf=500&n=2000`` in
  a link asks ~10^12 multiply-adds of one frame) and shrinks when the room is busy;
* ``frame_slot()``: the slot alone, for the slow fragment's body.

What is shared between sessions is only counts and timings keyed by Streamlit's session id:
no user data, nothing a user can read back. It lives in this module (imported once per
server process), not in ``st.cache_resource``, which is for read-only things.

Usage in ``app/screens/playground.py``::

    def draw_live_views(ps):
        with load.pace(playing, base=RUN_SECONDS) as run:
            count = load.frames_per_run(load.frame_interval(RUN_SECONDS))
            ...  # train and draw `count` frames, each within load.steps_budget(...)
            run.frames = count

    st.fragment(draw_live_views, run_every=load.frame_interval(RUN_SECONDS) if playing else None)

Settings (environment variables, read at import):

* ``STUDIO_SERVER_CPU`` (default 0.85): cores' worth of CPU the frames of all sessions may
  use together; one Python process cannot use much more than one core.
* ``STUDIO_RUN_OVERHEAD`` (default 0.010): server CPU seconds per run of the live fragment
  spent outside its own code (Streamlit's script runner, session state, protobuf, the
  websocket).
* ``STUDIO_FRAME_OVERHEAD`` (default 0.3): server CPU per frame spent sending it (JSON,
  protobuf), as a multiple of the frame's own CPU time.
* ``STUDIO_PACING`` (default ``on``): ``off`` turns ``pace``, ``frame_slot``,
  ``frame_interval`` and ``history_interval`` into no-ops (every page at its base rate, as
  without this module; ``benchmarks/classroom_load.py --variant unpaced``); the work bound of
  ``steps_budget`` stays.
* ``STUDIO_FRAME_SLOTS`` (default 1): runs computed at once in a process (2 measured
  worse: 48 frames/s against 57-67).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterator

PACING = os.environ.get("STUDIO_PACING", "on").strip().lower() != "off"
EXPIRY_SECONDS = 2.0  # a session not seen playing for this long no longer counts
SERVER_CPU = float(os.environ.get("STUDIO_SERVER_CPU", "0.85"))
FRAME_OVERHEAD = float(os.environ.get("STUDIO_FRAME_OVERHEAD", "0.3"))
RUN_OVERHEAD = float(os.environ.get("STUDIO_RUN_OVERHEAD", "0.010"))
MIN_FRAME_COST = 0.001  # CPU seconds of a frame whose cost is not measured yet
FRAME_SPACING = 0.025  # seconds between the frames a page paints (40 a second)
MAX_INTERVAL = 2.0  # a run at least every 2 s: what the page shows is never further behind
# run_every values handed out: a short ladder, so the browser's timer changes rarely.
INTERVALS = (
    *(0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    *(0.6, 0.75, 1.0, 1.25, 1.5, 2.0),
)
MAX_BURST = 40  # frames one run may send: a second at 40 frames/s
MAX_HISTORY_INTERVAL = 30.0  # the curves of a busy room: at least twice a minute

# Work of one frame's training, in multiply-adds: ~0.1 s of one core here. A step costs
# 3 * batch * sum(n_in * n_out) (forward, backward, weight gradients) plus Python's call
# overhead, counted as STEP_OVERHEAD multiply-adds (~30 us).
FRAME_WORK = 2.5e8
STEP_OVERHEAD = 1e5
BUSY_FROM = 4  # with more sessions playing than this, each frame's work budget shrinks
# Frames computed at the same time in one process. Each session's script runs in its own
# thread; twenty runnable threads fight over the interpreter lock with the event loop that
# sends and receives every message, and all of them crawl (measured: 10 sessions playing
# at once delivered ~0 frames/s with the server's core busy). Threads waiting here are
# blocked, not runnable: the lock goes to one frame at a time and to the event loop.
FRAME_SLOTS = int(os.environ.get("STUDIO_FRAME_SLOTS", "1"))


class PlayingRegistry:
    """Thread-safe map: session id -> (last seen playing, CPU seconds of its last frame)."""

    def __init__(self, expiry: float = EXPIRY_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.expiry = float(expiry)
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, float | None]] = {}

    def _prune(self, now: float) -> None:
        cutoff = now - self.expiry
        stale = [sid for sid, (seen, _) in self._seen.items() if seen < cutoff]
        for sid in stale:
            del self._seen[sid]

    def heartbeat(self, session_id: str, cost: float | None = None, now: float | None = None):
        """Mark ``session_id`` as playing now (with its last frame's CPU seconds, if known);
        return how many sessions are playing."""
        now = self.clock() if now is None else now
        with self._lock:
            previous = self._seen.get(session_id)
            if cost is None and previous is not None:
                cost = previous[1]
            self._seen[str(session_id)] = (now, None if cost is None else max(0.0, float(cost)))
            self._prune(now)
            return len(self._seen)

    def leave(self, session_id: str) -> None:
        """``session_id`` stopped playing (paused, reset, closed)."""
        with self._lock:
            self._seen.pop(str(session_id), None)

    def count(self, now: float | None = None) -> int:
        """Sessions seen playing within the last ``expiry`` seconds."""
        now = self.clock() if now is None else now
        with self._lock:
            self._prune(now)
            return len(self._seen)

    def mean_cost(self, now: float | None = None) -> float | None:
        """Mean CPU seconds of the playing sessions' last frames (None if none is known)."""
        now = self.clock() if now is None else now
        with self._lock:
            self._prune(now)
            costs = [c for _, c in self._seen.values() if c is not None]
        return sum(costs) / len(costs) if costs else None

    def __contains__(self, session_id: object) -> bool:
        with self._lock:
            return session_id in self._seen

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


REGISTRY = PlayingRegistry()

# One slot is a plain lock (implemented in C: a waiting thread costs nothing); more are a
# semaphore (a Python-level condition: its waiters wake up under the interpreter lock).
_SLOTS = threading.Lock() if FRAME_SLOTS <= 1 else threading.BoundedSemaphore(FRAME_SLOTS)
_HELD = threading.local()
_SENT: dict[tuple[str, str], tuple[float, float]] = {}  # (session, fragment) -> (interval, when)


@contextlib.contextmanager
def frame_slot() -> Iterator[None]:
    """Hold one of the process's ``FRAME_SLOTS`` while computing a frame (re-entrant in a
    thread: a fragment run inline in a page run that holds a slot does not wait)."""
    if not PACING:
        yield
        return
    depth = getattr(_HELD, "depth", 0)
    if depth == 0:
        _SLOTS.acquire()
    _HELD.depth = depth + 1
    try:
        yield
    finally:
        _HELD.depth -= 1
        if _HELD.depth == 0:
            _SLOTS.release()


def current_session_id() -> str | None:
    """Streamlit's id of the session running this script, or None outside one."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:  # pragma: no cover - a Streamlit without it
        return None
    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.session_id


def _snap_up(seconds: float) -> float:
    for step in INTERVALS:
        if seconds <= step + 1e-9:
            return step
    return INTERVALS[-1]


def fair_interval(
    base: float,
    playing: int,
    cost: float | None,
    cpu: float = SERVER_CPU,
    *,
    spacing: float = FRAME_SPACING,
    run_overhead: float = RUN_OVERHEAD,
) -> float:
    """The interval between runs of each playing session's live fragment that shares ``cpu``
    cores fairly among ``playing`` sessions: the shortest of ``INTERVALS`` (never below
    ``base``) at which every session's runs fit, each run computing
    ``frames_per_run(interval, spacing)`` frames of ``cost`` CPU seconds (and
    ``FRAME_OVERHEAD`` times that again to send them) plus ``run_overhead`` seconds of
    Streamlit's own per run. ``MAX_INTERVAL`` when even that does not fit.

    Because a slower run carries more frames, a busy room loses smoothness slowly: the
    per-run cost is spread over more frames (20 sessions at 1 ms a frame: ~20 frames/s each).
    """
    base = float(base)
    per_frame = max(cost or 0.0, MIN_FRAME_COST) * (1.0 + FRAME_OVERHEAD)
    sessions = max(1, int(playing))
    budget = max(cpu, 1e-3)
    for interval in (base, *(i for i in INTERVALS if i > base)):
        frames = frames_per_run(interval, spacing)
        if sessions * (frames * per_frame + run_overhead) / interval <= budget:
            return interval
    return max(base, MAX_INTERVAL)


def frame_rate(interval: float, spacing: float = FRAME_SPACING) -> float:
    """Frames a second a page shows when its runs come every ``interval`` seconds."""
    return frames_per_run(interval, spacing) / interval


def frame_interval(
    base: float = 0.075,
    *,
    cost: float | None = None,
    registry: PlayingRegistry = REGISTRY,
    spacing: float = FRAME_SPACING,
) -> float:
    """``run_every`` for a playing page: ``base`` when the server has room, longer when many
    sessions play. ``cost`` is this session's CPU time per frame (default: the playing
    sessions' mean). Counts the caller as playing even before its first heartbeat."""
    if not PACING:
        return float(base)
    sid = current_session_id()
    playing = registry.count()
    if sid is None or sid not in registry:
        playing += 1
    if cost is None:
        cost = registry.mean_cost()
    return fair_interval(base, playing, cost, spacing=spacing)


def frames_per_run(interval: float, spacing: float = FRAME_SPACING, most: int | None = None) -> int:
    """How many animation frames one run of the live fragment computes and sends together,
    for the browser to paint ``spacing`` seconds apart until the next run ``interval``
    seconds later: ``interval / spacing``, at least 1, at most ``MAX_BURST``.

    Streamlit's own cost (the script run, session state, the delta, the websocket, React's
    re-render in the browser) is paid per run, not per frame: sending three frames a run
    instead of one frame every run cut it by three. When many sessions play, the runs slow
    down (``frame_interval``) and each carries more frames, so the pages still move smoothly,
    a little behind the training (by at most one run).
    """
    most = MAX_BURST if most is None else int(most)
    if not (interval > 0 and spacing > 0):
        return 1
    return max(1, min(most, round(float(interval) / float(spacing))))


def history_interval(base: float = 1.0, *, playing: int | None = None) -> float:
    """``run_every`` of the slow fragment (curves and network diagram; with Streamlit's own
    cost, one run costs about five live frames): ``base`` with up to ``BUSY_FROM``
    sessions playing, then longer in proportion (5 s for 20, 12.5 s for 50), at most
    ``MAX_HISTORY_INTERVAL``. At 50 sessions, 1 s curves alone would ask for more CPU than
    the server has."""
    if not PACING:
        return float(base)
    playing = REGISTRY.count() if playing is None else playing
    return min(MAX_HISTORY_INTERVAL, max(float(base), float(base) * playing / BUSY_FROM))


def weight_count(layer_sizes) -> int:
    """The weights of a network of ``layer_sizes`` (biases aside)."""
    sizes = tuple(int(s) for s in layer_sizes)
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def step_madds(layer_sizes, batch) -> float:
    """Multiply-adds of one training step (forward, backward, gradients) on ``batch`` points."""
    return 3.0 * batch * weight_count(layer_sizes)


def work_per_step(trainer) -> float:
    """Multiply-adds of one training step of ``trainer``, plus Python's overhead as
    ``STEP_OVERHEAD``."""
    batch = getattr(trainer, "batch_size", None) or getattr(trainer, "n_train", 1)
    return step_madds(trainer.net.layer_sizes, batch) + STEP_OVERHEAD


def frame_work_budget(playing: int | None = None) -> float:
    """Multiply-adds one frame's training may do: ``FRAME_WORK``, shrinking as 1/n once more
    than ``BUSY_FROM`` sessions play."""
    playing = REGISTRY.count() if playing is None else playing
    return FRAME_WORK * min(1.0, BUSY_FROM / max(1, playing))


def steps_budget(steps: int, trainer=None, *, per_step: float | None = None, playing=None) -> int:
    """How many of ``steps`` training steps one frame may run: at least 1, at most
    ``steps``, and within ``frame_work_budget`` multiply-adds.

    Give the ``trainer`` (its network's sizes and batch give the work of a step) or the
    work of a step as ``per_step``.
    """
    steps = max(1, int(steps))
    if per_step is None:
        per_step = STEP_OVERHEAD if trainer is None else work_per_step(trainer)
    allowed = math.floor(frame_work_budget(playing) / max(per_step, 1.0))
    return max(1, min(steps, allowed))


def grid_size(layer_sizes, base: int = 100, budget: float = 2e9, low: int = 40) -> int:
    """A decision-surface grid side for a network of ``layer_sizes``: ``base``, smaller for
    very wide networks so that one grid evaluation stays within ``budget`` multiply-adds."""
    weights = sum(a * b for a, b in zip(tuple(layer_sizes)[:-1], tuple(layer_sizes)[1:]))
    side = int(math.sqrt(budget / max(weights, 1)))
    return max(low, min(int(base), side))


def _retune(interval: float) -> None:
    """Tell the browser to tick the running fragment every ``interval`` seconds.

    Streamlit sends a fragment's ``run_every`` only when the code that declares it runs; a
    message with the same interval is ignored by the browser. Sent when the interval
    changes, and once a second anyway (a full rerun of the page re-sends the page's own).
    A no-op outside a fragment or with a Streamlit whose internals differ.
    """
    try:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.runtime.scriptrunner_utils.script_run_context import (
            ThreadState,
            get_script_run_ctx,
        )

        ctx = get_script_run_ctx(suppress_warning=True)
        fragment_id = ThreadState.get().fragment_id
    except (ImportError, AttributeError):  # pragma: no cover - other Streamlit versions
        return
    if ctx is None or not fragment_id:
        return
    key = (ctx.session_id, fragment_id)
    now = time.monotonic()
    last = _SENT.get(key)
    if last is not None and last[0] == interval and now - last[1] < 1.0:
        return
    if len(_SENT) > 4096:
        _SENT.clear()
    _SENT[key] = (interval, now)
    msg = ForwardMsg()
    msg.auto_rerun.interval = float(interval)
    msg.auto_rerun.fragment_id = fragment_id
    ctx.enqueue(msg)


# CPU seconds the frames of one run may take: a 6 x 500 network on 2,000 points costs
# ~0.25 s a step, and forty frames of it would hold the frame slot for ~10 s while every
# other session waits. A run stops adding frames past this (it always makes one).
RUN_CPU = float(os.environ.get("STUDIO_RUN_CPU", "0.25"))


def cpu_clock() -> float:
    """This thread's CPU time (a function, so that tests can replace the clock)."""
    return time.thread_time()


class Run:
    """What ``pace`` yields: the body sets ``frames`` to the number of frames it made, so
    that the CPU time is recorded per frame."""

    frames: int = 1

    started: float = 0.0  # cpu_clock() when the run began (set by pace)

    def over_budget(self) -> bool:
        """Whether this run's frames have used their share of the CPU (``RUN_CPU``)."""
        return cpu_clock() - self.started > RUN_CPU


@contextlib.contextmanager
def pace(
    playing: bool,
    *,
    base: float = 0.075,
    spacing: float = FRAME_SPACING,
    registry: PlayingRegistry = REGISTRY,
) -> Iterator[Run]:
    """Around a live fragment's body: count this session as playing (or not), measure the
    CPU time of its frames, and set the fragment's timer to the fair ``frame_interval``."""
    run = Run()
    sid = current_session_id()
    if sid is None or not PACING:
        run.started = cpu_clock()
        yield run
        return
    if not playing:
        registry.leave(sid)
        run.started = cpu_clock()
        yield run
        return
    registry.heartbeat(sid)
    with frame_slot():
        start = run.started = cpu_clock()
        yield run
    # Only after a run that completed: a run that raised (an error, or st.rerun after
    # Pause or a divergence) must not re-arm the timer of a page that stops playing.
    registry.heartbeat(sid, (cpu_clock() - start) / max(1, int(run.frames)))
    _retune(fair_interval(base, registry.count(), registry.mean_cost(), spacing=spacing))


def leave() -> None:
    """This session stopped playing (call from Pause / Reset; expiry covers a closed tab)."""
    sid = current_session_id()
    if sid is not None:
        REGISTRY.leave(sid)
