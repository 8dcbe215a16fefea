"""Misses serialized in one hop (serialization.py): byte-identical to adrf's ``adata``.

Differential: every serializer of the test app, and random rows (hypothesis), serialized by adrf's
``adata`` and by the one-hop path, rendered to JSON and compared byte for byte; the same through the
views with the setting on and off, queries included.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from typing import Any

import pytest
from adrf import serializers as adrf_serializers
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import AsyncClient, RequestFactory, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers as drf_serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from adrf_caching.serialization import serializer_data, sync_equivalent
from tests.conftest import auth, count_queries
from tests.testapp import serializers as app_serializers
from tests.testapp.models import Author, Note, Post, Tag

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("ADRF_DIFF_EXAMPLES", "10"))
POSTS = Post.objects.select_related("author", "owner").prefetch_related("tags").order_by("id")


class OverriddenFieldSerializer(adrf_serializers.ModelSerializer):
    """An adrf field whose ``to_representation`` override adrf skips: must stay on adrf's path."""

    class Shouting(adrf_serializers.CharField):
        def to_representation(self, value: Any) -> str:
            return str(value).upper()

    title = Shouting()

    class Meta:
        model = Post
        fields = ["id", "title"]


class AsyncRepresentationSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title"]

    async def ato_representation(self, instance: Any) -> Any:
        data = await super().ato_representation(instance)
        data["async"] = True
        return data


class NestedAsyncMethodSerializer(adrf_serializers.ModelSerializer):
    inner = app_serializers.AsyncMethodPostSerializer(source="*", read_only=True)

    class Meta:
        model = Post
        fields = ["id", "inner"]


class PlainDRFSerializer(drf_serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "author"]


ONE_HOP = [
    app_serializers.PostSerializer,
    app_serializers.FieldZooPostSerializer,
    app_serializers.UUIDPostSerializer,
    app_serializers.TagSerializer,
    PlainDRFSerializer,
]
ADRF_ONLY = [
    app_serializers.AsyncMethodPostSerializer,
    app_serializers.NoteSerializer,  # overrides to_representation, which adrf's adata ignores
    OverriddenFieldSerializer,
    AsyncRepresentationSerializer,
    NestedAsyncMethodSerializer,
]


def context() -> dict[str, Any]:
    return {"request": Request(RequestFactory().get("/speed/zoo-posts/"))}


def render(data: Any) -> bytes:
    return JSONRenderer().render(data)


async def both(serializer_class: type, instance: Any, many: bool) -> tuple[bytes, bytes]:
    adrf_way = serializer_class(instance, many=many, context=context())
    one_hop = serializer_class(instance, many=many, context=context())
    if hasattr(adrf_way, "adata"):
        expected = render(await adrf_way.adata)
    else:
        from asgiref.sync import sync_to_async

        expected = render(await sync_to_async(lambda: adrf_way.data)())
    return expected, render(await serializer_data(one_hop))


def instances_for(serializer_class: type) -> Any:
    model = serializer_class.Meta.model
    return POSTS if model is Post else model.objects.order_by("id")


@pytest.mark.parametrize("serializer_class", ONE_HOP + ADRF_ONLY, ids=lambda c: c.__name__)
@pytest.mark.parametrize("many", [True, False])
async def test_same_bytes_as_adrf(posts, serializer_class: type, many: bool):
    if serializer_class is app_serializers.NoteSerializer:
        for post in posts[:2]:
            await Note.objects.acreate(owner_id=post.owner_id, text=f"note {post.pk}")
    rows = [row async for row in instances_for(serializer_class)]
    instance = rows if many else rows[0]
    expected, got = await both(serializer_class, instance, many)
    assert got == expected


@pytest.mark.parametrize("serializer_class", ONE_HOP, ids=lambda c: c.__name__)
def test_one_hop_is_chosen_for_sync_trees(serializer_class: type):
    assert sync_equivalent(serializer_class(many=True, context=context()))
    assert sync_equivalent(serializer_class(context=context()))


@pytest.mark.parametrize("serializer_class", ADRF_ONLY, ids=lambda c: c.__name__)
def test_async_only_parts_keep_adata(serializer_class: type):
    assert not sync_equivalent(serializer_class(many=True, context=context()))
    assert not sync_equivalent(serializer_class(context=context()))


def test_a_nested_serializer_on_an_async_model_method_keeps_adata():
    class WithAsyncSource(adrf_serializers.ModelSerializer):
        author = app_serializers.AuthorSerializer(source="fetch_author", read_only=True)

        class Meta:
            model = Post
            fields = ["id", "author"]

    async def fetch_author(self: Post) -> Author:
        return self.author

    Post.fetch_author = fetch_author  # type: ignore[attr-defined]
    try:
        assert not sync_equivalent(WithAsyncSource())
    finally:
        del Post.fetch_author  # type: ignore[attr-defined]


probe: contextvars.ContextVar[str] = contextvars.ContextVar("probe", default="unset")


class ContextProbeSerializer(adrf_serializers.ModelSerializer):
    seen = drf_serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "seen"]

    def get_seen(self, post: Post) -> str:
        return probe.get()


async def test_the_hop_sees_the_callers_context_variables(posts):
    """The lead's SQL tracing relies on context variables reaching the ORM inside the hop."""
    probe.set("request-1")
    data = await serializer_data(ContextProbeSerializer([p async for p in POSTS], many=True))
    assert {row["seen"] for row in data} == {"request-1"}


URLS = [
    "/posts/",
    "/posts/?page=2",
    "/posts/?page=9",  # a page that does not exist: the same 404
    "/speed/zoo-posts/",
    "/speed/zoo-posts/?ordering=-title&size=2&page=2",  # a filter backend and the paginator in the hop
    "/speed/async-method-posts/",
    "/speed/async-method-posts/?page=2",
    "/notes/",
    "/generic/posts/",
]


@pytest.mark.parametrize("url", URLS)
async def test_views_answer_and_query_alike_with_and_without(posts, alice, url: str):
    for post in posts[:2]:
        await Note.objects.acreate(owner_id=post.owner_id, text=f"note {post.pk}")
    await AsyncClient().get(url, headers=auth(alice))  # the endpoint learns what it reads, once
    results = []
    for one_hop in (True, False):
        caches["locmem"].clear()
        with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "ONE_HOP_SERIALIZATION": one_hop}):
            async with count_queries() as queries:
                response = await AsyncClient().get(url, headers=auth(alice))
        results.append((response.status_code, response.content, queries.value))
    assert results[0] == results[1]
    assert results[0][0] == (404 if "page=9" in url else 200)


async def test_retrieve_answers_alike(posts, alice):
    results = []
    for one_hop in (True, False):
        caches["locmem"].clear()
        with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "ONE_HOP_SERIALIZATION": one_hop}):
            response = await AsyncClient().get(f"/speed/zoo-posts/{posts[1].pk}/")
        results.append((response.status_code, response.content))
    assert results[0] == results[1]


text = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=24)
rows = st.lists(
    st.tuples(text, text, st.booleans(), st.integers(0, 2), st.sets(st.integers(0, 2)), st.booleans()),
    min_size=0,
    max_size=6,
)


def test_random_rows_serialize_alike(transactional_db):
    owner = User.objects.create_user("hypo", password="x")

    @settings(
        max_examples=EXAMPLES * 3,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(rows, st.lists(text, min_size=3, max_size=3), st.lists(text, min_size=3, max_size=3))
    def check(made: list[tuple[Any, ...]], author_names: list[str], tag_names: list[str]) -> None:
        Post.objects.all().delete()
        Author.objects.all().delete()
        Tag.objects.all().delete()
        authors = [Author.objects.create(name=name) for name in author_names]
        tags = [Tag.objects.create(name=name[:50]) for name in tag_names]
        for n, (title, body, published, author, tag_set, owned) in enumerate(made):
            post = Post.objects.create(
                title=title, slug=f"h{n}", body=body, published=published, author=authors[author],
                owner=owner if owned else None,
            )
            post.tags.set([tags[i] for i in sorted(tag_set)])

        async def compare() -> None:
            found = [row async for row in POSTS]
            for serializer_class in (app_serializers.FieldZooPostSerializer, app_serializers.PostSerializer):
                expected, got = await both(serializer_class, found, True)
                assert got == expected
                if found:
                    expected, got = await both(serializer_class, found[-1], False)
                    assert got == expected

        asyncio.run(compare())

    check()


async def test_the_detection_matters(posts):
    """Where the walk says 'adrf only', DRF's sync ``.data`` would indeed answer differently."""
    from asgiref.sync import sync_to_async

    rows = [row async for row in POSTS]
    for serializer_class in (OverriddenFieldSerializer, AsyncRepresentationSerializer):
        adrf_way = render(await serializer_class(rows, many=True).adata)
        sync_way = render(await sync_to_async(lambda c=serializer_class: c(rows, many=True).data)())
        assert sync_way != adrf_way
        assert render(await serializer_data(serializer_class(rows, many=True))) == adrf_way
