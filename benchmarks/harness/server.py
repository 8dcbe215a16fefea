"""Start one contender under uvicorn (one worker, 127.0.0.1) and stop it again."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

from benchmarks.harness.netutil import get_json
from benchmarks.harness.paths import REPO_ROOT


class Server:
    def __init__(self, python: Path, app: str, port: int, env: dict[str, str], log: Path) -> None:
        self.python, self.app, self.port, self.env, self.log = python, app, port, env, log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(self.python),
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log}")
            try:
                get_json(self.base_url + "/__stats", timeout=1.0)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout:.0f}s; see {self.log}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process (all its threads) so far, from /proc."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stats(self, reset: bool = False) -> dict[str, int]:
        stats: dict[str, int] = get_json(self.base_url + "/__stats" + ("?reset=1" if reset else ""))
        return stats

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
