"""Cached reads: hits skip the database and answer byte for byte what the view answers."""

from __future__ import annotations

import json

import pytest
from django.test import AsyncClient

from tests.conftest import auth, count_queries, learn

pytestmark = pytest.mark.django_db(transaction=True)


def data_queries(calls: list[str]) -> list[str]:
    """Queries other than BasicAuthentication's user lookup, which runs on hits too (by design)."""
    return [sql for sql in calls if 'FROM "auth_user"' not in sql]


async def test_anonymous_hit_makes_no_query(backend, posts, client: AsyncClient):
    await client.get("/posts/")  # a fresh endpoint's first miss learns what it reads
    async with count_queries() as miss:
        first = await client.get("/posts/")
    async with count_queries() as hit:
        second = await client.get("/posts/")
    assert first.status_code == second.status_code == 200
    assert miss.value >= 2  # count + page (+ prefetch)
    assert hit.value == 0, hit.calls
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


async def test_authenticated_hit_queries_only_authentication(backend, posts, alice, client: AsyncClient):
    first = await learn(client, "/posts/", headers=auth(alice))
    async with count_queries() as hit:
        second = await client.get("/posts/", headers=auth(alice))
    assert data_queries(hit.calls) == []
    assert second.content == first.content


async def test_retrieve_hit(backend, posts, alice, client: AsyncClient):
    url = f"/posts/{posts[0].pk}/"
    first = await learn(client, url, headers=auth(alice))
    async with count_queries() as hit:
        second = await client.get(url, headers=auth(alice))
    assert data_queries(hit.calls) == []
    assert second.content == first.content
    assert json.loads(second.content)["title"] == "Post 0"


async def test_hit_keeps_headers_of_view_and_paginator(backend, posts, client: AsyncClient):
    first = await learn(client, "/header-posts/?size=2")
    async with count_queries() as hit:
        second = await client.get("/header-posts/?size=2")
    assert hit.value == 0
    assert second["X-Total"] == first["X-Total"] == "5"
    assert dict(second.headers) == dict(first.headers)
    assert json.loads(second.content)["next"].endswith("/header-posts/?page=2&size=2")


async def test_head_is_served_from_the_cache(backend, posts, client: AsyncClient):
    await learn(client, "/posts/")
    async with count_queries() as hit:
        head = await client.head("/posts/")
    assert head.status_code == 200
    assert hit.value == 0


async def test_empty_list_is_a_hit(backend, posts, client: AsyncClient):
    first = await learn(client, "/posts/?title=nothing-matches")
    async with count_queries() as hit:
        second = await client.get("/posts/?title=nothing-matches")
    assert json.loads(first.content)["results"] == []
    assert hit.value == 0
    assert second.content == first.content


@pytest.mark.parametrize("flag", ["cookie", "nostore", "teapot"])
async def test_what_must_not_be_stored_is_not(backend, posts, client: AsyncClient, flag: str):
    await client.get(f"/header-posts/?{flag}=1")
    async with count_queries() as again:
        await client.get(f"/header-posts/?{flag}=1")
    assert again.value > 0


async def test_not_found_is_not_cached(backend, posts, client: AsyncClient):
    assert (await client.get("/posts/999999/")).status_code == 404
    async with count_queries() as again:
        assert (await client.get("/posts/999999/")).status_code == 404
    assert again.value > 0


async def test_browsable_api_html_is_never_cached(backend, posts, alice, client: AsyncClient):
    await client.get("/posts/", headers={**auth(alice), "accept": "text/html"})
    async with count_queries() as again:
        page = await client.get("/posts/", headers={**auth(alice), "accept": "text/html"})
    assert page["Content-Type"].startswith("text/html")
    assert data_queries(again.calls) != []


async def test_media_type_is_part_of_the_key(backend, posts, client: AsyncClient):
    await client.get("/posts/", headers={"accept": "text/html"})
    json_response = await client.get("/posts/", headers={"accept": "application/json"})
    assert json_response["Content-Type"] == "application/json"
    json.loads(json_response.content)


async def test_query_order_does_not_change_the_answer_but_repeats_do(backend, posts, client: AsyncClient):
    first = json.loads((await learn(client, "/posts/?size=2&page=2")).content)
    reordered = json.loads((await learn(client, "/posts/?page=2&size=2")).content)
    assert first == reordered  # DRF rebuilds pagination links with sorted parameters
    assert first["next"].endswith("/posts/?page=3&size=2")
    red = json.loads((await client.get("/posts/?tag=red")).content)
    both = json.loads((await client.get("/posts/?tag=red&tag=blue&size=10")).content)
    only_blue = json.loads((await client.get("/posts/?tag=blue&size=10")).content)
    assert red["count"] == 2 and both["count"] == 5 and only_blue["count"] == 3


async def test_repeated_values_keep_their_order(backend, posts, client: AsyncClient):
    # DRF reads the last value of a repeated parameter: these two are different pages.
    first = json.loads((await client.get("/posts/?page=1&page=2")).content)
    second = json.loads((await client.get("/posts/?page=2&page=1")).content)
    assert first["results"] != second["results"]


async def test_endpoints_on_one_model_do_not_share_entries(backend, posts, client: AsyncClient):
    from tests.testapp.models import Post

    await Post.objects.filter(pk=posts[0].pk).aupdate(published=False)
    everything = json.loads((await client.get("/posts/?size=10")).content)
    published = json.loads((await client.get("/published-posts/?size=10")).content)
    assert everything["count"] == 5
    assert published["count"] == 4


async def test_custom_get_action_is_cached_when_named(backend, posts, client: AsyncClient):
    first = await learn(client, "/action-posts/titles/")
    async with count_queries() as hit:
        second = await client.get("/action-posts/titles/")
    assert hit.value == 0
    assert second.content == first.content
    # Not named: served by the view every time.
    await client.get("/posts/titles/")
    async with count_queries() as uncached:
        await client.get("/posts/titles/")
    assert uncached.value > 0


async def test_drf_router_dispatch_is_cached_too(backend, posts, client: AsyncClient):
    first = await learn(client, "/drf-posts/")
    async with count_queries() as hit:
        second = await client.get("/drf-posts/")
    assert hit.value == 0
    assert second.content == first.content


async def test_generic_views_cache(backend, posts, client: AsyncClient):
    first = await learn(client, "/generic/posts/")
    async with count_queries() as hit:
        second = await client.get("/generic/posts/")
    assert hit.value == 0
    assert second.content == first.content
    detail = await learn(client, f"/generic/posts/{posts[1].pk}/")
    async with count_queries() as detail_hit:
        again = await client.get(f"/generic/posts/{posts[1].pk}/")
    assert detail_hit.value == 0
    assert again.content == detail.content


async def test_plain_apiview_get_is_cached(backend, client: AsyncClient):
    from tests.testapp.views import CountingAPIView

    CountingAPIView.calls[0] = 0
    first = json.loads((await client.get("/plain/")).content)
    second = json.loads((await client.get("/plain/")).content)
    assert first == second == {"calls": 1, "who": "AnonymousUser"}
    assert json.loads((await client.get("/plain-uncached/")).content)["calls"] == 2
