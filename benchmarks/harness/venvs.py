"""Create or refresh benchmarks/.venv (rows 1-7 and the drivers) and benchmarks/.venv-old (row 8).

A venv is rebuilt only when its requirement files change (hash stored inside the venv).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.app.contenders import Venv
from benchmarks.harness.paths import BENCH_DIR, CORE_SRC, REPO_ROOT

VENV_DIRS: dict[Venv, Path] = {"main": BENCH_DIR / ".venv", "old": BENCH_DIR / ".venv-old"}
REQUIREMENTS: dict[Venv, Path] = {
    "main": BENCH_DIR / "requirements-main.txt",
    "old": BENCH_DIR / "requirements-old.txt",
}
MARKER = "bench-requirements.sha256"


def _digest(venv: Venv) -> str:
    h = hashlib.sha256()
    for path in (BENCH_DIR / "requirements-common.txt", REQUIREMENTS[venv]):
        h.update(path.read_bytes())
    return h.hexdigest()


def python(venv: Venv) -> Path:
    return VENV_DIRS[venv] / "bin" / "python"


def ensure(venv: Venv) -> Path:
    directory, marker = VENV_DIRS[venv], VENV_DIRS[venv] / MARKER
    digest = _digest(venv)
    if marker.exists() and marker.read_text() == digest and python(venv).exists():
        return python(venv)
    print(
        f"[venv] building {directory.relative_to(REPO_ROOT)} from {REQUIREMENTS[venv].name} ...", flush=True
    )
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
    pip = [str(python(venv)), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS[venv])], check=True, cwd=BENCH_DIR)
    marker.write_text(digest)
    return python(venv)


def pythonpath(venv: Venv, core_src: Path = CORE_SRC) -> str:
    """The core library comes from src/ (main venv only: 0.2.4 shares the import name)."""
    entries = [str(REPO_ROOT)] if venv == "old" else [str(core_src), str(REPO_ROOT)]
    return os.pathsep.join(entries)
