"""Observed reads (issue 9): an entry depends on every table its miss read, whatever the view's code looks like.

Each test primes a cached view for the writer, another user and anonymous until it hits, writes
by the path in question, then compares the cached answer with the uncached twin's, as each of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.test import AsyncClient

from tests.conftest import auth, count_queries, make_user
from tests.testapp.models import Author, Comment, Editor, Membership, Post, Review, Share, Tag, Team
from tests.testapp.observed_views import FlakyTags
from tests.twins import HIT_HEADER, assert_same_as_uncached, prime, readers

pytestmark = pytest.mark.django_db(transaction=True)

Write = Callable[[dict[str, Any]], Awaitable[None]]


async def rename_author(world: dict[str, Any], old: str = "Ben", new: str = "Abe") -> None:
    author = await Author.objects.aget(name=old)
    author.name = new
    await author.asave()


async def add_post_to_ann(world: dict[str, Any]) -> None:
    ann = await Author.objects.aget(name="Ann")
    await Post.objects.acreate(title="Fresh", slug="fresh", author=ann)


async def add_review(world: dict[str, Any]) -> None:
    await Review.objects.acreate(post=world["posts"][4], text="late review")


async def edit_review(world: dict[str, Any]) -> None:
    review = await Review.objects.order_by("id").afirst()
    assert review is not None
    review.text = "edited"
    await review.asave()


async def retitle_first_post(world: dict[str, Any]) -> None:
    post = await Post.objects.aget(pk=world["posts"][0].pk)
    post.title = "Retitled"
    await post.asave()


async def add_member(world: dict[str, Any]) -> None:
    ben = await Author.objects.aget(name="Ben")
    await Membership.objects.acreate(team=world["team"], author=ben, role="guest")


async def delete_editor(world: dict[str, Any]) -> None:
    await world["editor"].adelete()  # on_delete=SET_NULL: Django UPDATEs the reviews


# case -> (path under /c/ and /u/, the write)
DEPENDENCIES: dict[str, tuple[str, Write]] = {
    "related-filter": ("related-filter/", rename_author),
    "dotted-source": ("dotted-source/", rename_author),
    "annotation": ("annotated/", add_post_to_ann),
    "method-field": ("method-field/", add_review),
    "chosen-serializer": ("chosen-serializer/", edit_review),
    "context-serializer": ("context-serializer/", rename_author),
    "gfk-target-post": ("comments/", retitle_first_post),
    "gfk-target-author": ("comments/", lambda world: rename_author(world, "Ben", "Bert")),
    "through-model": ("teams/", add_member),
    "set-null": ("reviews/", delete_editor),
}


@pytest.mark.parametrize("case", sorted(DEPENDENCIES))
async def test_a_dependency_the_view_code_does_not_name(hits, world, client: AsyncClient, case):
    path, write = DEPENDENCIES[case]
    users = readers(world)
    await prime(client, f"/c/{path}", users)
    await write(world)
    await assert_same_as_uncached(client, f"/c/{path}", f"/u/{path}", users)


@pytest.mark.parametrize("case", ["method-field", "chosen-serializer", "context-serializer"])
async def test_a_detail_entry_depends_on_what_its_serializer_read(hits, world, client: AsyncClient, case):
    path = f"{DEPENDENCIES[case][0]}{world['posts'][0].pk}/"
    users = readers(world)
    await prime(client, f"/c/{path}", users)
    await Review.objects.acreate(post=world["posts"][0], text="new")
    await rename_author(world, "Ben", "Abe")
    await rename_author(world, "Ann", "Anna")
    await assert_same_as_uncached(client, f"/c/{path}", f"/u/{path}", users)


async def test_a_dependency_seen_only_on_some_requests(hits, world, client: AsyncClient):
    """The context serializer reads Author unless ``?lean``: the endpoint learns Author when a run first reads it."""
    users = readers(world)
    await prime(client, "/c/context-serializer/?lean=1", users)
    await prime(client, "/c/context-serializer/", users)
    await rename_author(world)
    await Post.objects.filter(pk=world["posts"][1].pk).aupdate(title="Lean too")
    for query in ("?lean=1", ""):
        await assert_same_as_uncached(client, f"/c/context-serializer/{query}", f"/u/context-serializer/{query}", users)


async def test_a_failed_first_request_does_not_freeze_what_the_view_depends_on(hits, world, client: AsyncClient):
    FlakyTags.warmed.clear()
    users = readers(world)
    first = await client.get("/c/flaky-tags/")
    assert first.status_code == 400  # the first request of the process fails
    assert (await client.get("/u/flaky-tags/")).status_code == 400
    await prime(client, "/c/flaky-tags/", users)
    await Tag.objects.acreate(name="green")
    tag = await Tag.objects.aget(name="red")
    tag.name = "crimson"
    await tag.asave()
    bodies = await assert_same_as_uncached(client, "/c/flaky-tags/", "/u/flaky-tags/", users)
    assert [t["name"] for t in bodies[0]] == ["crimson", "blue", "green"]


async def test_depends_on_still_seeds_the_tables(hits, world, client: AsyncClient):
    """``cached(TagCount, depends_on=[Tag])``: a Tag write outdates it like any observed read."""
    await prime(client, "/tag-count/", [None])
    await Tag.objects.acreate(name="green")
    response = await client.get("/tag-count/")
    assert response.json() == {"tags": 3}


# -- object permissions: has_object_permission runs within the traced miss ------------------------


async def test_a_hit_after_the_granting_row_is_deleted_answers_as_uncached(hits, world, client: AsyncClient):
    url = f"granted/{world['posts'][0].pk}/"
    users = readers(world)
    await prime(client, f"/c/{url}", users[:2])  # alice owns it; bob reads it through his Share
    await Share.objects.filter(user=world["bob"]).adelete()
    bodies = await assert_same_as_uncached(client, f"/c/{url}", f"/u/{url}", users)
    assert bodies[1] != bodies[0]  # bob no longer reads it


async def test_a_hit_after_the_granting_row_moves_answers_as_uncached(hits, world, client: AsyncClient):
    carol = await sync_to_async(make_user)("carol")
    url = f"granted/{world['posts'][0].pk}/"
    users = [*readers(world), carol]
    await prime(client, f"/c/{url}", users[:2])
    await Share.objects.filter(user=world["bob"]).aupdate(user=carol)  # no signal
    await assert_same_as_uncached(client, f"/c/{url}", f"/u/{url}", users)


async def test_a_hit_after_the_owner_changes_answers_as_uncached(hits, world, client: AsyncClient):
    post = world["posts"][1]  # alice's, not shared
    url = f"granted/{post.pk}/"
    await prime(client, f"/c/{url}", [world["alice"]])
    await Post.objects.filter(pk=post.pk).aupdate(owner=world["bob"])
    await assert_same_as_uncached(client, f"/c/{url}", f"/u/{url}", readers(world))


# -- who the user is: their own row, groups and permissions -------------------------------------------


async def test_the_users_own_row_changed_by_update(hits, world, client: AsyncClient):
    users = readers(world)[:2]
    for path in ("whoami/", "staff-sees-all/"):
        await prime(client, f"/c/{path}", users)
    await User.objects.filter(pk=world["alice"].pk).aupdate(is_staff=True)  # no signal
    for path in ("whoami/", "staff-sees-all/"):
        bodies = await assert_same_as_uncached(client, f"/c/{path}", f"/u/{path}", users)
    assert len(bodies[0]) == 5  # staff now reads every post


@pytest.mark.parametrize("whose", ["own", "other"])
async def test_a_view_listing_users_sees_any_users_row_change(hits, world, client: AsyncClient, whose):
    users = readers(world)
    await prime(client, "/c/user-directory/", users)
    changed = world["alice"] if whose == "own" else world["bob"]
    await User.objects.filter(pk=changed.pk).aupdate(is_staff=True)
    bodies = await assert_same_as_uncached(client, "/c/user-directory/", "/u/user-directory/", users)
    assert [changed.username, True] in bodies[0]["users"]


def _perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type=ContentType.objects.get_for_model(Post))


GroupWrite = Callable[[User, Group, Permission], None]


def join_group(user: User, group: Group, perm: Permission) -> None:
    group.user_set.add(user)


def clear_group(user: User, group: Group, perm: Permission) -> None:
    group.user_set.clear()  # m2m_changed without pk_set


def grant_from_permission_side(user: User, group: Group, perm: Permission) -> None:
    perm.user_set.add(user)


def grant_group_from_permission_side(user: User, group: Group, perm: Permission) -> None:
    perm.group_set.add(group)


def delete_group(user: User, group: Group, perm: Permission) -> None:
    group.delete()


def rename_group(user: User, group: Group, perm: Permission) -> None:
    Group.objects.filter(pk=group.pk).update(name="renamed")


def revoke_through_rows(user: User, group: Group, perm: Permission) -> None:
    User.user_permissions.through.objects.filter(user=user).delete()


IDENTITY_WRITES: dict[str, GroupWrite] = {
    "join-group": join_group,
    "group-user-set-clear": clear_group,
    "permission-user-set-add": grant_from_permission_side,
    "permission-group-set-add": grant_group_from_permission_side,
    "group-deleted": delete_group,
    "group-renamed-by-update": rename_group,
    "permission-rows-deleted": revoke_through_rows,
}


@pytest.mark.parametrize("case", sorted(IDENTITY_WRITES))
async def test_groups_and_permissions_changed_by_any_path(hits, world, client: AsyncClient, case):
    alice, bob = world["alice"], world["bob"]

    def setup() -> tuple[Group, Permission]:
        group = Group.objects.create(name="editors")
        group.permissions.add(_perm("change_post"))
        group.user_set.add(bob)
        if case != "join-group":
            group.user_set.add(alice)
        alice.user_permissions.add(_perm("view_post"))
        return group, _perm("delete_post")

    group, perm = await sync_to_async(setup)()
    users = [alice, bob]
    await prime(client, "/c/whoami/", users)
    await sync_to_async(IDENTITY_WRITES[case])(alice, group, perm)
    await assert_same_as_uncached(client, "/c/whoami/", "/u/whoami/", users)


# -- the hit path is unchanged: one round trip, no query -----------------------------------------------


async def test_a_hit_after_learning_makes_no_query(hits, world, client: AsyncClient):
    for path in ("teams/", "comments/", "method-field/", f"granted/{world['posts'][0].pk}/"):
        user = world["alice"] if path.startswith("granted") else None
        await prime(client, f"/c/{path}", [user])
        async with count_queries() as hit:
            response = await client.get(f"/c/{path}", headers=auth(user) if user else {})
        assert response[HIT_HEADER] == "hit"
        assert [sql for sql in hit.calls if 'FROM "auth_user"' not in sql] == [], (path, hit.calls)


@pytest.mark.parametrize("backend", ["native"], indirect=True)
async def test_a_hit_after_learning_is_one_round_trip(hits, world, client: AsyncClient):
    from tests.test_redis_backend import round_trips

    await prime(client, "/c/teams/", [None])
    with round_trips() as sent:
        async with count_queries() as hit:
            response = await client.get("/c/teams/")
    assert response[HIT_HEADER] == "hit"
    assert hit.value == 0, hit.calls
    assert len(sent) == 1, sent


async def test_comments_on_rows_of_several_models(hits, world, client: AsyncClient):
    """A GFK reaches whichever table its content type names: a comment on a tag depends on Tag too."""
    tag = await Tag.objects.aget(name="red")
    tag_type = await sync_to_async(ContentType.objects.get_for_model)(Tag)
    await Comment.objects.acreate(content_type=tag_type, object_id=tag.pk, text="on a tag")
    users = readers(world)
    await prime(client, "/c/comments/", users)
    await Tag.objects.filter(pk=tag.pk).aupdate(name="scarlet")
    await Editor.objects.acreate(name="unrelated")
    await Team.objects.acreate(name="unrelated")
    bodies = await assert_same_as_uncached(client, "/c/comments/", "/u/comments/", users)
    assert bodies[2][-1]["target_name"] == "scarlet"


# -- sync handlers, raw SQL reads, lazy querysets -------------------------------------------------------


@pytest.mark.parametrize("path", ["sync-tag-board/", "raw-tag-use/", "lazy-tags/"])
async def test_reads_in_a_sync_handler_raw_sql_or_the_renderer(hits, world, client: AsyncClient, path):
    users = readers(world)
    await prime(client, f"/c/{path}", users)
    red = await Tag.objects.aget(name="red")
    await sync_to_async(world["posts"][0].tags.add)(red)
    await Tag.objects.filter(name="blue").aupdate(name="navy")
    await assert_same_as_uncached(client, f"/c/{path}", f"/u/{path}", users)
