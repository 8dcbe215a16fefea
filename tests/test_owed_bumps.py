"""Owed bumps survive their process: worker A writes while Redis refuses writes (or is down) and exits;
worker B, another real process that A never talks to, must not serve the old answer, and serves hits
again within a second of Redis taking writes, having written A's bump itself."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
URL = "/posts/?size=50"


class Worker:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.owed_process", "serve"],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def get(self, url: str = URL) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"get {url}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")  # type: ignore[union-attr]
            self.process.stdin.flush()  # type: ignore[union-attr]
            self.process.wait(timeout=10)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[RedisServer, dict[str, str]]]:
    server = RedisServer()
    env = {**os.environ, "ADRF_OWED_DB": str(tmp_path / "db.sqlite3"), "ADRF_OWED_REDIS": server.url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "-m", "tests.owed_process", "setup"], cwd=ROOT, env=env, check=True)
    try:
        yield server, env
    finally:
        server.stop()


def write_and_exit(env: dict[str, str], title: str) -> None:
    """Worker A: one ORM write, acknowledged, then the process is gone."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.owed_process", "write", "1", title],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=30,
    )
    assert "written" in done.stdout


def owed_rows(env: dict[str, str]) -> int:
    with sqlite3.connect(env["ADRF_OWED_DB"]) as db:
        return int(db.execute("SELECT COUNT(*) FROM adrf_caching_owedbump").fetchone()[0])


def hits_again(worker: Worker, title: str, limit: float) -> float:
    """Seconds until ``worker`` answers a hit; every answer on the way must show ``title``."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        answer = worker.get()
        assert answer["status"] == 200 and title in answer["titles"], answer  # never the old answer
        if answer["cache"] == "hit":
            return time.monotonic() - started
        time.sleep(0.02)
    return float("inf")


def test_a_bump_redis_refused_reaches_every_process_after_the_writer_exited(world):
    server, env = world
    reader = Worker(env)
    try:
        assert [reader.get()["cache"] for _ in range(3)] == ["miss", "miss", "hit"]  # learns, stores, hits
        raw = redis.Redis.from_url(server.url)
        raw.execute_command("CLIENT", "PAUSE", "30000", "WRITE")  # reads answered, writes held (a failover)
        try:
            write_and_exit(env, "Written while paused")
            assert owed_rows(env) > 0
            time.sleep(0.7)  # OWED_CHECK_INTERVAL (0.25 s): every process has read the owed table
            during = reader.get()
            assert "Written while paused" in during["titles"] and during["cache"] != "hit"
        finally:
            raw.execute_command("CLIENT", "UNPAUSE")
        assert hits_again(reader, "Written while paused", 5.0) <= 1.0
        assert owed_rows(env) == 0  # the reader wrote the bump the writer owed
    finally:
        reader.stop()


def test_a_bump_owed_while_redis_was_down_outlives_its_writer_and_the_restart(world):
    server, env = world
    reader = Worker(env)
    try:
        assert [reader.get()["cache"] for _ in range(3)] == ["miss", "miss", "hit"]
        server.shutdown_saving()  # the old entry and its versions are on disk
        write_and_exit(env, "Written while down")
        time.sleep(0.7)
        restarted = RedisServer(port=server.port, directory=server.dir)  # back with the old entry
        try:
            assert hits_again(reader, "Written while down", 5.0) <= 1.0
            assert owed_rows(env) == 0
        finally:
            restarted.stop()
    finally:
        reader.stop()
