"""Database views: an unmanaged model over ``CREATE VIEW`` reads tables that only the database knows;
the library asks it (observed, not inferred) and a write to a table under the view outdates the entry."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext

from adrf_caching import dbviews
from adrf_caching.observe import statement
from tests.testapp.models import Author, Post, Tag
from tests.twins import assert_same_as_uncached, prime, readers

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_database_names_the_tables_under_a_view_transitively():
    dbviews.forget()
    assert dbviews.under(connection, frozenset({"testapp_post_headlines"})) == {
        "testapp_headline_base",
        "testapp_post",
        "testapp_author",
    }
    assert dbviews.under(connection, frozenset({"testapp_post"})) == frozenset()  # a table: nothing under it


def test_what_the_database_said_is_asked_once_per_process():
    dbviews.forget()
    with CaptureQueriesContext(connection) as first:
        dbviews.under(connection, frozenset({"testapp_post_headlines"}))
    with CaptureQueriesContext(connection) as again:
        dbviews.under(connection, frozenset({"testapp_post_headlines", "testapp_post"}))
    assert len(first) >= 2 and len(again) == 0


def test_refresh_materialized_view_is_a_write_to_the_view():
    refreshed = statement("REFRESH MATERIALIZED VIEW CONCURRENTLY public.post_stats")
    assert refreshed.written == {"post_stats"}


async def test_writes_to_the_tables_under_a_view_outdate_its_readers(hits, world):
    client = AsyncClient()
    users = readers(world)
    await prime(client, "/c/headlines/", users)
    post = world["posts"][0]
    await Post.objects.filter(pk=post.pk).aupdate(title="Retitled under the view")
    first = await assert_same_as_uncached(client, "/c/headlines/", "/u/headlines/", users)
    assert ["Retitled under the view", post.author.name] in first[0]["rows"]
    await prime(client, "/c/headlines/", users)
    await Author.objects.filter(pk=post.author_id).aupdate(name="Renamed under two views")
    second = await assert_same_as_uncached(client, "/c/headlines/", "/u/headlines/", users)
    assert ["Retitled under the view", "Renamed under two views"] in second[0]["rows"]


async def test_a_view_the_database_cannot_resolve_is_served_but_not_stored(hits, world, monkeypatch):
    def cannot_say(*args: object) -> None:
        raise RuntimeError("no access to the catalog")

    dbviews.forget()
    monkeypatch.setattr(dbviews, "_ask", cannot_say)
    client = AsyncClient()
    for _ in range(4):
        response = await client.get("/c/headlines/")
        assert response.status_code == 200 and response.get("X-Cache") != "hit"
    monkeypatch.undo()
    dbviews.forget()
    await sync_to_async(dbviews.under)(connection, frozenset({"testapp_post_headlines"}))


def test_a_materialized_view_is_resolved_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("materialized views: PostgreSQL (CI runs this module there too)")
    with connection.cursor() as cursor:
        cursor.execute("CREATE MATERIALIZED VIEW testapp_title_snapshot AS SELECT title FROM testapp_headline_base")
    try:
        dbviews.forget()
        assert dbviews.under(connection, frozenset({"testapp_title_snapshot"})) == {
            "testapp_headline_base",
            "testapp_post",
        }
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP MATERIALIZED VIEW testapp_title_snapshot")
        dbviews.forget()


def test_a_view_definition_as_mysql_and_mariadb_store_it_names_its_relations():
    stored = "select `a`.`id` AS `id` from (`test`.`v1` `a` join `test`.`t_post` `b` on(`a`.`id` = `b`.`id`))"
    assert statement(stored).tables == {"v1", "t_post"}
    assert statement("SELECT * FROM (SELECT id FROM x) s JOIN ( y ) ON 1").tables == {"x", "y"}  # no "select"


def test_a_failing_catalog_query_leaves_the_writers_transaction_usable(monkeypatch):
    """PostgreSQL aborts a transaction at its first failing statement: the question is asked in a savepoint."""

    def failing(connection, name: str) -> frozenset[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_relation_anywhere")
        return frozenset()

    dbviews.forget()
    monkeypatch.setattr(dbviews, "_ask", failing)
    with transaction.atomic():
        Tag.objects.create(name="written while the catalog fails")  # the write asks about testapp_tag
        assert Tag.objects.filter(name="written while the catalog fails").exists()  # still usable
    assert Tag.objects.filter(name="written while the catalog fails").exists()
    dbviews.forget()


def test_a_write_while_a_query_is_still_being_read_inside_a_transaction(posts):
    """The catalog question of a first write may come while the writer still iterates a query."""
    dbviews.forget()
    with transaction.atomic():
        for post in Post.objects.all().iterator(chunk_size=1):
            Tag.objects.create(name=f"for {post.pk}")
    assert Tag.objects.filter(name__startswith="for ").count() == len(posts)
    assert dbviews.sources(connection, "testapp_tag") == frozenset()
