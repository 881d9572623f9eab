"""One replica of the studio per core behind nginx, kept alive by supervisord.

    python3 deploy/stack.py start                 # one replica per core, nginx on 127.0.0.1:8080
    python3 deploy/stack.py status | stop
    python3 deploy/stack.py start --replicas 4 --listen 0.0.0.0:80 --dir /var/lib/studio
    python3 deploy/stack.py nginx --replicas 2 > deploy/nginx.conf   # the checked-in example

``start`` writes ``supervisord.conf`` and ``nginx.conf`` into ``--dir`` (default
``/var/lib/studio``), compiles the training kernel once, and starts supervisord, which
starts the replicas (ports ``--first-port``, ``--first-port`` + 1, ...) and nginx and
restarts any of them that dies. It returns once every replica and nginx answer. The same
two files serve the systemd units in ``deploy/systemd/`` (``config`` writes them only).
Standard library only: it runs with the system's python3.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "app/streamlit_app.py"
HOST = "127.0.0.1"
# One BLAS thread per replica: the replicas share the cores (and the app's matrices are small).
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

NGINX_HEAD = """\
# nginx in front of {n} replicas of the studio: sticky sessions, failover, WebSocket upgrade.
# Written by deploy/stack.py ("python3 deploy/stack.py nginx --replicas {n}"), which also writes
# it for any number of replicas under supervisord ("start") or systemd ("config"). By hand:
#
#   mkdir -p /var/lib/studio-nginx/logs /var/lib/studio-nginx/tmp
#   nginx -p /var/lib/studio-nginx/ -c "$PWD/deploy/nginx.conf"
#
# A complete configuration (not a sites-enabled snippet); paths without a leading slash are
# relative to the prefix given with -p. Only loopback is listened on: put the server's
# address in `listen` to serve a class. deploy/check_replicas.py checks this file.
# Why each part is needed: README.md, "Deployment" and "Deploying for a class".
"""

NGINX_BODY = """\
worker_processes 1;
pid nginx.pid;
error_log logs/error.log warn;

events {{
    worker_connections 1024;   # a class of 50 holds ~50 WebSockets, plus page loads
}}

http {{
    # Which replica answered each request ($upstream_addr) and which one the browser's
    # cookie named: deploy/check_replicas.py reads this.
    log_format studio '$remote_addr [$time_local] "$request" $status '
                      'upstream="$upstream_addr" route="$cookie_studio_route" '
                      'ua="$http_user_agent"';
    access_log logs/access.log studio;

    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;

    # Sticky sessions. A Streamlit session lives in one replica's memory: its WebSocket
    # (/_stcore/stream), the uploads of its file_uploader (PUT /_stcore/upload_file/
    # <session>/...) and its download buttons' files (/media/...) must reach that replica.
    # The studio_route cookie names the replica that last answered the browser. A browser
    # without one goes to the replicas in turn (cookie-based rather than ip_hash: a
    # classroom behind one NAT address would land entirely on one replica with ip_hash).
    map $cookie_studio_route $studio_upstream {{
        default studio_any;
{route_map}
    }}

    # The replica that answered: the last address of $upstream_addr ("a, b" when a refused
    # and b answered; empty when nginx itself answered). Evaluated as the response is sent,
    # so that after a failover the cookie follows the browser's new session to the replica
    # that holds it, and does not send it back to the old replica once that is restarted
    # (which would not know the session).
    map $upstream_addr $studio_served {{
        volatile;
        default "";
{served_map}
    }}

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}

    # New browsers: round robin over all replicas.
    upstream studio_any {{
{any_servers}
        keepalive 16;
    }}

    # A browser's own replica, and the others as backups: a replica that refuses a
    # connection is skipped for 10 s and its browsers move on (and start a fresh session
    # there: the Playground says so).
{pinned}
    server {{
        listen {listen};
        server_name _;

        # Uploads are refused by Streamlit above 1 MB (server.maxUploadSize); let those
        # through so the user sees Streamlit's own message, not nginx's 413 page.
        client_max_body_size 18m;

        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_connect_timeout 2s;
        add_header Set-Cookie "studio_route=$studio_served; Path=/; HttpOnly; SameSite=Lax" always;

        location / {{
            proxy_set_header Connection "";
            proxy_pass http://$studio_upstream;
        }}

        # The app's WebSocket: upgrade, no buffering, and no idle timeout while a class
        # sits on a paused page (Streamlit pings, but a paused page may send nothing).
        location /_stcore/stream {{
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
            proxy_pass http://$studio_upstream;
        }}
    }}
}}
"""


def ports_for(replicas: int, first_port: int) -> list[int]:
    if replicas < 1:
        raise SystemExit("--replicas must be at least 1")
    return [first_port + i for i in range(replicas)]


def nginx_conf(ports: list[int], listen: str = f"{HOST}:8080", prefix_comment=True) -> str:
    """The nginx configuration for replicas on these loopback ports (route rN = ports[N-1])."""
    names = [f"r{i + 1}" for i in range(len(ports))]
    host_re = HOST.replace(".", r"\.")
    server = "        server {addr}{backup} max_fails=1 fail_timeout=10s;"
    pinned = []
    for name, port in zip(names, ports, strict=True):
        lines = [server.format(addr=f"{HOST}:{port}", backup="")]
        lines += [
            server.format(addr=f"{HOST}:{other}", backup=" backup")
            for other in ports
            if other != port
        ]
        pinned.append(
            f"    upstream studio_{name} {{\n"
            + "\n".join(lines)
            + "\n        keepalive 16;\n    }\n"
        )
    body = NGINX_BODY.format(
        route_map="\n".join(f"        {n} studio_{n};" for n in names),
        served_map="\n".join(
            f"        ~{host_re}:{p}$ {n};" for n, p in zip(names, ports, strict=True)
        ),
        any_servers="\n".join(server.format(addr=f"{HOST}:{p}", backup="") for p in ports),
        pinned="\n".join(pinned),
        listen=listen,
    )
    return (NGINX_HEAD.format(n=len(ports)) if prefix_comment else "") + "\n" + body


def supervisord_conf(
    ports: list[int], run_dir: Path, python: str, nginx: str, user: str | None = None
) -> str:
    """supervisord's configuration: the replicas as one program of len(ports) processes,
    numbered by their port, then nginx."""
    env = ",".join(f'{k}="{v}"' for k, v in THREADS.items())
    # supervisord started by root runs the replicas as this user (nginx drops its own).
    user_line = f"user={user}\n" if user else ""
    return f"""\
; Written by deploy/stack.py. supervisord starts the replicas and nginx and restarts any
; that dies (autorestart); `python3 deploy/stack.py stop` (SIGTERM to supervisord) stops all.
[supervisord]
logfile={run_dir}/logs/supervisord.log
pidfile={run_dir}/supervisord.pid
childlogdir={run_dir}/logs

[unix_http_server]
file={run_dir}/supervisor.sock
chmod=0700

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{run_dir}/supervisor.sock

[program:studio]
; Process number = port: studio:studio-{ports[0]} listens on {HOST}:{ports[0]}, and so on.
numprocs={len(ports)}
numprocs_start={ports[0]}
process_name=%(program_name)s-%(process_num)d
command={python} -m streamlit run {APP} --server.address={HOST} --server.port=%(process_num)d
; The repository's directory: Streamlit reads .streamlit/config.toml from it.
directory={ROOT}
environment={env}
{user_line}priority=100
autostart=true
autorestart=true
; Up once it has lived 5 s (Streamlit starts in ~2-4 s); a replica that dies after that is
; restarted every time, one that cannot start is retried 5 times, then left FATAL.
startsecs=5
startretries=5
; Streamlit stops on SIGTERM; its sessions are lost either way (README.md, "Deployment").
stopsignal=TERM
stopwaitsecs=10
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={run_dir}/logs/%(program_name)s-%(process_num)d.log
stdout_logfile_maxbytes=10MB
stdout_logfile_backups=2

[program:nginx]
command={nginx} -p {run_dir}/nginx/ -c {run_dir}/nginx.conf -g "daemon off;"
priority=200
autostart=true
autorestart=true
startsecs=1
; QUIT: nginx finishes the requests under way.
stopsignal=QUIT
redirect_stderr=true
stdout_logfile={run_dir}/logs/nginx.log
"""


def find(name: str, *fallbacks: str) -> str:
    found = shutil.which(name) or next((f for f in fallbacks if os.path.exists(f)), None)
    if found is None:
        raise SystemExit(f"{name} is not installed (Debian: apt-get install {name.rstrip('d')})")
    return found


def default_python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def write_config(args) -> tuple[Path, list[int]]:
    run_dir = Path(args.dir).resolve()
    ports = ports_for(args.replicas, args.first_port)
    for sub in ("logs", "nginx/logs", "nginx/tmp"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    nginx = find("nginx", "/usr/sbin/nginx")
    (run_dir / "nginx.conf").write_text(nginx_conf(ports, args.listen), encoding="utf-8")
    (run_dir / "supervisord.conf").write_text(
        supervisord_conf(ports, run_dir, args.python, nginx, args.user), encoding="utf-8"
    )
    subprocess.run(
        [nginx, "-t", "-q", "-p", f"{run_dir}/nginx/", "-c", f"{run_dir}/nginx.conf"], check=True
    )
    return run_dir, ports


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def ctl(run_dir: Path, *cmd: str, check=False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [find("supervisorctl"), "-c", str(run_dir / "supervisord.conf"), *cmd],
        capture_output=True,
        text=True,
        check=check,
    )


def start(args) -> int:
    run_dir, ports = write_config(args)
    if (run_dir / "supervisor.sock").exists() and ctl(run_dir, "pid").returncode == 0:
        print(f"already running (supervisord of {run_dir}); `stop` first")
        return 1
    # Compile the training kernel into its cache once, not in every replica at its first Play.
    subprocess.run(
        [args.python, "-c", "from engine import compiled; compiled.warm_up()"],
        cwd=ROOT,
        env={**os.environ, **THREADS},
        check=True,
    )
    subprocess.run([find("supervisord"), "-c", str(run_dir / "supervisord.conf")], check=True)
    urls = [f"http://{HOST}:{p}" for p in ports]
    front = f"http://{args.listen.replace('0.0.0.0', HOST)}"
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        if all(healthy(u) for u in urls) and healthy(front):
            print(ctl(run_dir, "status").stdout, end="")
            print(f"{len(ports)} replicas behind nginx at {front}/ (health ok)")
            return 0
        time.sleep(0.5)
    print(ctl(run_dir, "status").stdout, end="")
    print(f"not every replica answered within {args.timeout} s: logs in {run_dir}/logs")
    return 1


def stop(args) -> int:
    run_dir = Path(args.dir).resolve()
    pid_file = run_dir / "supervisord.pid"
    if not pid_file.exists():
        print(f"not running (no {pid_file})")
        return 0
    pid = int(pid_file.read_text())
    # supervisord stops its programs (TERM, then KILL after stopwaitsecs) and exits.
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return 0
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print("stopped")
            return 0
        time.sleep(0.2)
    print(f"supervisord (pid {pid}) did not exit within 30 s")
    return 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["start", "stop", "status", "config", "nginx"])
    ap.add_argument(
        "--replicas", type=int, default=os.cpu_count() or 1, help="default: one per core"
    )
    ap.add_argument("--first-port", type=int, default=8501)
    ap.add_argument("--listen", default=f"{HOST}:8080", help="nginx's address:port")
    ap.add_argument("--dir", default="/var/lib/studio", help="configuration, logs, sockets")
    ap.add_argument("--python", default=default_python(), help="the Python with requirements.txt")
    ap.add_argument("--user", help="run the replicas as this user (supervisord started as root)")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args(argv)
    if args.command == "nginx":
        sys.stdout.write(nginx_conf(ports_for(args.replicas, args.first_port), args.listen))
        return 0
    if args.command == "config":
        run_dir, _ = write_config(args)
        print(f"wrote {run_dir}/nginx.conf and {run_dir}/supervisord.conf")
        return 0
    if args.command == "status":
        out = ctl(Path(args.dir).resolve(), "status")
        print(out.stdout or out.stderr, end="")
        return out.returncode
    return start(args) if args.command == "start" else stop(args)


if __name__ == "__main__":
    sys.exit(main())
