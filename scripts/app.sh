#!/usr/bin/env bash
# Start the app on a fresh machine: make .venv if needed, install the pinned requirements,
# serve on http://localhost:8501 (pass other `streamlit run` options after the script).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
# Compile the training kernel into its cache now (seconds, once), not at the first Play.
.venv/bin/python -c "from engine import compiled; compiled.warm_up()"
exec .venv/bin/streamlit run app/streamlit_app.py "$@"
