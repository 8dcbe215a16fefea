"""The cache never changes an answer: a write racing a miss, single-flight, and parity with uncached ADRF."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from adrf_caching import base
from tests.conftest import auth, count_queries
from tests.testapp.models import Author, Note, Post

pytestmark = pytest.mark.django_db(transaction=True)


async def test_write_during_a_miss_never_stores_a_fresh_looking_stale_entry(
    backend, posts, client: AsyncClient, monkeypatch
):
    """The miss read its versions, then the DB; a write commits before it stores: the entry is outdated."""
    read_done, may_finish = asyncio.Event(), asyncio.Event()
    real_entry = base.CacheMixin.cache_entry

    def slow_entry(self, response, stamp, *rest):
        entry = real_entry(self, response, stamp, *rest)
        read_done.set()
        return entry

    async def paused_set(key, value, ttl):
        await may_finish.wait()
        return await original_set(key, value, ttl)

    from adrf_caching.store import get_store

    store = get_store()
    original_set = store.set
    monkeypatch.setattr(base.CacheMixin, "cache_entry", slow_entry)
    monkeypatch.setattr(store, "set", paused_set)

    reader = asyncio.create_task(client.get("/posts/?size=50"))
    await read_done.wait()
    post = await Post.objects.aget(pk=posts[0].pk)
    post.title = "Written during the miss"
    await post.asave()  # commits and bumps the model version
    may_finish.set()
    stale = json.loads((await reader).content)
    assert "Written during the miss" not in [p["title"] for p in stale["results"]]
    monkeypatch.undo()
    fresh = json.loads((await client.get("/posts/?size=50")).content)
    assert "Written during the miss" in [p["title"] for p in fresh["results"]]


async def test_concurrent_identical_misses_query_once(locmem, posts, client: AsyncClient):
    await client.get("/posts/?herd=0")  # the endpoint learns what its misses read
    async with count_queries() as herd:
        responses = await asyncio.gather(*(client.get("/posts/?herd=1") for _ in range(10)))
    async with count_queries() as single:
        await client.get("/posts/?herd=2")
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert herd.value == single.value


async def test_failed_computation_releases_waiters_with_the_error(locmem, posts, client: AsyncClient):
    responses = await asyncio.gather(*(client.get("/posts/999999/") for _ in range(5)))
    assert {r.status_code for r in responses} == {404}
    assert not base._in_flight


async def test_a_failed_miss_is_not_passed_to_the_requests_waiting_for_it(locmem, posts, client: AsyncClient):
    """The leader fails because of a header no key covers yet: the others get their own answer."""
    strict = client.get("/c/picky/", headers={"X-Strict": "1"})
    responses = await asyncio.gather(strict, *(client.get("/c/picky/") for _ in range(3)))
    assert [r.status_code for r in responses] == [400, 200, 200, 200]
    assert not base._in_flight


async def _same(client: AsyncClient, path: str, headers: dict[str, str]) -> None:
    """The cached endpoint answers exactly what its uncached twin answers, twice (miss, then hit)."""
    for _ in range(2):
        cached = await client.get(path, headers=headers)
        plain = await client.get(
            path.replace("/posts/", "/uncached-posts/", 1).replace("/notes/", "/uncached-notes/", 1),
            headers=headers,
        )
        assert cached.status_code == plain.status_code, path
        assert cached.content.replace(b"/posts/", b"/uncached-posts/") == plain.content, path
        assert cached.get("Content-Type") == plain.get("Content-Type"), path


async def test_parity_with_uncached_adrf(backend, posts, alice, bob, client: AsyncClient):
    users = {"alice": auth(alice), "bob": auth(bob), "anon": {}}
    reads = [
        "/posts/",
        "/posts/?page=2",
        "/posts/?size=2&page=3",
        "/posts/?tag=red",
        "/posts/?tag=red&tag=blue",
        "/posts/?page=99",
        "/posts/?title=Post%201",
        "/posts/?title=nothing",
        f"/posts/{posts[0].pk}/",
        "/posts/0/",
        "/posts/abc/",
        "/posts/titles/",
        "/notes/",
    ]
    author = await Author.objects.afirst()
    await Note.objects.acreate(owner=alice, text="a note")

    async def check_all() -> None:
        for headers in users.values():
            for path in reads:
                await _same(client, path, headers)

    await check_all()
    writes = [
        ("post", "/posts/", {"title": "P1", "slug": "p1", "author_id": author.pk}),
        ("post", "/uncached-posts/", {"title": "P2", "slug": "p2", "author_id": author.pk}),
        ("patch", f"/posts/{posts[1].pk}/", {"title": "Changed"}),
        ("put", f"/uncached-posts/{posts[2].pk}/", {"title": "Put", "slug": "put", "author_id": author.pk}),
        ("delete", f"/posts/{posts[3].pk}/", None),
        ("post", "/notes/", {"text": "another"}),
    ]
    for method, path, data in writes:
        kwargs = {"content_type": "application/json", "data": json.dumps(data)} if data else {}
        response = await getattr(client, method)(path, headers=users["alice"], **kwargs)
        assert response.status_code < 300, (path, response.content)
        await check_all()
    # An ORM write from outside the views, then reads again.
    await sync_to_async(Post.objects.filter(pk=posts[0].pk).delete)()
    await check_all()


async def test_hits_after_parity_run_are_hits(backend, posts, client: AsyncClient):
    await _same(client, "/posts/", {})
    async with count_queries() as hit:
        await client.get("/posts/")
    assert hit.value == 0
