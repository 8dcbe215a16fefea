"""The HTTP load generators: wrk (installed via apt-get if missing) or the aiohttp fallback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.app.contenders import N_USERS
from benchmarks.app.tokens import token_for
from benchmarks.harness.paths import REPO_ROOT, WRK_SCRIPT

MARK = "BENCH_JSON "


def parse_bench_json(output: str) -> dict[str, Any]:
    for line in output.splitlines():
        if line.startswith(MARK):
            result: dict[str, Any] = json.loads(line[len(MARK) :])
            return result
    raise RuntimeError(f"no {MARK.strip()} line in load generator output:\n{output[-2000:]}")


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("[wrk] not found; installing it with apt-get ...", flush=True)
    for command in (
        ["apt-get", "install", "-y", "-q", "wrk"],
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "wrk"],
    ):
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if shutil.which("wrk"):
            break
    return shutil.which("wrk")


@dataclass
class LoadGen:
    wrk: str | None
    driver_python: Path
    driver_pythonpath: str
    threads: int
    connections: int

    @property
    def name(self) -> str:
        return f"wrk -t{self.threads} -c{self.connections}" if self.wrk else f"aiohttp -c{self.connections}"

    def run(
        self, base_url: str, paths: list[str], duration: float, unique_salt: str | None
    ) -> dict[str, Any]:
        """Rotate N_USERS bearer tokens over ``paths``; with a salt every URL is unique (all misses)."""
        if self.wrk:
            tokens = ",".join(token_for(u) for u in range(1, N_USERS + 1))
            unique = unique_salt or "0"
            command = [
                self.wrk,
                f"-t{self.threads}",
                f"-c{self.connections}",
                f"-d{max(1, round(duration))}s",
                "--timeout",
                "10s",
                "-s",
                str(WRK_SCRIPT),
                base_url,
                "--",
                unique,
                ",".join(paths),
                tokens,
            ]
        else:
            command = [
                str(self.driver_python),
                "-m",
                "benchmarks.driver.load",
                "--base-url",
                base_url,
                "--paths",
                ",".join(paths),
                "--salt",
                unique_salt or "0",
                "--duration",
                str(duration),
                "--connections",
                str(self.connections),
            ]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": self.driver_pythonpath},
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-2000:]}")
        return parse_bench_json(done.stdout)
