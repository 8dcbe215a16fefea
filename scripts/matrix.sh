#!/usr/bin/env bash
# Run the pytest suite on each supported (Python, Django) pair whose Python pyenv has here.
# Usage: bash scripts/matrix.sh [pytest args]. Each pair gets its own venv under .venv-matrix/.
set -uo pipefail
cd "$(dirname "$0")/.."
pairs=("3.10 4.2" "3.11 5.2" "3.12 6.0" "3.13 6.0")
status=0
for pair in "${pairs[@]}"; do
    read -r py django <<<"$pair"
    python=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$py".*/bin/python 2>/dev/null | sort -V | tail -1)
    if [ -z "$python" ]; then
        echo "== Python $py not found: skipping Django $django"
        continue
    fi
    venv=".venv-matrix/py$py-django$django"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[test]" "django~=$django.0"
    echo "== Python $py, Django $("$venv/bin/python" -m django --version)"
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" || status=1
done
exit "$status"
