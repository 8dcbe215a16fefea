"""Red team, round 4: the SQL that real projects run, observed by the library.

Model inheritance (multi-table, proxies with their own manager, abstract bases, Python cascades through
several levels, GenericRelation deletes), unusual table names ("Legacy_Items", "order", "shop_item" beside
"shop_item_tags", "user_data"), raw SQL reads of every shape over tables and views no model describes, raw
SQL writes of every shape, ORM reads of every shape, and DRF features that read other tables. As in
tests/test_realistic3.py: prime the cached twin (``/c/<name>/``), write by the path in question, then
require the cached twin to answer what the uncached twin (``/u/<name>/``) answers at that moment, as the
writer, another user and anonymous. Views: tests/testapp/realistic4_views.py.

Every test asserts cached == uncached: a failing test is a wrong answer.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db import connection
from django.db.models import F, OuterRef, Subquery
from django.test import AsyncClient

from tests.test_realistic import twin
from tests.testapp import realistic4_views
from tests.testapp.models import (
    Announcement,
    Author,
    Comment,
    Editor,
    PageCounter,
    Post,
    R4Dish,
    R4DishReview,
    R4LegacyItem,
    R4OpenPlace,
    R4Order,
    R4Place,
    R4Restaurant,
    R4ShopItem,
    R4ShopItemTag,
    R4UserData,
    Review,
    Share,
    Tag,
)
from tests.twins import HIT_HEADER, all_same, assert_same_as_uncached, headers_of, prime, prime_all, readers, who

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("backend", ["locmem", "native"], indirect=True),
]

ON_POSTGRES = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL SQL")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite SQL")

Write = Callable[[dict[str, Any]], None]


def sql(text: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(text, params or [])


@pytest.fixture
def r4(world: dict[str, Any]) -> dict[str, Any]:
    """``world`` plus places and restaurants, dishes and their reviews, notes on places, a shop, legacy rows,
    ratings in a table no model describes, and announcements of 2020."""
    posts = world["posts"]
    sql("DELETE FROM r4_legacy_ratings")  # a table no model describes: not flushed between tests
    for n, post in enumerate(posts[:3]):
        sql("INSERT INTO r4_legacy_ratings (post_id, stars) VALUES (%s, %s)", [post.pk, 3 + n % 3])
    luigi = R4Restaurant.objects.create(name="Luigi's", address="1 Main St", serves_pizza=True)
    sushi = R4Restaurant.objects.create(name="Sushi Bar", address="5 Harbour Rd")
    park = R4Place.objects.create(name="Park", address="Green Lane")
    R4Place.objects.create(name="Old Mill", address="River Rd", closed=True)
    margherita = R4Dish.objects.create(restaurant=luigi, name="Margherita")
    nigiri = R4Dish.objects.create(restaurant=sushi, name="Nigiri")
    R4DishReview.objects.create(dish=margherita, stars=5)
    R4DishReview.objects.create(dish=nigiri, stars=4)
    place_type = ContentType.objects.get_for_model(R4Place)
    Comment.objects.create(content_type=place_type, object_id=luigi.pk, text="great crust")
    Comment.objects.create(content_type=place_type, object_id=park.pk, text="dogs welcome")
    lamp, chair = R4ShopItem.objects.create(name="Lamp"), R4ShopItem.objects.create(name="Chair")
    R4ShopItemTag.objects.create(item=lamp, tag="sale")
    R4ShopItemTag.objects.create(item=lamp, tag="new")
    R4Order.objects.create(item=lamp, quantity=2)
    R4Order.objects.create(item=chair, quantity=1)
    R4LegacyItem.objects.create(label="Lamp cord", price=3)
    R4LegacyItem.objects.create(label="Bulb", price=1)
    R4UserData.objects.create(user=world["alice"], key="theme", value="light")
    R4UserData.objects.create(user=world["bob"], key="theme", value="solarized")
    Announcement.objects.create(text="a", publish_at=datetime.datetime(2020, 1, 15, 9, tzinfo=datetime.timezone.utc))
    Announcement.objects.create(text="b", publish_at=datetime.datetime(2020, 3, 2, 18, tzinfo=datetime.timezone.utc))
    return {**world, "luigi": luigi, "sushi": sushi, "park": park, "lamp": lamp, "chair": chair}


async def write_then_compare(
    client: AsyncClient, world: dict[str, Any], views: list[tuple[str, str]], write: Write
) -> None:
    await prime_all(client, world, views)
    before = await plain_answers(client, world, views)
    await sync_to_async(write)(world)
    await all_same(client, world, views)
    assert await plain_answers(client, world, views) != before, "the write changed no answer: the test shows nothing"


async def plain_answers(client: AsyncClient, world: dict[str, Any], views: list[tuple[str, str]]) -> list[Any]:
    answers = []
    for _, plain_url in views:
        for user in readers(world):
            response = await client.get(plain_url, headers=headers_of(user))
            answers.append((response.status_code, response.content))
    return answers


# -- 1. model inheritance, proxies, Python cascades, GenericRelation -------------------------------------------

INHERITANCE_VIEWS = [
    twin("r4-places"),
    twin("r4-restaurants"),
    twin("r4-restaurants", "?limit=1&offset=1"),
    twin("r4-open-places"),
    twin("r4-dish-reviews"),
]


def w_parent_queryset_update(world: dict[str, Any]) -> None:
    R4Place.objects.filter(name="Luigi's").update(address="9 New St")


def w_child_queryset_update_of_parent_field(world: dict[str, Any]) -> None:
    R4Restaurant.objects.filter(serves_pizza=True).update(name="Luigi's Trattoria")


def w_parent_instance_save(world: dict[str, Any]) -> None:
    place = R4Place.objects.get(name="Sushi Bar")
    place.name = "Sushi Place"
    place.save()


def w_child_instance_save_parent_field(world: dict[str, Any]) -> None:
    restaurant = R4Restaurant.objects.get(name="Sushi Bar")
    restaurant.address = "6 Harbour Rd"
    restaurant.save(update_fields=["address"])


def w_proxy_queryset_update(world: dict[str, Any]) -> None:
    R4OpenPlace.objects.filter(name="Park").update(closed=True)


def w_proxy_instance_save(world: dict[str, Any]) -> None:
    place = R4OpenPlace.objects.get(name="Park")
    place.name = "Central Park"
    place.save()


def w_parent_delete_cascades(world: dict[str, Any]) -> None:
    """Deleting the parent row: the child row, its dishes, their reviews and its notes go (Python cascade)."""
    R4Place.objects.filter(name="Luigi's").delete()


def w_child_instance_delete(world: dict[str, Any]) -> None:
    R4Restaurant.objects.get(name="Sushi Bar").delete()


def w_dish_delete_cascades(world: dict[str, Any]) -> None:
    R4Dish.objects.filter(name="Margherita").delete()


def w_note_added_through_generic_relation(world: dict[str, Any]) -> None:
    R4Place.objects.get(name="Luigi's").notes.create(text="closed on mondays")


def w_notes_deleted_through_generic_relation(world: dict[str, Any]) -> None:
    R4Place.objects.get(name="Park").notes.all().delete()


def w_child_create(world: dict[str, Any]) -> None:
    taco = R4Restaurant.objects.create(name="Taco Stand", address="Market Sq")
    R4Dish.objects.create(restaurant=taco, name="Al pastor")


def w_child_update_or_create(world: dict[str, Any]) -> None:
    R4Restaurant.objects.update_or_create(name="Sushi Bar", defaults={"serves_pizza": True, "address": "2 Fish Rd"})


def w_dish_review_create(world: dict[str, Any]) -> None:
    R4DishReview.objects.create(dish=R4Dish.objects.get(name="Nigiri"), stars=1)


INHERITANCE_WRITES: dict[str, Write] = {
    "parent_queryset_update": w_parent_queryset_update,
    "child_queryset_update_of_parent_field": w_child_queryset_update_of_parent_field,
    "parent_instance_save": w_parent_instance_save,
    "child_instance_save_parent_field": w_child_instance_save_parent_field,
    "proxy_queryset_update": w_proxy_queryset_update,
    "proxy_instance_save": w_proxy_instance_save,
    "parent_delete_cascades": w_parent_delete_cascades,
    "child_instance_delete": w_child_instance_delete,
    "dish_delete_cascades": w_dish_delete_cascades,
    "note_added_through_generic_relation": w_note_added_through_generic_relation,
    "notes_deleted_through_generic_relation": w_notes_deleted_through_generic_relation,
    "child_create": w_child_create,
    "child_update_or_create": w_child_update_or_create,
    "dish_review_create": w_dish_review_create,
}


@pytest.mark.parametrize("write", list(INHERITANCE_WRITES.values()), ids=list(INHERITANCE_WRITES))
async def test_1_model_inheritance(hits, r4, client, write):
    await write_then_compare(client, r4, INHERITANCE_VIEWS, write)


# -- 2. unusual table names ---------------------------------------------------------------------------------

TABLE_NAME_VIEWS = [twin("r4-shop"), twin("r4-raw", "?q=quoted_legacy")]


def w_legacy_raw_lower_case(world: dict[str, Any]) -> None:
    sql('/* repricing job */\n  update "Legacy_Items"\n     set price = price + 1\n   where label = %s', ["Lamp cord"])


def w_legacy_orm(world: dict[str, Any]) -> None:
    R4LegacyItem.objects.filter(label="Bulb").update(price=F("price") * 2)


def w_legacy_bulk_create(world: dict[str, Any]) -> None:
    R4LegacyItem.objects.bulk_create([R4LegacyItem(label="Shade", price=7)])


def w_order_orm(world: dict[str, Any]) -> None:
    R4Order.objects.create(item=R4ShopItem.objects.get(name="Chair"), quantity=3)


def w_order_raw_insert_select(world: dict[str, Any]) -> None:
    sql('INSERT INTO "order" (item_id, quantity) SELECT id, 7 FROM shop_item WHERE name = %s', ["Lamp"])


def w_order_raw_update(world: dict[str, Any]) -> None:
    sql('UPDATE "order" SET quantity = quantity + 10')


def w_prefix_table_orm(world: dict[str, Any]) -> None:
    R4ShopItemTag.objects.create(item=R4ShopItem.objects.get(name="Chair"), tag="new")


def w_prefix_table_raw_delete(world: dict[str, Any]) -> None:
    sql("DELETE FROM shop_item_tags WHERE tag = %s", ["sale"])


def w_shop_item_raw_rename(world: dict[str, Any]) -> None:
    sql("UPDATE shop_item SET name = %s WHERE name = %s", ["Desk lamp", "Lamp"])


def w_shop_item_delete_cascades(world: dict[str, Any]) -> None:
    R4ShopItem.objects.filter(name="Lamp").delete()


def w_user_data(world: dict[str, Any]) -> None:
    R4UserData.objects.filter(user=world["alice"]).update(value="dark")


def w_user_data_raw(world: dict[str, Any]) -> None:
    sql("update user_data set value = %s where key = %s", ["high-contrast", "theme"])


TABLE_NAME_WRITES: dict[str, Write] = {
    "legacy_raw_lower_case": w_legacy_raw_lower_case,
    "legacy_orm": w_legacy_orm,
    "legacy_bulk_create": w_legacy_bulk_create,
    "order_orm": w_order_orm,
    "order_raw_insert_select": w_order_raw_insert_select,
    "order_raw_update": w_order_raw_update,
    "prefix_table_orm": w_prefix_table_orm,
    "prefix_table_raw_delete": w_prefix_table_raw_delete,
    "shop_item_raw_rename": w_shop_item_raw_rename,
    "shop_item_delete_cascades": w_shop_item_delete_cascades,
    "user_data": w_user_data,
    "user_data_raw": w_user_data_raw,
}


@pytest.mark.parametrize("write", list(TABLE_NAME_WRITES.values()), ids=list(TABLE_NAME_WRITES))
async def test_2_unusual_table_names(hits, r4, client, write):
    await write_then_compare(client, r4, TABLE_NAME_VIEWS, write)


# -- 3. raw SQL reads ----------------------------------------------------------------------------------------


def w_rating_raw_update(world: dict[str, Any]) -> None:
    sql("UPDATE r4_legacy_ratings SET stars = stars + 1 WHERE post_id = %s", [world["posts"][0].pk])


def w_rating_raw_insert_select(world: dict[str, Any]) -> None:
    sql("INSERT INTO r4_legacy_ratings (post_id, stars) SELECT id, 5 FROM testapp_post WHERE slug = %s", ["post-4"])


def w_post_create(world: dict[str, Any]) -> None:
    Post.objects.create(title="Post 7", slug="post-7", author=Author.objects.get(name="Ann"))


def w_editor_rename(world: dict[str, Any]) -> None:
    Editor.objects.filter(name="Eve").update(name="Eva")


def w_author_rename(world: dict[str, Any]) -> None:
    Author.objects.filter(name="Ben").update(name="Benjamin")


def w_legacy_items_raw(world: dict[str, Any]) -> None:
    sql('UPDATE "Legacy_Items" SET price = price + 5 WHERE label = %s', ["Bulb"])


RAW_READ_WRITES: dict[str, Write] = {
    "legacy_items_raw": w_legacy_items_raw,
    "rating_raw_update": w_rating_raw_update,
    "rating_raw_insert_select": w_rating_raw_insert_select,
    "post_create": w_post_create,
    "editor_rename": w_editor_rename,
    "author_rename": w_author_rename,
}


async def writes_one_by_one(
    client: AsyncClient, world: dict[str, Any], views: list[tuple[str, str]], writes: dict[str, Write] | None = None
) -> None:
    """Each write in turn, the cached twin primed (stored and hit) before each."""
    before = await plain_answers(client, world, views)
    for name, write in (writes or RAW_READ_WRITES).items():
        await prime_all(client, world, views)
        await sync_to_async(write)(world)
        for cached_url, plain_url in views:
            for user in readers(world):
                cached = await client.get(cached_url, headers=headers_of(user))
                plain = await client.get(plain_url, headers=headers_of(user))
                got, expected = (cached.status_code, cached.json()), (plain.status_code, plain.json())
                assert got == expected, (
                    f"after {name}: {cached_url} as {who(user)} ({cached.get(HIT_HEADER)}): "
                    f"cached {got} != uncached {expected}"
                )
    assert await plain_answers(client, world, views) != before, "the writes changed no answer: the test shows nothing"


RAW_READS = [
    *realistic4_views.RAW_QUERIES,
    *(pytest.param(name, marks=postgres_only) for name in realistic4_views.POSTGRES_RAW_QUERIES if name != "function"),
]


@pytest.mark.parametrize("query", RAW_READS)
async def test_3a_raw_sql_reads(hits, r4, client, query):
    await writes_one_by_one(client, r4, [twin("r4-raw", f"?q={query}")])


@postgres_only
async def test_3a_a_database_function_s_reads_named_with_depends_on(hits, r4, client):
    """What a SQL function reads is not observed (README, "Limits"): the view names its table."""
    await writes_one_by_one(client, r4, [twin("r4-function", "?q=function")])


async def test_3b_raw_extra_and_rawsql_annotations(hits, r4, client):
    await writes_one_by_one(client, r4, [twin("r4-orm-raw")])


# -- 4. raw SQL writes ---------------------------------------------------------------------------------------

RAW_WRITE_READERS = [
    twin("r4-raw", "?q=comma_models"),
    twin("r4-raw", "?q=join_legacy"),
    twin("r4-orm", "?q=count_distinct"),
    twin("r4-orm", "?q=aggregate"),
    twin("r4-orm-raw"),
]


def w_insert_select(world: dict[str, Any]) -> None:
    sql("INSERT INTO testapp_review (post_id, text) SELECT id, 'copied' FROM testapp_post WHERE slug = %s", ["post-3"])


def w_update_scalar_subquery(world: dict[str, Any]) -> None:
    sql(
        "UPDATE testapp_post SET title = (SELECT name FROM testapp_author WHERE testapp_author.id = "
        "testapp_post.author_id) || ' writes' WHERE slug = %s",
        ["post-1"],
    )


def w_upsert_on_conflict(world: dict[str, Any]) -> None:
    ann = Author.objects.get(name="Ann")
    sql(
        "INSERT INTO testapp_post (title, slug, uuid, body, published, author_id) VALUES (%s, %s, %s, '', %s, %s) "
        "ON CONFLICT (slug) DO UPDATE SET title = excluded.title",
        ["Post 0 upserted", "post-0", uuid.uuid4().hex, True, ann.pk],
    )


def w_bulk_create_update_conflicts(world: dict[str, Any]) -> None:
    ann = Author.objects.get(name="Ann")
    Post.objects.bulk_create(
        [
            Post(title="Post 2 upserted", slug="post-2", author=ann),
            Post(title="Brand new", slug="brand-new", author=ann),
        ],
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=["title"],
    )


def w_update_or_create(world: dict[str, Any]) -> None:
    Post.objects.update_or_create(slug="post-3", defaults={"title": "Post 3 v2"})
    Post.objects.update_or_create(slug="post-8", defaults={"title": "Post 8", "author": Author.objects.get(name="Ben")})


def w_update_with_related_subquery(world: dict[str, Any]) -> None:
    Post.objects.filter(slug__in=["post-0", "post-4"]).update(
        title=Subquery(Author.objects.filter(pk=OuterRef("author_id")).values("name")[:1])
    )


def w_comment_lower_case_newlines(world: dict[str, Any]) -> None:
    sql(
        "-- nightly fix (ticket 42)\n\n   update\n\ttestapp_review\n   set text = %s\n where text = %s",
        ["fixed", "Review 1"],
    )


def w_block_comment_delete(world: dict[str, Any]) -> None:
    sql("/* app:reports */ DELETE FROM testapp_review WHERE text = %s", ["Review 0"])


def w_sqlite_update_or_ignore(world: dict[str, Any]) -> None:
    sql("UPDATE OR IGNORE testapp_post SET title = %s WHERE slug = %s", ["Post 1 (or ignore)", "post-1"])


def w_sqlite_update_or_replace(world: dict[str, Any]) -> None:
    sql("UPDATE OR REPLACE testapp_author SET name = %s WHERE name = %s", ["Benedict", "Ben"])


def w_sqlite_insert_or_replace(world: dict[str, Any]) -> None:
    sql("INSERT OR REPLACE INTO r4_legacy_ratings (post_id, stars) VALUES (%s, 1)", [world["posts"][1].pk])


def w_pg_update_from(world: dict[str, Any]) -> None:
    sql(
        "UPDATE testapp_post p SET title = a.name || ' rules' FROM testapp_author a "
        "WHERE a.id = p.author_id AND p.slug = %s",
        ["post-0"],
    )


def w_pg_delete_using(world: dict[str, Any]) -> None:
    sql("DELETE FROM testapp_review r USING testapp_post p WHERE r.post_id = p.id AND p.slug = %s", ["post-0"])


def w_pg_data_modifying_cte(world: dict[str, Any]) -> None:
    sql(
        "WITH moved AS (UPDATE testapp_review SET text = 'moved' WHERE text = 'Review 1' RETURNING post_id) "
        "UPDATE testapp_post SET title = 'has a moved review' WHERE id IN (SELECT post_id FROM moved)"
    )


def w_pg_legacy_rating_upsert(world: dict[str, Any]) -> None:
    sql(
        "INSERT INTO r4_legacy_ratings (post_id, stars) SELECT id, 2 FROM testapp_post WHERE slug = %s "
        "ON CONFLICT DO NOTHING",
        ["post-3"],
    )


RAW_WRITES = {
    "insert_select": w_insert_select,
    "update_scalar_subquery": w_update_scalar_subquery,
    "upsert_on_conflict": w_upsert_on_conflict,
    "bulk_create_update_conflicts": w_bulk_create_update_conflicts,
    "update_or_create": w_update_or_create,
    "update_with_related_subquery": w_update_with_related_subquery,
    "comment_lower_case_newlines": w_comment_lower_case_newlines,
    "block_comment_delete": w_block_comment_delete,
}
SQLITE_RAW_WRITES = {
    "sqlite_update_or_ignore": w_sqlite_update_or_ignore,
    "sqlite_update_or_replace": w_sqlite_update_or_replace,
    "sqlite_insert_or_replace": w_sqlite_insert_or_replace,
}


def w_pg_updatable_view(world: dict[str, Any]) -> None:
    """An auto-updatable view over the posts (what a legacy client is granted instead of the table)."""
    sql("UPDATE r4_post_titles SET title = %s WHERE slug = %s", ["Post 2 via view", "post-2"])


def w_pg_updatable_view_in_schema(world: dict[str, Any]) -> None:
    """The same, the view living in a reporting schema and named with it."""
    sql("UPDATE r4_reporting.post_titles SET title = %s WHERE slug = %s", ["Post 3 via schema view", "post-3"])


POSTGRES_RAW_WRITES = {
    "pg_updatable_view": w_pg_updatable_view,
    "pg_updatable_view_in_schema": w_pg_updatable_view_in_schema,
    "pg_update_from": w_pg_update_from,
    "pg_delete_using": w_pg_delete_using,
    "pg_data_modifying_cte": w_pg_data_modifying_cte,
    "pg_legacy_rating_upsert": w_pg_legacy_rating_upsert,
}


@pytest.mark.parametrize(
    "write",
    [
        *(pytest.param(write, id=name) for name, write in RAW_WRITES.items()),
        *(pytest.param(write, id=name, marks=sqlite_only) for name, write in SQLITE_RAW_WRITES.items()),
        *(pytest.param(write, id=name, marks=postgres_only) for name, write in POSTGRES_RAW_WRITES.items()),
    ],
)
async def test_4_raw_sql_writes(hits, r4, client, write):
    await write_then_compare(client, r4, RAW_WRITE_READERS, write)


# -- 5. ORM reads of every shape ---------------------------------------------------------------------------


def w_post_with_tag_and_review(world: dict[str, Any]) -> None:
    post = Post.objects.create(title="Post 5", slug="post-5", author=Author.objects.get(name="Ann"))
    post.tags.add(Tag.objects.get(name="blue"))
    Review.objects.create(post=post, text="Review 5", editor=Editor.objects.get(name="Eve"))


def w_review_delete(world: dict[str, Any]) -> None:
    Review.objects.filter(text="Review 0").delete()


def w_share(world: dict[str, Any]) -> None:
    Share.objects.create(post=Post.objects.get(slug="post-4"), user=world["alice"])


def w_announcement(world: dict[str, Any]) -> None:
    Announcement.objects.create(text="c", publish_at=datetime.datetime(2021, 6, 1, 12, tzinfo=datetime.timezone.utc))


def w_tag_rename(world: dict[str, Any]) -> None:
    Tag.objects.filter(name="red").update(name="crimson")


def w_unpublish(world: dict[str, Any]) -> None:
    Post.objects.filter(slug="post-1").update(published=False)


ORM_WRITES: dict[str, Write] = {
    "post_with_tag_and_review": w_post_with_tag_and_review,
    "author_rename": w_author_rename,
    "review_delete": w_review_delete,
    "share": w_share,
    "announcement": w_announcement,
    "tag_rename": w_tag_rename,
    "unpublish": w_unpublish,
}

ORM_READS = [
    "iterator",
    "aiterator",
    "values_list",
    "count_distinct",
    "aggregate",
    "dates",
    pytest.param("distinct_on", marks=postgres_only),
    "union",
    "intersection",
    "difference",
]


@pytest.mark.parametrize("query", ORM_READS)
async def test_5_orm_reads(hits, r4, client, query):
    await writes_one_by_one(client, r4, [twin("r4-orm", f"?q={query}")], ORM_WRITES)


# -- 6. DRF: versioning, model permissions, serializer context, throttles ------------------------------------

VERSIONED = [
    (twin("r4-version-query", "?version=v1"), {}),
    (twin("r4-version-query", "?version=v2"), {}),
    (twin("r4-version-accept"), {"Accept": "application/json; version=v1"}),
    (twin("r4-version-accept"), {"Accept": "application/json; version=v2"}),
    (twin("r4-version-path", "v1/"), {}),
    (twin("r4-version-path", "v2/"), {}),
]


async def test_6a_versioning_schemes_choose_the_serializer(hits, r4, client):
    for (cached_url, _), extra in VERSIONED:
        await prime(client, cached_url, readers(r4), extra=extra)
    for (cached_url, plain_url), extra in VERSIONED:
        await assert_same_as_uncached(client, cached_url, plain_url, readers(r4), extra=extra)
    await sync_to_async(w_author_rename)(r4)
    await sync_to_async(lambda: Post.objects.get(slug="post-0").tags.add(Tag.objects.get(name="red")))()
    for (cached_url, plain_url), extra in VERSIONED:
        bodies = await assert_same_as_uncached(client, cached_url, plain_url, readers(r4), extra=extra)
        assert ("tags" in bodies[0][0]) == ("v2" in cached_url + str(extra))


def perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type__app_label="testapp")


def set_up_permissions(world: dict[str, Any]) -> None:
    editors = Group.objects.create(name="editors")
    editors.permissions.add(perm("view_post"))
    world["alice"].groups.add(editors)
    world["bob"].user_permissions.add(perm("view_post"))


def w_grant_change_to_group(world: dict[str, Any]) -> None:
    Group.objects.get(name="editors").permissions.add(perm("change_post"))


def w_grant_change_to_user(world: dict[str, Any]) -> None:
    User.objects.get(username="bob").user_permissions.add(perm("change_post"))


def w_revoke_view_from_user(world: dict[str, Any]) -> None:
    User.objects.get(username="bob").user_permissions.remove(perm("view_post"))


def w_leave_group(world: dict[str, Any]) -> None:
    User.objects.get(username="alice").groups.clear()


def w_delete_group(world: dict[str, Any]) -> None:
    Group.objects.filter(name="editors").delete()


def w_delete_permission_rows(world: dict[str, Any]) -> None:
    Group.permissions.through.objects.filter(permission__codename="view_post").delete()


PERMISSION_WRITES: dict[str, Write] = {
    "grant_change_to_group": w_grant_change_to_group,
    "grant_change_to_user": w_grant_change_to_user,
    "revoke_view_from_user": w_revoke_view_from_user,
    "leave_group": w_leave_group,
    "delete_group": w_delete_group,
    "delete_permission_rows": w_delete_permission_rows,
}


@pytest.mark.parametrize("write", list(PERMISSION_WRITES.values()), ids=list(PERMISSION_WRITES))
async def test_6b_django_model_permissions_granted_and_revoked(hits, r4, client, write):
    await sync_to_async(set_up_permissions)(r4)
    strict, anon_read = twin("r4-model-perms"), twin("r4-anon-read-perms")
    await prime(client, strict[0], [r4["alice"], r4["bob"]])
    await prime(client, anon_read[0], readers(r4))
    await sync_to_async(write)(r4)
    await all_same(client, r4, [strict, anon_read])
    # and once more after the answers were recomputed
    await all_same(client, r4, [strict, anon_read])


async def test_6c_serializer_context_from_a_settings_row(hits, r4, client):
    await PageCounter.objects.acreate(name="fx-rate", hits=2)
    views = [twin("r4-priced")]
    await prime_all(client, r4, views)
    await PageCounter.objects.filter(name="fx-rate").aupdate(hits=3)
    await all_same(client, r4, views)
    await sync_to_async(lambda: PageCounter.objects.filter(name="fx-rate").delete())()
    await all_same(client, r4, views)


async def test_6d_scoped_rate_throttle(hits, r4, client):
    """The same number of requests pass before the 429s, hits included (each twin has its own scope)."""
    caches["default"].clear()
    cached_url, plain_url = twin("r4-throttled")
    for user in readers(r4):
        got = [(await client.get(cached_url, headers=headers_of(user))).status_code for _ in range(6)]
        expected = [(await client.get(plain_url, headers=headers_of(user))).status_code for _ in range(6)]
        assert got == expected, (who(user), got, expected)
    caches["default"].clear()
