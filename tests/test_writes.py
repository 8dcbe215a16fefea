"""Writes outdate what they changed at once: for the writer, for other users, and from outside the views."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.test import AsyncClient

from adrf_caching import ainvalidate_model, invalidate_model
from tests.conftest import auth, count_queries, learn
from tests.testapp.models import Author, Post, Tag, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def titles(response) -> list[str]:
    body = json.loads(response.content)
    return [post["title"] for post in body.get("results", body if isinstance(body, list) else [])]


async def warm(client: AsyncClient, url: str, **headers: str) -> bytes:
    """Read three times (learn, store, hit); the last must be a hit (so a later difference is invalidation at work)."""
    await learn(client, url, headers=headers)
    async with count_queries() as hit:
        response = await client.get(url, headers=headers)
    assert [q for q in hit.calls if 'FROM "auth_user"' not in q] == []
    return response.content


def new_post(n: int, author: Author) -> dict[str, object]:
    return {"title": f"New {n}", "slug": f"new-{n}", "author_id": author.pk}


@pytest.mark.parametrize("reader", ["writer", "other", "anonymous"])
async def test_create_outdates_lists_for_everyone(backend, posts, alice, bob, client: AsyncClient, reader):
    headers = {"writer": auth(alice), "other": auth(bob), "anonymous": {}}[reader]
    await warm(client, "/posts/?size=50", **headers)
    author = await Author.objects.afirst()
    created = await client.post(
        "/posts/", new_post(1, author), content_type="application/json", headers=auth(alice)
    )
    assert created.status_code == 201
    assert "New 1" in titles(await client.get("/posts/?size=50", headers=headers))


async def test_update_outdates_lists_and_detail(hits, posts, alice, bob, client: AsyncClient):
    url = f"/posts/{posts[0].pk}/"
    await warm(client, "/posts/?size=50", **auth(bob))
    await warm(client, url, **auth(alice))
    updated = await client.patch(
        url, {"title": "Renamed"}, content_type="application/json", headers=auth(alice)
    )
    assert updated.status_code == 200
    detail = await client.get(url, headers=auth(alice))
    assert json.loads(detail.content)["title"] == "Renamed"
    assert detail["X-Cache"] == "miss"  # a write stores nothing: the next read computes it as a GET
    assert (await client.get(url, headers=auth(alice)))["X-Cache"] == "hit"
    assert "Renamed" in titles(await client.get("/posts/?size=50", headers=auth(bob)))
    other_detail = await client.get(url, headers=auth(bob))
    assert json.loads(other_detail.content)["title"] == "Renamed"


async def test_put_and_delete(backend, posts, alice, bob, client: AsyncClient):
    url = f"/posts/{posts[1].pk}/"
    await warm(client, url, **auth(bob))
    author = await Author.objects.afirst()
    put = await client.put(url, new_post(9, author), content_type="application/json", headers=auth(alice))
    assert put.status_code == 200
    assert json.loads((await client.get(url, headers=auth(bob))).content)["title"] == "New 9"
    await warm(client, "/posts/?size=50", **auth(bob))
    deleted = await client.delete(url, headers=auth(alice))
    assert deleted.status_code == 204
    assert (await client.get(url, headers=auth(alice))).status_code == 404
    assert (await client.get(url, headers=auth(bob))).status_code == 404
    assert "New 9" not in titles(await client.get("/posts/?size=50", headers=auth(bob)))


async def test_orm_writes_outside_views_invalidate(backend, posts, client: AsyncClient):
    await warm(client, "/posts/?size=50")
    await Post.objects.filter(pk=posts[2].pk).adelete()
    assert "Post 2" not in titles(await client.get("/posts/?size=50"))
    await warm(client, "/posts/?size=50")
    post = await Post.objects.aget(pk=posts[3].pk)
    post.title = "Saved elsewhere"
    await post.asave()
    assert "Saved elsewhere" in titles(await client.get("/posts/?size=50"))


async def test_related_model_change_invalidates_nested_data(backend, posts, client: AsyncClient):
    url = f"/posts/{posts[1].pk}/"
    await warm(client, url)
    author = await Author.objects.aget(pk=posts[1].author_id)
    author.name = "Renamed author"
    await author.asave()
    assert json.loads((await client.get(url)).content)["author"]["name"] == "Renamed author"


async def test_m2m_change_invalidates(backend, posts, client: AsyncClient):
    url = f"/posts/{posts[0].pk}/"
    before = json.loads(await warm(client, url))
    tag = await Tag.objects.acreate(name="green")
    await sync_to_async(posts[0].tags.add)(tag)
    after = json.loads((await client.get(url)).content)
    assert tag.pk in after["tags"] and tag.pk not in before["tags"]


async def test_queryset_update_invalidates_without_help(backend, posts, client: AsyncClient):
    await warm(client, "/posts/?size=50")
    await Post.objects.all().aupdate(title="Bulk")  # no signal, but its SQL is observed
    assert set(titles(await client.get("/posts/?size=50"))) == {"Bulk"}


async def test_invalidate_model_by_hand(backend, posts, client: AsyncClient):
    """For writes no connection of this process makes: simulated here by a write the cache does not see."""
    await warm(client, "/posts/?size=50")
    await sync_to_async(_write_unobserved)("Elsewhere")
    assert "Elsewhere" not in titles(await client.get("/posts/?size=50"))  # cached, as it must be
    await ainvalidate_model(Post)
    assert set(titles(await client.get("/posts/?size=50"))) == {"Elsewhere"}
    await warm(client, "/posts/?size=50")
    await sync_to_async(_write_unobserved)("Elsewhere again")
    await sync_to_async(invalidate_model)(Post)
    assert set(titles(await client.get("/posts/?size=50"))) == {"Elsewhere again"}


def _write_unobserved(title: str) -> None:
    """A write through a second, unobserved path: another process or a tool outside Django would do this."""
    from django.db import connection

    from adrf_caching import observe

    connection.execute_wrappers.remove(observe._observer)
    try:
        Post.objects.all().update(title=title)
    finally:
        connection.execute_wrappers.insert(0, observe._observer)


async def test_bump_waits_for_commit(backend, posts, client: AsyncClient):
    await warm(client, "/posts/?size=50")

    def write_and_read_inside_transaction() -> None:
        with transaction.atomic():
            Post.objects.filter(pk=posts[0].pk).update(title="Uncommitted")
            invalidate_model(Post)
            post = Post.objects.get(pk=posts[4].pk)
            post.title = "Also uncommitted"
            post.save()
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        await sync_to_async(write_and_read_inside_transaction)()
    # Rolled back: no bump happened, the entry is still a hit and still right.
    async with count_queries() as hit:
        response = await client.get("/posts/?size=50")
    assert hit.value == 0
    assert "Uncommitted" not in titles(response)


async def test_a_rolled_back_write_is_not_bumped_by_the_next_commit(backend, posts, client: AsyncClient):
    await warm(client, "/posts/?size=50")

    def roll_back_then_commit_something_else() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            Post.objects.filter(pk=posts[0].pk).update(title="Uncommitted")
            raise RuntimeError("roll back")
        with transaction.atomic():
            Ticket.objects.create(tenant="z", title="unrelated")

    await sync_to_async(roll_back_then_commit_something_else)()
    async with count_queries() as hit:
        await client.get("/posts/?size=50")
    assert hit.value == 0


async def test_invalid_write_changes_nothing(backend, posts, alice, client: AsyncClient):
    before = await warm(client, "/posts/?size=50")
    bad = await client.post("/posts/", {"title": ""}, content_type="application/json", headers=auth(alice))
    assert bad.status_code == 400
    async with count_queries() as hit:
        response = await client.get("/posts/?size=50")
    assert hit.value == 0
    assert response.content == before


async def test_invalidate_fields_reach_old_and_new_owners(backend, posts, alice, bob, client: AsyncClient):
    # /my-titles/ is a plain cached APIView with no model dependency: only user bumps outdate it.
    from tests.conftest import make_user

    carol = await sync_to_async(make_user)("carol")
    assert "Post 0" in json.loads(await warm(client, "/my-titles/", **auth(alice)))["titles"]
    assert "Post 0" not in json.loads(await warm(client, "/my-titles/", **auth(bob)))["titles"]
    moved = await client.patch(
        f"/transfer-posts/{posts[0].pk}/",
        {"owner": bob.pk},
        content_type="application/json",
        headers=auth(carol),
    )
    assert moved.status_code == 200
    assert "Post 0" in json.loads((await client.get("/my-titles/", headers=auth(bob))).content)["titles"]
    assert (
        "Post 0" not in json.loads((await client.get("/my-titles/", headers=auth(alice))).content)["titles"]
    )


async def test_slug_lookup_after_the_slug_changes(backend, posts, alice, client: AsyncClient):
    url = "/slug-posts/post-0/"
    await warm(client, url, **auth(alice))
    renamed = await client.patch(
        url, {"slug": "post-zero"}, content_type="application/json", headers=auth(alice)
    )
    assert renamed.status_code == 200
    assert (await client.get(url, headers=auth(alice))).status_code == 404
    moved = await client.get("/slug-posts/post-zero/", headers=auth(alice))
    assert moved.status_code == 200 and json.loads(moved.content)["slug"] == "post-zero"


async def test_custom_id_detail_after_a_create(hits, posts, alice, client: AsyncClient):
    await learn(client, f"/uuid-posts/{posts[0].uuid}/", headers=auth(alice))  # the endpoint knows its tables
    author = await Author.objects.afirst()
    created = await client.post(
        "/uuid-posts/", new_post(7, author), content_type="application/json", headers=auth(alice)
    )
    assert created.status_code == 201
    uuid = json.loads(created.content)["uuid"]
    for outcome in ("miss", "hit"):
        detail = await client.get(f"/uuid-posts/{uuid}/", headers=auth(alice))
        assert detail.status_code == 200 and detail["X-Cache"] == outcome
        assert json.loads(detail.content)["title"] == "New 7"


async def test_generic_write_outdates_generic_list(backend, posts, alice, client: AsyncClient):
    await warm(client, "/generic/posts/?size=50", **auth(alice))
    author = await Author.objects.afirst()
    created = await client.post(
        "/generic/posts/", new_post(3, author), content_type="application/json", headers=auth(alice)
    )
    assert created.status_code == 201
    assert "New 3" in titles(await client.get("/generic/posts/?size=50", headers=auth(alice)))
    detail = f"/generic/posts/{posts[0].pk}/"
    await warm(client, detail, **auth(alice))
    await client.patch(
        detail, {"title": "Generic rename"}, content_type="application/json", headers=auth(alice)
    )
    assert json.loads((await client.get(detail, headers=auth(alice))).content)["title"] == "Generic rename"
