#!/usr/bin/env bash
# All static checks, from the repository root:
#   1. stubtest: stubs/adrf-stubs match the installed adrf at runtime;
#   2. mypy --strict (mypy.ini) on src/ and tests/typing/ (public API, user project, adrf stubs);
#   3. mypy --strict with the adrf_caching plugin (tests/typing/mypy_plugin.ini) on tests/typing/plugin/.
# warn_unused_ignores is on, so the negative cases (`# type: ignore[code]`) must still fail.
# The Python used is $PYTHON (default: python); it needs adrf, mypy, django-stubs and
# djangorestframework-stubs. Exits non-zero if any check fails.
set -euo pipefail

PYTHON="${PYTHON:-python}"

if [[ ! -f mypy.ini || ! -d stubs/adrf-stubs || ! -d src/adrf_caching ]]; then
    echo "check_types.sh: run this from the repository root" >&2
    exit 2
fi

# src/ first: this checkout's adrf_caching and its mypy plugin; the root: tests.typing_settings.
export PYTHONPATH="${PWD}/src:${PWD}${PYTHONPATH:+:${PYTHONPATH}}"
export DJANGO_SETTINGS_MODULE="tests.typing_settings"

status=0

echo "== stubtest adrf"
MYPYPATH=stubs "$PYTHON" -m mypy.stubtest adrf \
    --allowlist stubs/stubtest-allowlist.txt \
    --mypy-config-file mypy.ini || status=1

echo "== mypy src tests/typing"
"$PYTHON" -m mypy src tests/typing || status=1

echo "== mypy (with adrf_caching.mypy_plugin) tests/typing/plugin"
"$PYTHON" -m mypy --config-file tests/typing/mypy_plugin.ini tests/typing/plugin || status=1

exit "$status"
