"""A cache outage serves uncached answers: never a 500, never a lost write, never a stale entry after it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import AsyncClient, override_settings

from tests.conftest import auth, count_queries
from tests.redis_server import RedisServer
from tests.testapp.models import Author

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server this test may stop, pause and resume; Django's RedisCache with short socket timeouts."""
    server = RedisServer()
    options = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": server.url,
        "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
    }
    conf = {"CACHE_ALIAS": "fragile", "FAILURE_THRESHOLD": 2, "COOL_DOWN": 0.5}
    with override_settings(CACHES={**settings.CACHES, "fragile": options}, ADRF_CACHING_SETTINGS=conf):
        try:
            yield server
        finally:
            server.stop()


def titles(response) -> list[str]:
    return [p["title"] for p in json.loads(response.content)["results"]]


async def test_stopped_server_serves_uncached_and_keeps_writes(
    own_redis, posts, alice, client: AsyncClient, caplog
):
    await client.get("/posts/?size=50")
    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="adrf_caching"):
        read = await client.get("/posts/?size=50")
        author = await Author.objects.afirst()
        body = {"title": "During outage", "slug": "outage", "author_id": author.pk}
        created = await client.post("/posts/", body, content_type="application/json", headers=auth(alice))
        again = await client.get("/posts/?size=50")
    assert read.status_code == 200 and created.status_code == 201 and again.status_code == 200
    assert "During outage" in titles(again)
    assert any("serving uncached" in r.getMessage() for r in caplog.records)


async def test_hanging_server_is_bounded_and_no_stale_entry_survives_it(
    own_redis, posts, alice, client: AsyncClient
):
    await client.get("/posts/?size=50")  # learns what it reads
    await client.get("/posts/?size=50")
    async with count_queries() as hit:
        await client.get("/posts/?size=50")
    assert hit.value == 0
    own_redis.pause()  # the socket stays open, nothing answers: a hang
    try:
        started = time.monotonic()
        author = await Author.objects.afirst()
        body = {"title": "While hanging", "slug": "hanging", "author_id": author.pk}
        created = await client.post("/posts/", body, content_type="application/json", headers=auth(alice))
        during = await client.get("/posts/?size=50")
        elapsed = time.monotonic() - started
    finally:
        own_redis.resume()
    assert created.status_code == 201 and during.status_code == 200
    assert "While hanging" in titles(during)
    assert elapsed < 5
    time.sleep(0.6)  # the breaker's cool-down
    # The bump that could not be written is owed and written before the cache is trusted again.
    after = await client.get("/posts/?size=50")
    assert "While hanging" in titles(after)


async def test_bumps_owed_during_an_outage_are_written_before_the_cache_is_trusted(
    own_redis, posts, alice, client: AsyncClient
):
    await client.get("/posts/?size=50")
    own_redis.shutdown_saving()  # the entry and its versions are on disk; nothing listens now
    author = await Author.objects.afirst()
    body = {"title": "Owed", "slug": "owed", "author_id": author.pk}
    created = await client.post("/posts/", body, content_type="application/json", headers=auth(alice))
    assert created.status_code == 201  # the bump could not be written: it is owed
    restarted = RedisServer(port=own_redis.port, directory=own_redis.dir)  # comes back with the old entry
    try:
        time.sleep(0.6)  # the breaker's cool-down
        after = await client.get("/posts/?size=50")
        assert "Owed" in titles(after)
    finally:
        restarted.stop()
