#!/usr/bin/env bash
# Set up .venv and serve the demo API on 127.0.0.1:8000 (SQLite + local memory; Redis when REDIS_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[demo]"
exec .venv/bin/python example/demo.py
