"""Fallback load generator (only when wrk is missing): the same rotation as wrk/rotate.lua.

    python -m benchmarks.driver.load --base-url URL --duration 10 --connections 50 \
        --paths /posts/?page=1,... --salt 0
Prints ``BENCH_JSON {...}`` with the same fields as the wrk script. The orchestrator first runs it
against a bare ASGI app (benchmarks/app/bare_asgi.py) and reports that ceiling, to show the client
is not the bottleneck for the rows it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import aiohttp

from benchmarks.app.contenders import N_USERS
from benchmarks.app.tokens import authorization_header
from benchmarks.driver.percentiles import percentile


async def connection(
    session: aiohttp.ClientSession,
    base: str,
    paths: list[str],
    salt: str,
    cid: int,
    deadline: float,
    latencies: list[float],
    errors: dict[str, int],
) -> None:
    i = cid * 7919
    headers = [{"Authorization": authorization_header(u)} for u in range(1, N_USERS + 1)]
    while time.monotonic() < deadline:
        path = paths[(i // N_USERS) % len(paths)]
        if salt != "0":
            path += ("&" if "?" in path else "?") + f"nonce={salt}-{cid}-{i}"
        header = headers[i % N_USERS]
        i += 1
        started = time.monotonic()
        try:
            async with session.get(base + path, headers=header) as resp:
                await resp.read()
                if not 200 <= resp.status < 300:
                    errors["status"] += 1
        except aiohttp.ClientError:
            errors["read"] += 1
            continue
        latencies.append(time.monotonic() - started)


async def run(base: str, paths: list[str], salt: str, duration: float, connections: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
        await asyncio.gather(
            *(
                connection(session, base, paths, salt, cid, started + duration, latencies, errors)
                for cid in range(connections)
            )
        )
    elapsed = time.monotonic() - started
    lat = sorted(latencies)
    us = 1_000_000
    return {
        "requests": len(lat),
        "duration_us": int(elapsed * us),
        "bytes": 0,
        "p50_us": int(percentile(lat, 50) * us),
        "p90_us": int(percentile(lat, 90) * us),
        "p99_us": int(percentile(lat, 99) * us),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--paths", required=True, help="comma-separated")
    parser.add_argument("--salt", default="0", help='"0": hits; otherwise unique URLs')
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(
        run(args.base_url, args.paths.split(","), args.salt, args.duration, args.connections)
    )
    print("BENCH_JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
