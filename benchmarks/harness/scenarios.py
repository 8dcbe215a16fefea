"""The load phases run against one started contender, each measured the same way.

hits-list    all hits: 50 users x list pages 1-10, every (user, page) filled once before measuring
hits-detail  all hits: 50 users x retrieve of posts 1-10
cold         all misses: list pages with a unique query string per request
mixed        90% reads / 10% writes by random users, counting stale reads (aiohttp driver)
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.app.contenders import N_PAGES, N_USERS, Contender
from benchmarks.app.tokens import authorization_header
from benchmarks.harness.loadgen import LoadGen, parse_bench_json
from benchmarks.harness.netutil import get
from benchmarks.harness.paths import REPO_ROOT
from benchmarks.harness.redis_server import RespClient, commands_between
from benchmarks.harness.server import Server

PAYLOAD_PREFIX = "bench:payload:"
LIST_PATHS = [f"/posts/?page={p}" for p in range(1, N_PAGES + 1)]
DETAIL_PATHS = [f"/posts/{pk}/" for pk in range(1, 11)]
ALL_SCENARIOS = ("hits-list", "hits-detail", "cold", "mixed")


@dataclass
class Timing:
    duration: float
    warmup: float
    # Measured phases per load scenario; the best req/s is reported (least disturbed by noise).
    repeat: int = 1


def best_of(repeat: int, settle: Callable[[], object], phase: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    samples: list[dict[str, Any]] = []
    for _ in range(repeat):
        settle()
        samples.append(phase())
    best = max(samples, key=lambda r: r["requests_per_s"])
    best["samples_requests_per_s"] = [round(r["requests_per_s"], 1) for r in samples]
    return best


def applies(scenario: str, contender: Contender) -> bool:
    if scenario in ("cold", "mixed"):
        return contender.viewset
    return True


def fill(base_url: str, paths: list[str]) -> None:
    """Request every (user, path) once so the measured phase is all hits."""
    combos = list(itertools.product(range(1, N_USERS + 1), paths))

    def one(combo: tuple[int, str]) -> int:
        user, path = combo
        return get(base_url + path, {"Authorization": authorization_header(user)})

    with ThreadPoolExecutor(max_workers=8) as pool:
        bad = [s for s in pool.map(one, combos) if s != 200]
    if bad:
        raise RuntimeError(f"fill: {len(bad)} non-200 responses")


def drain(base_url: str, path: str) -> None:
    """Wait until requests left over from the warm-up are done.

    Cancelled requests keep their sync_to_async work queued in the request thread; one real request
    answered means that backlog is gone, so it does not leak into the measured phase.
    """
    get(base_url + path, {"Authorization": authorization_header(1)}, timeout=120)


def measured(server: Server, redis: RespClient, action: Any) -> dict[str, Any]:
    """Run ``action`` between two snapshots of the server's counters and Redis commandstats."""
    server.stats(reset=True)
    before = redis.commandstats()
    cpu_before = server.cpu_seconds()
    result: dict[str, Any] = action()
    cpu = server.cpu_seconds() - cpu_before
    after = redis.commandstats()
    stats = server.stats()
    commands = commands_between(before, after)
    served = max(stats["requests"], 1)
    result.update(
        server_requests=stats["requests"],
        server_requests_started=stats["started"],
        unattributed_queries=stats["unattributed_queries"],
        unattributed_redis_round_trips=stats["unattributed_redis_round_trips"],
        non_2xx=stats["non_2xx"],
        # Attributed per completed request, in the server process (benchmarks/app/stats.py).
        db_queries_per_request=stats["queries"] / served,
        redis_round_trips_per_request=stats["redis_round_trips"] / served,
        # Server-wide; requests cut off at the end of the phase did part of their work, so this
        # is divided by requests started (an underestimate for slow rows, exact when few are cut).
        redis_commands_per_request=sum(commands.values()) / max(stats["started"], 1),
        redis_commands=commands,
        # Server CPU (user + system, all threads) per request started: steadier than req/s on a
        # shared machine, since it does not count the time the server waited for a core.
        server_cpu_us_per_request=cpu * 1e6 / max(stats["started"], 1),
        # In an all-hits phase every X-Cache: miss is a hit that was not one (None: no hit header).
        cache_hits=stats.get("cache_hits", 0),
        cache_misses=stats.get("cache_misses", 0),
    )
    return result


def wrk_summary(raw: dict[str, Any]) -> dict[str, Any]:
    seconds = raw["duration_us"] / 1e6
    return {
        "requests_per_s": raw["requests"] / seconds,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "client_errors": sum(raw["errors"].values()),
        "load_generator": raw,
    }


def storage(redis: RespClient, sample: int = 300) -> dict[str, Any]:
    """Keys the contender stored, and bytes per entry (MEMORY USAGE; STRLEN of string values)."""
    keys = redis.keys(exclude_prefix=PAYLOAD_PREFIX)
    usage, lengths = [], []
    for key in keys[:sample]:
        usage.append(redis.command("MEMORY", "USAGE", key.decode(), "SAMPLES", "0") or 0)
        if redis.command("TYPE", key.decode()) == "string":
            lengths.append(redis.command("STRLEN", key.decode()))
    return {
        "keys": len(keys),
        "memory_usage_bytes_per_key": sum(usage) / len(usage) if usage else 0,
        "value_bytes_per_key": sum(lengths) / len(lengths) if lengths else 0,
        "sample_keys": [k.decode(errors="replace") for k in keys[:3]],
    }


def run_mixed(driver_python: Path, pythonpath: str, base_url: str, duration: float) -> dict[str, Any]:
    done = subprocess.run(
        [
            str(driver_python),
            "-m",
            "benchmarks.driver.mixed",
            "--base-url",
            base_url,
            "--duration",
            str(duration),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": pythonpath},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mixed driver failed: {done.stderr[-2000:]}")
    raw = parse_bench_json(done.stdout)
    return {**raw, "p50_ms": raw["read_p50_ms"], "p99_ms": raw["read_p99_ms"], "client_errors": raw["errors"]}


def run_scenario(
    scenario: str,
    contender: Contender,
    server: Server,
    redis: RespClient,
    load: LoadGen,
    timing: Timing,
    driver_python: Path,
    driver_pythonpath: str,
) -> dict[str, Any]:
    base = server.base_url
    if scenario == "mixed":
        return measured(
            server, redis, lambda: run_mixed(driver_python, driver_pythonpath, base, timing.duration)
        )
    if scenario not in ("hits-list", "hits-detail", "cold"):
        raise ValueError(scenario)

    paths = DETAIL_PATHS if scenario == "hits-detail" else LIST_PATHS
    cold = scenario == "cold"

    def salt() -> str | None:  # a fresh salt per phase: every URL of a cold phase is new
        return f"s{time.monotonic_ns()}" if cold else None

    def phase() -> dict[str, Any]:
        return measured(server, redis, lambda: wrk_summary(load.run(base, paths, timing.duration, salt())))

    if contender.caches and not cold:
        fill(base, paths)
    load.run(base, paths, timing.warmup, salt())
    result = best_of(timing.repeat, lambda: drain(base, paths[0]), phase)
    if scenario == "hits-list":  # before other phases add entries of their own
        result["storage"] = storage(redis)
    return result
