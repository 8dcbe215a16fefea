"""The hit path with events off, with the Prometheus exporter on, and as a 304, measured in-process.

Sequential hits on LocMem through the view (no HTTP server, no network), alternating the variants
round by round; medians per request. Shows what "no measurable cost when disabled" means here.

    python benchmarks/hit_events.py        # with the test dependencies installed (scripts/test.sh's .venv)
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


async def measure(rounds: int = 15, per_round: int = 400) -> dict[str, float]:
    from django.test import AsyncRequestFactory
    from django.urls import resolve
    from prometheus_client import CollectorRegistry

    from adrf_caching.contrib import prometheus

    factory = AsyncRequestFactory()
    match = resolve("/posts/")

    async def one(etag: str | None = None) -> str:
        headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
        request = factory.get("/posts/", {"size": 10}, **headers)
        request.resolver_match = match
        response = await match.func(request)
        return str(response.get("ETag", ""))

    etag = await one()
    await one()
    timings: dict[str, list[float]] = {"events off": [], "prometheus on": [], "304, events off": []}
    registry = CollectorRegistry()
    for _ in range(rounds):
        for variant, found in timings.items():
            if variant == "prometheus on":
                prometheus.install(registry)
            started = time.perf_counter()
            for _ in range(per_round):
                await one(etag if variant.startswith("304") else None)
            found.append((time.perf_counter() - started) / per_round * 1e6)
            prometheus.uninstall()
    return {variant: statistics.median(found) for variant, found in timings.items()}


def main() -> None:
    import django
    from django.test import override_settings

    django.setup()
    from django.db import connection

    connection.creation.create_test_db(verbosity=0)
    from tests.testapp.models import Author, Post

    author = Author.objects.create(name="Ann")
    Post.objects.bulk_create(Post(title=f"Post {n}", slug=f"p{n}", author=author) for n in range(20))
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem"}, ALLOWED_HOSTS=["*"]):
        results = asyncio.run(measure())
    for variant, micros in results.items():
        print(f"{variant:16} {micros:7.1f} us per hit")


if __name__ == "__main__":
    main()
