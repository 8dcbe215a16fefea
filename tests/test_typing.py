"""The typing tests: mypy --strict on src/ and tests/typing/, without and with the mypy plugin.

mypy runs in a subprocess, not through ``mypy.api.run``: django-stubs' plugin sets up Django
with ``tests.typing_settings`` in the process that runs mypy, which must not be this one
(pytest-django has configured ``tests.settings`` here). Three mypy runs, ~30-60 s cold;
mypy's caches are under ``.mypy_cache/``. Run only these with ``pytest -k typing``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The typing toolchain comes with the dev extra (the test command); the version matrix installs only
# what the runtime tests need.
pytest.importorskip("mypy", reason="mypy is not installed (the dev extra has it)")
pytest.importorskip("mypy_django_plugin", reason="django-stubs is not installed (the dev extra has it)")

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_CONFIG = "tests/typing/mypy_plugin.ini"
PLUGIN_CASES = "tests/typing/plugin/cached_classes.py"


def run_mypy(*args: str) -> tuple[int, str]:
    # src/ first: this checkout's adrf_caching (and its plugin), whatever is installed;
    # the root: tests.typing_settings, which django-stubs' plugin imports.
    path = os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path.rstrip(os.pathsep)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.returncode, result.stdout + result.stderr


def test_src_and_typing_tests_are_strict_clean() -> None:
    """src/, the public API checks, the adrf stub checks and the user project, without the plugin."""
    status, output = run_mypy("src", "tests/typing")
    assert status == 0, output


def test_plugin_cases_are_clean_with_the_plugin() -> None:
    status, output = run_mypy("--config-file", PLUGIN_CONFIG, "tests/typing/plugin")
    assert status == 0, output


def test_plugin_cases_need_the_plugin() -> None:
    """Without the plugin ``cached()``'s result is a variable, not a class: subclassing it fails."""
    status, output = run_mypy(PLUGIN_CASES)
    assert status == 1, output
    assert 'Variable "tests.typing.plugin.cached_classes.PostCached" is not valid as a type' in output
    assert 'Invalid base class "PostCached"' in output


def test_readme_cached_example_is_the_one_mypy_checks() -> None:
    """The README's ``cached(..., actions=[...])`` example is tests/typing/readme_and_0_2.py's, verbatim."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### 4. `cached()`", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    checked = (ROOT / "tests/typing/readme_and_0_2.py").read_text()
    lines = [line for line in section.splitlines() if line.strip()]
    assert any("actions=[" in line for line in lines)
    assert [line for line in lines if line not in checked.splitlines()] == []
