"""Long computations that share the server fairly: in slices, cancellable, within a budget.

A comparison of two 6 x 500 networks trained with batch 1 for 5,000 epochs is hours of one
core; a lab's sweep is seconds to a minute. Run in one go, such a computation holds its
session's script thread until it ends, fights the frames of every other session for the
interpreter lock, and goes on after its tab is closed. Here it is a *job*: a generator that
does its work in small pieces and yields a `Progress` after each, advanced by one slice at a
time in an ``st.fragment`` whose ``run_every`` timer lives in the browser. So:

* a slice runs in ``pacing.frame_slot()``: it takes turns with the frames of every session
  (app.pacing) instead of thrashing with them, and holds the turn for at most
  ``SLICE_SHARED`` seconds of CPU while anyone else plays (``SLICE_ALONE`` when no one
  does); a job whose single pieces run longer (one step of a wide network on many points,
  mostly BLAS) runs beside the frames instead (`takes_turns`);
* between slices the job rests (`rest`): its CPU over time is at most one session's share
  of ``pacing.SERVER_CPU``. It counts as one more session in ``pacing.REGISTRY`` (so every page
  that plays leaves it that share), under its own key and without a frame cost, so the
  frame rate the others are given is the one they would get with one more light player;
* the fragment shows the progress and a Cancel button; a cancelled job stops at its next
  slice and its generator is closed;
* the fragment's reruns come from the browser's timer: when the tab closes (or the page is
  left) no more slices run; the registry forgets the job ``pacing.EXPIRY_SECONDS`` later, and
  Streamlit drops the session itself after ``server.disconnectedSessionTTL``;
* a job may use ``MAX_SECONDS`` of CPU at most: what is estimated to need more is cut down
  or refused before it starts (`estimate_seconds`, by the caller), and a job whose measured
  CPU runs past ``OVERRUN`` times that budget is stopped with a message.

A page uses it as::

    def work(params):                 # a generator: pieces of work, each yields Progress
        ...
        yield jobs.Progress(0.5, "Training B…")
        return result

    result = jobs.run("lab_job", params, lambda: work(params), name="The sweep")
    if result is None:                # still running (its progress is on the page),
        return                        # cancelled or failed (a message says so)

The pacing rules (`rest`, `slice_seconds`) and `Job` take a clock and a CPU clock, so the
tests drive them with fake ones.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app import guard, pacing
from app import messages as M

log = logging.getLogger("app.jobs")

MAX_SECONDS = 60.0  # CPU seconds one job may use (~1 minute alone, ~20 in a class of 20)
OVERRUN = 2.0  # a job whose measured CPU passes OVERRUN * its budget is stopped
SLICE_SHARED = pacing.FRAME_SPACING  # a slice's CPU while others play: one frame's spacing
SLICE_ALONE = 0.5  # ... and when no other session is playing or running a job
MAX_POLL = 1.5  # the fragment's timer at most (a heartbeat inside pacing.EXPIRY_SECONDS)

# The cost model behind `estimate_seconds`, measured on this project's 2-core machine
# (one BLAS thread): a 2-8-1 step on 140 points ~16 us (Python's overhead), a 6 x 500
# step with batch 1 ~6 ms (the weights read from memory: 10 MB, several passes), on 1,400
# points ~0.24 s (BLAS at ~2e10 multiply-adds a second). Rounded up: the estimate is meant
# to be high rather than low.
STEP_SECONDS = 3e-5
MADD_RATE = 1e10  # multiply-adds a second in a big product
BYTE_RATE = 1e10  # bytes a second of weights streamed through a step
WEIGHT_PASSES = 6  # forward, backward, gradient, and the update reading theta, grad, velocity

RUNNING, DONE, CANCELLED, FAILED = "running", "done", "cancelled", "failed"
NO_FADE_CSS = """<style>
.st-key-KEY_progress [data-stale="true"], .st-key-KEY_progress[data-stale="true"] {
  opacity: 1 !important;
  transition: none !important;
}
</style>"""


@dataclass(frozen=True)
class Progress:
    """What a job's generator yields after each piece of work: how far (0..1) and what."""

    fraction: float
    text: str


def estimate_seconds(layer_sizes, batch: int, steps: int) -> float:
    """CPU seconds of ``steps`` training steps of a network of ``layer_sizes`` on minibatches
    of ``batch`` points, by the cost model above (an overestimate, on purpose)."""
    weights = pacing.weight_count(layer_sizes)
    madds = pacing.step_madds(layer_sizes, max(1, int(batch)))
    per_step = STEP_SECONDS + madds / MADD_RATE + WEIGHT_PASSES * 8.0 * weights / BYTE_RATE
    return max(0, int(steps)) * per_step


def share(sessions: int, cpu: float = pacing.SERVER_CPU) -> float:
    """The fraction of a core one of ``sessions`` active sessions may use (one Python
    process uses one core at most)."""
    return min(1.0, max(cpu, 1e-3) / max(1, int(sessions)))


def rest(cost: float, sessions: int, cpu: float = pacing.SERVER_CPU) -> float:
    """Seconds from the start of a slice that cost ``cost`` CPU seconds to the start of the
    next one, so that the job uses at most its `share`: CPU / wall time <= share. Streamlit's
    own cost of a fragment run (``pacing.RUN_OVERHEAD``) counts as the job's."""
    return (max(0.0, cost) + pacing.RUN_OVERHEAD) / share(sessions, cpu)


def slice_seconds(others: int) -> float:
    """A slice's CPU: ``SLICE_ALONE`` when no other session is active, else
    ``SLICE_SHARED``, so that the frames waiting for their turn wait at most that long."""
    return SLICE_ALONE if others <= 0 else SLICE_SHARED


class Job:
    """A generator of `Progress` advanced one slice at a time; ends with its return value
    (``result``), a cancel, or an error (``message``)."""

    def __init__(
        self,
        work: Iterator[Progress],
        *,
        params: Any = None,
        name: str = "The computation",
        budget: float = MAX_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        cpu_clock: Callable[[], float] = time.thread_time,
    ):
        self._work = work
        self.params = params
        self.name = name  # the studio's own words ("The comparison"), shown as Markdown
        self.budget = float(budget)
        self.clock, self.cpu_clock = clock, cpu_clock
        self.state = RUNNING
        self.fraction = 0.0
        self.text = "Starting…"
        self.result: Any = None
        self.message: M.Markdown | None = None
        self.cpu = 0.0  # CPU seconds used so far
        self.wall = 0.0  # seconds from the first slice's start to the last one's end
        self.slices = 0
        self.longest_piece = 0.0  # CPU seconds of the longest piece so far
        self.notices: list = []  # shown above the progress while it runs, and with the result
        self.next_due = -math.inf
        self.interval = pacing.INTERVALS[0]  # when the next slice is due, as a timer
        self._started: float | None = None

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def due(self, now: float | None = None) -> bool:
        now = self.clock() if now is None else now
        return self.running and now >= self.next_due

    def run_slice(self, *, sessions: int = 1, now: float | None = None) -> bool:
        """Do one slice if the job is due: pieces until ``slice_seconds`` of CPU are used
        (at least one piece); then set when the next is due (`rest`). ``sessions``: the
        active sessions, this job included. Returns whether any work was done."""
        now = self.clock() if now is None else now
        if not self.due(now):
            return False
        if self._started is None:
            self._started = now
        limit = slice_seconds(sessions - 1)
        start = piece_start = self.cpu_clock()
        try:
            while True:
                progress = next(self._work)
                piece_end = self.cpu_clock()
                self.longest_piece = max(self.longest_piece, piece_end - piece_start)
                piece_start = piece_end
                self.fraction = min(1.0, max(0.0, float(progress.fraction)))
                self.text = str(progress.text)
                if piece_end - start >= limit or not self.running:
                    break
        except StopIteration as stop:
            self.result, self.state, self.fraction = stop.value, DONE, 1.0
        except Exception as err:  # noqa: BLE001 — the job stops with a message, the page lives
            log.error("%s failed", self.name, exc_info=err)
            self._end(
                FAILED,
                M.text("{name} stopped: {why}.", name=M.Markdown(self.name), why=M.detail(err)),
            )
        cost = self.cpu_clock() - start
        self.cpu += cost
        self.slices += 1
        self.wall = self.clock() - self._started
        self.next_due = now + rest(cost, sessions)
        self.interval = min(MAX_POLL, max(pacing.INTERVALS[0], self.next_due - self.clock()))
        if self.running and self.cpu > OVERRUN * self.budget:
            self._end(
                FAILED,
                M.text(
                    "{name} was stopped after {cpu:.0f} s of the server's time, more than its "
                    "budget of {budget:.0f} s. Try fewer epochs, fewer units or a larger batch.",
                    name=M.Markdown(self.name),
                    cpu=self.cpu,
                    budget=self.budget,
                ),
            )
        return True

    def cancel(self) -> None:
        if self.running:
            self._end(
                CANCELLED,
                M.text(
                    "{name} was cancelled at {pct:.0f} %.",
                    name=M.Markdown(self.name),
                    pct=100 * self.fraction,
                ),
            )

    def _end(self, state: str, message: M.Markdown) -> None:
        self.state, self.message = state, message
        close = getattr(self._work, "close", None)
        if close is not None:
            close()

    def status(self) -> str:
        """The progress line: what it does now, and the time left at this pace."""
        text = self.text
        if self.fraction > 0.02 and self.wall > 1.0:
            left = self.wall * (1.0 - self.fraction) / self.fraction
            text += f" · about {describe_seconds(left)} left"
        return text


def describe_seconds(seconds: float) -> str:
    """``'40 s'``, ``'12 min'``, ``'2.3 h'``: a duration as a person reads it."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


# -- in a page ----------------------------------------------------------------------------
def _registry_key() -> str | None:
    sid = pacing.current_session_id()
    # Its own key: a session may play in the Playground and run a job at the same time.
    return None if sid is None else f"{sid}/job"


def _leave() -> None:
    rkey = _registry_key()
    if rkey is not None:
        pacing.REGISTRY.leave(rkey)


def takes_turns(job: Job) -> bool:
    """Whether a slice of ``job`` waits for the frames' turn (``pacing.frame_slot``): yes while
    its pieces are short. A piece longer than ``SLICE_SHARED`` (a step of 6 x 500 units on
    2,000 points: ~0.24 s of BLAS, which releases the interpreter lock) would stall every
    session's frames for that long; it runs beside them instead, on the CPU its rest leaves
    free."""
    return job.longest_piece <= SLICE_SHARED


def _turn(job: Job):
    return pacing.frame_slot() if takes_turns(job) else contextlib.nullcontext()


def _tick(key: str) -> None:
    """One run of a job's fragment: a slice if due, then the progress and Cancel."""
    job = st.session_state.get(key)
    if not isinstance(job, Job):
        return
    rkey = _registry_key()
    if job.running:
        sessions = 1 if rkey is None else pacing.REGISTRY.heartbeat(rkey)
        if job.due():
            with _turn(job):
                job.run_slice(sessions=sessions)
    if not job.running:
        _leave()
        # The page draws the result (or the message) and declares no timer any more.
        st.rerun(scope="app")
    with st.container(key=f"{key}_progress"):
        c = st.columns([5, 1], vertical_alignment="bottom")
        c[0].progress(job.fraction, text=job.status())
        c[1].button("Cancel", key=f"{key}_cancel", on_click=job.cancel, icon=":material/stop:")
    pacing._retune(job.interval)  # the browser's timer: when the next slice is due


def run(
    key: str,
    params: Any,
    make_work: Callable[[], Iterator[Progress]],
    *,
    name: str,
    restart: bool = False,
    budget: float = MAX_SECONDS,
    keep_ended: bool = True,
    notices=(),
) -> Any:
    """The job under ``st.session_state[key]`` for ``params``: started when missing, when
    its params differ, or on ``restart`` (a new request after it ended).

    Once done, returns its result (and forgets the job). While it runs, draws its progress
    and Cancel in a fragment that advances it, and returns None. After a cancel or an
    error, shows the message and returns None: on every run while ``keep_ended`` (a page
    that starts its job by itself must not start it again), else once. ``notices`` (what
    was changed to fit the budget, say) are shown while it runs and with its result.
    """
    job = st.session_state.get(key)
    stale = not isinstance(job, Job) or job.params != params
    if stale or (restart and not job.running):
        if isinstance(job, Job):
            job.cancel()
        job = Job(make_work(), params=params, name=name, budget=budget)
        job.notices = list(notices)
        st.session_state[key] = job
    for notice in job.notices:
        M.show("info", notice)
    if not job.running:
        _leave()  # also after a Cancel, whose click reruns the page before the fragment
    if job.state == DONE:
        del st.session_state[key]
        return job.result
    if job.running:
        # Each run of the fragment replaces the progress line: Streamlit's fade of stale
        # elements would grey it out at every slice on a busy server (as the live views).
        st.html(NO_FADE_CSS.replace("KEY", key))
        body = guard.fragment_body(_tick, state_keys=(key,), name=name)
        st.fragment(body, run_every=job.interval)(key)
        return None
    M.show("warning" if job.state == CANCELLED else "error", job.message)
    if not keep_ended:
        del st.session_state[key]
    return None


def forget(key: str) -> None:
    """Cancel and drop the job under ``key`` (if any)."""
    job = st.session_state.pop(key, None)
    if isinstance(job, Job):
        job.cancel()
