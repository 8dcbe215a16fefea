"""A drop-in for adrf-caching 0.2.x: its public names, its settings keys, its declarative mixin;
settings errors reported by a system check at startup; ``id_field`` checked at class creation."""

from __future__ import annotations

import importlib
import warnings

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import AsyncClient, override_settings

from adrf_caching import cached
from adrf_caching.checks import check_settings
from adrf_caching.conf import caching_settings
from tests.conftest import auth, count_queries
from tests.testapp import views
from tests.testapp.models import Post
from tests.testapp.serializers import PostSerializer

# Every public name of the adrf-caching 0.2.4 wheel, by module (read from the wheel's sources:
# the names its modules define, and those they re-export from one another; ``viewsets`` star-imports
# ``mixins``). Third-party names its modules happened to import (adrf's ``mixins``, DRF's
# ``status`` and ``Response``, asgiref's ``sync_to_async``) are not the package's API.
PUBLIC_0_2_4 = {
    "adrf_caching": [],
    "adrf_caching.mixins": [
        "CacheInvalidationMixin",
        "CacheUtils",
        "CreateModelMixin",
        "DestroyModelMixin",
        "ListModelMixin",
        "RetrieveModelMixin",
        "UpdateModelMixin",
        "cache",
        "lib_settings",
    ],
    "adrf_caching.viewsets": [
        "CacheInvalidationMixin",
        "CacheUtils",
        "CreateModelMixin",
        "DestroyModelMixin",
        "GenericViewSet",
        "ListModelMixin",
        "ModelViewSetCached",
        "ReadOnlyModelViewSetCached",
        "RetrieveModelMixin",
        "UpdateModelMixin",
        "cache",
        "lib_settings",
    ],
    "adrf_caching.generics": [
        "CreateAPIView",
        "DestroyAPIView",
        "GenericAPIView",
        "ListAPIView",
        "ListCreateAPIView",
        "RetrieveAPIView",
        "RetrieveDestroyAPIView",
        "RetrieveUpdateAPIView",
        "RetrieveUpdateDestroyAPIView",
        "UpdateAPIView",
        "mixins",
    ],
    "adrf_caching.utils": ["DEFAULTS", "CacheUtils", "LibSettings", "cache", "lib_settings"],
}


@pytest.mark.parametrize("module", sorted(PUBLIC_0_2_4))
def test_every_public_name_of_0_2_4_imports_from_the_same_module(module):
    imported = importlib.import_module(module)
    missing = [name for name in PUBLIC_0_2_4[module] if not hasattr(imported, name)]
    assert missing == []


def test_the_0_2_settings_keys_are_accepted_with_a_deprecation_warning():
    given = {"TTL_OBJECT": 600, "TTL_LIST": 120, "TTL_USER_VER": 86400, "PREFIX": "adrf_caching"}
    with override_settings(ADRF_CACHING_SETTINGS=given), pytest.warns(DeprecationWarning, match="TTL_USER_VER") as seen:
        conf = caching_settings()
    assert "no longer needed" in str(seen[0].message)
    assert (conf.ttl_object, conf.ttl_list, conf.prefix) == (600, 120, "adrf_caching")
    with override_settings(ADRF_CACHING_SETTINGS=given):
        found = check_settings()
    assert [message.id for message in found] == ["adrf_caching.W001"]


@pytest.mark.django_db(transaction=True)
def test_a_0_2_settings_dict_lets_models_save():
    """0.2's settings made every save raise from the signal receiver (so ``migrate`` crashed)."""
    with override_settings(ADRF_CACHING_SETTINGS={"TTL_USER_VER": 60}), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from tests.testapp.models import Author

        Author.objects.create(name="saved")


def test_settings_errors_are_a_system_check_error_at_startup():
    with override_settings(ADRF_CACHING_SETTINGS={"TTL": -1, "NOPE": 1}):
        found = check_settings()
        assert [message.id for message in found] == ["adrf_caching.E001"]
        assert "NOPE" in found[0].msg
        assert check_settings in checks.registry.registry.get_checks()
        with pytest.raises(SystemCheckError, match=r"adrf_caching\.E001"):
            call_command("check")


def test_cache_invalidation_mixin_declares_invalidate_fields():
    from adrf_caching.mixins import CacheInvalidationMixin
    from adrf_caching.viewsets import ModelViewSetCached

    class Owned(CacheInvalidationMixin, ModelViewSetCached):
        queryset = Post.objects.all()
        serializer_class = PostSerializer
        invalidate_fields = ["owner_id"]

    assert Owned._cache_config.invalidate_fields == ("owner_id",)


@pytest.mark.django_db(transaction=True)
async def test_0_2_helpers_still_work(locmem, posts, alice):
    from adrf_caching.utils import CacheUtils, lib_settings

    assert (lib_settings.TTL_LIST, lib_settings.PREFIX, lib_settings.TTL_USER_VER) == (300, "adrf", 86400)
    client = AsyncClient()
    await client.get("/posts/", headers=auth(alice))
    version = await CacheUtils.get_user_version(alice.pk)
    with pytest.warns(DeprecationWarning, match="ainvalidate_user"):
        await CacheUtils.incr_user_version(alice.pk)
    assert await CacheUtils.get_user_version(alice.pk) != version
    await client.get("/posts/", headers=auth(alice))
    with pytest.warns(DeprecationWarning):
        await CacheUtils.invalidate_list_cache(None, views.PostViewSet, posts[0])
    async with count_queries() as after:
        await client.get("/posts/", headers=auth(alice))
    assert after.value > 1  # outdated: the model's lists were recomputed


def test_id_field_is_checked_at_class_creation():
    with pytest.raises(ImproperlyConfigured, match=r"cache_id_field is 'nope'.*lookup_field is 'pk'"):
        cached(views.FactoryPostViewSet, id_field="nope")
    for good in ("slug", "uuid", "pk", "owner_id"):  # model fields, attnames, pk
        cached(views.FactoryPostViewSet, id_field=good)
    cached(views.MyPostTitles, id_field="anything")  # no queryset, no serializer: nothing to check against


def test_id_field_may_be_a_serializer_field():
    from adrf.viewsets import ModelViewSet
    from rest_framework import serializers

    class Extra(PostSerializer):
        handle = serializers.CharField(source="slug", read_only=True)

        class Meta(PostSerializer.Meta):
            fields = [*PostSerializer.Meta.fields, "handle"]

    class Viewset(ModelViewSet):
        queryset = Post.objects.all()
        serializer_class = Extra

    cached(Viewset, id_field="handle")
