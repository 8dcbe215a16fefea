"""AsyncRedisCache fails open: a stopped or hanging Redis costs a bounded delay, never a 500 or stale data."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import AsyncClient, override_settings

from tests.conftest import auth
from tests.redis_server import RedisServer
from tests.testapp.models import Author

pytestmark = pytest.mark.django_db(transaction=True)

SOCKET_TIMEOUT = 1.0  # the backend's default


def configure(server: RedisServer, **conf: object) -> override_settings:
    cache = {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache", "LOCATION": server.url}
    caching = {
        "CACHE_ALIAS": "outage",
        "HIT_HEADER": "X-Cache",
        "FAILURE_THRESHOLD": 2,
        "COOL_DOWN": 0.5,
        **conf,
    }
    return override_settings(CACHES={**settings.CACHES, "outage": cache}, ADRF_CACHING_SETTINGS=caching)


@pytest.fixture
def server() -> Iterator[RedisServer]:
    own = RedisServer()
    try:
        with configure(own):
            yield own
    finally:
        own.stop()


def titles(response) -> list[str]:
    return [p["title"] for p in json.loads(response.content)["results"]]


async def timed(coro) -> tuple[object, float]:
    start = time.monotonic()
    result = await coro
    return result, time.monotonic() - start


async def create(client: AsyncClient, user, title: str):
    author = await Author.objects.afirst()
    body = {"title": title, "slug": title.lower().replace(" ", "-"), "author_id": author.pk}
    return await client.post("/posts/", body, content_type="application/json", headers=auth(user))


async def test_stopped_server_serves_uncached_quickly(server, posts, alice):
    client = AsyncClient()
    await client.get("/posts/?size=50")  # learns what it reads
    await client.get("/posts/?size=50")
    assert (await client.get("/posts/?size=50"))["X-Cache"] == "hit"
    server.stop()
    for _ in range(5):
        response, elapsed = await timed(client.get("/posts/?size=50"))
        assert response.status_code == 200 and len(titles(response)) == 5
        assert "X-Cache" not in response  # served uncached
        assert elapsed < 1.0
    created, elapsed = await timed(create(client, alice, "While down"))
    assert created.status_code == 201 and elapsed < 1.0
    assert "While down" in titles(await client.get("/posts/?size=50"))


async def test_hanging_server_is_bounded_and_nothing_stale_after_it(server, posts, alice):
    client = AsyncClient()
    await client.get("/posts/?size=50")  # learns what it reads
    await client.get("/posts/?size=50")
    assert (await client.get("/posts/?size=50"))["X-Cache"] == "hit"
    server.pause()  # SIGSTOP: connections open, nothing answers
    try:
        for _ in range(4):
            response, elapsed = await timed(client.get("/posts/?size=50"))
            assert response.status_code == 200 and len(titles(response)) == 5
            assert elapsed < SOCKET_TIMEOUT * 2 + 0.5  # one timed-out read (and version creation), no retries
        created, elapsed = await timed(create(client, alice, "While hanging"))
        assert created.status_code == 201  # the write committed; its bump is owed
        assert elapsed < SOCKET_TIMEOUT * 4 + 0.5
    finally:
        server.resume()
    await asyncio.sleep(0.6)  # the breaker's cool-down
    after = await client.get("/posts/?size=50")
    assert after.status_code == 200
    assert "While hanging" in titles(after)  # the owed bumps were written before the old entry could be read
    again = await client.get("/posts/?size=50")
    assert again["X-Cache"] == "hit" and "While hanging" in titles(again)


async def test_shed_policy_answers_503_past_the_bound_while_down(posts):
    own = RedisServer()
    try:
        with configure(
            own, OUTAGE_POLICY="shed", OUTAGE_MAX_CONCURRENCY=1, FAILURE_THRESHOLD=1, COOL_DOWN=5.0
        ):
            client = AsyncClient()
            own.stop()
            first = await client.get("/posts/")  # trips the breaker
            assert first.status_code == 200
            responses = await asyncio.gather(*(client.get("/posts/") for _ in range(6)))
            statuses = sorted(r.status_code for r in responses)
            assert 200 in statuses and 503 in statuses
            shed = next(r for r in responses if r.status_code == 503)
            assert shed["Retry-After"] == "5"
    finally:
        own.stop()
