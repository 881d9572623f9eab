#!/usr/bin/env bash
# Run every test on a fresh machine: install Debian's chromium when missing (as root), make
# .venv, install the pinned dev requirements, then pytest. Browser tests drive
# /usr/bin/chromium; with CI=true (or REQUIRE_BROWSER=1) a missing browser is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends chromium >/dev/null
fi
if [ "${CI:-}" = true ]; then export REQUIRE_BROWSER=1; fi
if [ "${REQUIRE_BROWSER:-}" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "error: /usr/bin/chromium is missing and the browser tests must run" >&2
  exit 1
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
# Benchmarks and the BLAS of a busy CI machine: one thread keeps the tests' timing sane.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
exec .venv/bin/python -m pytest -q -p no:cacheprovider --timeout=600 "$@"
