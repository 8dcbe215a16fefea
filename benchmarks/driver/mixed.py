"""Mixed load with stale-read counting: 90% reads, 10% writes by random users.

Each write PATCHes a post's title to ``post <id> rev <seq>`` (seq strictly increasing) and records
(post, seq, ack time). Writes to one post are serialized by a per-post lock, so for each post the
acked seqs increase with ack time. A read that *started* after an ack and returns that post with an
older seq is stale. Reads are list pages 1-2 and retrieves of the posts on them (the written set).

    python -m benchmarks.driver.mixed --base-url http://127.0.0.1:8765 --duration 10
Prints one line ``BENCH_JSON {...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from benchmarks.app.contenders import N_USERS, PAGE_SIZE
from benchmarks.app.tokens import authorization_header
from benchmarks.driver.percentiles import percentile

REV = re.compile(r"^post (\d+) rev (\d+)$")
HOT_PAGES = 2
HOT_POSTS = HOT_PAGES * PAGE_SIZE


@dataclass
class State:
    deadline: float
    write_ratio: float
    seq: int = 0
    # post id -> (ack times, seqs), both increasing.
    acks: dict[int, tuple[list[float], list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: ([], []))
    )
    locks: dict[int, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))
    read_lat: list[float] = field(default_factory=list)
    write_lat: list[float] = field(default_factory=list)
    stale_reads: int = 0
    stale_objects: int = 0
    checked_objects: int = 0
    errors: int = 0
    examples: list[str] = field(default_factory=list)

    def required_seq(self, post_id: int, started: float) -> int:
        times, seqs = self.acks[post_id]
        idx = bisect.bisect_left(times, started)
        return seqs[idx - 1] if idx else 0


async def write(session: aiohttp.ClientSession, base: str, state: State, user: int) -> None:
    post_id = random.randint(1, HOT_POSTS)
    async with state.locks[post_id]:
        state.seq += 1
        seq = state.seq
        started = time.monotonic()
        async with session.patch(
            f"{base}/posts/{post_id}/",
            json={"title": f"post {post_id} rev {seq}"},
            headers={"Authorization": authorization_header(user)},
        ) as resp:
            await resp.read()
            acked = time.monotonic()
            if resp.status != 200:
                state.errors += 1
                return
        times, seqs = state.acks[post_id]
        times.append(acked)
        seqs.append(seq)
        state.write_lat.append(acked - started)


async def read(session: aiohttp.ClientSession, base: str, state: State, user: int) -> None:
    if random.random() < 0.5:
        url = f"{base}/posts/?page={random.randint(1, HOT_PAGES)}"
    else:
        url = f"{base}/posts/{random.randint(1, HOT_POSTS)}/"
    started = time.monotonic()
    async with session.get(url, headers={"Authorization": authorization_header(user)}) as resp:
        body = await resp.read()
        finished = time.monotonic()
        if resp.status != 200:
            state.errors += 1
            return
    state.read_lat.append(finished - started)
    data: Any = json.loads(body)
    posts = data.get("results", [data])
    stale_here = 0
    for post in posts:
        match = REV.match(post["title"])
        if not match:
            continue
        post_id, rev = int(match[1]), int(match[2])
        state.checked_objects += 1
        required = state.required_seq(post_id, started)
        if rev < required:
            stale_here += 1
            if len(state.examples) < 5:
                state.examples.append(f"user {user} {url}: post {post_id} rev {rev} < acked rev {required}")
    state.stale_objects += stale_here
    state.stale_reads += bool(stale_here)


async def worker(session: aiohttp.ClientSession, base: str, state: State) -> None:
    while time.monotonic() < state.deadline:
        user = random.randint(1, N_USERS)
        try:
            if random.random() < state.write_ratio:
                await write(session, base, state, user)
            else:
                await read(session, base, state, user)
        except aiohttp.ClientError:
            state.errors += 1


async def run(base: str, duration: float, concurrency: int, write_ratio: float, seed: int) -> dict[str, Any]:
    random.seed(seed)
    connector = aiohttp.TCPConnector(limit=concurrency)
    started = time.monotonic()
    state = State(deadline=started + duration, write_ratio=write_ratio)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session, base, state) for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    reads, writes = sorted(state.read_lat), sorted(state.write_lat)
    ms = 1000.0
    return {
        "duration_s": elapsed,
        "reads": len(reads),
        "writes": len(writes),
        "requests_per_s": (len(reads) + len(writes)) / elapsed,
        "read_p50_ms": percentile(reads, 50) * ms,
        "read_p99_ms": percentile(reads, 99) * ms,
        "write_p50_ms": percentile(writes, 50) * ms,
        "write_p99_ms": percentile(writes, 99) * ms,
        "stale_reads": state.stale_reads,
        "stale_read_ratio": state.stale_reads / len(reads) if reads else 0.0,
        "stale_objects": state.stale_objects,
        "checked_objects": state.checked_objects,
        "errors": state.errors,
        "stale_examples": state.examples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--write-ratio", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = asyncio.run(run(args.base_url, args.duration, args.concurrency, args.write_ratio, args.seed))
    print("BENCH_JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
