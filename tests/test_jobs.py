"""The pacing rules of app/jobs.py, driven by fake clocks (issue 14: "no student can slow the
others").

A job is a generator of pieces of work; a slice runs pieces until its CPU allowance is used,
then the job rests so that its CPU over time is at most one session's share. These tests
simulate the server's clock and each piece's CPU time; nothing here measures real time.
"""

from __future__ import annotations

import pytest

from app import jobs, pacing


class FakeClocks:
    """A wall clock and a CPU clock that move only when told."""

    def __init__(self):
        self.now = 0.0
        self.cpu = 0.0

    def wall(self):
        return self.now

    def thread(self):
        return self.cpu

    def work(self, seconds):
        """A piece of work: ``seconds`` of CPU, which also take that long."""
        self.cpu += seconds
        self.now += seconds


def pieces(clocks, n, cost, closed=None):
    """A job of ``n`` pieces of ``cost`` CPU seconds each; returns ``n``."""
    try:
        for i in range(n):
            clocks.work(cost)
            yield jobs.Progress((i + 1) / n, f"piece {i + 1} of {n}")
        return n
    finally:
        if closed is not None:
            closed.append(True)


def make_job(clocks, n=10_000, cost=0.005, **kw):
    return jobs.Job(pieces(clocks, n, cost), clock=clocks.wall, cpu_clock=clocks.thread, **kw)


def run_alone(job, clocks):
    """Run ``job`` to its end as the only session, the clock moved to each slice's turn."""
    while job.running:
        clocks.now = max(clocks.now, job.next_due)
        job.run_slice(sessions=1)


def simulate(job, clocks, sessions, seconds, tick=0.03):
    """The browser's timer ticks every ``tick`` s; the job runs a slice whenever it is due.
    Returns the job's CPU over the wall time simulated."""
    start_cpu, start = clocks.cpu, clocks.now
    end = clocks.now + seconds
    while clocks.now < end and job.running:
        job.run_slice(sessions=sessions)
        clocks.now += tick  # other sessions' work, Streamlit, idle time
    return (clocks.cpu - start_cpu) / (clocks.now - start)


@pytest.mark.parametrize("sessions", [1, 2, 5, 20, 50])
def test_a_job_uses_at_most_its_share_of_the_server(sessions):
    clocks = FakeClocks()
    job = make_job(clocks)
    used = simulate(job, clocks, sessions, seconds=120)
    fair = min(1.0, pacing.SERVER_CPU / sessions)
    assert used <= fair * 1.001
    # ... and not far less: it is not starved either (what it loses is the run overhead
    # counted as its own and the timer's granularity).
    assert used >= 0.5 * fair


@pytest.mark.parametrize("players", [5, 10, 20])
def test_one_greedy_job_among_many_players_leaves_them_their_frame_rate(players):
    """Many sessions play (1 ms frames) and one runs a job. The job counts as one more
    session, with no frame cost: the players are given the interval they would have with a
    21st light player, and all together stay within the server's CPU."""
    clocks = FakeClocks()
    registry = pacing.PlayingRegistry(clock=clocks.wall)
    frame_cost = 0.001
    for i in range(players):
        registry.heartbeat(f"student{i}", frame_cost)
    alone = pacing.plan(0.3, registry.count(), registry.mean_cost())
    sessions = registry.heartbeat("greedy/job")  # as jobs._tick does, no cost
    assert sessions == players + 1
    job = make_job(clocks, cost=0.02)  # pieces of 20 ms: a wide network, batch 1
    used = simulate(job, clocks, sessions, seconds=60)
    with_job = pacing.plan(0.3, registry.count(now=0.0), registry.mean_cost(now=0.0))
    light = pacing.plan(0.3, players + 1, frame_cost)
    assert with_job == light
    # Had the job reported its slices as frames (pacing.pace), everyone would slow down.
    registry.heartbeat("greedy/job", 0.5, now=0.0)
    greedy = pacing.plan(0.3, registry.count(now=0.0), registry.mean_cost(now=0.0))
    assert greedy.rate <= with_job.rate <= alone.rate
    assert greedy.rate < with_job.rate
    # Each player's CPU a second at its plan, and the job's: within the server's CPU.
    per_run = with_job.frames * frame_cost * (1 + pacing.FRAME_OVERHEAD) + pacing.RUN_OVERHEAD
    per_player = per_run / with_job.interval
    assert players * per_player + used <= pacing.SERVER_CPU * 1.001
    assert used <= pacing.SERVER_CPU / (players + 1) * 1.001


def test_a_slice_holds_the_frames_turn_briefly_when_others_play():
    clocks = FakeClocks()
    job = make_job(clocks, cost=0.004)
    job.run_slice(sessions=5)
    assert clocks.cpu == pytest.approx(jobs.SLICE_SHARED, abs=0.004)
    alone = make_job(clocks, cost=0.004)
    before = clocks.cpu
    alone.run_slice(sessions=1)
    assert clocks.cpu - before == pytest.approx(jobs.SLICE_ALONE, abs=0.004)


def test_a_slice_runs_at_least_one_piece_however_long():
    clocks = FakeClocks()
    job = make_job(clocks, n=3, cost=0.4)
    assert job.run_slice(sessions=20)
    assert clocks.cpu == pytest.approx(0.4)
    assert job.fraction == pytest.approx(1 / 3)
    # The rest that follows pays for it: the next slice waits cost / share.
    assert job.next_due - 0.0 == pytest.approx(jobs.rest(0.4, 20))
    assert not job.run_slice(sessions=20)  # not due yet: no work
    assert clocks.cpu == pytest.approx(0.4)


def test_a_job_returns_its_result_and_progress_reaches_one():
    clocks = FakeClocks()
    job = make_job(clocks, n=7, cost=0.001)
    run_alone(job, clocks)
    assert job.state == jobs.DONE and job.result == 7 and job.fraction == 1.0


def test_cancel_stops_the_job_and_closes_its_generator():
    clocks = FakeClocks()
    closed = []
    job = jobs.Job(pieces(clocks, 1000, 0.01, closed), clock=clocks.wall, cpu_clock=clocks.thread)
    job.run_slice(sessions=3)
    done = clocks.cpu
    job.cancel()
    assert job.state == jobs.CANCELLED and closed == [True]
    assert "cancelled" in job.message
    clocks.now += 100
    assert not job.run_slice(sessions=3)
    assert clocks.cpu == done


def test_an_error_in_the_work_ends_the_job_with_a_message():
    clocks = FakeClocks()

    def failing():
        yield jobs.Progress(0.1, "first")
        raise ValueError("the data has one class")

    job = jobs.Job(failing(), name="The sweep", clock=clocks.wall, cpu_clock=clocks.thread)
    job.run_slice(sessions=1)
    assert job.state == jobs.FAILED
    assert "The sweep" in job.message and "one class" in job.message


def test_a_job_that_runs_past_its_budget_is_stopped():
    clocks = FakeClocks()
    job = make_job(clocks, cost=0.5, budget=2.0)
    run_alone(job, clocks)
    assert job.state == jobs.FAILED and "budget" in job.message
    assert job.cpu <= jobs.OVERRUN * 2.0 + jobs.SLICE_ALONE + 0.5


def test_a_job_whose_session_went_away_is_forgotten_and_does_no_more_work():
    """Its slices come from the browser's timer: once the tab is closed nothing calls
    run_slice, and the registry stops counting the job after pacing.EXPIRY_SECONDS."""
    clocks = FakeClocks()
    registry = pacing.PlayingRegistry(clock=clocks.wall)
    registry.heartbeat("s1")
    registry.heartbeat("gone/job")
    assert registry.count() == 2
    clocks.now += pacing.EXPIRY_SECONDS + 0.01
    registry.heartbeat("s1")
    assert registry.count() == 1


def test_the_timer_asks_for_the_next_slice_when_it_is_due_and_often_enough_to_count():
    clocks = FakeClocks()
    job = make_job(clocks, cost=0.02)
    job.run_slice(sessions=50)
    # Due in rest(...) seconds, but the timer ticks at least every MAX_POLL seconds, inside
    # the registry's expiry, so the job keeps being counted while it rests.
    assert job.interval == pytest.approx(min(jobs.MAX_POLL, job.next_due - clocks.now))
    assert jobs.MAX_POLL < pacing.EXPIRY_SECONDS


def test_estimates_put_the_issue_request_over_budget_and_the_default_under():
    # ?layers=500,500,500,500,500,500&batch=1, 140 training points, 5,000 epochs, twice.
    wide = (2, 500, 500, 500, 500, 500, 500, 1)
    hours = 2 * jobs.estimate_seconds(wide, 1, 5000 * 140)
    assert hours > 3600  # measured here: ~6 ms a step, 1.2 hours for both
    assert hours > 100 * jobs.MAX_SECONDS
    default = 2 * jobs.estimate_seconds((2, 8, 1), 140, 300)
    assert default < jobs.MAX_SECONDS / 100
    # More steps, wider layers or larger batches never cost less.
    assert jobs.estimate_seconds(wide, 10, 100) >= jobs.estimate_seconds(wide, 1, 100)
    assert jobs.estimate_seconds((2, 16, 1), 1, 100) >= jobs.estimate_seconds((2, 8, 1), 1, 100)


# -- in a page (AppTest) ------------------------------------------------------------------
def test_a_lab_sweep_shows_progress_can_be_cancelled_and_started_again():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parent.parent / "app" / "screens" / "universal.py"
    at = AppTest.from_file(str(page), default_timeout=120).run()
    key = "lab_universal_job"
    while key in at.session_state and at.session_state[key].running:
        at.run()  # the default fits, one slice a run
    assert at.get_by_key("approx_error") is not None
    # A long sweep (seed 11: not in the fit cache): the last fits stay while it runs.
    at.sidebar.multiselect(key="ua_widths").set_value([100, 200, 300, 500])
    at.sidebar.select_slider(key="ua_epochs").set_value(2000)
    at.sidebar.number_input(key="ua_seed").set_value(11)
    at.button[0].click().run()
    assert not at.exception
    job = at.session_state[key]
    assert job.running and 0 < job.fraction < 1
    at.get_by_key(f"{key}_progress")
    assert at.get_by_key("approx_error") is not None
    at.button(key=f"{key}_cancel").click().run()
    assert not at.exception
    assert not job.running
    assert any("cancelled" in w.value for w in at.warning)
    shown = at.session_state["lab_universal"].fits_params
    assert shown.seed == 0  # the last finished fits are kept, the cancelled ones not shown
    at.run()  # a cancelled job is not restarted by itself
    assert not at.session_state[key].running
    at.button[0].click().run()  # the form again: it starts anew
    assert at.session_state[key] is not job and at.session_state[key].running


def test_a_job_of_long_pieces_stops_taking_the_frames_turn():
    clocks = FakeClocks()
    short = make_job(clocks, cost=0.004)
    assert jobs.takes_turns(short)  # before its first slice
    short.run_slice(sessions=5)
    assert jobs.takes_turns(short)
    long = make_job(clocks, cost=0.24)  # a step of 6 x 500 units on 1,400 points
    long.run_slice(sessions=5)
    assert long.longest_piece == pytest.approx(0.24)
    assert not jobs.takes_turns(long)
