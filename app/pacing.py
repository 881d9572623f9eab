"""How many sessions are playing, and how fast each of them may animate.

The frames of all sessions share one Python process (about one core). A run of the live
fragment costs Streamlit's own work once, so it computes several frames that the browser
paints one by one. This module counts the sessions playing and hands each a ``Plan``: how
often its fragment runs and how many frames each run carries, from its fair share of the
server's CPU (at most the display's rate). Runs compute in the process's frame slot one at
a time, in order of arrival; a page's own run (a new page, a click) goes before the timers'.

What is shared between sessions is only counts and timings keyed by Streamlit's session id:
no user data. Settings (environment variables, read at import): ``STUDIO_SERVER_CPU``,
``STUDIO_RUN_OVERHEAD``, ``STUDIO_FRAME_OVERHEAD``, ``STUDIO_PACING`` (``off``: every page at
its base rate, ``benchmarks/classroom_load.py --variant unpaced``), ``STUDIO_FRAME_SLOTS``,
``STUDIO_RUN_CPU``; what they mean is said where each is read. Measurements: README,
"Benchmarks", and ``benchmarks/classroom_load.py``.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

PACING = os.environ.get("STUDIO_PACING", "on").strip().lower() != "off"
EXPIRY_SECONDS = 2.0  # a session not seen playing for this long no longer counts
# Cores' worth of CPU the frames of all sessions may use together: one Python process
# cannot use much more than one core, and the event loop that sends them needs some.
SERVER_CPU = float(os.environ.get("STUDIO_SERVER_CPU", "0.85"))
# Server CPU per frame spent sending it (JSON, protobuf, the websocket), as a multiple of the
# frame's own CPU time (measured inside the run).
FRAME_OVERHEAD = float(os.environ.get("STUDIO_FRAME_OVERHEAD", "0.3"))
# Server CPU seconds per run of the live fragment outside its own code (the script runner,
# session state, the delta's bookkeeping).
RUN_OVERHEAD = float(os.environ.get("STUDIO_RUN_OVERHEAD", "0.010"))
MIN_FRAME_COST = 0.001  # CPU seconds of a frame whose cost is not measured yet
DISPLAY_RATE = 60.0  # frames a second a display shows: more would never be seen
FRAME_SPACING = 1.0 / DISPLAY_RATE  # seconds between the frames a page paints, when it can
MAX_INTERVAL = 2.0  # a run at least every 2 s: what the page shows is never further behind
# run_every values handed out: a short ladder, so the browser's timer changes rarely.
INTERVALS = (
    *(0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    *(0.6, 0.75, 1.0, 1.25, 1.5, 2.0),
)
MAX_BURST = 60  # frames one run may send: a second at the display's rate
# A page's own run while playing (Play, a slider) answers at once: it sends FIRST_FRAMES
# frames and sets the fragment's timer to FIRST_TICK; that first timer run sends LEAD_RUNS
# runs' worth (the page then has frames in hand when the next run's arrive, and never waits
# at a run's boundary) and sets the timer to the plan's interval.
FIRST_FRAMES, FIRST_TICK, LEAD_RUNS = 6, 0.08, 2
MAX_HISTORY_INTERVAL = 30.0  # the curves of a busy room: at least twice a minute
NEAR_BEST = 0.9  # a shorter interval is taken when its frame rate is this close to the best

# Work of one frame's training, in multiply-adds: ~0.1 s of one core here. A step costs
# 3 * batch * sum(n_in * n_out) (forward, backward, weight gradients) plus Python's call
# overhead, counted as STEP_OVERHEAD multiply-adds (~30 us).
FRAME_WORK = 2.5e8
STEP_OVERHEAD = 1e5
BUSY_FROM = 4  # with more sessions playing than this, each frame's work budget shrinks
# The input plane's grid side: GRID_SIDE while few play; with more than GRID_FULL_UNTIL,
# its cells shrink as 1/n (the surface's cost and bytes are a large part of a frame's)
# down to GRID_LOW a side.
GRID_SIDE, GRID_LOW, GRID_FULL_UNTIL = 100, 48, 8
# Runs computed at the same time in one process. Each session's script runs in its own
# thread; runnable threads fight over the interpreter lock with the event loop that sends
# every message, and all of them crawl. Threads waiting for the slot are blocked, not
# runnable: the interpreter goes to one frame at a time and to the event loop.
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

    def cost_of(self, session_id: str) -> float | None:
        """CPU seconds of ``session_id``'s last frame, if it is playing and measured."""
        with self._lock:
            seen = self._seen.get(session_id)
        return None if seen is None else seen[1]

    def __contains__(self, session_id: object) -> bool:
        with self._lock:
            return session_id in self._seen

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


REGISTRY = PlayingRegistry()


class Calibration:
    """How far the plans' cost model is from what the process really uses.

    ``plan`` predicts a run's CPU from the frames' own time and fixed overheads; Streamlit's
    share (the event loop, protobuf, the websocket) varies with the machine and the load. While
    the room is limited by pacing (pages get fewer frames than the display shows), every
    ``window`` seconds the process's CPU share is compared with ``target`` and ``factor``, the
    multiplier of the CPU the plans share out, moves toward closing the gap (by its square
    root, so that one noisy window cannot swing it), within ``[low, high]``.
    """

    def __init__(
        self,
        target: float = SERVER_CPU,
        window: float = 2.0,
        low: float = 0.5,
        high: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.process_time,
    ):
        self.target, self.window, self.low, self.high = target, window, low, high
        self.clock, self.cpu = clock, cpu
        self.factor = 1.0
        self._since: tuple[float, float] | None = None
        self._lock = threading.Lock()

    def observe(self, limited: bool) -> float:
        """After a run: ``limited`` says its plan gave fewer frames than the display's rate.
        Returns the factor."""
        with self._lock:
            now, used_cpu = self.clock(), self.cpu()
            if self._since is None:
                self._since = (now, used_cpu)
                return self.factor
            wall = now - self._since[0]
            if wall < self.window:
                return self.factor
            used = (used_cpu - self._since[1]) / wall
            self._since = (now, used_cpu)
            if limited and used > 0:
                step = math.sqrt(self.target / used)
                self.factor = min(self.high, max(self.low, self.factor * step))
            return self.factor


CALIBRATION = Calibration()


class FairSlot:
    """``slots`` computations at a time, handed out in order of arrival, urgent ones (a page's
    own run: a new page, a click) before the rest (the timers' runs).

    A plain lock wakes a random waiter, and in a crowd some sessions waited several turns in
    a row. Here each waiter blocks on a lock of its own (a blocked thread costs no
    interpreter time) and the holder hands the slot to the head of the queue directly, so no
    one can overtake it.
    """

    def __init__(self, slots: int = 1):
        self._lock = threading.Lock()
        self._free = max(1, int(slots))
        self._waiting: tuple[deque, deque] = (deque(), deque())  # urgent, then the rest

    def acquire(self, urgent: bool = False) -> None:
        with self._lock:
            if self._free > 0:
                self._free -= 1
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiting[0 if urgent else 1].append(gate)
        gate.acquire()  # released by the holder that hands us its slot

    def release(self) -> None:
        with self._lock:
            for queue in self._waiting:
                if queue:
                    queue.popleft().release()
                    return
            self._free += 1

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting[0]) + len(self._waiting[1])


_SLOT = FairSlot(FRAME_SLOTS)
_HELD = threading.local()
_SENT: dict[tuple[str, str], tuple[float, float]] = {}  # (session, fragment) -> (interval, when)


@contextlib.contextmanager
def frame_slot(urgent: bool = False, slot: FairSlot | None = None) -> Iterator[None]:
    """Hold one of the process's ``FRAME_SLOTS`` while computing frames (re-entrant in a
    thread: a fragment run inline in a page run that holds a slot does not wait).
    ``urgent``: someone is waiting for this run's answer (a new page, a click)."""
    if not PACING:
        yield
        return
    slot = _SLOT if slot is None else slot
    depth = getattr(_HELD, "depth", 0)
    if depth == 0:
        slot.acquire(urgent)
    _HELD.depth = depth + 1
    try:
        yield
    finally:
        _HELD.depth -= 1
        if _HELD.depth == 0:
            slot.release()


def current_session_id() -> str | None:
    """Streamlit's id of the session running this script, or None outside one."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:  # pragma: no cover - a Streamlit without it
        return None
    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.session_id


@dataclass(frozen=True)
class Plan:
    """A playing page's pace: its live fragment runs every ``interval`` seconds and each run
    sends ``frames`` frames, which the browser paints ``spacing`` apart."""

    interval: float
    frames: int

    @property
    def spacing(self) -> float:
        return self.interval / self.frames

    @property
    def rate(self) -> float:
        """Frames a second the page shows."""
        return self.frames / self.interval


def frames_per_run(interval: float, spacing: float = FRAME_SPACING, most: int | None = None) -> int:
    """The most frames one run of ``interval`` seconds may carry: one every ``spacing``
    (the display's rate), at least 1, at most ``MAX_BURST``."""
    most = MAX_BURST if most is None else int(most)
    if not (interval > 0 and spacing > 0):
        return 1
    return max(1, min(most, round(float(interval) / float(spacing))))


def plan(
    base: float,
    playing: int,
    cost: float | None,
    cpu: float = SERVER_CPU,
    *,
    spacing: float = FRAME_SPACING,
    run_overhead: float = RUN_OVERHEAD,
) -> Plan:
    """Each of ``playing`` sessions' fair pace on ``cpu`` cores: its share is ``cpu /
    playing``; a run of interval I costs ``run_overhead`` plus, per frame, ``cost`` CPU
    seconds and ``FRAME_OVERHEAD`` times that again to send it.

    For each interval of ``INTERVALS`` from ``base`` up, the frames a run can afford within the
    share (at most ``frames_per_run``: the display's rate). The plan is the shortest interval
    at the display's rate; when the room is too busy for that, the shortest whose rate is
    within ``NEAR_BEST`` of the best: longer runs spread Streamlit's per-run cost over more
    frames, shorter ones keep the page closer to the training. When not even one
    frame fits in ``MAX_INTERVAL``, one frame every ``MAX_INTERVAL``.
    """
    base = float(base)
    per_frame = max(cost or 0.0, MIN_FRAME_COST) * (1.0 + FRAME_OVERHEAD)
    share = max(cpu, 1e-3) / max(1, int(playing))
    options = []
    for interval in (base, *(i for i in INTERVALS if i > base)):
        afford = math.floor((share * interval - run_overhead) / per_frame + 1e-9)
        frames = min(frames_per_run(interval, spacing), afford)
        if frames >= 1:
            options.append(Plan(interval, frames))
    if not options:
        return Plan(max(base, MAX_INTERVAL), 1)
    for p in options:  # the display's rate, at the shortest interval that allows it
        if p.frames == max(1, round(p.interval / spacing)):
            return p
    best = max(p.rate for p in options)
    return next(p for p in options if p.rate >= NEAR_BEST * best - 1e-9)


def frame_rate(interval: float, spacing: float = FRAME_SPACING) -> float:
    """Frames a second a page shows when its runs come every ``interval`` seconds, each with
    ``frames_per_run`` frames."""
    return frames_per_run(interval, spacing) / interval


def session_plan(
    base: float = 0.3,
    *,
    cost: float | None = None,
    registry: PlayingRegistry = REGISTRY,
    spacing: float = FRAME_SPACING,
) -> Plan:
    """The ``plan`` of the session running this script, counted as playing even before its
    first heartbeat. ``cost`` is its CPU time per frame (default: its own last frame's, else
    the playing sessions' mean): every session gets the same CPU, so a network that costs
    ten times more a frame gets fewer frames, not a larger share. Without pacing, ``base``
    at the display's rate."""
    if not PACING:
        return Plan(float(base), frames_per_run(base, spacing))
    sid = current_session_id()
    playing = registry.count()
    if sid is None or sid not in registry:
        playing += 1
    if cost is None and sid is not None:
        cost = registry.cost_of(sid)
    if cost is None:
        cost = registry.mean_cost()
    return plan(base, playing, cost, SERVER_CPU * CALIBRATION.factor, spacing=spacing)


def frame_interval(
    base: float = 0.3,
    *,
    cost: float | None = None,
    registry: PlayingRegistry = REGISTRY,
    spacing: float = FRAME_SPACING,
) -> float:
    """``run_every`` for a playing page: ``session_plan(...).interval``."""
    if not PACING:
        return float(base)
    return session_plan(base, cost=cost, registry=registry, spacing=spacing).interval


def history_interval(base: float = 1.0, *, playing: int | None = None) -> float:
    """``run_every`` of the slow fragment (curves and network diagram; with Streamlit's own
    cost, one run costs about five live frames): ``base`` with up to ``BUSY_FROM``
    sessions playing, then longer in proportion, at most ``MAX_HISTORY_INTERVAL``."""
    if not PACING:
        return float(base)
    playing = REGISTRY.count() if playing is None else playing
    return min(MAX_HISTORY_INTERVAL, max(float(base), float(base) * playing / BUSY_FROM))


def grid_side(playing: int | None = None) -> int:
    """The input plane's grid side for ``playing`` sessions: ``GRID_SIDE`` while at most
    ``GRID_FULL_UNTIL`` play, then cells in proportion to 1/n, at least ``GRID_LOW`` a side."""
    if not PACING:
        return GRID_SIDE
    playing = REGISTRY.count() if playing is None else playing
    if playing <= GRID_FULL_UNTIL:
        return GRID_SIDE
    return max(GRID_LOW, int(GRID_SIDE * math.sqrt(GRID_FULL_UNTIL / playing)))


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


def grid_size(layer_sizes, base: int = GRID_SIDE, budget: float = 2e9, low: int = 40) -> int:
    """A decision-surface grid side for a network of ``layer_sizes``: ``base``, smaller for
    very wide networks so that one grid evaluation stays within ``budget`` multiply-adds."""
    weights = sum(a * b for a, b in zip(tuple(layer_sizes)[:-1], tuple(layer_sizes)[1:]))
    side = int(math.sqrt(budget / max(weights, 1)))
    return max(low, min(int(base), side))


def _fragment_context():
    """(script run context, running fragment's id), or (None, None) outside a fragment or
    with a Streamlit whose internals differ."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import (
            ThreadState,
            get_script_run_ctx,
        )

        ctx = get_script_run_ctx(suppress_warning=True)
        fragment_id = None if ctx is None else ThreadState.get().fragment_id
    except (ImportError, AttributeError, RuntimeError):  # other Streamlit versions
        return None, None
    if ctx is None or not fragment_id:
        return None, None
    return ctx, fragment_id


def _retune(interval: float) -> None:
    """Tell the browser to tick the running fragment every ``interval`` seconds.

    Streamlit sends a fragment's ``run_every`` only when the code that declares it runs; a
    message with the same interval is ignored by the browser. Sent when the interval
    changes, and once a second anyway (a full rerun of the page re-sends the page's own).
    """
    ctx, fragment_id = _fragment_context()
    if ctx is None:
        return
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

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


def _timer_known() -> bool:
    """Whether a retune was sent for the running fragment since the page last declared it
    (True outside a fragment: nothing to send)."""
    ctx, fragment_id = _fragment_context()
    return ctx is None or (ctx.session_id, fragment_id) in _SENT


def _forget_timer() -> None:
    ctx, fragment_id = _fragment_context()
    if ctx is not None:
        _SENT.pop((ctx.session_id, fragment_id), None)


def stop_timer() -> None:
    """Stop the running fragment's timer in the browser (a one-off follow-up run is done).
    Only in a run of the fragment alone: a page's full run has just declared the fragment's
    timer anew (before its body runs), and the browser drops the old ones at a full run."""
    ctx, fragment_id = _fragment_context()
    if ctx is None or not getattr(ctx, "fragment_ids_this_run", None):
        return
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    _SENT.pop((ctx.session_id, fragment_id), None)
    msg = ForwardMsg()
    msg.stop_auto_rerun.fragment_ids.append(fragment_id)
    ctx.enqueue(msg)


# CPU seconds the frames of one run may take: a 6 x 500 network on 2,000 points costs
# ~0.25 s a step, and forty frames of it would hold the frame slot for ~10 s while every
# other session waits. A run stops adding frames past this (it always makes one).
RUN_CPU = float(os.environ.get("STUDIO_RUN_CPU", "0.25"))


def cpu_clock() -> float:
    """This thread's CPU time (a function, so that tests can replace the clock)."""
    return time.thread_time()


class Run:
    """What ``pace`` yields: ``plan`` says how many frames to make and how far apart they are
    painted; the body sets ``frames`` to the number it made, so that the CPU time is
    recorded per frame."""

    frames: int = 1
    started: float = 0.0  # cpu_clock() when the run began (set by pace)

    def __init__(self, plan: Plan):
        self.plan = plan
        self._made = 0
        self._unchecked = 0  # frames that surely fit in what is left: no clock read for them

    def over_budget(self) -> bool:
        """Whether this run's frames have used their share of the CPU (``RUN_CPU``); call
        once a frame. The clock is read only when the frames so far say the budget may be
        near (a read is a system call, and a thread can be preempted in it)."""
        self._made += 1
        if self._unchecked > 0:
            self._unchecked -= 1
            return False
        used = cpu_clock() - self.started
        if used > RUN_CPU:
            return True
        per_frame = used / self._made
        self._unchecked = int((RUN_CPU - used) / per_frame / 2) if per_frame > 0 else 10**9
        return False


@contextlib.contextmanager
def pace(
    playing: bool,
    *,
    base: float = 0.3,
    urgent: bool = False,
    spacing: float = FRAME_SPACING,
    registry: PlayingRegistry = REGISTRY,
) -> Iterator[Run]:
    """Around a live fragment's body: count this session as playing (or not), compute in
    the frame slot (``urgent``: a page's own run, which someone waits for), measure the CPU
    time of its frames, and set the fragment's timer to the fair interval."""
    sid = current_session_id()
    if sid is None or not PACING or not playing:
        if sid is not None and PACING:
            registry.leave(sid)
        run = Run(
            session_plan(base, registry=registry, spacing=spacing) if playing else Plan(base, 1)
        )
        run.started = cpu_clock()
        yield run
        return
    registry.heartbeat(sid)
    if urgent:
        # A page's full run declares the fragment's timer anew: the next retune must be sent.
        _forget_timer()
    elif not _timer_known():
        # The first timer run after a page's run: its short FIRST_TICK must not fire again
        # while this run computes its lead.
        _retune(session_plan(base, registry=registry, spacing=spacing).interval)
    with frame_slot(urgent):
        run = Run(session_plan(base, registry=registry, spacing=spacing))
        start = run.started = cpu_clock()
        yield run
    # Only after a run that completed: a run that raised (an error, or st.rerun after
    # Pause or a divergence) must not re-arm the timer of a page that stops playing.
    registry.heartbeat(sid, (cpu_clock() - start) / max(1, int(run.frames)))
    CALIBRATION.observe(limited=run.plan.rate < 0.95 / spacing)
    if not urgent:  # a page's full run declared the timer itself (FIRST_TICK)
        _retune(session_plan(base, registry=registry, spacing=spacing).interval)


def leave() -> None:
    """This session stopped playing (call from Pause / Reset; expiry covers a closed tab)."""
    sid = current_session_id()
    if sid is not None:
        REGISTRY.leave(sid)
