"""Orchestrator: for each contender, seed, start uvicorn, run the load phases, stop; then report."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.app.contenders import CONTENDERS, Contender
from benchmarks.harness import report, rounds, venvs
from benchmarks.harness.loadgen import LoadGen, ensure_wrk
from benchmarks.harness.netutil import free_port
from benchmarks.harness.paths import CORE_SRC, REPO_ROOT, RESULTS_DIR
from benchmarks.harness.redis_server import RespClient
from benchmarks.harness.scenarios import ALL_SCENARIOS, LIST_PATHS, Timing, applies, run_scenario
from benchmarks.harness.server import Server
from tests.redis_server import RedisServer, redis_server_binary

MISSING_DEPENDENCY = 3
# Rows that must run in smoke mode (CI); the others may be skipped while their dependency is missing.
SMOKE_REQUIRED_ROWS = {1, 2, 3, 6, 7}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description="adrf-caching benchmark harness")
    parser.add_argument(
        "--smoke", action="store_true", help="seconds per contender; checks the harness end to end"
    )
    parser.add_argument("--duration", type=float, help="seconds per measured phase (default 10, smoke 3)")
    parser.add_argument("--warmup", type=float, help="seconds of load before each phase (default 2, smoke 1)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure each hits/cold phase N times and report the best req/s (noisy machines)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every contender N times, interleaved, and report each phase's median round (issue 11: >= 5)",
    )
    parser.add_argument("--only", help="comma-separated contender names or row numbers")
    parser.add_argument("--scenarios", help=f"comma-separated subset of {','.join(ALL_SCENARIOS)}")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--core-src",
        type=Path,
        default=CORE_SRC,
        help="directory holding the adrf_caching package for rows 4-5 (default: src/)",
    )
    parser.add_argument(
        "--redis-url", help="use this Redis (its db is FLUSHed!) instead of a private redis-server"
    )
    return parser.parse_args(argv)


# Issue 11's comparison rows (pooled floors, row 5 before the speed work): full runs only, so the
# smoke run stays short; row 11 (pooled executors under the core) runs in smoke mode too.
FULL_RUN_ONLY_ROWS = {12, 13, 14, 15}


def select(only: str | None, smoke: bool = False) -> list[Contender]:
    if not only:
        return [c for c in CONTENDERS if not (smoke and c.row in FULL_RUN_ONLY_ROWS)]
    wanted = {w.strip() for w in only.split(",")}
    return [c for c in CONTENDERS if c.name in wanted or str(c.row) in wanted]


# Where rows 4-5 import the core library from (set from --core-src).
core_src: Path = CORE_SRC


def base_env(contender: Contender, redis_url: str) -> dict[str, str]:
    return {
        "BENCH_CONTENDER": contender.name,
        "BENCH_REDIS_URL": redis_url,
        "PYTHONPATH": venvs.pythonpath(contender.venv, core_src),
        "DJANGO_SETTINGS_MODULE": "benchmarks.app.settings",
    }


def check(contender: Contender, redis_url: str) -> tuple[str, str]:
    done = subprocess.run(
        [str(venvs.python(contender.venv)), "-m", "benchmarks.app.check"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, **base_env(contender, redis_url)},
        check=False,
    )
    message = done.stdout.strip() or done.stderr.strip()[-500:]
    if done.returncode == 0:
        return "ok", ""
    if done.returncode == MISSING_DEPENDENCY:
        return "skipped", f"dependency not importable yet: {message}"
    return "failed", f"check failed: {message}"


def seed(redis_url: str, port: int) -> None:
    env = {**os.environ, "BENCH_REDIS_URL": redis_url, "PYTHONPATH": venvs.pythonpath("main")}
    subprocess.run(
        [str(venvs.python("main")), "-m", "benchmarks.app.seed", "--host", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # As a deployment would: the core's own table (owed version bumps) migrated too (after the seed,
    # which creates the database).
    core = {"BENCH_CONTENDER": "core-native", "PYTHONPATH": venvs.pythonpath("main", core_src)}
    subprocess.run(
        [str(venvs.python("main")), "-m", "django", "migrate", "--verbosity", "0"],
        cwd=REPO_ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "benchmarks.app.settings", **core},
        check=True,
    )


def run_contender(
    contender: Contender, scenarios: list[str], redis_url: str, port: int, load: LoadGen, timing: Timing
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "row": contender.row,
        "core": contender.needs_core and contender.cache != "none",
        "label": contender.label,
        "venv": contender.venv,
        "scenarios": {},
    }
    redis = RespClient(redis_url)
    try:
        # Fresh data and an empty cache first: the check imports the views, and row 1 loads the
        # payload file the seeder writes.
        redis.command("FLUSHDB")
        seed(redis_url, port)
        status, reason = check(contender, redis_url)
        entry.update(status=status, reason=reason)
        if status != "ok":
            print(f"[{contender.row}] {contender.name}: {status.upper()} - {reason}", flush=True)
            return entry
        log = RESULTS_DIR / "logs" / f"{contender.name}.log"
        with Server(
            venvs.python(contender.venv),
            "benchmarks.app.asgi:application",
            port,
            base_env(contender, redis_url),
            log,
        ) as server:
            for scenario in scenarios:
                if not applies(scenario, contender):
                    continue
                started = time.monotonic()
                try:
                    data = run_scenario(
                        scenario,
                        contender,
                        server,
                        redis,
                        load,
                        timing,
                        venvs.python("main"),
                        venvs.pythonpath("main"),
                    )
                except Exception as exc:  # one broken phase must not hide the others
                    data = {"error": f"{type(exc).__name__}: {exc}"}
                entry["scenarios"][scenario] = data
                summary = data.get("error") or (
                    f"{data['requests_per_s']:.0f} req/s, "
                    f"{data['server_cpu_us_per_request']:.0f} CPU us/req, "
                    f"{data['db_queries_per_request']:.2f} q/req, "
                    f"{data['redis_round_trips_per_request']:.2f} redis RTT/req"
                )
                print(
                    f"[{contender.row}] {contender.name:<20} {scenario:<11} {summary} "
                    f"({time.monotonic() - started:.0f}s)",
                    flush=True,
                )
    except Exception as exc:
        entry.update(status="failed", reason=f"{type(exc).__name__}: {exc}")
        print(f"[{contender.row}] {contender.name}: FAILED - {entry['reason']}", flush=True)
    finally:
        redis.close()
    return entry


def client_ceiling(load: LoadGen, port: int, timing: Timing) -> dict[str, Any]:
    """Fallback client only: its throughput against a bare ASGI app, to show it is not the bottleneck."""
    with Server(
        venvs.python("main"),
        "benchmarks.app.bare_asgi:app",
        port,
        {"PYTHONPATH": venvs.pythonpath("main")},
        RESULTS_DIR / "logs" / "bare_asgi.log",
    ) as server:
        raw = load.run(server.base_url, LIST_PATHS, timing.duration, None)
    return {"requests_per_s": raw["requests"] / (raw["duration_us"] / 1e6)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    global core_src
    core_src = args.core_src.resolve()
    timing = Timing(
        duration=args.duration or (3.0 if args.smoke else 10.0),
        warmup=args.warmup or (1.0 if args.smoke else 2.0),
        repeat=max(1, args.repeat),
    )
    default_scenarios = ["hits-list", "cold", "mixed"] if args.smoke else list(ALL_SCENARIOS)
    scenarios = args.scenarios.split(",") if args.scenarios else default_scenarios
    contenders = select(args.only, args.smoke)

    venvs.ensure("main")
    if any(c.venv == "old" for c in contenders):
        venvs.ensure("old")
    wrk = ensure_wrk()
    load = LoadGen(wrk, venvs.python("main"), venvs.pythonpath("main"), args.threads, args.connections)
    private = None if args.redis_url or redis_server_binary() is None else RedisServer()
    # Without a redis-server binary: REDIS_URL (as CI exports it) or db 15 of the local server.
    fallback = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    redis_url = args.redis_url or (private.url if private else fallback)
    port = free_port()
    database = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    print(
        f"load generator: {load.name}; redis: {redis_url}{' (private)' if private else ''}; "
        f"database: {database}; {timing.duration:g}s per phase, {timing.warmup:g}s warm-up",
        flush=True,
    )

    results: dict[str, Any] = {
        "smoke": args.smoke,
        "scenarios": scenarios,
        "duration_s": timing.duration,
        "warmup_s": timing.warmup,
        "repeat": timing.repeat,
        "load_generator": load.name,
        "database": database,
        "redis_private": bool(private),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "contenders": {},
    }
    try:
        if not wrk:
            ceiling = results["client_ceiling"] = client_ceiling(load, port, timing)
            print(f"fallback client ceiling (bare ASGI app): {ceiling['requests_per_s']:.0f} req/s")
        per_round: dict[str, list[dict[str, Any]]] = {}
        for round_number in range(max(1, args.rounds)):
            if args.rounds > 1:
                print(f"-- round {round_number + 1} of {args.rounds}", flush=True)
            for contender in contenders:
                per_round.setdefault(contender.name, []).append(
                    run_contender(contender, scenarios, redis_url, port, load, timing)
                )
        results["rounds"] = max(1, args.rounds)
        results["contenders"] = {name: rounds.merge(entries) for name, entries in per_round.items()}
    finally:
        if private:
            private.stop()

    print()
    print(report.table(results))
    print("\n".join(report.storage_lines(results)))
    print("\n".join(report.targets(results)))
    print("\n".join(report.speed_targets(results)))
    path = report.write_json(results)
    print(f"\nJSON: {path.relative_to(REPO_ROOT)}")

    failed = [
        n
        for n, e in results["contenders"].items()
        if e["status"] == "failed" or any("error" in d for d in e["scenarios"].values())
    ]
    missing = [
        n for n, e in results["contenders"].items() if e["row"] in SMOKE_REQUIRED_ROWS and e["status"] != "ok"
    ]
    if failed or (args.smoke and missing):
        print(f"harness problems: failed={failed} required-but-not-run={missing}", file=sys.stderr)
        return 1
    return 0
