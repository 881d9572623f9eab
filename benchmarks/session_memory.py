"""How much memory one playing session holds after 10 minutes, and what bounds it.

    /work/venv/bin/python benchmarks/session_memory.py             # 10 min at 30 fps, simulated
    /work/venv/bin/python benchmarks/session_memory.py --live 120  # + a real server, 120 s

Simulation: the Playground's per-frame work, exactly as the page does it, without Streamlit:
``trainer.step(steps_per_frame)``, the two live views' payloads (``app.frames``), their JSON
(what ``live_view`` sends) and the status line, for as many frames as 10 minutes at 30
frames a second (18 000). Memory is measured with ``tracemalloc`` (Python and NumPy
allocations still alive: what the session keeps) and the process's RSS, every simulated
minute. Three networks: the default (one layer of 8), one layer of 500, and two layers of
100 at one step a frame (its snapshots are large enough for HISTORY_BYTES to be the cap);
for the last two the views are built once a simulated second, the training of every frame
is run.

``--live SECONDS`` also starts the real server (tests/conftest.start_server), opens one
headless Chromium page, presses Play and reports the server's RSS every 10 s.

The bound: a session keeps its data, its network and optimizer buffers (a few copies of
theta) and the history of snapshots, which ``engine.trainer.History`` keeps within
``HISTORY_CAPACITY`` entries and ``HISTORY_BYTES`` (thinning evenly as the run grows).
Nothing else grows with the number of frames.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import config as C  # noqa: E402
from app import frames  # noqa: E402
from app import state as S  # noqa: E402
from engine import trainer as trainer_module  # noqa: E402

FPS = 30
MINUTES = 10


def rss_mb(pid="self"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_frame(ps, i, views=True):
    ps.trainer.step(ps.config.steps_per_frame)
    if not views:
        return 0
    net = ps.trainer.net
    kwargs = {"phi": ps.features} if hasattr(ps, "features") else {}
    boundary = frames.boundary_frame(
        net, ps.data, frame=i, points_version=ps.points_version, send_points=True, **kwargs
    )
    hidden, ps.hidden_axes = frames.hidden_frame(
        net,
        ps.data,
        frame=i,
        layer=ps.hidden_layer,
        units=ps.hidden_units,
        axes=ps.hidden_axes,
        **kwargs,
    )
    sent = len(json.dumps(boundary)) + len(json.dumps(hidden))
    S.status_line(ps.trainer, ps.config.regression)
    if ps.trainer.diverged:
        ps.trainer.clear_stop()
    return sent


def session_bytes(ps):
    """What the session object holds in arrays: data, network, optimizer, history."""
    tr = ps.trainer
    history = sum(e.theta.nbytes for e in tr.history.entries)
    arrays = sum(
        a.nbytes
        for a in (
            ps.data.X_train,
            ps.data.y_train,
            ps.data.X_test,
            ps.data.y_test,
            tr.net.theta,
            tr.grad,
            tr.optimizer.velocity,
            tr._last_good,
        )
    )
    return history, arrays


def simulate(name, config, n_frames, views_every=1):
    gc.collect()
    tracemalloc.start()
    base_traced = tracemalloc.get_traced_memory()[0]
    base_rss = rss_mb()
    ps = S.new_state(config)
    built = tracemalloc.get_traced_memory()[0] - base_traced
    t0 = time.perf_counter()
    per_minute = FPS * 60
    rows = []
    sent = 0
    for i in range(1, n_frames + 1):
        sent += one_frame(ps, i, views=i % views_every == 0)
        if i % per_minute == 0 or i == n_frames:
            gc.collect()
            now = tracemalloc.get_traced_memory()[0] - base_traced
            history, _ = session_bytes(ps)
            rows.append(
                (
                    i / per_minute,
                    now / 2**20,
                    history / 2**20,
                    (now - history) / 2**20,
                    rss_mb() - base_rss,
                    len(ps.trainer.history.entries),
                )
            )
    peak = tracemalloc.get_traced_memory()[1] - base_traced
    tracemalloc.stop()
    elapsed = time.perf_counter() - t0
    _, arrays = session_bytes(ps)
    theta = ps.trainer.net.theta.nbytes
    cap = ps.trainer.history.capacity
    views = "every frame" if views_every == 1 else f"every {views_every}th frame"
    print(
        f"\n{name}: hidden={config.hidden}, {ps.trainer.net.theta.size:,} parameters, "
        f"{config.steps_per_frame} steps a frame, {n_frames:,} frames "
        f"({ps.trainer.step_count:,} steps; views built {views}) in {elapsed:.0f} s"
    )
    print(
        f"  {'minute':>6} {'traced MB':>10} {'history MB':>10} {'rest MB':>8} "
        f"{'RSS +MB':>8} {'snapshots':>9}"
    )
    for minute, traced, history, rest, rss, snaps in rows:
        print(
            f"  {minute:>6.1f} {traced:>10.2f} {history:>10.2f} {rest:>8.2f} {rss:>8.1f} {snaps:>9}"
        )
    n_views = max(1, n_frames // views_every)
    print(
        f"  after building the session: {built / 2**20:.2f} MB traced; peak during the run "
        f"{peak / 2**20:.2f} MB (a frame's transient arrays included); "
        f"JSON of the two views {sent / n_views / 1024:.1f} kB a frame"
    )
    # "rest" = data, network, optimizer and work buffers (fixed) + each snapshot's Python
    # objects (a Snapshot, an ndarray header, seven floats: ~1 kB): fit rest = a + b * n.
    import numpy as np

    snaps = np.array([r[5] for r in rows], dtype=float)
    rests = np.array([r[3] for r in rows]) * 2**20
    if np.ptp(snaps) > 0:
        b, a = np.polyfit(snaps, rests, 1)
    else:
        b, a = 0.0, float(rests.max())
    b = max(b, 0.0)
    history_cap = min(cap * theta, trainer_module.HISTORY_BYTES)
    bound = history_cap + cap * b + a
    print(
        f"  bound: snapshots' arrays <= min({cap} x {theta / 1024:.1f} kB, HISTORY_BYTES) = "
        f"{history_cap / 2**20:.2f} MB; their Python objects {b / 1024:.2f} kB each "
        f"(<= {cap * b / 2**20:.2f} MB); the rest is fixed, {a / 2**20:.2f} MB "
        f"({arrays / 2**20:.2f} MB of it the data, network and optimizer arrays); "
        f"together <= {bound / 2**20:.2f} MB, whatever the length of the run"
    )
    return rows[-1][1], bound


def live(seconds):
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, start_server

    proc, url = start_server(env={"OMP_NUM_THREADS": "1"})
    try:
        idle = rss_mb(proc.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(url)
            page.wait_for_selector(".st-key-play button", timeout=120_000)
            opened = rss_mb(proc.pid)
            page.click(".st-key-play button")
            print(f"\nlive server: RSS {idle:.0f} MB idle, {opened:.0f} MB with one page open")
            print(f"  {'s':>5} {'RSS MB':>7} {'frame':>6}")
            t0 = time.time()
            while time.time() - t0 < seconds:
                time.sleep(10)
                frame = page.eval_on_selector(".st-key-boundary .lv-root", "e => e.dataset.frame")
                print(f"  {time.time() - t0:>5.0f} {rss_mb(proc.pid):>7.0f} {frame:>6}", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=MINUTES)
    ap.add_argument("--live", type=float, default=0, help="seconds of a real server playing")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    n_frames = int(args.minutes * 60 * FPS)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(
        "session_memory (traced: tracemalloc, what the session's objects hold; RSS: the "
        "process's growth)"
    )
    print(
        f"session_memory: {args.minutes:g} min at {FPS} frames/s = {n_frames:,} frames; "
        f"HISTORY_BYTES = {trainer_module.HISTORY_BYTES / 2**20:.0f} MB, "
        f"HISTORY_CAPACITY = {trainer_module.HISTORY_CAPACITY}"
    )
    base = C.DEFAULT
    # The wide and deep networks' views cost ~0.1 s a frame here: they are built once a
    # simulated second (they are transient); every frame's training steps are run.
    for name, config, every in (
        ("default", base, 1),
        ("wide", replace(base, hidden=(500,)), 30),
        # 10 501 parameters (84 kB a snapshot): here HISTORY_BYTES, not the count, is the
        # cap. One step a frame (spf=1 in a link) keeps the run to a few minutes.
        ("deep", replace(base, hidden=(100, 100), steps_per_frame=1), 30),
    ):
        simulate(name, config, n_frames, every)
    if args.live:
        live(args.live)


if __name__ == "__main__":
    main()
