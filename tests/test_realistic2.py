"""Red team, round 2: views, settings and write paths written the way real Django/DRF projects write them.

As in tests/test_realistic.py: prime the cached twin (``/c/<name>/``) until it hits, write (or change the
request) by the path in question, then require the cached twin to answer what the uncached twin
(``/u/<name>/``) answers at that moment, as the writer, another user and anonymous. The hit-rate probes
require ordinary views to hit. Views: tests/testapp/realistic2_views.py.

Tests marked ``xfail(strict=True)`` are findings: the reason names what the library does not observe.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import Any

import django
import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import connection, connections, transaction
from django.db.models.signals import post_save, pre_save
from django.test import AsyncClient, override_settings
from django.utils import timezone

from adrf_caching import invalidate_model
from tests import twins
from tests.conftest import auth
from tests.test_realistic import prime_as, same_as, twin, with_middleware
from tests.test_stack import AUTHENTICATION, STARTPROJECT_MIDDLEWARE
from tests.testapp import realistic2_views
from tests.testapp.models import Announcement, Author, Organization, Post, Review, Tag
from tests.twins import all_same, assert_same_as_uncached, headers_of, prime, prime_all, readers, who

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("backend", ["locmem", "native"], indirect=True),
]

ON_POSTGRES = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="psycopg's sql composition: PostgreSQL only")


# -- A. a permission / initial() that loads what is in force *now* ------------------------------------------


@pytest.mark.parametrize("name", ["r2-notice", "r2-notice-initial"])
async def test_a_scheduled_row_loaded_by_a_permission_or_initial(hits, world, client, name):
    now = timezone.now()
    await Announcement.objects.acreate(text="old notice", publish_at=now - timezone.timedelta(days=1))
    await Announcement.objects.acreate(text="maintenance tonight", publish_at=now + timezone.timedelta(seconds=1.5))
    cached_url, plain_url = twin(name)
    users = readers(world)
    for user in users:
        for _ in range(3):
            await client.get(cached_url, headers=headers_of(user))
    await asyncio.sleep(1.6)
    bodies = await assert_same_as_uncached(client, cached_url, plain_url, users)
    assert bodies[0]["notice"] == "maintenance tonight"


# -- B. reads of every shape, F. write paths -------------------------------------------------------------------

READ_VIEWS = [
    twin("r2-values"),
    twin("r2-subquery"),
    twin("r2-window"),
    twin("r2-union"),
    twin("r2-raw"),
    twin("r2-extra"),
    twin("r2-cursor"),
    twin("r2-teams"),
    twin("r2-review-totals"),
    twin("r2-links"),
    twin("r2-links", "post-1/"),
    twin("r2-author-posts", "ann/posts/"),
    twin("r2-author-posts", "BEN/posts/"),
    twin("rt-paged-posts"),
    twin("rt-paged-posts", "?page=2"),
]


def w_bulk_update(world: dict[str, Any]) -> None:
    posts = list(Post.objects.order_by("id"))
    for post in posts:
        post.title = f"{post.title} (edited)"
    Post.objects.bulk_update(posts, ["title"], batch_size=2)


def w_update_or_create(world: dict[str, Any]) -> None:
    Post.objects.update_or_create(slug="post-1", defaults={"title": "Upserted"})
    Tag.objects.update_or_create(name="green", defaults={"name": "green"})
    if django.VERSION >= (5, 0):  # create_defaults is Django 5.0+
        Author.objects.update_or_create(name="Cy", create_defaults={"name": "Cy"}, defaults={"name": "Cy"})
    else:
        Author.objects.update_or_create(name="Cy", defaults={"name": "Cy"})


def w_cascade_delete(world: dict[str, Any]) -> None:
    Author.objects.filter(name="Ann").delete()  # posts 1, 3 -> their reviews, tag rows, shares


def w_m2m_set_through_defaults(world: dict[str, Any]) -> None:
    world["team"].members.set(Author.objects.all(), through_defaults={"role": "guest"})
    Post.objects.get(slug="post-1").tags.set(Tag.objects.all())


def w_post_save_signal(world: dict[str, Any]) -> None:
    def auto_review(sender: Any, instance: Post, created: bool, **kwargs: Any) -> None:
        Review.objects.create(post=instance, text="auto-review on save")  # the project's signal handler

    post_save.connect(auto_review, sender=Post, dispatch_uid="r2-auto-review")
    try:
        post = Post.objects.get(slug="post-4")
        post.body = "edited"
        post.save(update_fields=["body"])
    finally:
        post_save.disconnect(dispatch_uid="r2-auto-review", sender=Post)


def w_raw_schema_qualified(world: dict[str, Any]) -> None:
    schema = "public" if ON_POSTGRES else "main"
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{schema}"."testapp_tag" SET "name" = %s WHERE "name" = %s', ["crimson", "red"])
        cursor.execute("-- fix typo (ticket 123)\nupdate testapp_author set name = %s where name = %s", ["Anne", "Ann"])


def w_savepoint_rolled_back(world: dict[str, Any]) -> None:
    with transaction.atomic():
        Author.objects.filter(name="Ben").update(name="Benedict")
        try:
            with transaction.atomic():
                Tag.objects.update(name="gone")
                raise ValueError("validation failed")
        except ValueError:
            pass
        Review.objects.filter(text="Review 0").update(text="Review zero")


def w_on_commit_writes(world: dict[str, Any]) -> None:
    with transaction.atomic():
        post = Post.objects.get(slug="post-3")
        post.title = "Committed"
        post.save()
        transaction.on_commit(lambda: Review.objects.create(post=post, text="written after commit"))


def w_sqlite_executescript(world: dict[str, Any]) -> None:
    """A driver method past Django's execute wrappers (README, "Limits"): invalidated by hand, as it says."""
    with connection.cursor() as cursor:
        cursor.executescript("UPDATE testapp_post SET title = 'Scripted' WHERE slug = 'post-0';")
    invalidate_model(Post)


def w_psycopg_composed(world: dict[str, Any]) -> None:
    from psycopg import sql

    query = sql.SQL("UPDATE {} SET {} = %s WHERE {} = %s").format(
        sql.Identifier("testapp_post"), sql.Identifier("title"), sql.Identifier("slug")
    )
    with connection.cursor() as cursor:
        cursor.execute(query, ["Composed", "post-0"])


def w_postgres_copy(world: dict[str, Any]) -> None:
    """django-postgres-copy's from_csv(), in short: psycopg's COPY protocol, past Django's execute
    wrappers (README, "Limits"): invalidated by hand, as it says."""
    with connection.cursor() as cursor, cursor.copy("COPY testapp_tag (name) FROM STDIN") as copy:
        copy.write_row(["imported"])
    invalidate_model(Tag)


def w_postgres_two_statements(world: dict[str, Any]) -> None:
    """Two statements in one execute() (psycopg sends a query without parameters as it is)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = 5000; UPDATE testapp_post SET title = 'Two' WHERE slug = 'post-0'")


def w_postgres_do_block(world: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DO $$ BEGIN UPDATE testapp_post SET title = 'Done;' WHERE slug = 'post-1'; END $$")


def w_postgres_explain_analyze(world: dict[str, Any]) -> None:
    """EXPLAIN ANALYZE runs the statement it explains."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE UPDATE testapp_post SET title = 'Explained' WHERE slug = 'post-2'")


def w_postgres_prepared_statement(world: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("PREPARE retitle (text) AS UPDATE testapp_post SET title = $1 WHERE slug = 'post-0'")
        cursor.execute("EXECUTE retitle ('Prepared')")
        cursor.execute("DEALLOCATE retitle")


def w_postgres_procedure(world: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE PROCEDURE retitle() LANGUAGE SQL AS "
            "$$ UPDATE testapp_review SET text = 'By procedure' $$"
        )
        cursor.execute("CALL retitle()")


WRITES: dict[str, Any] = {
    "bulk_update": w_bulk_update,
    "update_or_create": w_update_or_create,
    "cascade_delete": w_cascade_delete,
    "m2m_set_through_defaults": w_m2m_set_through_defaults,
    "post_save_signal": w_post_save_signal,
    "raw_schema_qualified": w_raw_schema_qualified,
    "savepoint_rolled_back": w_savepoint_rolled_back,
    "on_commit_writes": w_on_commit_writes,
    "sqlite_executescript": pytest.param(
        w_sqlite_executescript,
        marks=pytest.mark.skipif(ON_POSTGRES, reason="SQLite's cursor"),
    ),
    "postgres_copy": pytest.param(
        w_postgres_copy,
        marks=postgres_only,
    ),
    "psycopg_composed": pytest.param(
        w_psycopg_composed,
        marks=postgres_only,
    ),
    **{
        name: pytest.param(write, marks=postgres_only)
        for name, write in {
            "postgres_two_statements": w_postgres_two_statements,
            "postgres_do_block": w_postgres_do_block,
            "postgres_explain_analyze": w_postgres_explain_analyze,
            "postgres_prepared_statement": w_postgres_prepared_statement,
            "postgres_procedure": w_postgres_procedure,
        }.items()
    },
}


@pytest.mark.parametrize("write", list(WRITES.values()), ids=list(WRITES))
async def test_f_write_paths(hits, world, client, write):
    await prime_all(client, world, READ_VIEWS)
    await sync_to_async(write)(world)
    await all_same(client, world, READ_VIEWS)


@postgres_only
async def test_b_psycopg_composed_read(hits, world, client):
    views = [twin("r2-composed")]
    await prime_all(client, world, views)
    await Post.objects.filter(slug="post-0").aupdate(title="Retitled")
    await all_same(client, world, views)


# -- F2. on_commit callbacks of the project that run before the library's bump ------------------------------


def admin_style_save(pk: int, title: str, *, fail: bool) -> None:
    """The admin's changeform_view: atomic(); the model's pre_save handler enqueues its reindexing on commit."""

    def reindex_on_commit(sender: Any, instance: Post, **kwargs: Any) -> None:
        transaction.on_commit(functools.partial(realistic2_views.enqueue_index, instance.pk, fail=fail))

    pre_save.connect(reindex_on_commit, sender=Post, dispatch_uid="r2-reindex")
    try:
        with transaction.atomic():
            post = Post.objects.get(pk=pk)
            post.title = title
            post.save()
    finally:
        pre_save.disconnect(dispatch_uid="r2-reindex", sender=Post)


async def test_f2_on_commit_callback_that_raises_before_the_bump(hits, world, client):
    post = world["posts"][1]
    views = [twin("rt-paged-posts"), twin("r2-values")]
    await prime_all(client, world, views)
    with pytest.raises(realistic2_views.BrokerDown):
        await sync_to_async(admin_style_save)(post.pk, "Reindexed", fail=True)
    assert await Post.objects.filter(pk=post.pk, title="Reindexed").aexists()  # committed
    await all_same(client, world, views)


async def test_f2_slow_on_commit_callback_before_the_bump(hits, world, client):
    post = world["posts"][1]
    views = [twin("rt-paged-posts")]
    await prime_all(client, world, views)
    realistic2_views.index_gate.clear()
    realistic2_views.index_calls.clear()

    def writer() -> None:
        try:
            admin_style_save(post.pk, "Slow commit", fail=False)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(300):
            if realistic2_views.index_calls:
                break
            await asyncio.sleep(0.01)
        assert realistic2_views.index_calls == [post.pk]
        assert await Post.objects.filter(pk=post.pk, title="Slow commit").aexists()  # committed
        await all_same(client, world, views)
    finally:
        realistic2_views.index_gate.set()
        await asyncio.get_running_loop().run_in_executor(None, thread.join)


# -- C. authentication libraries' patterns -------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("name", ["r2-stable-token-claims", "r2-expiring-token-claims"])
async def test_c_jwt_like_token_hits_and_claims_do_not_share(hits, world, client, name):
    cached_url, plain_url = twin(name)
    await prime_as(client, cached_url, bearer("alice.own.j1"), "alice, own scope")
    await prime_as(client, cached_url, bearer("bob.own.j3"), "bob, own scope")
    await same_as(client, cached_url, plain_url, bearer("alice.all.j2"), "alice, all scope")
    await same_as(client, cached_url, plain_url, bearer("alice.own.j9"), "alice, rotated token")
    await same_as(client, cached_url, plain_url, bearer("bob.all.j4"), "bob, all scope")
    await same_as(client, cached_url, plain_url, {}, "anonymous")
    await sync_to_async(User.objects.filter(username="alice").update)(is_active=False)
    await same_as(client, cached_url, plain_url, bearer("alice.own.j1"), "alice deactivated")


async def login(user: User) -> AsyncClient:
    return await twins.login(AsyncClient(), user)


@pytest.fixture
def session_stack(hits: str, settings: Any) -> Any:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **AUTHENTICATION}
    with override_settings(MIDDLEWARE=STARTPROJECT_MIDDLEWARE):
        yield hits


@pytest.mark.parametrize("name", ["r2-whoami", "r2-whoami-banner"])
async def test_c_impersonation_middleware(session_stack, world, name):
    with with_middleware("tests.testapp.realistic2_views.ImpersonateMiddleware"):
        alice, bob = world["alice"], world["bob"]
        await User.objects.filter(pk=alice.pk).aupdate(is_staff=True)
        alice = await User.objects.aget(pk=alice.pk)
        as_alice, as_bob = await login(alice), await login(bob)
        cached_url, plain_url = twin(name)
        await prime_as(as_alice, cached_url, {}, "alice herself")
        await prime_as(as_bob, cached_url, {}, "bob himself")
        await twins.set_session(as_alice, realistic2_views.IMPERSONATE_KEY, bob.pk)
        body = await same_as(as_alice, cached_url, plain_url, {}, "alice acting as bob")
        assert body["user"] == "bob"
        await same_as(as_bob, cached_url, plain_url, {}, "bob himself, after")
        await twins.pop_session(as_alice, realistic2_views.IMPERSONATE_KEY)
        await same_as(as_alice, cached_url, plain_url, {}, "alice herself again")


@pytest.mark.parametrize("change", ["deactivate", "delete", "unstaff", "password"])
async def test_c_account_changes_between_requests(session_stack, world, change):
    alice = world["alice"]
    await User.objects.filter(pk=alice.pk).aupdate(is_staff=True)
    alice = await User.objects.aget(pk=alice.pk)
    session_client = await login(alice)
    views = [twin("r2-session-posts"), twin("r2-staff-posts")]
    for cached_url, _ in views:
        await prime_as(session_client, cached_url, {}, "alice, session")
        await prime_as(AsyncClient(), cached_url, auth(alice), "alice, basic")

    def apply() -> None:
        user = User.objects.get(pk=alice.pk)
        if change == "deactivate":
            user.is_active = False
            user.save()
        elif change == "delete":
            Post.objects.filter(owner=user).update(owner=None)
            user.delete()
        elif change == "unstaff":
            user.is_staff = False
            user.save()
        else:
            user.set_password("changed")  # logs out other sessions (session auth hash)
            user.save()

    await sync_to_async(apply)()
    for cached_url, plain_url in views:
        await same_as(session_client, cached_url, plain_url, {}, f"alice, session, after {change}")
        await same_as(AsyncClient(), cached_url, plain_url, auth(alice), f"alice, basic, after {change}")


# -- D. hit rate in ordinary stacks ---------------------------------------------------------------------------


async def test_d_request_id_middleware_still_hits(hits, world):
    with with_middleware("tests.testapp.realistic2_views.RequestIdMiddleware"):
        client = AsyncClient()
        for name in ("r2-logged-in", "rt-paged-posts", "r2-values"):
            cached_url, plain_url = twin(name)
            await prime(client, cached_url, readers(world))
            await assert_same_as_uncached(client, cached_url, plain_url, readers(world))


async def test_d_lazy_tenant_attribute_still_hits(hits, world):
    await Organization.objects.acreate(name="Org A", slug="a")
    await Organization.objects.acreate(name="Org B", slug="b")
    with with_middleware("tests.testapp.realistic2_views.LazyOrgMiddleware"):
        client = AsyncClient()
        cached_url, plain_url = twin("r2-lazy-org")
        await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra={"X-Org": "b"})
        await prime(client, cached_url, readers(world), extra={"X-Org": "a"})


async def test_d_lazy_tenant_attribute_is_never_wrong(hits, world):
    await Organization.objects.acreate(name="Org A", slug="a")
    await Organization.objects.acreate(name="Org B", slug="b")
    with with_middleware("tests.testapp.realistic2_views.LazyOrgMiddleware"):
        client = AsyncClient()
        cached_url, plain_url = twin("r2-lazy-org")
        for org in ("a", "b", "a", "b"):
            await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra={"X-Org": org})
        await Organization.objects.filter(slug="a").aupdate(name="Org A renamed")
        await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra={"X-Org": "a"})


@pytest.mark.parametrize("save_every_request", [False, True])
async def test_d_session_stack_paginated_list_hits(session_stack, world, settings, save_every_request):
    settings.SESSION_SAVE_EVERY_REQUEST = save_every_request
    session_client = await login(world["alice"])
    for url in ("/c/rt-paged-posts/?page=2", "/c/r2-session-posts/", "/c/r2-logged-in/"):
        await prime_as(session_client, url, {}, f"alice, session, SESSION_SAVE_EVERY_REQUEST={save_every_request}")
    await same_as(session_client, "/c/rt-paged-posts/?page=2", "/u/rt-paged-posts/?page=2", {}, "alice")


async def test_d_head_get_accept_params_and_format(hits, world, client):
    cached_url, plain_url = twin("rt-paged-posts")
    for user in readers(world):
        for _ in range(3):
            head = await client.head(cached_url, headers=headers_of(user))
        plain_head = await client.head(plain_url, headers=headers_of(user))
        assert (head.status_code, head.content) == (plain_head.status_code, plain_head.content), who(user)
    await assert_same_as_uncached(client, cached_url, plain_url, readers(world))  # GET after HEADs
    await prime(client, cached_url, readers(world))
    head = await client.head(cached_url, headers=headers_of(world["alice"]))
    plain_head = await client.head(plain_url, headers=headers_of(world["alice"]))
    assert (head.status_code, head.content) == (plain_head.status_code, plain_head.content)
    versioned = {"Accept": "application/json; version=2"}
    await prime(client, cached_url, readers(world), extra={"Accept": "application/json; version=1"})
    await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra=versioned)
    await prime(client, cached_url + "?format=json", readers(world))
    await assert_same_as_uncached(client, cached_url + "?format=json", plain_url + "?format=json", readers(world))


async def test_d_trailing_slash_redirect(session_stack, world, client):
    for user in readers(world):
        cached = await client.get("/c/r2-values", headers=headers_of(user))
        plain = await client.get("/u/r2-values", headers=headers_of(user))
        assert (cached.status_code, cached.get("Location")) == (301, "/c/r2-values/")
        assert plain.status_code == 301
    await prime(client, "/c/r2-values/", readers(world))


# -- E. the clock in a filter ---------------------------------------------------------------------------------


async def test_e_localdate_filter_and_today_parameter(hits, world, client):
    await Announcement.objects.acreate(text="today", publish_at=timezone.now())
    cached_url, plain_url = twin("r2-today")
    today = timezone.localdate().isoformat()
    for _ in range(3):
        await assert_same_as_uncached(client, cached_url, plain_url, readers(world))
        await assert_same_as_uncached(client, f"{cached_url}?date={today}", f"{plain_url}?date={today}", readers(world))
    await prime(client, f"{cached_url}?date=2020-01-01", readers(world))
    await Announcement.objects.acreate(text="also today", publish_at=timezone.now())
    await assert_same_as_uncached(client, cached_url, plain_url, readers(world))


async def test_b_hyperlinks_behind_a_proxy(hits, world, client):
    """HyperlinkedModelSerializer links name the host: X-Forwarded-Host (USE_X_FORWARDED_HOST) and the scheme."""
    with override_settings(
        USE_X_FORWARDED_HOST=True, ALLOWED_HOSTS=["*"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        cached_url, plain_url = twin("r2-links", "post-2/")
        first = {"X-Forwarded-Host": "a.example", "X-Forwarded-Proto": "http"}
        await prime(client, cached_url, readers(world), extra=first)
        for extra in (
            {"X-Forwarded-Host": "b.example", "X-Forwarded-Proto": "http"},
            {"X-Forwarded-Host": "a.example", "X-Forwarded-Proto": "https"},
        ):
            bodies = await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra=extra)
            assert bodies[0]["url"].startswith(f"{extra['X-Forwarded-Proto']}://{extra['X-Forwarded-Host']}/")


async def test_d_a_view_showing_a_request_attribute_that_is_the_clock_is_never_a_hit(hits, world):
    """``request.start_time`` (a timing middleware) read by the view: its answer changes with every request."""
    with with_middleware("tests.testapp.realistic2_views.RequestIdMiddleware"):
        client = AsyncClient()
        cached_url, _ = twin("r2-served-at")
        seen = []
        for _ in range(4):
            response = await client.get(cached_url)
            assert response.status_code == 200 and response.get("X-Cache") != "hit"
            seen.append(response.json()["served_at"])
        assert len(set(seen)) == 4
