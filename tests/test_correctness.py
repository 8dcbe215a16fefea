"""The cache never changes an answer: dependencies, scopes, identity, damaged entries, hostile input."""

from __future__ import annotations

import json
import logging
import time

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.test import AsyncClient, override_settings

from adrf_caching import ainvalidate_all, ainvalidate_view
from adrf_caching.store import get_store
from tests.conftest import auth, count_queries, learn
from tests.testapp import views
from tests.testapp.models import Tag

pytestmark = pytest.mark.django_db(transaction=True)


def data_queries(calls: list[str]) -> list[str]:
    return [sql for sql in calls if 'FROM "auth_user"' not in sql]


async def test_a_view_depends_on_the_tables_its_sql_read(backend, client: AsyncClient):
    for url in ("/tag-count/", "/tag-count-untraced/"):
        for _ in range(3):  # learn, store, hit
            assert json.loads((await client.get(url)).content) == {"tags": 0}
    await Tag.objects.acreate(name="new")
    # With or without depends_on: the SQL of the miss read the tag table, so the write outdates it.
    assert json.loads((await client.get("/tag-count/")).content) == {"tags": 1}
    assert json.loads((await client.get("/tag-count-untraced/")).content) == {"tags": 1}


async def test_shared_scope_has_one_entry_for_all_users(backend, posts, alice, bob, client: AsyncClient):
    first = await learn(client, "/shared-posts/", headers=auth(alice))
    async with count_queries() as bobs:
        second = await client.get("/shared-posts/", headers=auth(bob))
    assert data_queries(bobs.calls) == []
    assert second.content == first.content
    async with count_queries() as anonymous:
        await client.get("/shared-posts/")
    assert anonymous.value > 0  # anonymous users never share with authenticated ones


async def test_group_change_outdates_entries_that_read_groups(backend, posts, alice, client: AsyncClient):
    # /editor-posts/ reads the user's groups in get_queryset; /posts/ does not, and stays a hit.
    await learn(client, "/posts/", headers=auth(alice))
    before = json.loads((await learn(client, "/editor-posts/", headers=auth(alice))).content)
    group = await Group.objects.acreate(name="editors")
    await sync_to_async(alice.groups.add)(group)
    async with count_queries() as unrelated:
        await client.get("/posts/", headers=auth(alice))
    assert data_queries(unrelated.calls) == []
    cached = json.loads((await client.get("/editor-posts/", headers=auth(alice))).content)
    plain = json.loads((await client.get("/uncached-editor-posts/", headers=auth(alice))).content)
    assert cached["count"] == plain["count"] == 5 > before["count"]


async def test_invalidate_view_and_all(backend, posts, client: AsyncClient):
    for invalidate in (lambda: ainvalidate_view(views.PostViewSet), ainvalidate_all):
        await learn(client, "/posts/")
        async with count_queries() as hit:
            await client.get("/posts/")
        assert hit.value == 0
        await invalidate()
        async with count_queries() as after:
            await client.get("/posts/")
        assert after.value > 0


async def test_damaged_entry_is_a_miss_and_a_log_line(
    backend, posts, client: AsyncClient, caplog, monkeypatch
):
    written: list[str] = []
    store = get_store()
    original_set = store.set

    async def remember(key, value, ttl):
        written.append(key)
        await original_set(key, value, ttl)

    monkeypatch.setattr(store, "set", remember)
    good = await learn(client, "/posts/")
    for garbage in (b"\x80\x04garbage", b"adrf1\n{not json\nbody", b"adrf1\n", "a str"):
        await store.backend.aset(written[0], garbage, timeout=60)
        with caplog.at_level(logging.WARNING, logger="adrf_caching"):
            again = await client.get("/posts/")
        assert again.status_code == 200 and again.content == good.content
    assert any("damaged cache entry" in r.getMessage() for r in caplog.records)


async def test_client_no_cache_does_not_bypass_by_default(backend, posts, client: AsyncClient):
    await learn(client, "/posts/")
    async with count_queries() as hit:
        await client.get("/posts/", headers={"cache-control": "no-cache"})
    assert hit.value == 0
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": backend, "RESPECT_CLIENT_NO_CACHE": True}):
        async with count_queries() as bypassed:
            await client.get("/posts/", headers={"cache-control": "no-cache"})
    assert bypassed.value > 0


HOSTILE = [
    "/posts/?" + "&".join(f"tag=t{n}" for n in range(300)),
    "/posts/?title=" + "x" * 5000,
    "/posts/?title=%E2%82%AC",
    "/posts/?title=\u20ac",
    "/posts/?title=%ZZ%",
    "/posts/?page=99999999999999999999",
    "/posts/?page=-1",
    "/posts/?size=0",
    "/posts/?title=a&title=b&title=a",
    "/posts/?%00=%00",
    "/posts/?title=Post+1",
    "/posts/?title=Post%201",
]


@pytest.mark.parametrize("path", HOSTILE)
async def test_hostile_input_answers_like_the_uncached_view(
    backend, posts, client: AsyncClient, path, monkeypatch
):
    keys: list[str] = []
    store = get_store()
    original = store.get_many

    async def spy(wanted):
        keys.extend(wanted)
        return await original(wanted)

    monkeypatch.setattr(store, "get_many", spy)
    for _ in range(2):
        cached = await client.get(path)
        plain = await client.get(path.replace("/posts/", "/uncached-posts/"))
        assert cached.status_code == plain.status_code
        assert cached.content.replace(b"/posts/", b"/uncached-posts/") == plain.content
    assert keys and max(len(k) for k in keys) < 120


@pytest.mark.parametrize(
    "accept", ["application/json;q=abc", "*/*;;;", "garbage", "application/json, text/html;q=0.1"]
)
async def test_malformed_accept_answers_like_the_uncached_view(backend, posts, client: AsyncClient, accept):
    for _ in range(2):
        cached = await client.get("/posts/", headers={"accept": accept})
        plain = await client.get("/uncached-posts/", headers={"accept": accept})
        assert cached.status_code == plain.status_code
        assert cached.content.replace(b"/posts/", b"/uncached-posts/") == plain.content


async def test_a_held_lock_makes_others_wait_then_compute(backend, posts, client: AsyncClient, monkeypatch):
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": backend, "LOCK_TIMEOUT": 0.3}):
        store = get_store()
        taken: list[str] = []
        original_lock = store.lock

        async def lock_held_elsewhere(key, timeout):
            taken.append(key)
            await original_lock(key, timeout)  # someone else holds it now
            return await original_lock(key, timeout)  # so this one fails

        monkeypatch.setattr(store, "lock", lock_held_elsewhere)
        started = time.monotonic()
        response = await client.get("/posts/?locked=1")
        assert response.status_code == 200
        assert time.monotonic() - started >= 0.3  # waited for the other process, then computed
        assert taken
