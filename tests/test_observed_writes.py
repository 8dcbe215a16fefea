"""Observed writes (issue 9): every statement that writes a table outdates what read it, signal or not.

No test here calls ``invalidate_model``: the paths below send no signal (or one without the
rows it touched), and the cache must still answer what the uncached view answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import AsyncClient, modify_settings

from tests.conftest import auth
from tests.testapp.models import Author, Editor, Membership, Post, Review, Share, Tag, Team
from tests.twins import HIT_HEADER, assert_same_as_uncached, prime, readers

pytestmark = pytest.mark.django_db(transaction=True)

SyncWrite = Callable[[dict[str, Any]], None]


def table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# -- writes to Post, read by the /posts/ viewset (list and detail) -----------------------------------


def queryset_update(world: dict[str, Any]) -> None:
    Post.objects.filter(pk=world["posts"][0].pk).update(title="Updated")


def bulk_create(world: dict[str, Any]) -> None:
    author = Author.objects.first()
    Post.objects.bulk_create([Post(title=f"Bulk {n}", slug=f"bulk-{n}", author=author) for n in range(2)])


def bulk_update(world: dict[str, Any]) -> None:
    posts = list(Post.objects.all())
    for post in posts:
        post.title = post.title + "!"
    Post.objects.bulk_update(posts, ["title"])


def raw_update(world: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table(Post)} SET title = %s WHERE id = %s", ["Raw", world["posts"][0].pk])


def raw_delete(world: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table(Post.tags.through)} WHERE post_id = %s", [world["posts"][0].pk])
        cursor.execute(f"DELETE FROM {table(Review)} WHERE post_id = %s", [world["posts"][0].pk])
        cursor.execute(f"DELETE FROM {table(Share)} WHERE post_id = %s", [world["posts"][0].pk])
        cursor.execute(f"DELETE FROM {table(Post)} WHERE id = %s", [world["posts"][0].pk])


def raw_lower_case_writes(world: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("update testapp_post set title = 'lower' where id = %s", [world["posts"][0].pk])
        cursor.executemany(
            "insert into testapp_post_tags (post_id, tag_id) values (%s, %s)",
            [(post.pk, Tag.objects.get(name="red").pk) for post in world["posts"][::2]],
        )


def raw_write_with_a_subquery(world: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "/* a comment first */ DELETE FROM testapp_post_tags WHERE tag_id IN"
            " (SELECT id FROM testapp_tag WHERE name = %s)",
            ["blue"],
        )


def raw_truncate(world: dict[str, Any]) -> None:
    """TRUNCATE on PostgreSQL; SQLite has none: a quoted DELETE of every row there."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE TABLE ONLY {table(Post.tags.through)} RESTART IDENTITY")
        else:
            cursor.execute(f"DELETE FROM {table(Post.tags.through)}")


def queryset_delete(world: dict[str, Any]) -> None:
    Post.objects.filter(pk=world["posts"][0].pk).delete()


def through_row_created(world: dict[str, Any]) -> None:
    red = Tag.objects.get(name="red")
    Post.tags.through.objects.create(post=world["posts"][0], tag=red)


def through_rows_bulk_created(world: dict[str, Any]) -> None:
    red = Tag.objects.get(name="red")
    Post.tags.through.objects.bulk_create([Post.tags.through(post=p, tag=red) for p in world["posts"][::2]])


def through_rows_deleted(world: dict[str, Any]) -> None:
    Post.tags.through.objects.filter(tag__name="red").delete()


def reverse_fk_remove(world: dict[str, Any]) -> None:
    world["alice"].posts.remove(world["posts"][0])  # Post.owner is nullable: an UPDATE, no signal


def reverse_fk_clear(world: dict[str, Any]) -> None:
    world["alice"].posts.clear()


def reverse_fk_set(world: dict[str, Any]) -> None:
    world["bob"].posts.set([world["posts"][0]])


def reverse_fk_add(world: dict[str, Any]) -> None:
    world["bob"].posts.add(world["posts"][1])


def author_update(world: dict[str, Any]) -> None:
    Author.objects.filter(name="Ann").update(name="Annie")


POST_WRITES: dict[str, SyncWrite] = {
    "queryset-update": queryset_update,
    "bulk-create": bulk_create,
    "bulk-update": bulk_update,
    "raw-update": raw_update,
    "raw-delete": raw_delete,
    "raw-lower-case": raw_lower_case_writes,
    "raw-with-a-subquery": raw_write_with_a_subquery,
    "raw-truncate": raw_truncate,
    "queryset-delete": queryset_delete,
    "m2m-through-row-created": through_row_created,
    "m2m-through-rows-bulk-created": through_rows_bulk_created,
    "m2m-through-rows-deleted": through_rows_deleted,
    "reverse-fk-remove": reverse_fk_remove,
    "reverse-fk-clear": reverse_fk_clear,
    "reverse-fk-set": reverse_fk_set,
    "reverse-fk-add": reverse_fk_add,
    "related-update": author_update,
}


@pytest.mark.parametrize("case", sorted(POST_WRITES))
async def test_a_write_without_a_signal_outdates_lists_and_details(hits, world, client: AsyncClient, case):
    users = readers(world)
    pk = world["posts"][0].pk
    urls = [("/posts/?size=50", "/uncached-posts/?size=50"), (f"/posts/{pk}/", f"/uncached-posts/{pk}/")]
    urls += [("/posts/?tag=red&size=50", "/uncached-posts/?tag=red&size=50")]
    urls += [("/c/staff-sees-all/", "/u/staff-sees-all/"), ("/c/related-filter/", "/u/related-filter/")]
    for cached_url, _ in urls:
        await prime(client, cached_url, users if "staff" not in cached_url else users[:2])
    await sync_to_async(POST_WRITES[case])(world)
    for cached_url, uncached_url in urls:
        who = users if "staff" not in cached_url else users[:2]
        await assert_same_as_uncached(client, cached_url, uncached_url, who)


# -- other tables: an explicit through model, SET_NULL, reverse FK of a nullable FK ---------------------


def membership_through_add(world: dict[str, Any]) -> None:
    world["team"].members.add(Author.objects.get(name="Ben"), through_defaults={"role": "guest"})


def membership_update(world: dict[str, Any]) -> None:
    Membership.objects.filter(team=world["team"]).update(role="owner")


def membership_bulk_create(world: dict[str, Any]) -> None:
    ben = Author.objects.get(name="Ben")
    Membership.objects.bulk_create([Membership(team=world["team"], author=ben, role="bulk")])


def membership_clear(world: dict[str, Any]) -> None:
    world["team"].members.clear()


def team_created(world: dict[str, Any]) -> None:
    Team.objects.bulk_create([Team(name="Bulk team")])


def editor_deleted(world: dict[str, Any]) -> None:
    world["editor"].delete()  # SET_NULL: Django UPDATEs the reviews


def editors_deleted_by_queryset(world: dict[str, Any]) -> None:
    Editor.objects.all().delete()


def editor_reviews_clear(world: dict[str, Any]) -> None:
    world["editor"].reviews.clear()  # reverse FK of a nullable FK: QuerySet.update()


def editor_reviews_set(world: dict[str, Any]) -> None:
    world["editor"].reviews.set(Review.objects.filter(editor__isnull=True))


def editor_reviews_add(world: dict[str, Any]) -> None:
    world["editor"].reviews.add(*Review.objects.filter(editor__isnull=True))


def review_text_by_update(world: dict[str, Any]) -> None:
    Review.objects.update(text="bulk edited")


OTHER_WRITES: dict[str, tuple[str, SyncWrite]] = {
    "through-model-add": ("teams/", membership_through_add),
    "through-model-update": ("teams/", membership_update),
    "through-model-bulk-create": ("teams/", membership_bulk_create),
    "through-model-clear": ("teams/", membership_clear),
    "bulk-create-team": ("teams/", team_created),
    "set-null-delete": ("reviews/", editor_deleted),
    "set-null-queryset-delete": ("reviews/", editors_deleted_by_queryset),
    "reverse-fk-clear": ("reviews/", editor_reviews_clear),
    "reverse-fk-set": ("reviews/", editor_reviews_set),
    "reverse-fk-add": ("reviews/", editor_reviews_add),
    "method-field-update": ("method-field/", review_text_by_update),
    "nested-update": ("chosen-serializer/", review_text_by_update),
}


@pytest.mark.parametrize("case", sorted(OTHER_WRITES))
async def test_a_write_to_another_table_by_any_path(hits, world, client: AsyncClient, case):
    path, write = OTHER_WRITES[case]
    users = readers(world)
    await prime(client, f"/c/{path}", users)
    await sync_to_async(write)(world)
    await assert_same_as_uncached(client, f"/c/{path}", f"/u/{path}", users)


# -- a plain cached APIView whose POST writes through the ORM ---------------------------------------


@pytest.mark.parametrize("board", ["tag-board", "sync-tag-board"])
@pytest.mark.parametrize("via", ["c", "u"])
async def test_a_plain_apiview_post_outdates_every_users_get(hits, world, client: AsyncClient, board, via):
    """The POST goes through the cached view (async or sync handlers) or around it, by the uncached twin."""
    users = readers(world)
    await prime(client, f"/c/{board}/", users)
    created = await client.post(
        f"/{via}/{board}/", {"name": "green"}, content_type="application/json", headers=auth(users[0])
    )
    assert created.status_code == 201
    bodies = await assert_same_as_uncached(client, f"/c/{board}/", f"/u/{board}/", users)
    assert bodies[1] == bodies[2] == {"tags": ["red", "blue", "green"]}


# -- a write bumps only the tables it wrote ---------------------------------------------------------


async def test_a_post_write_does_not_outdate_views_that_never_read_posts(hits, world, client: AsyncClient):
    bob = world["bob"]
    await prime(client, "/c/tag-board/", [bob, None])
    await prime(client, "/tag-count/", [None])
    pk = world["posts"][0].pk
    patched = await client.patch(
        f"/posts/{pk}/", {"title": "New"}, content_type="application/json", headers=auth(world["alice"])
    )
    assert patched.status_code == 200
    await Post.objects.filter(pk=pk).aupdate(body="changed")
    post = await Post.objects.aget(pk=pk)
    await post.asave()
    for url, user in (("/c/tag-board/", bob), ("/c/tag-board/", None), ("/tag-count/", None)):
        response = await client.get(url, headers=auth(user) if user else {})
        assert response[HIT_HEADER] == "hit", (url, user)


async def test_an_author_write_does_not_outdate_a_view_that_reads_only_posts(hits, world, client: AsyncClient):
    """``/c/staff-sees-all/`` serializes post ids and titles only: renaming an author leaves it current."""
    bob = world["bob"]
    await prime(client, "/c/staff-sees-all/", [bob])
    await Author.objects.filter(name="Ann").aupdate(name="Annie")
    assert (await client.get("/c/staff-sees-all/", headers=auth(bob)))[HIT_HEADER] == "hit"


# -- processes: observing writes needs the app installed ------------------------------------------------


def test_a_cached_view_without_the_app_installed_is_a_configuration_error():
    from django.core import checks

    from adrf_caching import cached
    from tests.testapp.observed_views import TagBoard

    with modify_settings(INSTALLED_APPS={"remove": "adrf_caching"}):
        try:
            cached(type("LateTagBoard", (TagBoard,), {"__module__": __name__}))
        except ImproperlyConfigured as exc:
            assert "adrf_caching" in str(exc) and "INSTALLED_APPS" in str(exc)
            return
        errors = [e for e in checks.run_checks() if e.level >= checks.ERROR]
        assert any("adrf_caching" in e.msg and "INSTALLED_APPS" in e.msg for e in errors), errors
