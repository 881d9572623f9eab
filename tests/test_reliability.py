"""Reliability under a classroom's use: the page guard, the playing-sessions registry,
bounded memory of a session's history, the bounded grid, and the server settings in effect.

Bad input at the page level is in tests/test_guard.py; isolation between browsers in
tests/test_isolation_browser.py.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app import guard, pacing
from engine import Network, Trainer, geometry
from engine import trainer as trainer_module

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_guard_log():
    guard._LOGGED.clear()
    yield
    guard._LOGGED.clear()


# -- app/guard.py ----------------------------------------------------------------------------
def _failing_page(message="page broke"):
    import streamlit as st

    from app import guard

    def page():
        if "playground" not in st.session_state:
            st.session_state["made"] = st.session_state.get("made", 0) + 1
            st.session_state["playground"] = {"made": st.session_state["made"]}
        st.session_state.setdefault("cfg_width", 8)
        st.session_state.setdefault("other", "kept")
        st.write("before the error")
        if st.session_state.get("fail", True):
            raise RuntimeError(message)
        st.write("after the error")

    guard.guarded(page, state_keys=("playground", "cfg_*"), name="test page")


def test_an_error_becomes_one_short_message_a_reset_button_and_a_logged_trace(caplog):
    caplog.set_level(logging.ERROR, logger="app.guard")
    at = AppTest.from_function(_failing_page, args=("disk on fire " * 100,)).run()
    assert not at.exception
    [error] = at.error
    # The exception's text is shown as a literal (inline code): it may quote user input.
    assert error.value.startswith("Something went wrong: `RuntimeError: disk on fire")
    assert error.value.endswith("; your last good state is kept.")
    assert len(error.value) < 250 and "\n" not in error.value
    assert "Traceback" not in error.value
    assert at.button(key=guard.RESET_KEY).label == "Reset this page"
    assert [m.value for m in at.markdown] == ["before the error"]
    records = [r for r in caplog.records if r.name == "app.guard"]
    assert records and records[0].exc_info and records[0].exc_info[0] is RuntimeError
    assert "test page" in records[0].getMessage()


def test_the_state_is_kept_until_reset_then_the_page_keys_are_dropped():
    at = AppTest.from_function(_failing_page).run()
    at.run()
    assert at.session_state["playground"] == {"made": 1}, "the last good state is kept"
    at.session_state["cfg_width"] = 99
    at.button(key=guard.RESET_KEY).click().run()
    assert not at.exception
    assert at.session_state["playground"] == {"made": 2}, "rebuilt after the reset"
    assert at.session_state["cfg_width"] == 8, "cfg_* matched the pattern and was dropped"
    assert at.session_state["other"] == "kept"
    at.session_state["fail"] = False
    at.run()
    assert not at.error and [m.value for m in at.markdown][-1] == "after the error"


def _control_flow_page():
    import streamlit as st

    from app import guard

    def page():
        st.session_state["runs"] = st.session_state.get("runs", 0) + 1
        if st.session_state["runs"] == 1:
            st.rerun()
        st.write(f"run {st.session_state['runs']}")
        st.stop()
        st.write("never shown")  # pragma: no cover

    guard.guarded(page, name="control flow")


def test_streamlit_rerun_and_stop_pass_through_the_guard():
    at = AppTest.from_function(_control_flow_page).run()
    assert not at.exception and not at.error
    assert at.session_state["runs"] == 2
    assert [m.value for m in at.markdown] == ["run 2"]


def _two_errors_in_one_run():
    from app import guard

    def bad():
        raise KeyError("first")

    def worse():
        raise ZeroDivisionError("second")

    guard.guarded(bad, name="one")
    guard.guarded(worse, name="two")


def test_two_errors_in_one_run_show_two_messages_and_one_reset_button():
    at = AppTest.from_function(_two_errors_in_one_run).run()
    assert not at.exception
    assert [e.value.split(";")[0] for e in at.error] == [
        "Something went wrong: `KeyError: 'first'`",
        "Something went wrong: `ZeroDivisionError: second`",
    ]
    assert len(at.button) == 1


def _fragment_page():
    import streamlit as st

    from app import guard

    def live():
        st.session_state["ticks"] = st.session_state.get("ticks", 0) + 1
        st.write(f"tick {st.session_state['ticks']}")
        st.button("tick", key="tick")
        if st.session_state["ticks"] >= 2:
            raise ValueError("frame failed")

    st.session_state["full_runs"] = st.session_state.get("full_runs", 0) + 1
    body = guard.fragment_body(
        live, name="live view", on_error=lambda err: st.session_state.update(stopped=str(err))
    )
    st.fragment(body)()


def test_a_fragment_rerun_is_guarded_and_keeps_the_fragment_identity():
    def live():  # pragma: no cover - only its name matters
        pass

    wrapped = guard.fragment_body(live)
    assert (wrapped.__module__, wrapped.__qualname__) == (live.__module__, live.__qualname__)

    at = AppTest.from_function(_fragment_page).run()
    assert not at.error and at.session_state["ticks"] == 1
    at.button(key="tick").click().run()  # AppTest reruns the whole script, fragment and all
    assert not at.exception
    assert [e.value.split(";")[0] for e in at.error] == [
        "Something went wrong: `ValueError: frame failed`"
    ]
    assert at.session_state["stopped"] == "frame failed", "on_error ran"


def _callback_page():
    import streamlit as st

    from app import guard

    def explode():
        raise IndexError("no snapshot 7")

    def page():
        st.button("Go", key="go", on_click=guard.callback(explode, name="rewind"))
        st.write("page drawn")

    guard.guarded(page, name="callbacks")


def test_an_error_in_a_callback_is_shown_on_the_next_run_without_a_traceback(caplog):
    caplog.set_level(logging.ERROR, logger="app.guard")
    at = AppTest.from_function(_callback_page).run()
    at.button(key="go").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Something went wrong in the `rewind` action: `IndexError: no snapshot 7`; "
        "your last good state is kept."
    ]
    assert [m.value for m in at.markdown] == ["page drawn"]
    assert any(r.exc_info for r in caplog.records if r.name == "app.guard")
    at.run()
    assert not at.error, "shown once"


def test_a_repeating_error_is_logged_in_full_once_a_minute(caplog):
    caplog.set_level(logging.ERROR, logger="app.guard")
    for _ in range(30):
        guard._log(ValueError("same"), "live view")
    guard._log(ValueError("other"), "live view")
    assert len([r for r in caplog.records if r.name == "app.guard"]) == 2


@pytest.mark.parametrize(
    ("err", "text"),
    [
        (ValueError("x"), "ValueError: x"),
        (RuntimeError(""), "RuntimeError"),
        (KeyError("k"), "KeyError: 'k'"),
        (ValueError("a\nb\tc"), "ValueError: a b c"),
    ],
)
def test_describe_is_one_short_line(err, text):
    assert guard.describe(err) == text
    long = guard.describe(ValueError("y" * 10_000))
    assert len(long) <= len("ValueError: ") + guard.MAX_DETAIL and long.endswith("…")


# -- app/pacing.py -----------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_the_registry_counts_heartbeats_and_forgets_sessions_unseen_for_two_seconds():
    clock = FakeClock()
    reg = pacing.PlayingRegistry(expiry=2.0, clock=clock)
    assert reg.count() == 0 and reg.mean_cost() is None
    assert reg.heartbeat("a", cost=0.01) == 1
    assert reg.heartbeat("b") == 2
    assert reg.heartbeat("a") == 2, "a session counts once"
    assert reg.mean_cost() == pytest.approx(0.01), "a heartbeat without cost keeps the last"
    clock.t += 1.5
    reg.heartbeat("b", cost=0.03)
    assert reg.count() == 2
    clock.t += 1.0  # a was last seen 2.5 s ago
    assert reg.count() == 1 and "a" not in reg and "b" in reg
    assert reg.mean_cost() == pytest.approx(0.03)
    reg.leave("b")
    reg.leave("never seen")
    assert reg.count() == 0


def test_the_registry_is_thread_safe():
    reg = pacing.PlayingRegistry(expiry=60.0)
    errors = []
    n_threads, n_ids = 8, 400

    def worker(k):
        try:
            for i in range(n_ids):
                reg.heartbeat(f"s{k}-{i}", cost=0.001 * (i % 5))
                reg.count()
                reg.mean_cost()
                if i % 2:
                    reg.leave(f"s{k}-{i}")
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert reg.count() == n_threads * n_ids // 2


def test_expiry_while_other_threads_heartbeat():
    clock = FakeClock()
    reg = pacing.PlayingRegistry(expiry=2.0, clock=clock)
    for i in range(100):
        reg.heartbeat(f"old{i}")
    clock.t += 5
    done = threading.Event()

    def beat():
        while not done.is_set():
            reg.heartbeat("live")

    t = threading.Thread(target=beat)
    t.start()
    try:
        assert reg.count() == 1
    finally:
        done.set()
        t.join()


def _cpu_a_second(p: pacing.Plan, cost: float) -> float:
    """A session's CPU a second at plan ``p``, in the model's terms."""
    per_run = p.frames * cost * (1 + pacing.FRAME_OVERHEAD) + pacing.RUN_OVERHEAD
    return per_run / p.interval


def test_alone_a_page_runs_at_its_base_interval_at_the_displays_rate():
    p = pacing.plan(0.3, 1, 0.001)
    assert p.interval == 0.3
    assert p.rate == pytest.approx(pacing.DISPLAY_RATE)
    assert p.spacing == pytest.approx(1 / pacing.DISPLAY_RATE)


@pytest.mark.parametrize("cost", [0.0005, 0.001, 0.002, 0.005])
def test_the_plans_of_a_busy_room_fit_in_the_server_and_the_rate_falls_smoothly(cost):
    previous = None
    for n in range(1, 101):
        p = pacing.plan(0.3, n, cost)
        assert 0.3 <= p.interval <= pacing.MAX_INTERVAL
        assert 1 <= p.frames <= pacing.frames_per_run(p.interval)
        assert p.rate <= pacing.DISPLAY_RATE + 1e-9
        if (p.interval, p.frames) != (pacing.MAX_INTERVAL, 1):  # the floor: one frame in 2 s
            assert n * _cpu_a_second(p, max(cost, pacing.MIN_FRAME_COST)) <= pacing.SERVER_CPU * (
                1 + 1e-9
            )
        if previous is not None and p.frames > 3:
            # One more student takes a fair share from the others and the room's frames
            # stay about what the server delivers (no cliff); no one gets more than a plan
            # near the best gave up for shorter runs.
            assert n * p.rate >= 0.8 * (n - 1) * previous.rate, (n, previous, p)
            assert p.rate <= previous.rate / pacing.NEAR_BEST + 1e-9, (n, previous, p)
        previous = p


def test_a_busy_room_gets_longer_runs_with_more_frames_not_fewer_frames_a_run():
    few, many = pacing.plan(0.3, 5, 0.001), pacing.plan(0.3, 30, 0.001)
    assert many.interval > few.interval and many.frames > 1
    # The per-run cost spread over more frames: the same CPU buys more frames a second than
    # runs of the base interval would.
    share = pacing.SERVER_CPU / 30
    at_base = (share * 0.3 - pacing.RUN_OVERHEAD) / (0.001 * (1 + pacing.FRAME_OVERHEAD)) / 0.3
    assert many.rate > max(at_base, 0)


def test_the_classroom_targets_fit_the_model_with_one_millisecond_frames():
    # Issue 14: 20 students at 25 frames/s each, 40 at 10.
    assert pacing.plan(0.3, 20, 0.001).rate >= 25
    assert pacing.plan(0.3, 40, 0.001).rate >= 10


def test_a_session_with_costly_frames_gets_fewer_frames_not_a_larger_share(monkeypatch):
    reg = pacing.PlayingRegistry()
    for i in range(19):
        reg.heartbeat(f"s{i}", cost=0.001)
    reg.heartbeat("greedy", cost=0.02)
    sid = iter(["s0", "greedy"])
    monkeypatch.setattr(pacing, "current_session_id", lambda: next(sid))
    light = pacing.session_plan(0.3, registry=reg)
    heavy = pacing.session_plan(0.3, registry=reg)
    assert light == pacing.plan(0.3, 20, 0.001), "the others plan with their own cost"
    assert heavy.rate < light.rate
    assert _cpu_a_second(heavy, 0.02) <= pacing.SERVER_CPU / 20 * (1 + 1e-9)


def test_the_grid_is_full_for_a_few_and_coarser_for_a_crowd():
    assert pacing.grid_side(1) == pacing.grid_side(pacing.GRID_FULL_UNTIL) == pacing.GRID_SIDE
    sides = [pacing.grid_side(n) for n in range(1, 200)]
    assert sides == sorted(sides, reverse=True)
    assert pacing.GRID_LOW == min(sides) < pacing.grid_side(20) < pacing.GRID_SIDE


def test_the_slow_fragment_slows_down_when_the_room_is_busy():
    assert pacing.history_interval(1.0, playing=1) == 1.0
    assert pacing.history_interval(1.0, playing=pacing.BUSY_FROM) == 1.0
    assert pacing.history_interval(1.0, playing=20) == 5.0
    assert pacing.history_interval(1.0, playing=50) == 12.5
    assert pacing.history_interval(1.0, playing=5000) == pacing.MAX_HISTORY_INTERVAL


def test_frame_interval_counts_the_caller_outside_a_session():
    reg = pacing.PlayingRegistry()
    assert pacing.frame_interval(0.075, registry=reg) == 0.075
    for i in range(40):
        reg.heartbeat(f"s{i}", cost=0.01)
    assert pacing.frame_interval(0.075, registry=reg) > 0.075


def test_steps_budget_bounds_the_work_of_a_frame():
    small = Trainer(Network((2, 8, 1), "relu", random_state=0), *_data(140))
    assert pacing.steps_budget(40, small, playing=1) == 40
    big = Trainer(
        Network((2, 500, 500, 500, 1), "relu", random_state=0),
        *_data(140),
        history_capacity=0,
    )
    per_step = pacing.work_per_step(big)
    assert per_step > pacing.FRAME_WORK / 2
    steps = pacing.steps_budget(500, big, playing=1)
    assert 1 <= steps and steps * per_step <= max(pacing.FRAME_WORK, per_step)
    assert pacing.steps_budget(0, small) == 1
    # Busy: the budget shrinks, never below one step.
    assert pacing.frame_work_budget(40) < pacing.frame_work_budget(1)
    assert pacing.steps_budget(500, per_step=1e6, playing=40) < pacing.steps_budget(
        500, per_step=1e6, playing=1
    )
    assert pacing.steps_budget(5, per_step=1e15, playing=100) == 1


def test_grid_size_shrinks_for_very_wide_networks_only():
    assert pacing.grid_size((2, 8, 1)) == 100
    side = pacing.grid_size((2, 500, 500, 500, 1))
    assert 40 <= side < 100
    assert pacing.grid_size((2, 500, 500, 500, 1), base=500) <= geometry.MAX_GRID


def test_pace_and_leave_do_nothing_outside_a_streamlit_session():
    reg = pacing.PlayingRegistry()
    with pacing.pace(True, registry=reg):
        pass
    pacing.leave()
    assert reg.count() == 0


def test_pace_retunes_after_a_completed_frame_only(monkeypatch):
    reg = pacing.PlayingRegistry()
    sent = []
    monkeypatch.setattr(pacing, "current_session_id", lambda: "s1")
    monkeypatch.setattr(pacing, "_retune", sent.append)
    with pacing.pace(True, base=0.03, registry=reg):
        sum(range(10_000))
    assert reg.count() == 1 and reg.mean_cost() > 0
    assert sent == [0.03], "alone: the base interval"
    with pytest.raises(RuntimeError), pacing.pace(True, registry=reg):
        raise RuntimeError("st.rerun after a divergence, or an error")
    assert sent == [0.03], "no timer re-armed by a frame that raised"
    with pacing.pace(False, registry=reg):
        pass
    assert reg.count() == 0 and sent == [0.03]


def test_pace_records_the_cpu_time_per_frame_of_a_run(monkeypatch):
    reg = pacing.PlayingRegistry()
    monkeypatch.setattr(pacing, "current_session_id", lambda: "s1")
    monkeypatch.setattr(pacing, "_retune", lambda interval: None)
    clock = iter([1.0, 1.6])  # the run took 0.6 s of CPU
    monkeypatch.setattr(pacing.time, "thread_time", lambda: next(clock))
    with pacing.pace(True, registry=reg) as run:
        run.frames = 3
    assert reg.mean_cost() == pytest.approx(0.2)


def test_frames_take_turns_in_the_frame_slot_and_a_thread_may_nest():
    inside, most, errors = [0], [0], []
    guard_lock = threading.Lock()

    def frame():
        try:
            with pacing.frame_slot():
                with pacing.frame_slot():  # a fragment run inline in a page run: no deadlock
                    with guard_lock:
                        inside[0] += 1
                        most[0] = max(most[0], inside[0])
                    sum(range(20_000))
                    with guard_lock:
                        inside[0] -= 1
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=frame) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and not any(t.is_alive() for t in threads)
    assert most[0] <= max(1, pacing.FRAME_SLOTS)
    with pacing.frame_slot():  # released: free again
        pass


def _wait_until(condition):
    for _ in range(10_000):
        if condition():
            return
        threading.Event().wait(0.001)
    raise AssertionError("the threads never got there")


def test_the_frame_slot_goes_in_order_of_arrival_and_a_pages_own_run_first():
    slot = pacing.FairSlot(1)
    order, threads = [], []
    slot.acquire()  # the holder: every thread below waits

    def run(name, urgent):
        with pacing.frame_slot(urgent=urgent, slot=slot):
            order.append(name)

    arrivals = [("t1", False), ("t2", False), ("click", True), ("t3", False), ("new", True)]
    for k, (name, urgent) in enumerate(arrivals, start=1):
        threads.append(threading.Thread(target=run, args=(name, urgent)))
        threads[-1].start()
        _wait_until(lambda k=k: slot.waiting() == k)  # queued before the next one arrives
    slot.release()
    for t in threads:
        t.join(timeout=30)
    assert order == ["click", "new", "t1", "t2", "t3"]
    slot.acquire()  # free again
    slot.release()


def test_the_frame_slot_is_fair_to_sessions_that_come_back_at_once():
    """Each of 8 sessions asks again as soon as its run is done: with a queue in order of
    arrival, none gets two turns before every other got one."""
    slot = pacing.FairSlot(1)
    turns, stop = [], threading.Event()
    lock = threading.Lock()

    def session(name):
        while not stop.is_set():
            with pacing.frame_slot(slot=slot):
                with lock:
                    turns.append(name)
                    if len(turns) >= 400:
                        stop.set()
                sum(range(2_000))

    threads = [threading.Thread(target=session, args=(f"s{i}",)) for i in range(8)]
    slot.acquire()
    for t in threads:
        t.start()
    _wait_until(lambda: slot.waiting() == 8)
    slot.release()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    steady = turns[8:400]
    for i in range(0, len(steady) - 8, 8):
        assert len(set(steady[i : i + 8])) == 8, steady[i : i + 8]


def _paced_page():
    import streamlit as st

    from app import pacing

    reg = pacing.PlayingRegistry()
    st.session_state["reg"] = reg  # the test reads it back; a page never does this

    def live():
        with pacing.pace(st.session_state.get("playing", True), registry=reg):
            st.write("frame")

    st.fragment(live, run_every=0.03)()


def test_pace_counts_the_session_and_measures_its_frame():
    at = AppTest.from_function(_paced_page).run()
    reg = at.session_state["reg"]
    assert reg.count() == 1 and reg.mean_cost() is not None
    at.session_state["playing"] = False
    at.run()
    assert at.session_state["reg"].count() == 0


def test_the_registry_holds_only_counts_and_timings():
    reg = pacing.REGISTRY
    with reg._lock:
        values = list(reg._seen.items())
    for sid, (seen, cost) in values:
        assert isinstance(sid, str) and isinstance(seen, float)
        assert cost is None or isinstance(cost, float)


# -- bounded memory of a session -----------------------------------------------------------
def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X, y


def _history_bytes(trainer):
    return sum(e.theta.nbytes for e in trainer.history.entries)


def test_a_long_run_keeps_a_bounded_evenly_spread_history():
    trainer = Trainer(
        Network((2, 8, 1), "relu", random_state=0), *_data(100), batch_size=10, random_state=0
    )
    cap = trainer.history.capacity
    longest = 0
    for _ in range(600):  # 600 frames of 40 steps: 24 000 steps
        trainer.step(40)
        longest = max(longest, len(trainer.history.entries))
        assert len(trainer.history.entries) <= cap
    entries = trainer.history.entries
    assert longest <= cap
    assert entries[0].step == 0 and entries[-1].step == trainer.step_count == 24_000
    gaps = np.diff([e.step for e in entries])
    assert gaps.max() <= 2 * trainer.history.interval
    assert _history_bytes(trainer) <= trainer_module.HISTORY_BYTES


@pytest.mark.parametrize(
    "hidden",
    [(), (8,), (100,), (500,), (500, 500), (500, 500, 500)],
    ids=lambda h: "x".join(map(str, h)) or "linear",
)
def test_the_history_of_any_allowed_network_stays_under_the_byte_cap(hidden):
    """A full history of the widest network the app allows (3 layers of 500: 503 001
    parameters, 4 MB a snapshot) must stay within HISTORY_BYTES, like any other."""
    net = Network((2, *hidden, 1), "relu", random_state=0)
    trainer = Trainer(net, *_data(12), batch_size=1, random_state=0)
    cap = trainer.history.capacity
    assert cap * net.theta.nbytes <= trainer_module.HISTORY_BYTES, (
        f"{cap} snapshots x {net.theta.nbytes / 2**20:.1f} MB = "
        f"{cap * net.theta.nbytes / 2**20:.0f} MB > HISTORY_BYTES = "
        f"{trainer_module.HISTORY_BYTES / 2**20:.0f} MB"
    )
    steps = 2 * cap + 3 if net.theta.size > 10_000 else 5_000
    most = 0
    for _ in range(steps):
        trainer.step(1)
        most = max(most, _history_bytes(trainer))
    assert most <= trainer_module.HISTORY_BYTES


# -- bounded grid ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [geometry.MAX_GRID + 1, 10_000, 10**9, 1, 0, -5])
def test_grid_points_rejects_sizes_outside_2_to_max_grid(n):
    with pytest.raises(ValueError, match="grid size"):
        geometry.grid_points((-1.0, 1.0, -1.0, 1.0), n)


def test_the_largest_grid_is_allowed_and_the_app_stays_below_it():
    from app import frames

    assert geometry.grid_points((-1.0, 1.0, -1.0, 1.0), geometry.MAX_GRID).shape == (
        geometry.MAX_GRID**2,
        2,
    )
    assert 2 <= frames.GRID <= geometry.MAX_GRID
    net = Network((2, 8, 1), "relu", random_state=0)
    with pytest.raises(ValueError):
        geometry.decision_surface(net, (-1.0, 1.0, -1.0, 1.0), n=geometry.MAX_GRID + 1)


# -- the server settings in effect -----------------------------------------------------------
EXPECTED_SETTINGS = {
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.maxUploadSize": 16,  # serialize.MAX_BYTES: every exported network loads back
    "server.runOnSave": False,
    "server.fileWatcherType": "none",
    "server.headless": True,
    "browser.gatherUsageStats": False,
    "runner.postScriptGC": False,
    "runner.fastReruns": True,
    "client.showErrorDetails": "type",
}


def test_the_settings_in_streamlit_config_toml_are_the_ones_in_effect():
    """What `streamlit run` in the repo's directory uses, and where each comes from."""
    code = (
        "import json; from streamlit import config; "
        "config.get_config_options(force_reparse=True); "
        f"print(json.dumps({{k: [config.get_option(k), config.get_where_defined(k)] "
        f"for k in {sorted(EXPECTED_SETTINGS)!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    for key, value in EXPECTED_SETTINGS.items():
        got, where = found[key]
        assert got == value, f"{key} = {got!r}, expected {value!r}"
        assert where.endswith(str(Path(".streamlit") / "config.toml")), (key, where)


def test_a_run_sends_as_many_frames_as_fit_its_interval_at_the_painting_pace():
    assert pacing.frames_per_run(0.075, 0.025) == 3
    assert pacing.frames_per_run(0.025, 0.025) == 1
    # Slower runs when the room is busy carry more frames, so each page still moves smoothly,
    # up to MAX_BURST (a second's worth at 40 frames/s).
    counts = [pacing.frames_per_run(i, 0.025) for i in pacing.INTERVALS]
    assert counts == sorted(counts)
    assert counts[-1] == pacing.MAX_BURST
    assert all(1 <= c <= pacing.MAX_BURST for c in counts)
    # Nonsense never asks for zero frames.
    assert pacing.frames_per_run(0.0, 0.025) == 1
    assert pacing.frames_per_run(0.1, 0.0) == 1
    assert pacing.frames_per_run(float("nan"), 0.025) == 1


@pytest.mark.parametrize("hidden", [(8,), (3, 4)])
@pytest.mark.parametrize("features", [None, ("x1", "x2", "x1^2", "x2^2")])
def test_the_hidden_views_grid_lines_in_one_pass_are_the_engines_lines(hidden, features):
    """app.frames maps the data's points and the grid's lines through the network in one
    pass: the lines must be geometry.grid_line_images's, joined by pen lifts."""
    from dataclasses import replace

    from app import config as C
    from app import frames, payloads
    from app import state as S

    config = replace(C.DEFAULT, hidden=hidden, activation="tanh")
    if features is not None:
        config = replace(config, features=features)
    ps = S.new_state(config)
    ps.trainer.step(30)
    net, phi = ps.trainer.net, ps.features
    extent = frames.plane_extent(ps.data)
    inputs = None if phi.is_raw else phi
    for layer in range(0 if not phi.is_raw else 1, len(hidden) + 1):
        payload, axes = frames.hidden_frame(
            net, ps.data, frame=1, layer=layer, units=(0, 1), axes=None, phi=phi
        )
        lines = geometry.grid_line_images(net, extent, layer, (0, 1), inputs=inputs)
        step = 3 * max(axes[1] - axes[0], axes[3] - axes[2]) / 65534  # encode_xy's step
        joined = payloads.decode_xy(payload["grid_lines_q"][0], axes)
        expected = np.concatenate([np.vstack([line, [[np.nan, np.nan]]]) for line in lines])
        np.testing.assert_allclose(joined, expected, atol=step)
        X_train = ps.data.X_train if phi.is_raw else phi(ps.data.X_train)
        train = payloads.decode_xy(payload["points"]["train"]["q"], axes)
        H = geometry.hidden_features(net, X_train, layer, (0, 1))
        np.testing.assert_allclose(train, H, atol=step)


def test_a_run_reads_the_cpu_clock_rarely_when_frames_are_cheap_and_stops_at_its_budget(
    monkeypatch,
):
    now, reads = [0.0], []

    def clock():
        reads.append(now[0])
        return now[0]

    monkeypatch.setattr(pacing, "cpu_clock", clock)
    run = pacing.Run(pacing.Plan(1.0, 60))
    run.started = pacing.cpu_clock()
    for _ in range(60):
        now[0] += 0.001  # a frame of 1 ms
        assert not run.over_budget()
    assert len(reads) < 10, "the budget is far: no clock read a frame"
    run = pacing.Run(pacing.Plan(1.0, 60))
    run.started = pacing.cpu_clock()
    frames = 0
    while frames < 60:
        now[0] += 0.1  # a frame of 0.1 s: a 6 x 500 network
        frames += 1
        if run.over_budget():
            break
    assert frames == int(pacing.RUN_CPU / 0.1) + 1, "the first frame past the budget ends it"


class FakeProcess:
    """A wall clock and a process CPU clock that the test moves by hand."""

    def __init__(self):
        self.wall = self.cpu = 100.0

    def spend(self, seconds, share):
        self.wall += seconds
        self.cpu += seconds * share


def test_calibration_raises_the_share_while_the_room_is_limited_and_the_cpu_idles():
    p = FakeProcess()
    cal = pacing.Calibration(target=0.85, window=2.0, clock=lambda: p.wall, cpu=lambda: p.cpu)
    cal.observe(limited=True)  # the first reading only starts the window
    p.spend(1.0, 0.6)
    assert cal.observe(limited=True) == 1.0  # the window is not over yet
    p.spend(1.5, 0.6)
    raised = cal.observe(limited=True)
    assert raised == pytest.approx((0.85 / 0.6) ** 0.5)
    for _ in range(20):  # a process that never gets busier: the factor stops at its cap
        p.spend(2.0, 0.6)
        cal.observe(limited=True)
    assert cal.factor == cal.high


def test_calibration_lowers_the_share_of_a_process_over_its_target_and_ignores_free_rooms():
    p = FakeProcess()
    cal = pacing.Calibration(target=0.85, window=2.0, clock=lambda: p.wall, cpu=lambda: p.cpu)
    cal.observe(limited=False)
    p.spend(2.0, 0.3)  # one page at the display's rate: pacing limits nobody
    assert cal.observe(limited=False) == 1.0
    p.spend(2.0, 1.0)
    assert cal.observe(limited=True) < 1.0
    for _ in range(20):
        p.spend(2.0, 1.7)
        cal.observe(limited=True)
    assert cal.factor == cal.low


def test_the_plans_share_out_the_calibrated_cpu(monkeypatch):
    reg = pacing.PlayingRegistry()
    for i in range(30):
        reg.heartbeat(f"s{i}", cost=0.001)
    monkeypatch.setattr(pacing, "current_session_id", lambda: "s0")
    monkeypatch.setattr(pacing.CALIBRATION, "factor", 1.0)
    before = pacing.session_plan(0.3, registry=reg)
    monkeypatch.setattr(pacing.CALIBRATION, "factor", 1.5)
    after = pacing.session_plan(0.3, registry=reg)
    assert after.rate > before.rate
