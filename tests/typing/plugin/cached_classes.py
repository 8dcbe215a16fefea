"""``Name = cached(View, ...)`` with the adrf_caching mypy plugin (tests/typing/mypy_plugin.ini).

Only type-checked (tests/test_typing.py checks it with the plugin, clean, and without it,
where subclassing ``PostCached`` is rejected). Negative checks use ``# type: ignore[code]``.
"""

from __future__ import annotations

from datetime import timedelta

from adrf import generics as adrf_generics
from adrf.views import APIView
from adrf.viewsets import ModelViewSet, ReadOnlyModelViewSet
from django.http.response import HttpResponseBase
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView as DRFAPIView
from typing_extensions import assert_type

import adrf_caching
from adrf_caching import ExtraAction, cached
from adrf_caching.base import CacheMixin
from adrf_caching.mixins import ListModelMixin, RetrieveModelMixin
from adrf_caching.viewsets import ModelViewSetCached
from tests.typing_app.models import Author, Post

PostCached = cached(ModelViewSet[Post], ttl=60, actions=["list", "retrieve"])


class PostViewSet(PostCached):
    queryset = Post.objects.all()
    cache_actions = ("list", ExtraAction("titles"))

    async def checks(self, request: Request) -> None:
        assert_type(await self.aget_object(), Post)  # the ADRF base, with its model
        assert_type(await self.alist(request), HttpResponseBase)  # the cached mixin
        assert_type(self.cache_ttl, int | timedelta | None)
        assert_type(await self.acreate(request), HttpResponseBase)


_as_viewset: ModelViewSet[Post] = PostViewSet()
_as_cached: CacheMixin = PostViewSet()
_as_list_mixin: ListModelMixin = PostViewSet()


class WrongTTL(PostCached):
    cache_ttl = "60"  # type: ignore[assignment]


# Only the mixins for the actions the view has: a read-only viewset gets no write mixins.
AuthorsCached = cached(ReadOnlyModelViewSet[Author], scope="shared")


class AuthorViewSet(AuthorsCached):
    async def checks(self, request: Request) -> None:
        assert_type(await self.aretrieve(request), HttpResponseBase)
        await self.acreate(request)  # type: ignore[attr-defined]


_as_retrieve: RetrieveModelMixin = AuthorViewSet()

# A concrete generic view.
PostListCached = cached(adrf_generics.ListAPIView[Post])


class PostList(PostListCached):
    queryset = Post.objects.all()

    async def checks(self, request: Request) -> None:
        assert_type(await self.get(request), Response)  # adrf's handler, typed by adrf
        assert_type(await self.alist(request), HttpResponseBase)


# A plain APIView gets the bare CacheMixin; re-caching a cached class adds nothing twice.
class Hello(APIView):
    async def get(self, request: Request) -> Response:
        return Response({})


HelloCached = adrf_caching.cached(Hello, actions=["get"])
AgainCached = cached(ModelViewSetCached[Post], ttl=5)


class HelloView(HelloCached):
    pass


class Again(AgainCached):
    pass


_hello: CacheMixin = HelloView()
_plain: DRFAPIView = HelloView()

# The options are checked as without the plugin.
BadTTL = cached(ModelViewSet[Post], ttl="x")  # type: ignore[arg-type]
BadOption = cached(ModelViewSet[Post], colour=1)  # type: ignore[call-arg]
BadAction = cached(ModelViewSet[Post], actions=["lsit"])  # type: ignore[list-item]


# The inline form is not supported: mypy does not evaluate calls in a class's bases.
class Inline(cached(ModelViewSet[Post])):  # type: ignore[misc]
    pass
