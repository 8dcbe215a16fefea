"""Miss-path overhead, measured in-process: the cached view on a miss vs its uncached twin.

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


async def measure(rounds: int = 6, per_round: int = 40) -> tuple[float, float]:
    from django.test import AsyncRequestFactory
    from django.urls import resolve

    factory = AsyncRequestFactory()

    async def one(path: str, n: int) -> None:
        match = resolve(path)
        request = factory.get(path, {"size": 50, "n": n})
        request.resolver_match = match
        response = await match.func(request)
        if hasattr(response, "render"):
            response.render()
        assert response.status_code == 200

    timings: dict[str, list[float]] = {"/posts/": [], "/uncached-posts/": []}
    for path in timings:  # warm both (imports, connections, version keys)
        for i in range(5):
            await one(path, -1 - i)
    for round_ in range(rounds):
        for path, found in timings.items():
            started = time.perf_counter()
            for i in range(per_round):
                await one(path, round_ * 1000 + i)
            found.append((time.perf_counter() - started) / per_round * 1000)
    return statistics.median(timings["/posts/"]), statistics.median(timings["/uncached-posts/"])


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
        from tests.testapp.models import Author, Post

        author = Author.objects.create(name="Ann")
        Post.objects.bulk_create(Post(title=f"Post {n}", slug=f"p{n}", author=author) for n in range(60))
        native = {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache", "LOCATION": url}
        with override_settings(
            CACHES={**settings.CACHES, "native": native},
            ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "native"},
            ALLOWED_HOSTS=["*"],
        ):
            caches["native"].clear()
            cached, uncached = asyncio.run(measure())
        print(
            f"miss path {cached:.2f} ms, uncached ADRF {uncached:.2f} ms per request (50 posts): "
            f"overhead {100 * (cached / uncached - 1):+.1f}%"
        )
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
