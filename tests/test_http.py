"""HTTP: ETag and 304 Not Modified from the entry, Cache-Control and Vary identical on hit and miss."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient, override_settings

from adrf_caching.conditional import make_etag, matches
from tests.conftest import auth, count_queries, learn
from tests.test_redis_backend import Commands, native_alias, round_trips  # noqa: F401
from tests.testapp.models import Post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def labelled(backend: str) -> Iterator[str]:
    """The backend fixture's alias, with the hit/miss header on."""
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": backend, "HIT_HEADER": "X-Cache"}):
        yield backend


def caching_headers(response) -> dict[str, str]:
    return {name: response[name] for name in ("ETag", "Cache-Control", "Vary") if response.has_header(name)}


async def test_miss_and_hit_carry_the_same_etag_cache_control_and_vary(labelled, posts, alice):
    client = AsyncClient()
    miss = await learn(client, "/posts/", headers=auth(alice))  # the miss that stores
    hit = await client.get("/posts/", headers=auth(alice))
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert caching_headers(miss) == caching_headers(hit)
    assert miss["ETag"].startswith('"') and miss["ETag"].endswith('"') and not miss["ETag"].startswith("W/")
    assert miss["Cache-Control"] == "private, no-cache"
    vary = [v.strip() for v in miss["Vary"].split(",")]
    assert {"Accept", "Authorization", "Cookie"} <= set(vary)  # DRF's Accept kept, the user's added
    assert {k: v for k, v in miss.items() if k != "X-Cache"} == {k: v for k, v in hit.items() if k != "X-Cache"}


async def test_if_none_match_on_a_hit_is_a_304_without_body_or_query(labelled, posts, alice):
    client = AsyncClient()
    first = await learn(client, "/posts/", headers=auth(alice))
    async with count_queries() as queries:
        again = await client.get("/posts/", headers={**auth(alice), "if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["X-Cache"] == "hit"
    assert caching_headers(again) == caching_headers(first)
    assert not again.has_header("Content-Type")
    assert [sql for sql in queries.calls if 'FROM "auth_user"' not in sql] == []  # authentication only


async def test_if_none_match_on_a_miss_is_a_304_after_computing(labelled, posts):
    client = AsyncClient()
    first = await learn(client, "/posts/")
    await sync_to_async(drop_entries)()  # the versions stay: the recomputed entry is the same one
    again = await client.get("/posts/", headers={"if-none-match": first["ETag"]})
    assert again["X-Cache"] == "miss"
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]


def drop_entries() -> None:
    from adrf_caching import keyspace
    from adrf_caching.store import get_store

    backend = get_store().backend
    found = keyspace.library_keys(backend, "adrf")
    assert found is not None
    keyspace.delete(backend, [key for key in found if ":e:" in key])


@pytest.mark.parametrize(
    "header",
    [
        "{etag}",
        "W/{etag}",
        '"other", {etag}',
        '"other",W/{etag} , "more"',
        "*",
    ],
)
async def test_rfc_9110_weak_comparison_lists_and_star(locmem, posts, header):
    client = AsyncClient()
    first = await learn(client, "/posts/")
    again = await client.get("/posts/", headers={"if-none-match": header.format(etag=first["ETag"])})
    assert again.status_code == 304


@pytest.mark.parametrize("header", ['"other"', 'W/"other"', "{stripped}", '"", "x"'])
async def test_other_tags_get_the_full_answer(locmem, posts, header):
    client = AsyncClient()
    first = await client.get("/posts/")
    stripped = first["ETag"].strip('"')  # not an entity-tag without its quotes
    again = await client.get("/posts/", headers={"if-none-match": header.format(stripped=stripped)})
    assert again.status_code == 200 and again.content == first.content


async def test_head_gets_a_304_too(locmem, posts):
    client = AsyncClient()
    first = await learn(client, "/posts/")
    head = await client.head("/posts/", headers={"if-none-match": first["ETag"]})
    assert head.status_code == 304


async def test_an_etag_is_never_shared_between_users(locmem, posts, alice, bob):
    client = AsyncClient()
    tags = {
        (await client.get("/posts/", headers=auth(user)))["ETag"] for user in (alice, bob)
    } | {(await client.get("/posts/"))["ETag"]}
    assert len(tags) == 3  # same body for all three, three tags
    alices = (await client.get("/posts/", headers=auth(alice)))["ETag"]
    as_bob = await client.get("/posts/", headers={**auth(bob), "if-none-match": alices})
    assert as_bob.status_code == 200


async def test_a_write_changes_the_etag_and_the_old_one_gets_the_new_body(locmem, posts, alice):
    client = AsyncClient()
    url = f"/posts/{posts[0].pk}/"
    before = await client.get("/posts/", headers=auth(alice))
    patched = await client.patch(url, {"title": "Renamed"}, content_type="application/json", headers=auth(alice))
    assert patched.status_code == 200
    after = await client.get("/posts/", headers={**auth(alice), "if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "Renamed" in after.content.decode()


async def test_an_orm_write_elsewhere_changes_the_etag(locmem, posts):
    client = AsyncClient()
    before = await client.get("/posts/")
    await Post.objects.filter(pk=posts[0].pk).aupdate(title="Quiet")  # no signal: nothing changes yet
    from adrf_caching import ainvalidate_model

    await ainvalidate_model(Post)
    after = await client.get("/posts/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200 and after["ETag"] != before["ETag"]


async def test_after_a_write_the_etag_the_client_held_is_not_modified_no_more(locmem, posts, alice):
    client = AsyncClient()
    url = f"/posts/{posts[0].pk}/"
    held = await client.get(url, headers=auth(alice))
    patched = await client.patch(url, {"title": "New"}, content_type="application/json", headers=auth(alice))
    assert patched.status_code == 200
    fresh = await client.get(url, headers={**auth(alice), "if-none-match": held["ETag"]})
    assert fresh.status_code == 200 and json.loads(fresh.content)["title"] == "New"
    again = await client.get(url, headers={**auth(alice), "if-none-match": fresh["ETag"]})
    assert again.status_code == 304


async def test_only_200s_get_an_etag(locmem, posts):
    client = AsyncClient()
    missing = await client.get("/posts/999999/")
    assert missing.status_code == 404 and not missing.has_header("ETag")
    teapot = await client.get("/header-posts/?teapot=1")
    assert teapot.status_code == 418 and not teapot.has_header("ETag")


async def test_a_views_own_cache_control_is_kept_on_miss_and_hit(locmem, posts):
    client = AsyncClient()
    miss = await client.get("/plain-cc/")
    hit = await client.get("/plain-cc/")
    assert miss["Cache-Control"] == hit["Cache-Control"] == "private, max-age=5"
    assert miss["ETag"] == hit["ETag"]


@pytest.mark.parametrize(
    ("extra", "user_scope", "shared_scope"),
    [
        ({}, "private, no-cache", "private, no-cache"),
        ({"CLIENT_MAX_AGE": 30}, "private, max-age=30", "private, max-age=30"),
        ({"SHARED_PUBLIC": True}, "private, no-cache", "public, no-cache"),
    ],
)
async def test_cache_control_policy(posts, alice, extra, user_scope, shared_scope):
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", **extra}):
        client = AsyncClient()
        assert (await client.get("/posts/", headers=auth(alice)))["Cache-Control"] == user_scope
        assert (await client.get("/shared-posts/", headers=auth(alice)))["Cache-Control"] == shared_scope
        assert (await client.get("/shared-posts/", headers=auth(alice)))["Cache-Control"] == shared_scope


async def test_headers_can_be_turned_off(posts):
    conf = {"CACHE_ALIAS": "locmem", "ETAG": False, "CACHE_CONTROL": False, "VARY": []}
    with override_settings(ADRF_CACHING_SETTINGS=conf):
        client = AsyncClient()
        first = await client.get("/posts/")
        second = await client.get("/posts/", headers={"if-none-match": "*"})
    uncached = await AsyncClient().get("/uncached-posts/")
    assert second.status_code == 200
    for response in (first, second):
        assert not response.has_header("ETag") and not response.has_header("Cache-Control")
        assert response["Vary"] == uncached["Vary"]


def test_etag_derivation_separates_key_stamp_and_body():
    base = make_etag("k", "s", b"body")
    assert base == make_etag("k", "s", b"body")
    assert len({base, make_etag("k2", "s", b"body"), make_etag("k", "s2", b"body"), make_etag("k", "s", b"b")}) == 4


def test_matching_needs_a_header_and_a_tag():
    class Request:
        META: dict[str, str] = {}

    assert not matches(Request(), '"x"')  # type: ignore[arg-type]
    Request.META = {"HTTP_IF_NONE_MATCH": "*"}
    assert matches(Request(), '"x"')  # type: ignore[arg-type]
    assert not matches(Request(), "")  # type: ignore[arg-type]


async def test_a_304_on_the_native_backend_is_one_round_trip(native_alias, raw, posts, alice):  # noqa: F811
    client = AsyncClient()
    first = await learn(client, "/posts/", headers=auth(alice))
    with Commands(raw) as commands, round_trips() as sent:
        again = await client.get("/posts/", headers={**auth(alice), "if-none-match": first["ETag"]})
    assert again.status_code == 304 and again["X-Cache"] == "hit"
    assert commands.delta == {"mget": 1}
    assert len(sent) == 1
    assert json.loads(first.content)["count"] == 5
