"""The demo stops cleanly: SIGTERM to it (``scripts/demo.sh`` execs it) stops the uvicorn it started."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("uvicorn", reason="uvicorn comes with the dev and demo extras")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_the_demo_and_its_server(tmp_path):
    port = free_port()
    env = {**os.environ, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    demo = subprocess.Popen(
        [sys.executable, "example/demo.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert demo.stdout is not None
        seen = []
        for line in demo.stdout:
            seen.append(line)
            if "Ctrl-C to stop" in line:
                break
        assert listening(port), "".join(seen)
        assert "X-Cache: hit" in "".join(seen)
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=30) != 0
        deadline = time.monotonic() + 10
        while listening(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not listening(port), "uvicorn kept serving after the demo was stopped"
    finally:
        # Whatever happened, nothing the demo started outlives the test (its own process group).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(demo.pid, signal.SIGKILL)
        demo.wait()
