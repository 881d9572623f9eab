#!/usr/bin/env bash
# Run every test on a fresh machine: install Debian's chromium (and ffmpeg, nginx, supervisor) when
# missing (as root), make .venv, install the pinned dev requirements and the project, then
# pytest. Browser tests drive
# /usr/bin/chromium; with CI=true (or REQUIRE_BROWSER=1) a missing browser is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's chromium for the browser tests (required in CI); nginx and supervisor for the
# deployment's test (a replica killed behind nginx, restarted by supervisord), which is
# skipped, and says so, where they cannot be installed.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  need_update=1
  apt_install() {
    if [ -n "$need_update" ]; then apt-get update -q >/dev/null; need_update=""; fi
    apt-get install -y -q --no-install-recommends "$@" >/dev/null
  }
  [ -x /usr/bin/chromium ] || apt_install chromium
  # ffmpeg: the run's MP4 export is offered, and tested, only where it is installed.
  command -v ffmpeg >/dev/null || apt_install ffmpeg || echo "warning: ffmpeg not installed" >&2
  if ! command -v supervisord >/dev/null || ! [ -x /usr/sbin/nginx ]; then
    apt_install nginx supervisor || echo "warning: nginx/supervisor not installed" >&2
    # Debian starts the services it installs; the tests start their own on free ports.
    service nginx stop >/dev/null 2>&1 || true
    service supervisor stop >/dev/null 2>&1 || true
  fi
fi
if [ "${CI:-}" = true ]; then export REQUIRE_BROWSER=1; fi
if [ "${REQUIRE_BROWSER:-}" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "error: /usr/bin/chromium is missing and the browser tests must run" >&2
  exit 1
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
# The project itself, editable (`pip install -e .`): `app` and `engine` import however the app
# is started. Built once; again only when this checkout is not the one installed (moved).
.venv/bin/python -I -c 'import importlib.util as u, pathlib as p, sys
s = u.find_spec("engine"); sys.exit(not s or p.Path(s.origin).parent != p.Path("engine").resolve())' \
  || .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
# Benchmarks and the BLAS of a busy CI machine: one thread keeps the tests' timing sane.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
exec .venv/bin/python -m pytest -q -p no:cacheprovider --timeout=600 "$@"
