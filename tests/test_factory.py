"""cached(), the prebuilt classes and their options: one composition rule, misuse caught at class creation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from adrf import generics as adrf_generics
from adrf import viewsets as adrf_viewsets
from adrf.views import APIView
from django.core.exceptions import ImproperlyConfigured
from django.test import AsyncClient, override_settings
from rest_framework import viewsets as drf_viewsets

from adrf_caching import cache_mixins_for, cached, generics, viewsets
from adrf_caching.conf import caching_settings
from tests.conftest import count_queries
from tests.testapp.models import Post
from tests.testapp.serializers import PostSerializer

PREBUILT = [
    (viewsets.ModelViewSetCached, adrf_viewsets.ModelViewSet),
    (viewsets.ReadOnlyModelViewSetCached, adrf_viewsets.ReadOnlyModelViewSet),
    *((getattr(generics, name), getattr(adrf_generics, name)) for name in generics.__all__),
]


@pytest.mark.parametrize(("prebuilt", "adrf_class"), PREBUILT, ids=lambda c: c.__name__)
def test_prebuilt_classes_follow_the_factory_rule(prebuilt, adrf_class):
    assert prebuilt.__bases__ == (*cache_mixins_for(adrf_class), adrf_class)
    assert cached(adrf_class).__bases__ == prebuilt.__bases__
    assert prebuilt.__name__ in (adrf_class.__name__, adrf_class.__name__ + "Cached")


def test_all_nine_generics_exist():
    assert sorted(generics.__all__) == sorted(
        name for name in dir(adrf_generics) if name.endswith("APIView") and "Generic" not in name
    )


def test_prebuilt_classes_subscript_at_runtime():
    assert viewsets.ModelViewSetCached[Post] is viewsets.ModelViewSetCached
    assert generics.ListCreateAPIView[Post] is generics.ListCreateAPIView


def test_cached_keeps_the_view_name_and_options():
    class Posts(adrf_viewsets.ModelViewSet):
        queryset = Post.objects.all()
        serializer_class = PostSerializer

    made = cached(Posts, ttl=timedelta(minutes=2), actions=["list"], scope="shared")
    assert issubclass(made, Posts)
    assert made.__name__ == "Posts"
    assert made._cache_config.ttl == 120
    assert made._cache_config.actions == frozenset({"list"})
    assert made._cache_config.scope == "shared"


def test_async_action_names_are_accepted():
    class Posts(adrf_viewsets.ReadOnlyModelViewSet):
        queryset = Post.objects.all()
        serializer_class = PostSerializer

    assert cached(Posts, actions=["alist"])._cache_config.actions == frozenset({"list"})


@pytest.mark.parametrize(
    ("target", "options", "message"),
    [
        (drf_viewsets.ModelViewSet, {}, "ADRF view class"),
        (object, {}, "ADRF view class"),
        (adrf_viewsets.ModelViewSet, {"ttl": -1}, "must not be negative"),
        (adrf_viewsets.ModelViewSet, {"ttl": "60"}, "whole number of seconds"),
        (adrf_viewsets.ModelViewSet, {"colour": "red"}, "unknown options ['colour']"),
        (adrf_viewsets.ModelViewSet, {"actions": ["lsit"]}, "'lsit'"),
        (adrf_viewsets.ModelViewSet, {"actions": ["create"]}, "'create'"),
        (adrf_viewsets.ModelViewSet, {"actions": "list"}, "list or tuple of strings"),
        (adrf_generics.ListAPIView, {"actions": ["retrieve"]}, "has no aretrieve()"),
        (adrf_viewsets.ModelViewSet, {"scope": "everyone"}, "'user' or 'shared'"),
        (adrf_viewsets.ModelViewSet, {"depends_on": [str]}, "model classes"),
        (adrf_viewsets.ModelViewSet, {"id_field": ""}, "field name"),
    ],
)
def test_misuse_fails_at_class_creation(target, options, message):
    with pytest.raises(ImproperlyConfigured, match=__import__("re").escape(message)):
        cached(target, **options)


def test_subclass_options_are_validated_at_class_creation():
    with pytest.raises(ImproperlyConfigured, match="must not be negative"):

        class Broken(viewsets.ModelViewSetCached):
            cache_ttl = -5


def test_plain_apiview_without_get_caches_nothing():
    class WriteOnly(APIView):
        async def post(self, request):  # pragma: no cover - never called
            raise AssertionError

    assert cached(WriteOnly)._cache_config.actions == frozenset()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"TTL": -1}, "must not be negative"),
        ({"CACHE_ALIAS": "nowhere"}, "not in CACHES"),
        ({"PREFIX": "a:b"}, "PREFIX"),
        ({"SHARDS": 0}, "SHARDS"),
        ({"OUTAGE_POLICY": "panic"}, "OUTAGE_POLICY"),
        ({"TLL": 5}, "unknown keys ['TLL']"),
    ],
)
def test_settings_are_validated(given, message):
    with (
        override_settings(ADRF_CACHING_SETTINGS=given),
        pytest.raises(ImproperlyConfigured, match=__import__("re").escape(message)),
    ):
        caching_settings()


def test_legacy_ttl_settings_split_list_and_object():
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "TTL_LIST": 5, "TTL_OBJECT": 50}):
        conf = caching_settings()
        assert (conf.ttl_list, conf.ttl_object) == (5, 50)


@pytest.mark.django_db(transaction=True)
async def test_disabled_caches_nothing(posts, client: AsyncClient):
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "ENABLED": False}):
        await client.get("/posts/")
        async with count_queries() as again:
            await client.get("/posts/")
    assert again.value > 0


@pytest.mark.django_db(transaction=True)
async def test_zero_ttl_stores_nothing(posts, client: AsyncClient):
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "TTL": 0}):
        await client.get("/posts/")
        async with count_queries() as again:
            await client.get("/posts/")
    assert again.value > 0


@pytest.mark.django_db(transaction=True)
async def test_hit_header_when_configured(posts, client: AsyncClient):
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "HIT_HEADER": "X-Cache"}):
        assert (await client.get("/posts/?hh=1"))["X-Cache"] == "miss"  # learns what it reads
        assert (await client.get("/posts/?hh=1"))["X-Cache"] == "miss"  # stores
        assert (await client.get("/posts/?hh=1"))["X-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
async def test_cached_wraps_actions_a_view_writes_itself(locmem, posts, client):
    """A view with its own ``alist``/``acreate`` (no ADRF mixins) is cached and invalidated in place."""
    from adrf_caching.mixins import ListModelMixin

    made = cached(__import__("tests.testapp.views", fromlist=["x"]).HandWrittenPosts)
    assert not issubclass(made, ListModelMixin)
    await client.get("/hand-written/")
    first = await client.get("/hand-written/")
    async with count_queries() as hit:
        assert (await client.get("/hand-written/")).content == first.content
    assert hit.value == 0
    created = await client.post("/hand-written/", {"title": "hand"}, content_type="application/json")
    assert created.status_code == 201
    assert b"hand" in (await client.get("/hand-written/")).content


def test_loading_the_app_does_not_import_drf_views():
    """INSTALLED_APPS imports the package while apps load; DRF's views read settings that may import models."""
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup(); "
        "assert 'rest_framework.views' not in sys.modules and 'adrf.views' not in sys.modules, 'too early'"
    )
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_shared_scope_refuses_object_permissions():
    """A shared entry would answer for every user what only the first user's object check allowed."""
    from rest_framework.permissions import BasePermission, IsAuthenticated

    class OwnerOnly(BasePermission):
        def has_object_permission(self, request, view, obj):
            return obj.owner_id == request.user.pk

    class Posts(adrf_viewsets.ReadOnlyModelViewSet):
        queryset = Post.objects.all()
        serializer_class = PostSerializer
        permission_classes = [OwnerOnly]

    with pytest.raises(ImproperlyConfigured, match="has_object_permission"):
        cached(Posts, scope="shared")
    with pytest.raises(ImproperlyConfigured, match="has_object_permission"):
        cached(type("Composed", (Posts,), {"permission_classes": [IsAuthenticated & OwnerOnly]}), scope="shared")
    cached(Posts, scope="shared", actions=["list"])  # lists check no object: allowed
    cached(type("Plain", (Posts,), {"permission_classes": [IsAuthenticated]}), scope="shared")


def test_a_project_without_the_app_is_refused(settings):
    from django.apps import apps

    class Posts(adrf_viewsets.ReadOnlyModelViewSet):
        queryset = Post.objects.all()
        serializer_class = PostSerializer

    apps.set_installed_apps([app for app in settings.INSTALLED_APPS if app != "adrf_caching"])
    try:
        with pytest.raises(ImproperlyConfigured, match='Add "adrf_caching" to INSTALLED_APPS'):
            cached(Posts)
    finally:
        apps.unset_installed_apps()
