"""Differential test: random users, reads and writes against the cached API and its uncached twin.

Every read goes to both over the same database and must get the same answer. Writes go through
either API (and so through the cache's invalidation or around it), through the ORM, to related
models, to many-to-many links and to users' permissions, and by the paths that send no signal
(``QuerySet.update``, ``bulk_create``, ``bulk_update``, raw SQL, reverse-FK ``add/clear/set``,
through rows, ``on_delete=SET_NULL``), with no ``invalidate_model`` anywhere. Bounded here; for a long run:
``ADRF_DIFF_EXAMPLES=2000 bash scripts/test.sh tests/test_differential.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.test import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adrf_caching.store import get_store
from tests.conftest import auth, make_user
from tests.testapp.models import Author, Editor, Membership, Note, Post, Review, Tag, Team

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("ADRF_DIFF_EXAMPLES", "10"))
USERS = ["alice", "bob", "carol", None]
READS = [
    "/posts/",
    "/posts/?page=2",
    "/posts/?size=2&page=2",
    "/posts/?tag=red",
    "/posts/?tag=red&tag=blue",
    "/posts/?title=1",
    "/posts/titles/",
    "/posts/{post}/",
    "/notes/",
    "/staff-posts/",
    "/staff-posts/{post}/",
    "/c/reviews/",
    "/c/teams/",
    "/c/annotated/",
    "/c/method-field/{post}/",
    "/c/staff-sees-all/",
    "/c/related-filter/",
]
TWINS = {
    "/posts/": "/uncached-posts/",
    "/notes/": "/uncached-notes/",
    "/staff-posts/": "/uncached-staff-posts/",
    "/c/": "/u/",
}

users = st.sampled_from(USERS)
index = st.integers(min_value=0, max_value=20)
words = st.text(alphabet="abc1 ", min_size=1, max_size=6)
reads = st.tuples(st.just("read"), users, st.sampled_from(READS), index)
operations = st.one_of(
    st.tuples(st.just("create"), users, words, st.booleans()),
    st.tuples(st.just("update"), users, index, words, st.booleans()),
    st.tuples(st.just("delete"), users, index, st.booleans()),
    st.tuples(st.just("note"), users, words),
    st.tuples(st.just("orm_save"), index, words),
    st.tuples(st.just("orm_delete"), index),
    st.tuples(st.just("rename_author"), index, words),
    st.tuples(st.just("tag"), index, st.sampled_from(["red", "blue"])),
    st.tuples(st.just("staff"), st.sampled_from(["alice", "bob", "carol"]), st.booleans()),
    st.tuples(st.just("bulk_update"), words),
    st.tuples(st.just("qs_update"), index, words),
    st.tuples(st.just("bulk_create"), words),
    st.tuples(st.just("bulk_update_titles"), words),
    st.tuples(st.just("raw_update"), index, words),
    st.tuples(
        st.just("reverse_fk"), st.sampled_from(["add", "clear", "set"]), st.sampled_from(["alice", "bob"]), index
    ),
    st.tuples(st.just("through_row"), st.sampled_from(["add", "delete"]), index, st.sampled_from(["red", "blue"])),
    st.tuples(st.just("membership"), st.sampled_from(["add", "update", "delete"]), index, words),
    st.tuples(st.just("review"), st.sampled_from(["add", "edit", "delete_editor", "clear_editor"]), index, words),
    st.tuples(st.just("rename_author_by_update"), index, words),
)


def twin(path: str) -> str:
    for cached_prefix, plain_prefix in TWINS.items():
        if path.startswith(cached_prefix):
            return plain_prefix + path[len(cached_prefix) :]
    raise AssertionError(path)


def reset_world(alias: str) -> None:
    Team.objects.all().delete()
    Editor.objects.all().delete()
    Note.objects.all().delete()
    Post.objects.all().delete()
    Author.objects.all().delete()
    Tag.objects.all().delete()
    User.objects.exclude(username__in=["alice", "bob", "carol"]).delete()
    User.objects.update(is_staff=False)
    for name in ("alice", "bob", "carol"):
        if not User.objects.filter(username=name).exists():
            make_user(name)
    authors = [Author.objects.create(name=name) for name in ("Ann", "Ben")]
    red, blue = Tag.objects.create(name="red"), Tag.objects.create(name="blue")
    owner = User.objects.get(username="alice")
    for n in range(4):
        post = Post.objects.create(title=f"Post {n}", slug=f"s{n}", author=authors[n % 2], owner=owner)
        post.tags.set([red if n % 2 else blue])
    editor = Editor.objects.create(name="Eve")
    for post in Post.objects.order_by("id")[:2]:
        Review.objects.create(post=post, editor=editor, text="fine")
    team = Team.objects.create(name="Core")
    Membership.objects.create(team=team, author=authors[0], role="lead")
    caches[alias].clear()
    get_store().forget_owed()


async def pick(n: int) -> Post | None:
    found = [post async for post in Post.objects.order_by("id")]
    return found[n % len(found)] if found else None


async def compare(client: AsyncClient, user: str | None, template: str, n: int) -> None:
    post = await pick(n)
    path = template.format(post=post.pk if post else 0)
    headers = auth(user) if user else {}
    cached = await client.get(path, headers=headers)
    plain = await client.get(twin(path), headers=headers)
    assert cached.status_code == plain.status_code, (path, user)
    prefix = "/" + path.split("/")[1] + "/"
    expected = plain.content.replace(twin(prefix).encode(), prefix.encode())
    assert cached.content == expected, (path, user, cached.content, plain.content)


async def sweep(client: AsyncClient) -> None:
    """Every read as every user: warms the cache before the writes, checks everything after them."""
    for user in USERS:
        for template in READS:
            await compare(client, user, template, 0)


async def run(steps: list[tuple[tuple[Any, ...], tuple[Any, ...]]]) -> None:
    client = AsyncClient()
    await sweep(client)
    await sweep(client)  # the first misses of an endpoint only teach it its tables: the second store
    serial = 0
    for op, (_, reader, template, n) in steps:
        await apply(client, op, serial := serial + 1)
        await compare(client, reader, template, n)
    await sweep(client)


async def apply(client: AsyncClient, op: tuple[Any, ...], serial: int) -> None:
    """One write: through either API, through the ORM, to related rows, links or permissions."""
    kind = op[0]
    if kind in ("create", "update", "delete", "note"):
        user = op[1]
        headers = auth(user) if user else {}
        through_cache = op[-1] if kind != "note" else True
        base = "/posts/" if through_cache else "/uncached-posts/"
        if kind == "create":
            author = await Author.objects.afirst()
            body = {"title": op[2], "slug": f"c{serial}-{os.getpid()}", "author_id": author.pk}
            await client.post(base, json.dumps(body), content_type="application/json", headers=headers)
        elif kind == "update":
            post = await pick(op[2])
            if post:
                data = json.dumps({"title": op[3]})
                await client.patch(f"{base}{post.pk}/", data, content_type="application/json", headers=headers)
        elif kind == "delete":
            post = await pick(op[2])
            if post:
                await client.delete(f"{base}{post.pk}/", headers=headers)
        else:
            data = json.dumps({"text": op[2]})
            await client.post("/notes/", data, content_type="application/json", headers=headers)
    elif kind == "orm_save":
        post = await pick(op[1])
        if post:
            post.title = op[2]
            await post.asave()
    elif kind == "orm_delete":
        post = await pick(op[1])
        if post:
            await post.adelete()
    elif kind == "rename_author":
        author = await Author.objects.order_by("id").afirst()
        if author:
            author.name = op[2]
            await author.asave()
    elif kind == "tag":
        post = await pick(op[1])
        tag = await Tag.objects.aget(name=op[2])
        if post:
            await sync_to_async(post.tags.add)(tag)
    elif kind == "staff":
        user = await User.objects.aget(username=op[1])
        user.is_staff = op[2]
        await user.asave()
    elif kind == "bulk_update":
        await Post.objects.all().aupdate(body=op[1])  # no signal, no invalidate_model: observed
    else:
        await sync_to_async(apply_unsignalled)(op, serial)


def apply_unsignalled(op: tuple[Any, ...], serial: int) -> None:
    """Writes that send no signal (or one without the rows): only observing their SQL can see them."""
    kind = op[0]
    posts = list(Post.objects.order_by("id"))
    position = {"reverse_fk": 3, "through_row": 2, "review": 2}.get(kind)
    post = posts[op[position] % len(posts)] if posts and position is not None else None
    if kind == "qs_update" and posts:
        Post.objects.filter(pk=posts[op[1] % len(posts)].pk).update(title=op[2])
    elif kind == "bulk_create":
        author = Author.objects.order_by("id").first()
        Post.objects.bulk_create([Post(title=op[1], slug=f"b{serial}-{os.getpid()}", author=author)])
    elif kind == "bulk_update_titles":
        for each in posts:
            each.title = op[1] + each.title[:3]
        Post.objects.bulk_update(posts, ["title"])
    elif kind == "raw_update" and posts:
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Post._meta.db_table)
            cursor.execute(f"UPDATE {table} SET title = %s WHERE id = %s", [op[2], posts[op[1] % len(posts)].pk])
    elif kind == "reverse_fk":
        user = User.objects.get(username=op[2])
        if op[1] == "clear":
            user.posts.clear()  # Post.owner is nullable: Django runs QuerySet.update()
        elif post is not None:
            getattr(user.posts, op[1])([post] if op[1] == "set" else post)
    elif kind == "through_row" and post is not None:
        tag = Tag.objects.get(name=op[3])
        if op[1] == "add":
            Post.tags.through.objects.get_or_create(post=post, tag=tag)
        else:
            Post.tags.through.objects.filter(post=post, tag=tag).delete()
    elif kind == "membership":
        team = Team.objects.first()
        authors = list(Author.objects.order_by("id"))
        if team is None or not authors:
            return
        author = authors[op[2] % len(authors)]
        if op[1] == "add":
            team.members.add(author, through_defaults={"role": op[3]})
        elif op[1] == "update":
            Membership.objects.filter(team=team).update(role=op[3])
        else:
            Membership.objects.filter(author=author).delete()
    elif kind == "review" and post is not None:
        editor = Editor.objects.first()
        if op[1] == "add":
            Review.objects.create(post=post, editor=editor, text=op[3])
        elif op[1] == "edit":
            Review.objects.filter(post=post).update(text=op[3])
        elif op[1] == "delete_editor" and editor is not None:
            editor.delete()  # on_delete=SET_NULL: an UPDATE of the reviews
            Editor.objects.create(name="Eve")
        elif editor is not None:
            editor.reviews.clear()
    elif kind == "rename_author_by_update":
        authors = list(Author.objects.order_by("id"))
        if authors:
            Author.objects.filter(pk=authors[op[1] % len(authors)].pk).update(name=op[2])


def test_cached_api_answers_like_the_uncached_one(backend):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(st.lists(st.tuples(operations, reads), min_size=1, max_size=12))
    def check(steps: list[tuple[tuple[Any, ...], tuple[Any, ...]]]) -> None:
        reset_world(backend)
        asyncio.run(run(steps))

    check()
