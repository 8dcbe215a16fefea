"""Fixtures: a real Redis server (REDIS_URL, or a throwaway one), cache backends, users, clients."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.test import AsyncClient, override_settings
from django.test.utils import CaptureQueriesContext

from tests.redis_server import RedisServer
from tests.testapp.models import Author, Post, Tag

PASSWORD = "secret-pw"

# The backends the core behaviour runs against: Django's LocMem, Django's RedisCache and the
# library's native AsyncRedisCache, both on a real server.
BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "adrf-tests"},
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": None},
    "native": {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache", "LOCATION": None},
}


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL when set (a database the suite may flush), else a throwaway server."""
    given = os.environ.get("REDIS_URL")
    if given:
        yield given
        return
    server = RedisServer()
    try:
        yield server.url
    finally:
        server.stop()


def caches_with(alias: str, options: dict[str, Any]) -> dict[str, Any]:
    return {**settings.CACHES, alias: options}


@pytest.fixture(scope="session", autouse=True)
def close_worker_thread_connections(django_db_setup: None) -> Iterator[None]:
    """The async tests' ORM runs in asgiref's worker thread: close its connection there before the
    test database is dropped (PostgreSQL refuses to drop a database that still has a session)."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, redis_url: str) -> Iterator[str]:
    """Each test using it runs once per backend; yields the alias the library caches in."""
    alias = request.param
    options = dict(BACKENDS[alias])
    if options["LOCATION"] is None:
        options["LOCATION"] = redis_url
    with override_settings(CACHES=caches_with(alias, options), ADRF_CACHING_SETTINGS={"CACHE_ALIAS": alias}):
        caches[alias].clear()
        yield alias
        caches[alias].clear()


@pytest.fixture
def locmem() -> Iterator[str]:
    """For behaviour that does not depend on the backend."""
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem"}):
        caches["locmem"].clear()
        yield "locmem"


def make_user(name: str, **extra: Any) -> User:
    return User.objects.create_user(name, password=PASSWORD, **extra)


def auth(user: User | str) -> dict[str, str]:
    name = user if isinstance(user, str) else user.username
    token = base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()
    return {"authorization": f"Basic {token}"}


@pytest.fixture
def alice(transactional_db: None) -> User:
    return make_user("alice")


@pytest.fixture
def bob(transactional_db: None) -> User:
    return make_user("bob")


@pytest.fixture
def posts(transactional_db: None, alice: User, bob: User) -> list[Post]:
    author = Author.objects.create(name="Ann")
    other = Author.objects.create(name="Ben")
    red, blue = Tag.objects.create(name="red"), Tag.objects.create(name="blue")
    made = []
    for n in range(5):
        post = Post.objects.create(
            title=f"Post {n}",
            slug=f"post-{n}",
            author=author if n % 2 else other,
            owner=alice if n < 3 else bob,
        )
        post.tags.set([red] if n % 2 else [blue])
        made.append(post)
    return made


@pytest.fixture
def client() -> AsyncClient:
    return AsyncClient()


@dataclass
class Counter:
    value: int = 0
    calls: list[str] = field(default_factory=list)


@asynccontextmanager
async def count_queries() -> AsyncIterator[Counter]:
    """Count SQL queries. The ORM runs in sync_to_async's worker thread, so the capture lives there."""
    counter = Counter()
    context = CaptureQueriesContext(connection)
    await sync_to_async(context.__enter__)()
    try:
        yield counter
    finally:

        def close() -> None:
            context.__exit__(None, None, None)
            counter.value = len(context)
            counter.calls = [q["sql"] for q in context.captured_queries]

        await sync_to_async(close)()
