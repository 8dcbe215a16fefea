#!/usr/bin/env bash
# Check the adrf type stubs (stubs/adrf-stubs):
#   1. stubtest: the stubs match the installed adrf at runtime;
#   2. mypy --strict (mypy.ini) on tests/typing/adrf_usage.py: the stubs type-check real usage.
# Run from the repository root. The Python used is $PYTHON (default: python); it needs
# adrf, mypy, django-stubs and djangorestframework-stubs installed.
# Exits non-zero if any check fails.
set -euo pipefail

PYTHON="${PYTHON:-python}"

if [[ ! -f mypy.ini || ! -d stubs/adrf-stubs ]]; then
    echo "check_stubs.sh: run this from the repository root" >&2
    exit 2
fi

# stubtest imports adrf (and thus Django/DRF), which needs configured settings; the
# settings module lives in tests/, so the repository root must be importable.
export DJANGO_SETTINGS_MODULE="tests.typing_settings"
export PYTHONPATH="${PWD}${PYTHONPATH:+:${PYTHONPATH}}"

status=0

echo "== stubtest adrf"
MYPYPATH=stubs "$PYTHON" -m mypy.stubtest adrf \
    --allowlist stubs/stubtest-allowlist.txt \
    --mypy-config-file mypy.ini || status=1

echo "== mypy --strict tests/typing/adrf_usage.py"
"$PYTHON" -m mypy tests/typing/adrf_usage.py || status=1

exit "$status"
