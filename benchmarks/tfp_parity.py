"""Train our engine as TensorFlow Playground trains, on its own datasets, and compare.

TF Playground's defaults: 2 hidden layers of 4 and 2 tanh units (6 x 8 on the spiral), learning
rate 0.03, batch 10, squared error (o - t)^2 / 2 on labels +1/-1, weights U(-0.5, 0.5), biases
0.1, half the points for training, noise 0. Its own runs reach test loss < 0.1 on circle at
epoch 28-62, on xor at epoch 4-13, and on the spiral with 6 x 8 at 354-1595 epochs
(shared/reference/tf-playground.md). One difference stays: its output unit is tanh, ours is
linear (the lecture's F(x) = z); the loss is the same squared error on +1/-1.

    python benchmarks/tfp_parity.py [--seeds 5] [--max-epochs 2000]
    python benchmarks/tfp_parity.py --app [--runs 5]

``--app`` measures the app itself in headless Chromium on TF Playground's default (the
preset's link): how long after opening the link the input plane is first painted, and after
Play, Step and a flip the first new frame; after Play, the status line's test loss < 0.1;
a slider moved while playing until the page's URL carries it (issue 14's targets).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from threadpoolctl import threadpool_limits  # noqa: E402

from engine import Network, Trainer, datasets  # noqa: E402

CHECKPOINTS = (1, 10, 50, 100, 1000)
# (dataset, hidden layers, activation, TF Playground's epochs to < 0.1 as measured there)
SETUPS = (
    ("tfp_circle", (4, 2), "tanh", "28-62"),
    ("tfp_xor", (4, 2), "tanh", "(not measured)"),
    ("tfp_xor", (8,), "relu", "4-13"),
    ("tfp_spiral", (8, 8, 8, 8, 8, 8), "tanh", "354-1595"),
)


def run(name, hidden, activation, seed, max_epochs):
    X, y = datasets.make(name, 500, 0.0, seed)
    X_tr, X_te, y_tr, y_te = datasets.split(X, y, 0.5, seed)
    net = Network((2, *hidden, 1), activation, init="tfp", random_state=seed)
    trainer = Trainer(
        net,
        X_tr,
        y_tr,
        X_te,
        y_te,
        n_classes=2,
        loss="squared_error",
        learning_rate=0.03,
        batch_size=10,
        random_state=seed,
        history_capacity=0,
    )
    steps_per_epoch = -(-len(X_tr) // 10)
    losses, reached = {}, None
    start = time.perf_counter()
    for epoch in range(1, max_epochs + 1):
        trainer.step(steps_per_epoch)
        test_loss = trainer.metrics()["test_loss"]
        if epoch in CHECKPOINTS:
            losses[epoch] = test_loss
        if reached is None and test_loss < 0.1:
            reached = epoch
        if reached is not None and epoch >= max(c for c in CHECKPOINTS if c <= max_epochs):
            break
    return losses, reached, time.perf_counter() - start, epoch


# -- the app in a browser: answer at once, opening a link ----------------------------------------
# Records, in the page, every click and key press, each new frame the input plane paints
# (its data-frame) and each new status line, with performance.now() (ms from navigation).
OBSERVER = """
(() => {
  if (window.__lat) return;
  const w = {input: [], frames: [], stats: [], first: null, controls: null, messages: []};
  window.__lat = w;
  // When each message from the server arrives: the server's share of a delay.
  const Socket = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Socket(...args);
    ws.addEventListener("message", (e) =>
      w.messages.push([performance.now(), e.data.size || e.data.byteLength || 0]));
    return ws;
  };
  window.WebSocket.prototype = Socket.prototype;
  Object.assign(window.WebSocket, Socket);
  for (const kind of ["pointerdown", "keydown"]) {
    document.addEventListener(kind, () => w.input.push(performance.now()), true);
  }
  let lastFrame, lastStats;
  const tick = () => {
    const now = performance.now();
    const frame = document.querySelector(".st-key-boundary .lv-root")?.dataset.frame;
    if (frame !== undefined && frame !== lastFrame) {
      if (w.first === null) w.first = now;
      w.frames.push(now);
      lastFrame = frame;
    }
    const stats = document.querySelector(".st-key-stats code")?.textContent;
    if (stats && stats !== lastStats) { w.stats.push([now, stats]); lastStats = stats; }
    if (w.controls === null && document.querySelector(".st-key-play button")) w.controls = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def _tfp_link():
    from app import config as C
    from app import presets

    return "?" + urllib.parse.urlencode(
        C.to_query(presets.load()["TensorFlow Playground's default"]["config"])
    )


def _click(page, key):
    page.locator(f'.st-key-{key} button[data-testid^="stBaseButton"]').first.click()


def _after_input(page, what, timeout=5.0):
    """Milliseconds from the last click or key press to the first new painted frame
    (``what="frame"``) or to the first status line with test loss < 0.1 (``"loss"``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        w = page.evaluate("window.__lat")
        t0 = w["input"][-1]
        if what in ("frame", "message"):
            # A message of a few kB or more carries frames (the status line alone is small).
            times = w["frames"] if what == "frame" else [t for t, n in w["messages"] if n > 4000]
            later = [t for t in times if t > t0]
            if later:
                return later[0] - t0
        else:
            for t, text in w["stats"]:
                m = re.search(r"test loss ([0-9.eE+-]+)", text)
                if t > t0 and m and float(m.group(1)) < 0.1:
                    return t - t0
        time.sleep(0.02)
    return float("nan")


def app_run(browser, url):
    """One fresh page: opening the link, then Play, Pause, Step, a flip and a slider."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_init_script(OBSERVER)
    page = context.new_page()
    try:
        page.goto(url + _tfp_link(), wait_until="commit")
        page.wait_for_selector(".st-key-boundary .lv-root[data-frame]", timeout=60_000)
        w = page.evaluate("window.__lat")
        out = {"first_paint": w["first"], "controls": w["controls"]}
        page.wait_for_timeout(1500)  # the rest of the page settles
        _click(page, "play")
        out["play_frame"] = _after_input(page, "frame")
        out["play_message"] = _after_input(page, "message")
        out["play_loss"] = _after_input(page, "loss")
        page.wait_for_timeout(800)
        thumb = page.locator('.st-key-cfg_learning_rate input[type="range"]').first
        thumb.focus()
        page.evaluate("() => { window.__lr = new URLSearchParams(location.search).get('lr'); }")
        thumb.press("ArrowRight")
        changed = "() => new URLSearchParams(location.search).get('lr') !== window.__lr"
        page.wait_for_function(changed, timeout=10_000, polling=2)
        out["slider"] = page.evaluate("performance.now()") - page.evaluate("window.__lat.input")[-1]
        _click(page, "pause")
        page.wait_for_timeout(1200)
        _click(page, "step")
        out["step_frame"] = _after_input(page, "frame")
        out["step_message"] = _after_input(page, "message")
        page.wait_for_timeout(800)
        _click(page, "flip_1_0")
        out["flip_frame"] = _after_input(page, "frame")
        return out
    finally:
        context.close()


def app_main(runs):
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, start_server

    load0 = os.getloadavg()
    proc, url = start_server()
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            app_run(browser, url)  # warms the server (imports, the compiled kernels)
            for i in range(runs):
                print(f"  app run {i + 1}/{runs} ...", file=sys.stderr, flush=True)
                results.append(app_run(browser, url))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"The app in headless Chromium 1280x720, TF Playground's default link, {runs} fresh "
        f"pages on a warm server; median [min..max] ms; {os.cpu_count()} CPUs, load average "
        f"{load0[0]:.1f} before / {os.getloadavg()[0]:.1f} after"
    )
    rows = (
        ("link opened -> the input plane's first paint", "first_paint", "2000"),
        ("link opened -> the controls shown", "controls", ""),
        ("Play -> first new frame painted", "play_frame", "100"),
        ("  Play -> its frames arrive from the server", "play_message", ""),
        ("Play -> status line shows test loss < 0.1", "play_loss", "300"),
        ("learning-rate slider moved while playing -> in the URL", "slider", "100"),
        ("Step -> new frame painted", "step_frame", "100"),
        ("  Step -> its frame arrives from the server", "step_message", ""),
        ("flip z1 -> new frame painted", "flip_frame", "100"),
    )
    for label, key, target in rows:
        values = [r[key] for r in results if r[key] is not None and r[key] == r[key]]
        lost = len(results) - len(values)
        cell = (
            f"{statistics.median(values):6.0f} [{min(values):.0f}..{max(values):.0f}]"
            if values
            else "   n/a"
        )
        extra = f"  ({lost} never)" if lost else ""
        goal = f"  target < {target}" if target else ""
        print(f"  {label:56} {cell}{goal}{extra}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=2000)
    parser.add_argument(
        "--app",
        action="store_true",
        help="instead: the app in headless Chromium (Play, Step, a flip, a slider, a link)",
    )
    parser.add_argument("--runs", type=int, default=5, help="with --app: fresh pages measured")
    args = parser.parse_args()
    if args.app:
        app_main(args.runs)
        return
    threadpool_limits(1)
    print("test loss at epoch, and epochs to test loss < 0.1 (TF Playground's own in brackets)")
    header = "dataset      layers           " + "".join(f"{'ep ' + str(c):>9}" for c in CHECKPOINTS)
    print(header + "   epochs<0.1   [TFP]      s/run")
    for name, hidden, activation, theirs in SETUPS:
        reached_all = []
        for seed in range(args.seeds):
            losses, reached, seconds, _ = run(name, hidden, activation, seed, args.max_epochs)
            reached_all.append(reached)
            cells = "".join(f"{losses.get(c, float('nan')):9.3f}" for c in CHECKPOINTS)
            layers = "-".join(map(str, hidden)) + " " + activation
            reached_text = str(reached)
            print(f"{name:12} {layers:16} {cells}   {reached_text:>10}  [{theirs}] {seconds:6.1f}")
        got = [r for r in reached_all if r is not None]
        summary = f"{min(got)}-{max(got)}" if got else "never"
        print(
            f"  -> {name} {activation}: < 0.1 reached in {len(got)}/{len(reached_all)} runs, "
            f"epochs {summary} (TF Playground: {theirs})"
        )


if __name__ == "__main__":
    main()
