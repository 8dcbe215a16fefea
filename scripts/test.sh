#!/usr/bin/env bash
# Set up .venv (Python and pip are all it needs) and run every check: ruff, stubtest, pytest (with mypy).
# Extra arguments go to pytest. A Redis server: REDIS_URL if set, else the suite starts its own.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
echo "== ruff"
.venv/bin/ruff check .
echo "== stubtest: stubs/adrf-stubs match the installed adrf"
DJANGO_SETTINGS_MODULE=tests.typing_settings PYTHONPATH=. MYPYPATH=stubs .venv/bin/python -m mypy.stubtest adrf \
    --allowlist stubs/stubtest-allowlist.txt --mypy-config-file mypy.ini
echo "== pytest (the typing tests in it run mypy --strict with and without the plugin)"
.venv/bin/python -m pytest "$@"
