"""Transactions (issue 9): nothing uncommitted reaches the cache, and invalidation waits for the commit.

These tests are synchronous, as a Django project's code inside ``transaction.atomic()`` is: the
test client then runs the (async) views on this thread's connection, inside the transaction.
Run them on PostgreSQL too:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/obstests .venv/bin/python -m pytest tests/test_transactions.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection, transaction
from django.test import Client

from adrf_caching import ainvalidate_model, invalidate_model
from tests.conftest import BACKENDS, auth
from tests.testapp.models import Post, Tag
from tests.twins import HIT_HEADER, assert_same_as_uncached_sync, headers_of, prime_sync, readers

pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    """Raised to roll an atomic block back."""


def post_urls(pk: int) -> list[tuple[str, str]]:
    return [("/posts/?size=50", "/uncached-posts/?size=50"), (f"/posts/{pk}/", f"/uncached-posts/{pk}/")]


def read_all(client: Client, urls: list[tuple[str, str]], users: list[Any], times: int = 3) -> None:
    for cached_url, _ in urls:
        for user in users:
            for _ in range(times):
                client.get(cached_url, headers=headers_of(user))


def test_a_read_after_an_uncommitted_write_is_not_stored(hits, world):
    client, users = Client(), readers(world)
    urls = post_urls(world["posts"][0].pk)
    with pytest.raises(Rollback), transaction.atomic():
        Post.objects.filter(pk=world["posts"][0].pk).update(title="Rolled back")
        read_all(client, urls, users)  # cold: these misses see the uncommitted title
        raise Rollback
    for cached_url, uncached_url in urls:
        bodies = assert_same_as_uncached_sync(client, cached_url, uncached_url, users)
        assert "Rolled back" not in json.dumps(bodies)


def test_a_read_inside_a_transaction_sees_its_own_uncommitted_write(hits, world):
    """A hit stored before the transaction must not hide the transaction's own write from it."""
    client, users = Client(), readers(world)
    urls = post_urls(world["posts"][0].pk)
    for cached_url, _ in urls:
        prime_sync(client, cached_url, users)
    with pytest.raises(Rollback), transaction.atomic():
        Post.objects.filter(pk=world["posts"][0].pk).update(title="Uncommitted")
        for cached_url, uncached_url in urls:
            assert_same_as_uncached_sync(client, cached_url, uncached_url, users)
        raise Rollback
    for cached_url, uncached_url in urls:
        assert_same_as_uncached_sync(client, cached_url, uncached_url, users)


def test_an_update_inside_a_rolled_back_transaction_leaves_no_trace(hits, world):
    client, users = Client(), readers(world)
    pk = world["posts"][0].pk
    urls = post_urls(pk)
    for cached_url, _ in urls:
        prime_sync(client, cached_url, users)
    with pytest.raises(Rollback), transaction.atomic():
        patched = client.patch(
            f"/posts/{pk}/", {"title": "Rolled back"}, content_type="application/json", headers=auth(world["alice"])
        )
        assert patched.status_code == 200
        raise Rollback
    for cached_url, uncached_url in urls:
        bodies = assert_same_as_uncached_sync(client, cached_url, uncached_url, users)
        assert "Rolled back" not in json.dumps(bodies)


def test_a_create_inside_a_rolled_back_transaction_leaves_no_trace(hits, world):
    client, users = Client(), readers(world)
    prime_sync(client, "/c/tag-board/", users)
    with pytest.raises(Rollback), transaction.atomic():
        created = client.post(
            "/c/tag-board/", {"name": "ghost"}, content_type="application/json", headers=auth(users[0])
        )
        assert created.status_code == 201
        read_all(client, [("/c/tag-board/", "")], users)
        raise Rollback
    bodies = assert_same_as_uncached_sync(client, "/c/tag-board/", "/u/tag-board/", users)
    assert bodies[0] == {"tags": ["red", "blue"]}


@pytest.mark.parametrize("path", ["view", "orm"])
def test_a_committed_write_inside_a_transaction_is_seen_after_the_commit(hits, world, path):
    client, users = Client(), readers(world)
    pk = world["posts"][0].pk
    urls = post_urls(pk)
    for cached_url, _ in urls:
        prime_sync(client, cached_url, users)
    with transaction.atomic():
        if path == "view":
            data = {"title": "Committed"}
            response = client.patch(f"/posts/{pk}/", data, content_type="application/json", headers=auth(users[0]))
            assert response.status_code == 200
        else:
            Post.objects.filter(pk=pk).update(title="Committed")
        read_all(client, urls, users, times=2)
    for cached_url, uncached_url in urls:
        bodies = assert_same_as_uncached_sync(client, cached_url, uncached_url, users)
        assert "Committed" in json.dumps(bodies)


def test_a_write_after_a_rolled_back_savepoint_is_seen_after_the_commit(hits, world):
    client, users = Client(), readers(world)
    pk = world["posts"][0].pk
    urls = [*post_urls(pk), ("/c/tag-board/", "/u/tag-board/")]
    for cached_url, _ in urls:
        prime_sync(client, cached_url, users)
    with transaction.atomic():
        with pytest.raises(Rollback), transaction.atomic():
            Tag.objects.filter(name="red").update(name="inner")
            raise Rollback
        Post.objects.filter(pk=pk).update(title="Outer")
        with transaction.atomic():
            Tag.objects.filter(name="blue").update(name="kept")
    for cached_url, uncached_url in urls:
        bodies = assert_same_as_uncached_sync(client, cached_url, uncached_url, users)
    assert bodies[0] == {"tags": ["red", "kept"]}


def test_a_transaction_rolled_back_then_a_write_under_autocommit(hits, world):
    client, users = Client(), readers(world)
    prime_sync(client, "/c/tag-board/", users)
    with pytest.raises(Rollback), transaction.atomic():
        Post.objects.update(title="never")
        raise Rollback
    Tag.objects.filter(name="red").update(name="after")
    bodies = assert_same_as_uncached_sync(client, "/c/tag-board/", "/u/tag-board/", users)
    assert bodies[0] == {"tags": ["after", "blue"]}


# -- the by-hand API waits for the commit ------------------------------------------------------------


def read_in_another_thread(url: str, times: int = 3) -> list[str]:
    """A concurrent reader: its own thread, its own database connection, outside the transaction."""
    outcomes: list[str] = []

    def read() -> None:
        try:
            reader = Client()
            outcomes.extend(str(reader.get(url).get(HIT_HEADER)) for _ in range(times))
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return outcomes


Invalidate = Callable[[], None]
INVALIDATIONS: dict[str, Invalidate] = {
    "invalidate_model": lambda: invalidate_model(Tag),
    "ainvalidate_model": lambda: async_to_sync(ainvalidate_model)(Tag),
}


@pytest.mark.parametrize("how", sorted(INVALIDATIONS))
def test_invalidation_inside_a_transaction_takes_effect_at_the_commit(hits, world, how):
    """A reader between the call and the commit stores what it read: the commit must outdate it."""
    client = Client()
    prime_sync(client, "/tag-count/", [None])  # cached(TagCount, depends_on=[Tag])
    with transaction.atomic():
        INVALIDATIONS[how]()
        read_in_another_thread("/tag-count/")
    assert client.get("/tag-count/")[HIT_HEADER] == "miss"


async def test_ainvalidate_model_in_async_code_waits_for_the_orm_transaction(hits, world):
    """In async code the ORM's transaction lives on asgiref's worker thread: the bump waits for it."""
    read = sync_to_async(read_in_another_thread, thread_sensitive=False)
    assert (await read("/tag-count/"))[-1] == "hit"
    atomic = transaction.atomic()
    await sync_to_async(atomic.__enter__)()
    try:
        await ainvalidate_model(Tag)
        await read("/tag-count/")
    finally:
        await sync_to_async(atomic.__exit__)(None, None, None)
    assert await read("/tag-count/", 1) == ["miss"]


# -- another process: a worker that never imports adrf_caching itself ------------------------------

WORKER = """
import django
from django.conf import settings
import tests.settings as base
names = {name: getattr(base, name) for name in dir(base) if name.isupper()}
names.update(CACHES={"shared": %(cache)r}, ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "shared"})
names["DATABASES"]["default"]["NAME"] = %(database)r
settings.configure(**names)
django.setup()
from tests.testapp.models import Tag
Tag.objects.filter(name="red").update(name="from-worker")
"""


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="the worker needs a database it can share: PostgreSQL")
@pytest.mark.parametrize("backend", ["native", "redis"], indirect=True)
def test_a_worker_process_write_reaches_the_cache(hits, world, redis_url):
    client, users = Client(), readers(world)
    prime_sync(client, "/c/tag-board/", users)
    cache = {**BACKENDS[hits], "LOCATION": redis_url}
    script = WORKER % {"cache": cache, "database": connection.settings_dict["NAME"]}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    bodies = assert_same_as_uncached_sync(client, "/c/tag-board/", "/u/tag-board/", users)
    assert bodies[2] == {"tags": ["from-worker", "blue"]}
