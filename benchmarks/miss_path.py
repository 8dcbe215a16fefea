"""Miss-path and write overhead, measured in-process: the cached view on a miss vs its uncached twin,
and what observing the SQL costs a read and a write (the observer removed vs installed).

The cold wrk scenario runs at ~20 req/s (adrf serializes 50 posts in ~90 ms), too few requests
per phase to resolve a 10% difference. Here the same requests alternate between the cached
endpoint (a unique query string each time, so every request is a miss: one MGET, the view,
rendering, one SET) and the uncached ADRF twin, sequentially, and the medians are compared.

    python benchmarks/miss_path.py        # with the test dependencies installed (scripts/test.sh's .venv)

Uses REDIS_URL when set (database FLUSHed), else a throwaway redis-server.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


async def measure(rounds: int = 6, per_round: int = 40) -> dict[str, float]:
    """Median ms per request of each series, measured in interleaved rounds."""
    import base64

    from asgiref.sync import sync_to_async
    from django.test import AsyncRequestFactory
    from django.urls import resolve

    from adrf_caching import observe
    from adrf_caching.store import get_store

    factory = AsyncRequestFactory()
    credentials = "Basic " + base64.b64encode(b"bench:bench-pw").decode()

    def observing(on: bool) -> None:
        """Install or remove the SQL observer on the connection the ORM uses (asgiref's thread)."""
        from django.db import connection

        wrappers = connection.execute_wrappers
        if on and observe._observer not in wrappers:
            wrappers.insert(0, observe._observer)
        if not on and observe._observer in wrappers:
            wrappers.remove(observe._observer)

    async def read(path: str, n: int) -> None:
        match = resolve(path)
        request = factory.get(path, {"size": 50, "n": n})
        request.resolver_match = match
        response = await match.func(request)
        if hasattr(response, "render"):
            response.render()
        assert response.status_code == 200

    async def write(path: str, n: int) -> None:
        match = resolve(path)
        body = f'{{"title": "Title {n}"}}'
        request = factory.patch(path, body, content_type="application/json", headers={"authorization": credentials})
        request.resolver_match = match
        response = await match.func(request, **match.kwargs)
        assert response.status_code == 200, response.status_code

    bumps = {"count": 0}
    store = get_store()
    for name in ("bump", "bump_sync"):
        original = getattr(store, name)

        def counted(keys, _original=original):  # type: ignore[no-untyped-def]
            bumps["count"] += 1
            return _original(keys)

        setattr(store, name, counted)

    series = {
        "cached miss": ("/posts/", read, True),
        "uncached, observed": ("/uncached-posts/", read, True),
        "uncached, not observed": ("/uncached-posts/", read, False),
        "uncached write, observed": ("/uncached-posts/1/", write, True),
        "uncached write, not observed": ("/uncached-posts/1/", write, False),
    }
    timings: dict[str, list[float]] = {name: [] for name in series}
    cpu: dict[str, list[float]] = {name: [] for name in series}
    for path, action, observed in series.values():  # warm each (imports, connections, version keys)
        await sync_to_async(observing)(observed)
        for i in range(5):
            await action(path, -1 - i)
    writes_bumps = 0
    for round_ in range(rounds):
        for name, (path, action, observed) in series.items():
            await sync_to_async(observing)(observed)
            before = bumps["count"]
            started, cpu_started = time.perf_counter(), time.process_time()
            for i in range(per_round):
                await action(path, round_ * 1000 + i)
            timings[name].append((time.perf_counter() - started) / per_round * 1000)
            cpu[name].append((time.process_time() - cpu_started) / per_round * 1000)
            if name == "uncached write, observed":
                writes_bumps += bumps["count"] - before
    await sync_to_async(observing)(True)
    medians = {f"{name} (wall)": statistics.median(found) for name, found in timings.items()}
    medians.update({f"{name} (cpu)": statistics.median(found) for name, found in cpu.items()})
    medians["bumps per observed write"] = writes_bumps / (rounds * per_round)
    return medians


def main() -> None:
    import django
    from django.conf import settings

    from tests.redis_server import RedisServer

    server = None if os.environ.get("REDIS_URL") else RedisServer()
    url = os.environ.get("REDIS_URL") or server.url  # type: ignore[union-attr]
    try:
        django.setup()
        from django.core.cache import caches
        from django.db import connection
        from django.test import override_settings

        connection.creation.create_test_db(verbosity=0)
        from django.contrib.auth.models import User

        from tests.testapp.models import Author, Post

        User.objects.create_user("bench", password="bench-pw")
        author = Author.objects.create(name="Ann")
        Post.objects.bulk_create(Post(title=f"Post {n}", slug=f"p{n}", author=author) for n in range(60))
        native = {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache", "LOCATION": url}
        with override_settings(
            CACHES={**settings.CACHES, "native": native},
            ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "native"},
            ALLOWED_HOSTS=["*"],
        ):
            caches["native"].clear()
            found = asyncio.run(measure())
        for name, value in found.items():
            print(f"{name:>30}: {value:.3f}" + ("" if "bumps" in name else " ms"))
        for clock in ("cpu", "wall"):

            def ratio(name: str, base: str, clock: str = clock) -> str:
                return f"{100 * (found[f'{name} ({clock})'] / found[f'{base} ({clock})'] - 1):+.1f}%"

            print(
                f"[{clock}] miss path vs uncached ADRF without the observer: "
                f"{ratio('cached miss', 'uncached, not observed')}; SQL observation on the uncached list: "
                f"{ratio('uncached, observed', 'uncached, not observed')}; on a write (its bump included): "
                f"{ratio('uncached write, observed', 'uncached write, not observed')}"
            )
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
