#!/usr/bin/env bash
# Start the app on a fresh machine: make .venv if needed, install the pinned requirements and
# the project, serve on http://localhost:8501 (pass other `streamlit run` options after the
# script).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
# The project itself, editable (`pip install -e .`): `app` and `engine` import however the app
# is started. Built once; again only when this checkout is not the one installed (moved).
.venv/bin/python -I -c 'import importlib.util as u, pathlib as p, sys
s = u.find_spec("engine"); sys.exit(not s or p.Path(s.origin).parent != p.Path("engine").resolve())' \
  || .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
# Compile the training kernel into its cache now (seconds, once), not at the first Play.
.venv/bin/python -c "from engine import compiled; compiled.warm_up()"
exec .venv/bin/streamlit run app/streamlit_app.py "$@"
