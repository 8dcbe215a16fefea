"""Hit-path CPU, measured in-process: row 5's viewset driven through the ASGI application, no uvicorn.

Every request is a hit (``X-Cache: hit`` checked). Series, in interleaved rounds: Django's handler or
``adrf_caching.asgi``'s pooled one, each with ``INITIAL_ON_LOOP`` on and off. Reports the process CPU
per hit and the library's own share (``CacheMixin.cache_read`` minus the time awaiting the store's read).

    benchmarks/.venv/bin/python benchmarks/hit_path.py     # after one `python3 benchmarks/run.py --smoke`

Starts a throwaway redis-server; seeds the benchmark database like the harness does.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


async def call(app: Any, authorization: bytes) -> dict[bytes, bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/posts/", "raw_path": b"/posts/", "query_string": b"page=1", "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"authorization", authorization)],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }
    messages: list[dict[str, Any]] = []
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": b""}
        await asyncio.Event().wait()  # never disconnects
        return {}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    return dict(messages[0]["headers"])


async def measure(rounds: int = 5, per_round: int = 300) -> None:
    from django.conf import settings
    from django.core.asgi import get_asgi_application as stock
    from django.test.utils import override_settings

    from adrf_caching import base
    from adrf_caching.asgi import get_asgi_application as pooled
    from adrf_caching.store import get_store
    from benchmarks.app.tokens import authorization_header

    own: list[float] = []
    cache_read = base.CacheMixin.cache_read

    async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        store, started, waited = get_store(), time.perf_counter_ns(), 0
        read = store.get_many

        async def get_many(keys: Any) -> Any:
            nonlocal waited
            t0 = time.perf_counter_ns()
            try:
                return await read(keys)
            finally:
                waited += time.perf_counter_ns() - t0

        store.get_many = get_many  # type: ignore[method-assign]
        try:
            return await cache_read(self, *args, **kwargs)
        finally:
            del store.get_many
            own.append((time.perf_counter_ns() - started - waited) / 1000)

    base.CacheMixin.cache_read = timed  # type: ignore[method-assign]
    apps = {"stock handler": stock(), "pooled executors": pooled()}
    authorization = authorization_header(1).encode()
    cpu: dict[str, list[float]] = {}
    mine: dict[str, list[float]] = {}
    for _ in range(rounds):
        for handler, app in apps.items():
            for on_loop in (True, False):
                name = f"{handler}, INITIAL_ON_LOOP={on_loop}"
                options = {**settings.ADRF_CACHING_SETTINGS, "INITIAL_ON_LOOP": on_loop}
                with override_settings(ADRF_CACHING_SETTINGS=options):
                    for _ in range(3):
                        await call(app, authorization)  # learn, store, then hits
                    own.clear()
                    started = time.process_time()
                    for _ in range(per_round):
                        headers = await call(app, authorization)
                    cpu.setdefault(name, []).append((time.process_time() - started) / per_round * 1e6)
                    mine.setdefault(name, []).append(statistics.median(own))
                    assert headers.get(b"X-Cache") == b"hit", headers
    print(f"{'series':<45} {'CPU us/hit':>10} {'library us/hit':>15}   (medians of {rounds} rounds x {per_round})")
    for name in cpu:
        print(f"{name:<45} {statistics.median(cpu[name]):>10.0f} {statistics.median(mine[name]):>15.1f}")


def main() -> None:
    from tests.redis_server import RedisServer

    server = RedisServer()
    try:
        os.environ.update(
            BENCH_REDIS_URL=server.url, BENCH_CONTENDER="core-native", DJANGO_SETTINGS_MODULE="benchmarks.app.settings"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        seed = [sys.executable, "-m", "benchmarks.app.seed", "--host", "127.0.0.1:1"]
        subprocess.run(seed, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        migrate = [sys.executable, "-m", "django", "migrate", "--verbosity", "0"]
        subprocess.run(migrate, env={**env, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}, cwd=ROOT, check=True)
        import django

        django.setup()
        asyncio.run(measure())
    finally:
        server.stop()


if __name__ == "__main__":
    main()
