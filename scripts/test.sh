#!/usr/bin/env bash
# Set up .venv (Python and pip are all it needs) and run every check: ruff, pytest, stubtest and mypy.
# Extra arguments go to pytest. A Redis server: REDIS_URL if set, else the suite starts its own.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
echo "== ruff"
.venv/bin/ruff check src tests example benchmarks
echo "== pytest"
.venv/bin/python -m pytest "$@"
echo "== stubtest and mypy"
PYTHON=.venv/bin/python bash scripts/check_stubs.sh
