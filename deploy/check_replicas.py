"""Two replicas behind nginx: students spread over both; a page survives losing its replica.

    .venv/bin/python deploy/check_replicas.py                  # supervisord (deploy/stack.py)
    .venv/bin/python deploy/check_replicas.py --manage self    # plain processes, no restart
    .venv/bin/python deploy/check_replicas.py --manage none \\
        --url http://127.0.0.1:8080/ --ports 8501,8502         # a running stack (compose)

Needs nginx (and supervisord for the default); installs nothing. Everything listens on
127.0.0.1. With ``--manage supervisor`` (the default) it starts two replicas and nginx
under supervisord with ``deploy/stack.py`` on free ports; with ``self`` it starts them as
its own processes (nothing restarts a dead replica); with ``none`` it checks a stack that
is already running (``docker-compose.yml``: replicas on ``--ports``, in that order
``r1, r2``, nginx at ``--url``). Then:

1. new browsers (page loads without a cookie) are spread over both replicas;
2. in headless Chromium, through nginx: the Playground opens, the route cookie names a
   replica, Play shows frames, and (when nginx's log is at hand) every request of that
   browser went to that replica;
3. the process listening on that replica's port is killed (SIGKILL, as a crash;
   ``--graceful``: SIGTERM, as a redeploy);
4. the page reconnects, through nginx, to a live replica: it shows a fresh state (step 0,
   not playing) and the Playground's notice that the server "did not know your session"
   (the Playground's contract with this check), and Play shows frames again;
5. unless ``self``: the killed replica is started again by the supervisor (a new process
   answers on its port); the page's requests still go to the replica that holds its new
   session; new browsers reach both replicas again.

Prints one line per check and exits 0 only if all pass (2 if nginx or supervisord is missing).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "deploy"))

import stack  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port, start_server  # noqa: E402

BOUNDARY = ".st-key-boundary .lv-root"
STATS = ".st-key-stats"
NOTICE = "did not know your session"
NEW_BROWSERS = 10


class Checks:
    def __init__(self):
        self.failed = 0

    def __call__(self, ok, what, detail=""):
        print(f"[{'PASS' if ok else 'FAIL'}] {what}{f': {detail}' if detail else ''}", flush=True)
        self.failed += not ok
        return ok


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((stack.HOST, port))
        except OSError:
            return False
        return True


def consecutive_ports(n: int) -> int:
    """A first port such that it and the n - 1 after it are free (supervisord numbers the
    replicas by consecutive ports)."""
    for _ in range(50):
        first = _free_port()
        if first + n < 65535 and all(_port_free(first + i) for i in range(n)):
            return first
    raise SystemExit("no run of free ports found")


def healthy(url: str) -> bool:
    return stack.healthy(url.rstrip("/"))


def listener_pid(port: int) -> int | None:
    """The process listening on 127.0.0.1:port (a replica, or a container's replica: the
    host's network is theirs)."""
    out = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=False
    ).stdout
    m = re.search(r"pid=(\d+)", out)
    return int(m.group(1)) if m else None


def new_browser_routes(url: str, n: int) -> list[str]:
    """The route cookie nginx gives each of n page loads without a cookie: new students."""
    routes = []
    for _ in range(n):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(url, timeout=10) as r:
            r.read()
        routes.append(next((c.value for c in jar if c.name == "studio_route"), ""))
    return routes


def upstreams_for(log: Path | None, ua: str, websockets=True, offset=0) -> list[str] | None:
    """The replica that answered each logged request of this browser, in order (None if
    nginx's log is not at hand). nginx logs ``upstream="a, b"`` when it tried a (refused)
    and then b; b answered. A WebSocket is logged when it closes (status 101)."""
    if log is None:
        return None
    out = []
    text = log.read_bytes()[offset:].decode("utf-8", errors="replace")
    for line in text.splitlines():
        if f'ua="{ua}"' not in line:
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


def route_cookie(context) -> str | None:
    return {c["name"]: c["value"] for c in context.cookies()}.get("studio_route")


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_until(predicate, timeout, step=0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class Stack:
    """Two replicas and nginx: started here (self, supervisor) or found running (none)."""

    def __init__(self, args, tmp: Path):
        self.args = args
        self.manage = args.manage
        self.tmp = tmp
        self.procs = []
        self.log = None
        self.started = False

    def start(self):
        args, tmp = self.args, self.tmp
        if self.manage == "none":
            self.ports = [int(p) for p in args.ports.split(",")]
            self.url = args.url.rstrip("/") + "/"
            urls = [self.url] + [f"http://{stack.HOST}:{p}" for p in self.ports]
            if not wait_until(lambda: all(healthy(u) for u in urls), 120):
                raise SystemExit(f"not all of {', '.join(urls)} answered within 120 s")
            return
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            print("nginx is not installed (Debian: apt-get install nginx); nothing checked.")
            raise SystemExit(2)
        listen = _free_port()
        self.url = f"http://{stack.HOST}:{listen}/"
        if self.manage == "supervisor":
            if shutil.which("supervisord") is None:
                print("supervisord is not installed (apt-get install supervisor); nothing checked.")
                raise SystemExit(2)
            first = consecutive_ports(2)
            self.ports = [first, first + 1]
            self.log = tmp / "nginx" / "logs" / "access.log"
            self.started = True
            code = stack.main(
                [
                    "start",
                    "--replicas=2",
                    f"--first-port={first}",
                    f"--listen={stack.HOST}:{listen}",
                    f"--dir={tmp}",
                    f"--python={sys.executable}",
                ]
            )
            if code != 0:
                raise SystemExit("deploy/stack.py start failed")
            return
        self.ports = [_free_port(), _free_port()]
        for port in self.ports:
            proc, _ = start_server(port=port, env=stack.THREADS)
            self.procs.append(proc)
        for sub in ("logs", "tmp"):
            (tmp / sub).mkdir(parents=True, exist_ok=True)
        conf = tmp / "nginx.conf"
        conf.write_text(stack.nginx_conf(self.ports, f"{stack.HOST}:{listen}"), encoding="utf-8")
        subprocess.run([nginx, "-t", "-q", "-p", f"{tmp}/", "-c", str(conf)], check=True)
        self.nginx = subprocess.Popen(
            [nginx, "-p", f"{tmp}/", "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(self.nginx)
        self.log = tmp / "logs" / "access.log"
        if not wait_until(lambda: healthy(self.url), 20):
            raise SystemExit("nginx did not answer within 20 s")

    def port_of(self, route: str | None) -> int | None:
        m = re.fullmatch(r"r(\d+)", route or "")
        return self.ports[int(m.group(1)) - 1] if m and int(m.group(1)) <= len(self.ports) else None

    def close(self):
        if self.manage == "supervisor" and self.started:
            stack.main(["stop", f"--dir={self.tmp}"])
        for proc in reversed(self.procs):
            stop(proc, signal.SIGQUIT if proc is getattr(self, "nginx", None) else signal.SIGTERM)


def run(args, st: Stack, check: Checks) -> None:
    from playwright.sync_api import sync_playwright

    print(f"replicas on {', '.join(f'{stack.HOST}:{p}' for p in st.ports)}; nginx at {st.url}")
    names = [f"r{i + 1}" for i in range(len(st.ports))]
    routes = Counter(new_browser_routes(st.url, NEW_BROWSERS))
    check(
        set(routes) == set(names),
        "new browsers are spread over both replicas",
        ", ".join(f"{n}: {routes[n]}" for n in names) + f" of {NEW_BROWSERS} page loads",
    )
    ua = f"studio-check-{uuid.uuid4().hex[:8]}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, user_agent=ua)
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(st.url)
            page.wait_for_selector(f"{BOUNDARY}[data-frame]", timeout=120_000)
            route = route_cookie(context)
            serving = st.port_of(route)
            check(
                serving is not None, "nginx's route cookie names a replica", f"studio_route={route}"
            )
            if serving is None:
                return
            page.click(".st-key-play button")
            check(wait_frames(page, 5), "the page plays through nginx (5 frames)")
            used = upstreams_for(st.log, ua)
            if used is not None:
                check(
                    bool(used) and set(used) == {f"{stack.HOST}:{serving}"},
                    "every request of this browser went to its replica",
                    f"{len(used)} requests to {sorted(set(used))}",
                )
            before = page.inner_text(STATS)
            old_pid = listener_pid(serving)
            offset = st.log.stat().st_size if st.log else 0
            how = signal.SIGTERM if args.graceful else signal.SIGKILL
            t_kill = time.time()
            if old_pid is None:
                check(False, "found the process of the serving replica", f"port {serving}")
                return
            os.kill(old_pid, how)
            print(f"killed the serving replica {route} (port {serving}, pid {old_pid}, {how.name})")
            print(f"    at: {before}")

            try:
                page.wait_for_function(
                    f"() => document.body.innerText.includes({NOTICE!r})", timeout=90_000
                )
                check(
                    True,
                    "the page reconnected and shows the notice",
                    f"{NOTICE!r} after {time.time() - t_kill:.1f} s",
                )
            except Exception as err:  # noqa: BLE001 - reported as a failed check
                check(False, "the page reconnected and shows the notice", str(err)[:200])
            page.wait_for_selector(f"{BOUNDARY}[data-frame]", timeout=60_000)
            page.wait_for_selector(STATS, timeout=60_000)
            after = page.inner_text(STATS)
            check(
                "step 0" in after and after != before,
                "the state is fresh (a replica started a new session)",
                repr(after),
            )
            check(page.is_enabled(".st-key-play button"), "it is paused (Play is enabled)")
            new_route = route_cookie(context)
            holder = st.port_of(new_route)
            now_used = upstreams_for(st.log, ua, websockets=False, offset=offset)
            detail = f"studio_route {route} -> {new_route}"
            if now_used is not None:
                detail += f"; {len(now_used)} requests to {sorted(set(now_used))}"
            check(
                holder is not None
                and (now_used is None or set(now_used) == {f"{stack.HOST}:{holder}"}),
                "the cookie follows the new session: its replica answers all its requests",
                detail,
            )
            page.click(".st-key-play button")
            check(wait_frames(page, 5), "Play works after the failover (5 frames)")

            if st.manage == "self":
                check(not errors, "no errors on the page", "; ".join(errors)[:300])
                return

            def restarted():
                pid = listener_pid(serving)
                return (
                    pid is not None and pid != old_pid and healthy(f"http://{stack.HOST}:{serving}")
                )

            back = wait_until(restarted, 90)
            check(
                back,
                "the supervisor started the killed replica again",
                f"port {serving}: pid {old_pid} -> {listener_pid(serving)}, health ok "
                f"{time.time() - t_kill:.1f} s after the kill"
                if back
                else f"nothing healthy on port {serving} after 90 s",
            )
            # Past nginx's fail_timeout the killed replica counts as up again: the page must
            # still be sent to the replica holding its session, not back to its first one.
            time.sleep(max(0.0, t_kill + 11 - time.time()))
            offset = st.log.stat().st_size if st.log else 0
            status = page.evaluate("() => fetch('/_stcore/host-config').then(r => r.status)")
            later = upstreams_for(st.log, ua, websockets=False, offset=offset)
            check(
                status == 200
                and route_cookie(context) == new_route
                and (later is None or set(later) == {f"{stack.HOST}:{holder}"}),
                "with the replica back, the page's requests still reach its session's replica",
                f"HTTP {status}, studio_route={route_cookie(context)}"
                + (f", answered by {sorted(set(later))}" if later is not None else ""),
            )
            check(wait_frames(page, 5), "the page still plays (5 frames)")
            routes = Counter(new_browser_routes(st.url, NEW_BROWSERS))
            check(
                set(routes) == set(names),
                "new browsers reach both replicas again",
                ", ".join(f"{n}: {routes[n]}" for n in names) + f" of {NEW_BROWSERS} page loads",
            )
            check(not errors, "no errors on the page", "; ".join(errors)[:300])
        finally:
            browser.close()


def main(args) -> int:
    check = Checks()
    with tempfile.TemporaryDirectory(prefix="studio-replicas-") as tmp:
        st = Stack(args, Path(tmp))
        try:
            st.start()
            run(args, st, check)
        finally:
            st.close()
    print("all checks passed" if not check.failed else f"{check.failed} check(s) failed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--manage", choices=["supervisor", "self", "none"], default="supervisor")
    ap.add_argument("--url", default="http://127.0.0.1:8080/", help="nginx (--manage none)")
    ap.add_argument("--ports", default="8501,8502", help="replicas r1,r2 (--manage none)")
    ap.add_argument("--graceful", action="store_true", help="SIGTERM instead of SIGKILL")
    sys.exit(main(ap.parse_args()))
