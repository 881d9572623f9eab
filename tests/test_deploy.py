"""Deployment: nginx's configuration for N replicas, supervisord keeping replicas alive behind
it, and the container image (when podman is here).

The supervisord test starts two real replicas and nginx on loopback (deploy/stack.py), kills
one and checks what a student's browser would see over HTTP; deploy/check_replicas.py does
the same with a real page in Chromium. The image test builds the Dockerfile with podman and
needs the base image made by `deploy/podman_image.sh base`.
"""

from __future__ import annotations

import configparser
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))

import stack  # noqa: E402
from check_replicas import consecutive_ports, listener_pid, wait_until  # noqa: E402

from tests.conftest import _free_port  # noqa: E402

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
SUPERVISORD = shutil.which("supervisord")
PODMAN = shutil.which("podman")


def blocks(conf: str, kind: str) -> dict[str, str]:
    """name -> body of each `kind name { ... }` block (upstreams, maps) of an nginx file."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(rf"^\s*{kind} (\S+(?: \S+)?) \{{\n(.*?)^\s*\}}", conf, re.M | re.S)
    }


def test_checked_in_nginx_conf_is_the_two_replica_configuration():
    # deploy/nginx.conf is what the README and docker-compose.yml use; it must not drift
    # from what deploy/stack.py writes for supervisord and systemd.
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert text == stack.nginx_conf([8501, 8502])


def test_each_replica_is_a_browsers_home_and_the_others_its_backups():
    ports = [9101, 9102, 9103, 9104]
    conf = stack.nginx_conf(ports, "127.0.0.1:9100")
    ups = blocks(conf, "upstream")
    assert set(ups) == {"studio_any", "studio_r1", "studio_r2", "studio_r3", "studio_r4"}
    # New browsers: every replica, none as a backup.
    assert re.findall(r"server 127\.0\.0\.1:(\d+) max_fails", ups["studio_any"]) == [
        str(p) for p in ports
    ]
    for i, port in enumerate(ports, 1):
        primary = re.findall(r"server 127\.0\.0\.1:(\d+) max_fails", ups[f"studio_r{i}"])
        backups = re.findall(r"server 127\.0\.0\.1:(\d+) backup", ups[f"studio_r{i}"])
        assert primary == [str(port)]
        assert sorted(backups) == sorted(str(p) for p in ports if p != port)
    maps = blocks(conf, "map")
    routes = dict(
        re.findall(
            r"^\s*(r\d+) (studio_r\d+);", maps["$cookie_studio_route $studio_upstream"], re.M
        )
    )
    assert routes == {f"r{i}": f"studio_r{i}" for i in range(1, 5)}
    # The cookie names the replica that answered last: nginx's $upstream_addr lists every
    # server tried, and the last one answered.
    served = re.findall(r"^\s*~(\S+) (r\d+);", maps["$upstream_addr $studio_served"], re.M)
    assert len(served) == 4

    def route_for(upstream_addr):
        hits = [name for pattern, name in served if re.search(pattern, upstream_addr)]
        assert len(hits) <= 1
        return hits[0] if hits else ""

    assert route_for("127.0.0.1:9103") == "r3"
    assert route_for("127.0.0.1:9101, 127.0.0.1:9104") == "r4"
    assert route_for("127.0.0.1:9102, 127.0.0.1:9101") == "r1"
    assert route_for("127.0.0.1:91012") == ""  # another port that merely starts alike
    assert re.search(r"^\s*listen 127\.0\.0\.1:9100;", conf, re.M)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
@pytest.mark.parametrize("replicas", [1, 2, 8])
def test_nginx_accepts_the_configuration(tmp_path, replicas):
    (tmp_path / "logs").mkdir()
    (tmp_path / "tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(stack.nginx_conf(stack.ports_for(replicas, 9201)), encoding="utf-8")
    out = subprocess.run(
        [NGINX, "-t", "-p", f"{tmp_path}/", "-c", str(conf)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def test_compose_replicas_match_nginx_and_listen_on_loopback_only():
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    ports = re.findall(r'STREAMLIT_SERVER_PORT: "(\d+)"', compose)
    addresses = re.findall(r"STREAMLIT_SERVER_ADDRESS: (\S+)", compose)
    any_block = blocks(nginx, "upstream")["studio_any"]
    assert ports and ports == re.findall(r"server 127\.0\.0\.1:(\d+) ", any_block)
    assert addresses == ["127.0.0.1"] * len(ports)
    assert re.findall(r"^\s*listen (\S+);", nginx, re.M) == ["127.0.0.1:8080"]
    assert "network_mode: host" in compose and "restart: unless-stopped" in compose


def test_supervisord_config_has_one_replica_per_port_each_restarted(tmp_path):
    text = stack.supervisord_conf([8601, 8602, 8603], tmp_path, "/usr/bin/python3", "/x/nginx")
    conf = configparser.RawConfigParser()
    conf.read_string(text)
    studio = conf["program:studio"]
    assert (studio["numprocs"], studio["numprocs_start"]) == ("3", "8601")
    assert "--server.port=%(process_num)d" in studio["command"]
    assert "--server.address=127.0.0.1" in studio["command"]
    assert studio["directory"] == str(ROOT)
    assert studio["autorestart"] == "true" and conf["program:nginx"]["autorestart"] == "true"
    assert int(studio["priority"]) < int(conf["program:nginx"]["priority"])


def _get(url, cookie=None):
    """(status, route cookie set by nginx) for one request, as a browser with `cookie`."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    req = urllib.request.Request(
        url, headers={"Cookie": f"studio_route={cookie}"} if cookie else {}
    )
    with opener.open(req, timeout=10) as r:
        r.read()
        return r.status, next((c.value for c in jar if c.name == "studio_route"), None)


def _answered_by(log: Path, offset: int, expected: int) -> list[str]:
    """The upstreams that answered the requests logged after ``offset``, once ``expected``
    lines are there: nginx logs a request after the answer has gone out, so the client can
    read the answer before the line is written (seen under load in CI)."""

    def upstreams():
        text = log.read_bytes()[offset:].decode(errors="replace")
        return [a.split(",")[-1].strip() for a in re.findall(r'upstream="([^"]+)"', text)]

    wait_until(lambda: len(upstreams()) >= expected, 10)
    return upstreams()


@pytest.mark.slow
@pytest.mark.skipif(NGINX is None or SUPERVISORD is None, reason="needs nginx and supervisord")
def test_a_killed_replica_is_restarted_and_its_browsers_stay_with_their_new_session(tmp_path):
    first, listen = consecutive_ports(2), _free_port()
    front = f"http://127.0.0.1:{listen}"
    args = [f"--dir={tmp_path}", "--replicas=2", f"--first-port={first}"]
    args += [f"--listen=127.0.0.1:{listen}", f"--python={sys.executable}"]
    log = tmp_path / "nginx" / "logs" / "access.log"
    try:
        assert stack.main(["start", *args]) == 0
        # New students are spread over both replicas.
        routes = [_get(front + "/")[1] for _ in range(6)]
        assert sorted(set(routes)) == ["r1", "r2"]
        # A student on r1 whose replica dies: nginx answers from r2 and moves the cookie.
        old_pid = listener_pid(first)
        os.kill(old_pid, signal.SIGKILL)
        assert wait_until(lambda: listener_pid(first) is None, 10)
        offset = log.stat().st_size
        assert _get(front + "/_stcore/health", cookie="r1") == (200, "r2")
        assert _answered_by(log, offset, 1) == [f"127.0.0.1:{first + 1}"]
        # supervisord starts the replica again.
        assert wait_until(
            lambda: (
                listener_pid(first) not in (None, old_pid)
                and stack.healthy(f"http://127.0.0.1:{first}")
            ),
            90,
        )
        # Once nginx counts r1 as up again (fail_timeout 10 s), the moved student still goes
        # to r2, where the session now is, and new students reach r1 again.
        time.sleep(11)
        offset = log.stat().st_size
        assert _get(front + "/_stcore/health", cookie="r2") == (200, "r2")
        assert _get(front + "/_stcore/health", cookie="r1") == (200, "r1")
        assert _answered_by(log, offset, 2) == [f"127.0.0.1:{first + 1}", f"127.0.0.1:{first}"]
        assert sorted({_get(front + "/")[1] for _ in range(6)}) == ["r1", "r2"]
    finally:
        assert stack.main(["stop", f"--dir={tmp_path}"]) == 0
    assert listener_pid(first) is None and listener_pid(first + 1) is None
    assert listener_pid(listen) is None


def _podman(*args, check=True, timeout=600):
    cmd = ["podman", "--runtime", "runc", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=timeout)


@pytest.mark.slow
@pytest.mark.skipif(PODMAN is None, reason="podman is not installed")
def test_the_image_builds_and_serves_the_app_on_loopback():
    base = _podman("image", "exists", "docker.io/library/python:3.11-slim", check=False)
    if base.returncode != 0:
        pytest.skip("no python:3.11-slim image: run deploy/podman_image.sh base")
    limits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
    tag = "localhost/studio-test"
    _podman("build", "--format", "docker", "--network", "host", *limits, "-t", tag, str(ROOT))
    port = _free_port()
    name = f"studio-test-{port}"
    env = ["-e", "STREAMLIT_SERVER_ADDRESS=127.0.0.1", "-e", f"STREAMLIT_SERVER_PORT={port}"]
    _podman("run", "-d", "--name", name, "--network", "host", *limits, *env, tag)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: stack.healthy(url), 120, step=0.5)
        with urllib.request.urlopen(url + "/", timeout=10) as r:
            assert b"<title>Streamlit</title>" in r.read()
        # The image's own HEALTHCHECK reads the port it was given.
        assert _podman("healthcheck", "run", name, check=False).returncode == 0
        # Not root, and only loopback.
        assert _podman("exec", name, "id", "-u").stdout.strip() == "10001"
        out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True)
        assert re.findall(r"\s(\S+):" + str(port) + r"\s", out.stdout) == ["127.0.0.1"]
    finally:
        _podman("rm", "-f", name, check=False)
        _podman("rmi", tag, check=False)
