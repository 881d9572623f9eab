"""Two replicas behind nginx: a page survives the loss of the replica serving it.

    /work/venv/bin/python deploy/check_replicas.py            # needs nginx; installs nothing

Starts two replicas of the app (``tests/conftest.start_server``) and nginx with
``deploy/nginx.conf`` (its ports replaced by free loopback ports, its logs in a temporary
prefix), all on 127.0.0.1. Then, in headless Chromium, through nginx:

1. opens the Playground, checks the sticky route cookie, presses Play and sees frames;
2. finds the replica serving the page (nginx's access log records ``$upstream_addr``) and
   checks that every request of that browser went to it (stickiness);
3. kills that replica (SIGKILL, as a crash; ``--graceful`` for SIGTERM, as a redeploy);
4. waits for the page to reconnect, through nginx, to the other replica, and checks that it
   shows a fresh state (step 0, not playing) with the Playground's notice that the server
   "did not know your session";
5. presses Play again and sees frames from the surviving replica.

Prints one line per check and exits 0 only if all pass (2 if nginx is missing).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port, start_server  # noqa: E402

CONF = ROOT / "deploy" / "nginx.conf"
BOUNDARY = ".st-key-boundary .lv-root"
STATS = ".st-key-stats"
NOTICE = "did not know your session"


class Checks:
    def __init__(self):
        self.failed = 0

    def __call__(self, ok, what, detail=""):
        print(f"[{'PASS' if ok else 'FAIL'}] {what}{f': {detail}' if detail else ''}", flush=True)
        self.failed += not ok
        return ok


def render_conf(prefix: Path, listen: int, ports: tuple[int, int]) -> Path:
    text = CONF.read_text(encoding="utf-8")
    text, n_listen = re.subn(r"listen 127\.0\.0\.1:8080;", f"listen 127.0.0.1:{listen};", text)
    text, n_a = re.subn(r"server 127\.0\.0\.1:8501 ", f"server 127.0.0.1:{ports[0]} ", text)
    text, n_b = re.subn(r"server 127\.0\.0\.1:8502 ", f"server 127.0.0.1:{ports[1]} ", text)
    if (n_listen, n_a, n_b) != (1, 1, 1):
        raise SystemExit("deploy/nginx.conf no longer has the expected listen/server lines")
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    out = prefix / "nginx.conf"
    out.write_text(text, encoding="utf-8")
    return out


def start_nginx(nginx: str, prefix: Path, conf: Path, port: int):
    subprocess.run([nginx, "-t", "-q", "-p", f"{prefix}/", "-c", str(conf)], check=True)
    proc = subprocess.Popen(
        [nginx, "-p", f"{prefix}/", "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(proc.stdout.read().decode(errors="replace")) from None
            time.sleep(0.2)
    raise SystemExit("nginx did not answer within 20 s")


def upstreams_for(log: Path, route: str, websockets=True, offset=0) -> list[str]:
    """The replica that answered each logged request of this browser, in order. nginx logs
    ``upstream="a, b"`` when it tried a (refused) and then b; b answered. A WebSocket is
    logged when it closes (status 101)."""
    out = []
    text = log.read_bytes()[offset:].decode("utf-8", errors="replace")
    for line in text.splitlines():
        if f"route={route}" not in line:
            continue
        if not websockets and '" 101 ' in line:
            continue
        m = re.search(r'upstream="([^"]*)"', line)
        if m and m.group(1) not in ("", "-"):
            out.append(m.group(1).split(",")[-1].strip())
    return out


def frame(page):
    value = page.evaluate(
        f"() => {{ const e = document.querySelector({BOUNDARY!r}); "
        "return e ? e.dataset.frame : null; }"
    )
    return int(value) if value is not None else -1


def wait_frames(page, n, timeout=60):
    start = frame(page)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if frame(page) >= start + n:
            return True
        time.sleep(0.2)
    return False


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def main(args) -> int:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if nginx is None:
        print("nginx is not installed (Debian: apt-get install nginx); nothing checked.")
        return 2
    check = Checks()
    ports = (_free_port(), _free_port())
    listen = _free_port()
    replicas = {}
    nginx_proc = None
    with tempfile.TemporaryDirectory(prefix="studio-nginx-") as tmp:
        prefix = Path(tmp)
        try:
            for port in ports:
                proc, _ = start_server(port=port, env={"OMP_NUM_THREADS": "1"})
                replicas[f"127.0.0.1:{port}"] = proc
            print(f"replicas on {', '.join(replicas)}; nginx on 127.0.0.1:{listen}")
            conf = render_conf(prefix, listen, ports)
            nginx_proc = start_nginx(nginx, prefix, conf, listen)
            url = f"http://127.0.0.1:{listen}/"
            log = prefix / "logs" / "access.log"
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.goto(url)
                page.wait_for_selector(f"{BOUNDARY}[data-frame]", timeout=120_000)
                cookies = {c["name"]: c["value"] for c in context.cookies()}
                route = cookies.get("studio_route")
                check(bool(route), "nginx set the sticky route cookie", f"studio_route={route}")

                page.click(".st-key-play button")
                check(wait_frames(page, 5), "the page plays through nginx (5 frames)")
                page.wait_for_function("() => location.search.includes('sid=')", timeout=30_000)
                sid_before = re.search(r"sid=([^&]+)", page.url).group(1)
                used = upstreams_for(log, route)
                serving = used[-1] if used else None
                check(
                    bool(used) and set(used) == {serving},
                    "every request of this browser went to one replica",
                    f"{len(used)} requests, all to {serving}" if used else "no requests logged",
                )
                if serving not in replicas:
                    check(False, "found the replica serving the page", str(serving))
                    return 1
                other = next(r for r in replicas if r != serving)

                before = page.inner_text(STATS)
                offset = log.stat().st_size
                how = signal.SIGTERM if args.graceful else signal.SIGKILL
                t_kill = time.time()
                stop(replicas[serving], how)
                print(f"stopped the serving replica {serving} ({how.name}) at: {before}")

                try:
                    page.wait_for_function(
                        f"() => document.body.innerText.includes({NOTICE!r})", timeout=90_000
                    )
                    reconnected = time.time() - t_kill
                    check(
                        True,
                        "the page reconnected and shows the notice",
                        f"{NOTICE!r} after {reconnected:.1f} s",
                    )
                except Exception as err:  # noqa: BLE001 - reported as a failed check
                    check(False, "the page reconnected and shows the notice", str(err)[:200])
                page.wait_for_selector(f"{BOUNDARY}[data-frame]", timeout=60_000)
                page.wait_for_selector(STATS, timeout=60_000)
                after = page.inner_text(STATS)
                check(
                    "step 0" in after and after != before,
                    "the state is fresh (the other replica started a new session)",
                    f"{after!r}",
                )
                play_enabled = page.is_enabled(".st-key-play button")
                check(play_enabled, "it is paused (Play is enabled)")
                now_used = upstreams_for(log, route, websockets=False, offset=offset)
                ok = check(
                    bool(now_used) and set(now_used) == {other},
                    "nginx now sends this browser to the other replica",
                    f"{len(now_used)} requests to {sorted(set(now_used))}",
                )
                if not ok:
                    lines = log.read_bytes()[offset:].decode(errors="replace").splitlines()
                    print("\n".join(f"    {ln}" for ln in lines if route in ln))
                sid_after = re.search(r"sid=([^&]+)", page.url)
                check(
                    sid_after is not None and sid_after.group(1) != sid_before,
                    "the page's link names its new session",
                    f"sid {sid_before} -> {sid_after.group(1) if sid_after else None}",
                )
                page.click(".st-key-play button")
                check(wait_frames(page, 5), "Play works on the surviving replica (5 frames)")
                errors = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                browser.close()
        finally:
            if nginx_proc is not None:
                stop(nginx_proc, signal.SIGQUIT)
            for proc in replicas.values():
                stop(proc)
    print("all checks passed" if not check.failed else f"{check.failed} check(s) failed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--graceful", action="store_true", help="SIGTERM instead of SIGKILL")
    sys.exit(main(ap.parse_args()))
