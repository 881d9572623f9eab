"""Frames a user actually sees: the Playground playing in headless Chromium.

    python benchmarks/browser_fps.py [--seconds 10] [--runs 3]

Starts its own app server (tests/conftest.py's ``start_server``), opens the page in Debian's
/usr/bin/chromium at 1500x1100, presses Play and, for ``--seconds``, measures per live view:

* frames/s seen on screen: Chromium's screencast (CDP ``Page.startScreencast``) delivers what
  the compositor shows; a frame counts for a view when the pixels of that view's region
  differ from the previous screencast frame (JPEG frames decoded with Pillow, compared after
  the run so decoding costs no CPU during it);
* frames/s painted, from an in-page ``requestAnimationFrame`` observer of the view's
  ``data-frame`` attribute (set by the live view at each paint), and the animation frames
  per second themselves (the display's rate: the most a view can paint);
* blank samples: animation frames in which a view had no painted canvas (a remount);
* epochs/s, from the status line's "epoch N" at the start and end of the window;
* server CPU % (psutil if installed, else /proc/<pid>/stat) and the browser's (Chromium and
  the Playwright driver: every process below this one except the server);
* slider latency: while playing, the learning-rate slider is moved one step with the
  keyboard; the time from the key press to the page's URL showing the new ``lr`` (the server
  applied it and wrote it back).

Scenarios: (a) the default setup; (b) spiral data, 6 hidden layers x 8 tanh (or as many
layers as the app offers, reported). Medians of ``--runs`` runs. Prints a table, with the
frames painted per second as ratios against TensorFlow Playground's on its own default and
on its 6 x 8 tanh spiral (``TF_PLAYGROUND_FPS``); never asserts (benchmarks report, tests
judge).
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402

from app import config as C  # noqa: E402

VIEWS = ("boundary", "hidden_space")
# TensorFlow Playground's frames (= epochs) per second, measured in headless Chromium on this
# 2-core machine (median of 3 runs of 60 s): its default (circle, 4-2 tanh, lr 0.03, batch
# 10) and the spiral with 6 x 8 tanh. One per scenario below, in order.
TF_PLAYGROUND_FPS = (54.0, 14.0)
VIEWPORT = {"width": 1500, "height": 1100}
WANTED_LAYERS = 6

OBSERVER = """views => {
    const w = {count: {}, blank: {}, faded: {}, last: {}, samples: 0, stop: false};
    for (const k of views) { w.count[k] = 0; w.blank[k] = 0; w.faded[k] = 0; w.last[k] = null; }
    const tick = () => {
        w.samples++;
        for (const k of views) {
            const box = document.querySelector(`.st-key-${k}`);
            if (box && Number(getComputedStyle(box).opacity) < 0.99) w.faded[k]++;
            const f = box?.querySelector(".lv-root")?.dataset.frame;
            if (f === undefined) { w.blank[k]++; continue; }
            if (f !== w.last[k]) { if (w.last[k] !== null) w.count[k]++; w.last[k] = f; }
        }
        if (!w.stop) requestAnimationFrame(tick);
    };
    window.__fps = w;
    requestAnimationFrame(tick);
}"""

LATENCY = """() => {
    const lat = {t0: null, t1: null, from: null, to: null};
    const lr = () => new URLSearchParams(location.search).get('lr');
    document.addEventListener('keydown', e => {
        if (!e.key.startsWith('Arrow')) return;
        lat.t0 = performance.now(); lat.t1 = null; lat.from = lr(); lat.to = null;
    }, true);
    setInterval(() => {
        if (lat.t0 !== null && lat.t1 === null && lr() !== lat.from) {
            lat.t1 = performance.now(); lat.to = lr();
        }
    }, 2);
    window.__lat = lat;
}"""


# -- CPU ----------------------------------------------------------------------------------------
def _proc_table():
    """pid -> (ppid, utime + stime in ticks) for every process we can read."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        rest = text[text.rindex(")") + 2 :].split()
        table[int(entry)] = (int(rest[1]), int(rest[11]) + int(rest[12]))
    return table


def _descendants(table, root):
    kids = {}
    for pid, (ppid, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = set(), [root]
    while todo:
        for child in kids.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def cpu_ticks(server_pid):
    """(server ticks, browser ticks): CPU time so far of the server and of the browser side."""
    try:
        import psutil  # noqa: F401  (optional; /proc is read either way for the browser)
    except ImportError:
        pass
    table = _proc_table()
    server = {server_pid} | _descendants(table, server_pid)
    browser = _descendants(table, os.getpid()) - server
    tick = lambda pids: sum(table[p][1] for p in pids if p in table)  # noqa: E731
    return tick(server), tick(browser)


# -- one run ----------------------------------------------------------------------------------
def epoch_of(page):
    text = page.locator(".st-key-stats").inner_text(timeout=30_000)
    match = re.search(r"epoch ([\d,]+)", text)
    return int(match.group(1).replace(",", "")) if match else None


def click(page, key):
    buttons = page.locator(f'.st-key-{key} button[data-testid^="stBaseButton"]')
    buttons.filter(visible=True).first.click(timeout=30_000)


def changed(a, b):
    """Whether two crops differ by more than JPEG noise (mean abs difference per channel)."""
    from PIL import ImageChops, ImageStat

    diff = ImageChops.difference(a, b)
    return max(ImageStat.Stat(diff).mean) > 0.15


def screencast_counts(frames, boxes):
    """Per view: how many screencast frames show a change in that view's region."""
    from PIL import Image

    counts = {key: 0 for key in boxes}
    previous = {}
    for data, meta in frames:
        image = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
        scale = image.width / max(1.0, meta.get("deviceWidth", image.width))
        top = meta.get("offsetTop", 0.0)
        for key, box in boxes.items():
            inset = 6
            crop = image.crop(
                (
                    round((box["x"] + inset) * scale),
                    round((box["y"] + inset - top) * scale),
                    round((box["x"] + box["width"] - inset) * scale),
                    round((box["y"] + box["height"] - inset - top) * scale),
                )
            )
            if key in previous and changed(previous[key], crop):
                counts[key] += 1
            previous[key] = crop
    return counts


def one_run(browser, url, server_pid, seconds):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        for key in VIEWS:
            page.wait_for_selector(f".st-key-{key} .lv-root[data-frame]", timeout=120_000)
        page.locator(".st-key-play button").first.wait_for(timeout=120_000)
        page.wait_for_timeout(1500)
        boxes = {key: page.locator(f".st-key-{key} .lv-root").bounding_box() for key in VIEWS}
        page.evaluate(LATENCY)

        click(page, "play")
        page.wait_for_timeout(1500)  # warm up: first frames, history fragment

        # window 1: the in-page observer only
        page.evaluate(OBSERVER, list(VIEWS))
        epoch0, t_start = epoch_of(page), time.perf_counter()
        cpu0 = cpu_ticks(server_pid)
        page.wait_for_timeout(seconds * 1000)
        elapsed = time.perf_counter() - t_start
        cpu1 = cpu_ticks(server_pid)
        epoch1 = epoch_of(page)
        plain = page.evaluate("() => { window.__fps.stop = true; return window.__fps; }")

        # window 2: the same observer while Chromium's screencast records what is shown
        cdp = context.new_cdp_session(page)
        frames, pending = [], []

        def on_frame(params):
            frames.append((params["data"], params.get("metadata", {})))
            pending.append(params["sessionId"])

        cdp.on("Page.screencastFrame", on_frame)
        page.evaluate(OBSERVER, list(VIEWS))
        t_cast = time.perf_counter()
        cdp.send("Page.startScreencast", {"format": "jpeg", "quality": 70, "everyNthFrame": 1})
        while time.perf_counter() - t_cast < seconds:
            while pending:
                cdp.send("Page.screencastFrameAck", {"sessionId": pending.pop(0)})
            page.wait_for_timeout(3)
        cdp.send("Page.stopScreencast")
        cast_elapsed = time.perf_counter() - t_cast
        observed = page.evaluate("() => { window.__fps.stop = true; return window.__fps; }")

        # slider latency, still playing: one step right, then back left
        latencies = []
        thumb = page.locator('.st-key-cfg_learning_rate input[type="range"]').first
        for key in ("ArrowRight", "ArrowLeft", "ArrowRight", "ArrowLeft"):
            thumb.focus()
            thumb.press(key)
            try:
                page.wait_for_function("() => window.__lat.t1 !== null", timeout=15_000, polling=5)
                latencies.append(page.evaluate("() => window.__lat.t1 - window.__lat.t0"))
            except Exception:  # noqa: BLE001 — a lost update is reported as a missing sample
                latencies.append(float("nan"))
            page.wait_for_timeout(700)
        click(page, "pause")
        cdp.detach()
    finally:
        context.close()

    hz = os.sysconf("SC_CLK_TCK")
    seen = screencast_counts(frames, boxes)
    out = {
        "screencast_fps": len(frames) / cast_elapsed,
        "animation_fps": plain["samples"] / elapsed,
        "epochs_per_s": (epoch1 - epoch0) / elapsed if None not in (epoch0, epoch1) else None,
        "server_cpu": 100.0 * (cpu1[0] - cpu0[0]) / hz / elapsed,
        "browser_cpu": 100.0 * (cpu1[1] - cpu0[1]) / hz / elapsed,
        "latency_ms": _median([x for x in latencies if x == x]),
        "lost_updates": sum(1 for x in latencies if x != x),
        "errors": len(errors),
    }
    for key in VIEWS:
        out[f"{key}_raf_fps"] = plain["count"][key] / elapsed
        out[f"{key}_seen_fps"] = seen[key] / cast_elapsed
        out[f"{key}_cast_raf_fps"] = observed["count"][key] / cast_elapsed
        out[f"{key}_blank"] = plain["blank"][key] + observed["blank"][key]
        out[f"{key}_faded"] = 100.0 * plain["faded"][key] / max(1, plain["samples"])
    return out


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


# -- main -------------------------------------------------------------------------------------
def scenarios():
    n_layers = min(WANTED_LAYERS, C.MAX_LAYERS)
    deep = ",".join(["8"] * n_layers)
    notes = []
    if n_layers < WANTED_LAYERS:
        notes.append(
            f"The app offers at most {C.MAX_LAYERS} hidden layers: {WANTED_LAYERS} x 8 is not "
            f"offered, measured {n_layers} x 8 instead."
        )
    deep_query = {"data": "spiral", "layers": deep, "act": "tanh"}
    config, url_notices = C.from_query(deep_query)
    if config.hidden != tuple([8] * n_layers) or url_notices:
        notes.append(f"spiral setup came out as {config.hidden}: {url_notices}")
    query = "&".join(f"{k}={v}" for k, v in deep_query.items())
    return [
        ("(a) default: moons, 8 relu", "", C.DEFAULT, TF_PLAYGROUND_FPS[0]),
        (f"(b) spiral, {n_layers}x8 tanh", f"?{query}", config, TF_PLAYGROUND_FPS[1]),
    ], notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    cases, notes = scenarios()
    load0 = os.getloadavg()
    proc, base = start_server()
    results = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for name, query, config, reference in cases:
                runs = []
                for i in range(args.runs):
                    print(f"  {name}: run {i + 1}/{args.runs} ...", file=sys.stderr, flush=True)
                    run = one_run(browser, f"{base}/{query}", proc.pid, args.seconds)
                    # the slower of the two views, against TF Playground's one canvas
                    slower = min(run[f"{key}_raf_fps"] for key in VIEWS)
                    run["tfp_ratio"] = slower / reference
                    runs.append(run)
                results[name] = (config, runs, reference)
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except Exception:  # noqa: BLE001
            proc.kill()

    print()
    print(
        f"Playground in headless Chromium {VIEWPORT['width']}x{VIEWPORT['height']}, "
        f"{args.seconds:g} s of Play per run, median of {args.runs} runs "
        f"(min..max in brackets), {os.cpu_count()} CPUs, load average "
        f"{load0[0]:.1f} before / {os.getloadavg()[0]:.1f} after"
    )
    print()
    rows = [
        ("animation frames/s (the display's rate here)", "animation_fps", "{:.1f}"),
        ("input plane: frames/s painted (rAF data-frame)", "boundary_raf_fps", "{:.1f}"),
        ("  frames/s seen (screencast pixels change)", "boundary_seen_fps", "{:.1f}"),
        ("  frames/s painted during the screencast", "boundary_cast_raf_fps", "{:.1f}"),
        ("  blank samples (no painted canvas)", "boundary_blank", "{:.0f}"),
        ("  % of animation frames faded (stale)", "boundary_faded", "{:.0f}"),
        ("hidden space: frames/s painted (rAF data-frame)", "hidden_space_raf_fps", "{:.1f}"),
        ("  frames/s seen (screencast pixels change)", "hidden_space_seen_fps", "{:.1f}"),
        ("  frames/s painted during the screencast", "hidden_space_cast_raf_fps", "{:.1f}"),
        ("  blank samples (no painted canvas)", "hidden_space_blank", "{:.0f}"),
        ("  % of animation frames faded (stale)", "hidden_space_faded", "{:.0f}"),
        ("screencast frames delivered/s (its ceiling)", "screencast_fps", "{:.1f}"),
        ("epochs/s", "epochs_per_s", "{:.0f}"),
        ("server CPU %", "server_cpu", "{:.0f}"),
        ("browser + driver CPU %", "browser_cpu", "{:.0f}"),
        ("lr slider -> URL updated, ms (while playing)", "latency_ms", "{:.0f}"),
        ("slider changes never applied (of 4 per run)", "lost_updates", "{:.0f}"),
        ("page errors", "errors", "{:.0f}"),
        ("frames/s painted (slower view) / TF Playground's", "tfp_ratio", "{:.2f}x"),
    ]
    names = list(results)
    width = max(len(r[0]) for r in rows) + 2
    col = 26
    print("".ljust(width) + "".join(n.ljust(col) for n in names))
    for label, key, fmt in rows:
        line = label.ljust(width)
        for name in names:
            values = [r[key] for r in results[name][1] if r[key] is not None and r[key] == r[key]]
            if not values:
                cell = "n/a"
            else:
                med = fmt.format(statistics.median(values))
                cell = f"{med} [{fmt.format(min(values))}..{fmt.format(max(values))}]"
            line += cell.ljust(col)
        print(line)
    print()
    for name in names:
        config, _, reference = results[name]
        print(
            f"{name}: hidden={config.hidden}, act={config.activation}, "
            f"steps/frame={config.steps_per_frame}, lr={config.learning_rate:g}; "
            f"TF Playground: {reference:g} frames/s"
        )
    print(
        "TF Playground's frames/s: its default (circle, 4-2 tanh, lr 0.03, batch 10) for (a), "
        "its 6 x 8 tanh spiral for (b); headless Chromium on this machine."
    )
    for note in notes:
        print("NOTE:", note)


if __name__ == "__main__":
    main()
