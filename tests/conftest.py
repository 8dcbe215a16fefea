"""Fixtures: a real Redis server (REDIS_URL, or a throwaway one), cache backends, users, clients."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.test import AsyncClient, override_settings
from django.test.utils import CaptureQueriesContext

from adrf_caching import endpoints
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


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    """A throwaway server of the test module's own: its command statistics count only what it does."""
    own = RedisServer()
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture
def raw(server: RedisServer) -> Iterator[redis.Redis]:
    """A plain client of ``server``, on an empty database."""
    client = redis.Redis.from_url(server.url)
    client.flushdb()
    yield client
    client.close()


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


@pytest.fixture(autouse=True)
def fresh_endpoints() -> Iterator[None]:
    """Each test starts as a fresh process would: no endpoint has learned what its misses read."""
    endpoints.forget()
    yield
    endpoints.forget()


async def learn(client: AsyncClient, url: str, **kwargs: Any) -> Any:
    """A fresh endpoint's first miss only learns what it depends on; the second stores. Returns it."""
    await client.get(url, **kwargs)
    return await client.get(url, **kwargs)


@pytest.fixture(autouse=True)
def log_damage_afresh() -> None:
    """Damaged keys are logged once per process; each test starts with none logged."""
    from adrf_caching._once import reset_all

    reset_all()


@pytest.fixture(scope="session", autouse=True)
def stop_owed_watcher(django_db_setup: None) -> Iterator[None]:
    """The owed-bump watcher thread holds a database connection: close it before the test database is dropped."""
    yield
    from adrf_caching.owed import stop_watcher

    stop_watcher()


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


# -- issue 9 (observed reads and writes): the hit header, and rows for every observed view -------------


@pytest.fixture
def hits(backend: str) -> Iterator[str]:
    """The ``backend`` fixture with the hit/miss header on (tests.twins.HIT_HEADER)."""
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": backend, "HIT_HEADER": "X-Cache"}):
        yield backend


@pytest.fixture
def world(posts: list[Post], alice: User, bob: User) -> dict[str, Any]:
    """The ``posts`` rows plus reviews, an editor, comments, a team, shares and tickets."""
    from django.contrib.contenttypes.models import ContentType

    from tests.testapp.models import Comment, Editor, Membership, Review, Share, Team, Ticket

    editor = Editor.objects.create(name="Eve")
    for n, post in enumerate(posts[:3]):
        Review.objects.create(post=post, editor=editor if n < 2 else None, text=f"Review {n}")
    post_type = ContentType.objects.get_for_model(Post)
    author_type = ContentType.objects.get_for_model(Author)
    Comment.objects.create(content_type=post_type, object_id=posts[0].pk, text="on a post")
    Comment.objects.create(content_type=author_type, object_id=posts[0].author_id, text="on an author")
    team = Team.objects.create(name="Core")
    Membership.objects.create(team=team, author=posts[0].author, role="lead")
    Share.objects.create(post=posts[0], user=bob)  # alice owns posts 0-2 and shares post 0 with bob
    Ticket.objects.create(tenant="a", title="A1")
    Ticket.objects.create(tenant="b", title="B1")
    return {"editor": editor, "team": team, "posts": posts, "alice": alice, "bob": bob}
