"""Static typing checks for adrf_caching's public API, without the mypy plugin.

Only type-checked (``mypy`` with the repository's mypy.ini, see tests/test_typing.py and
scripts/check_types.sh); never imported or collected by pytest.

Positive checks use ``assert_type``. Negative checks are lines that must produce a specific
mypy error, silenced with ``# type: ignore[code]``: under ``warn_unused_ignores`` an
expected error that disappears fails the check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from adrf import generics as adrf_generics
from adrf import mixins as adrf_mixins
from adrf import viewsets as adrf_viewsets
from adrf.views import APIView
from django.core.cache import caches
from django.http import QueryDict
from django.http.response import HttpResponseBase
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView as DRFAPIView
from typing_extensions import assert_type

from adrf_caching import ExtraAction, cache_mixins_for, cached, generics, mixins
from adrf_caching.base import CacheMixin
from adrf_caching.keys import DefaultKeyBuilder
from adrf_caching.protocols import AsyncCache, KeyBuilder, VersionStore
from adrf_caching.store import CacheStore, get_store
from adrf_caching.viewsets import ModelViewSetCached, ReadOnlyModelViewSetCached
from tests.typing_app.models import Author, Post

# --- the defaults conform to the protocols ------------------------------------------------

_key_builder: KeyBuilder = DefaultKeyBuilder()
_version_store: VersionStore = get_store()
_async_cache: AsyncCache = caches["default"]
_store = CacheStore(caches["default"], failure_threshold=3, cool_down=10.0)


# --- the protocols reject what does not conform -------------------------------------------


class MissingDigest:
    def vary_parts(
        self, request: Request, view: DRFAPIView, url_kwargs: Mapping[str, object], query: QueryDict
    ) -> Sequence[object]:
        return ()


class WrongDigest:
    def vary_parts(
        self, request: Request, view: DRFAPIView, url_kwargs: Mapping[str, object], query: QueryDict
    ) -> Sequence[object]:
        return ()

    def digest(self, parts: Sequence[object]) -> bytes:
        return b""


class AsyncKeyBuilder:
    async def vary_parts(
        self, request: Request, view: DRFAPIView, url_kwargs: Mapping[str, object], query: QueryDict
    ) -> Sequence[object]:
        return ()

    def digest(self, parts: Sequence[object]) -> str:
        return ""


class SyncStore:
    """A store whose reads are sync: the library awaits them, so it does not conform."""

    @property
    def healthy(self) -> bool:
        return True

    def get_many(self, keys: list[str]) -> dict[str, Any] | None:
        return {}

    async def versions(self, keys: list[str]) -> list[str] | None:
        return None

    async def complete_versions(self, keys: list[str], found: dict[str, Any]) -> list[str] | None:
        return None

    async def set(self, key: str, value: bytes, ttl: int) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def bump(self, keys: Sequence[str]) -> None: ...

    def bump_sync(self, keys: Sequence[str]) -> None: ...


_missing: KeyBuilder = MissingDigest()  # type: ignore[assignment]
_wrong: KeyBuilder = WrongDigest()  # type: ignore[assignment]
_async: KeyBuilder = AsyncKeyBuilder()  # type: ignore[assignment]
_sync_store: VersionStore = SyncStore()  # type: ignore[assignment]


class ExplicitKeyBuilder(KeyBuilder):
    """Subclassing the protocol also checks the signatures, at the definition."""

    def digest(self, parts: Sequence[object]) -> int:  # type: ignore[override]
        return 0


# --- prebuilt classes are generic over the model and keep the ADRF base's attributes ------


class PostViewSet(ModelViewSetCached[Post]):
    queryset = Post.objects.all()
    cache_ttl = timedelta(minutes=5)
    cache_actions = ("list", "retrieve", ExtraAction("titles"))
    cache_scope = "shared"
    cache_depends_on = (Author,)
    invalidate_fields = ("author",)
    cache_key_builder = DefaultKeyBuilder()

    async def checks(self, request: Request) -> None:
        assert_type(await self.aget_object(), Post)
        assert_type(self.get_queryset().first(), Post | None)
        assert_type(await self.alist(request), HttpResponseBase)
        assert_type(await self.aretrieve(request), HttpResponseBase)
        assert_type(await self.acreate(request), HttpResponseBase)
        assert_type(await self.aupdate(request), HttpResponseBase)
        assert_type(await self.adestroy(request), HttpResponseBase)


class WithAsyncAction(ModelViewSetCached[Post]):
    cache_actions = (ExtraAction("titles"),)

    # Known limitation of djangorestframework-stubs: @action accepts sync handlers only.
    @action(detail=False, methods=["get"])  # type: ignore[type-var]
    async def titles(self, request: Request) -> Response:
        return Response([post.title async for post in self.get_queryset()])


class AuthorReadOnly(ReadOnlyModelViewSetCached[Author]):
    queryset = Author.objects.all()


# The cached classes are the ADRF classes.
_viewset: adrf_viewsets.ModelViewSet[Post] = PostViewSet()
_read_only: adrf_viewsets.ReadOnlyModelViewSet[Author] = AuthorReadOnly()
_generic_view: adrf_generics.GenericAPIView[Post] = PostViewSet()
_list_mixin: adrf_mixins.ListModelMixin = mixins.ListModelMixin()
_cache_mixin: CacheMixin = PostViewSet()

# Subscripting works at runtime too (DRF's __class_getitem__ returns the class).
PostList = generics.ListCreateAPIView[Post]
assert_type(PostList(), generics.ListCreateAPIView[Post])
assert_type(ModelViewSetCached[Post]().get_object(), Post)
_ = generics.ListAPIView[int]  # type: ignore[type-var]


# --- options: typed class attributes ------------------------------------------------------


class WrongTTL(ModelViewSetCached[Post]):
    cache_ttl = "60"  # type: ignore[assignment]


class WrongScope(ModelViewSetCached[Post]):
    cache_scope = "everyone"  # type: ignore[assignment]


class MisspelledAction(ModelViewSetCached[Post]):
    cache_actions = ("lsit",)  # type: ignore[assignment]


class UnwrappedCustomAction(ModelViewSetCached[Post]):
    # A custom GET @action is named with ExtraAction(...) for type checkers.
    cache_actions = ("list", "titles")  # type: ignore[assignment]


class NotAModel(ModelViewSetCached[Post]):
    cache_depends_on = (str,)  # type: ignore[assignment]


class NotAKeyBuilder(ModelViewSetCached[Post]):
    cache_key_builder = MissingDigest()  # type: ignore[assignment]


class InstanceOption(ModelViewSetCached[Post]):
    cache_ttl: ClassVar[int] = 60  # narrowing a ClassVar's type in a subclass is fine


# --- options: cached() keywords (CacheOptions via Unpack) ----------------------------------


class Hello(APIView):
    async def get(self, request: Request) -> HttpResponseBase:
        raise NotImplementedError


assert_type(cached(adrf_viewsets.ModelViewSet[Post], ttl=60), type[adrf_viewsets.ModelViewSet[Post]])
assert_type(cached(Hello, actions=["get"], scope="shared"), type[Hello])
assert_type(cached(PostViewSet, actions=("list", ExtraAction("titles"))), type[PostViewSet])
cached(PostViewSet, ttl=timedelta(seconds=30), id_field="pk", depends_on=[Author], invalidate_fields=["a"])
cached(PostViewSet, key_builder=DefaultKeyBuilder())
cached(PostViewSet, ttl="x")  # type: ignore[arg-type]
cached(PostViewSet, colour=1)  # type: ignore[call-arg]
cached(PostViewSet, actions=["lsit"])  # type: ignore[list-item]
cached(PostViewSet, scope="everyone")  # type: ignore[arg-type]
cached(PostViewSet, depends_on=[int])  # type: ignore[list-item]
cached(PostViewSet, key_builder=AsyncKeyBuilder())  # type: ignore[arg-type]
cached(int)  # type: ignore[type-var]
cached(DRFAPIView)  # type: ignore[type-var]

assert_type(cache_mixins_for(PostViewSet), tuple[type[CacheMixin], ...])
