# ruff: noqa: E402  (the README example below keeps its own import line)
"""The README's examples and code written for adrf-caching 0.2, ``mypy --strict`` clean.

The README's ``cached(..., actions=[...])`` example is copied here verbatim
(tests/test_typing.py checks that it still is). 0.2 code subclassed the prebuilt classes
without a type argument; their type variable has a default, so that stays clean.
Only type-checked, never imported.
"""

from __future__ import annotations

from typing import Any

from adrf import serializers
from adrf.routers import DefaultRouter
from adrf.viewsets import ModelViewSet
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from typing_extensions import assert_type

from adrf_caching.generics import ListAPIView, RetrieveUpdateDestroyAPIView
from adrf_caching.mixins import CacheInvalidationMixin
from adrf_caching.viewsets import ModelViewSetCached, ReadOnlyModelViewSetCached
from tests.typing_app.models import Post


class PostSerializer(serializers.ModelSerializer[Post]):
    class Meta:
        model = Post
        fields = ["id", "title", "body", "author"]


class PostViewSet(ModelViewSet[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer

    @action(detail=False, methods=["get"])
    def recent(self, request: Request) -> Response:
        return Response([post.title for post in self.get_queryset()[:5]])


router = DefaultRouter()

# --- README: "4. cached(): any ADRF view or viewset" (verbatim) ---------------------------
from adrf_caching import ExtraAction, cached

PostViewSetCached = cached(PostViewSet, ttl=60, actions=["list", "retrieve", ExtraAction("recent")])
router.register("posts", PostViewSetCached, basename="post")
# --- end of the README example ----------------------------------------------------------


# --- 0.2 code: unparameterized prebuilt classes and the declarative mixin -----------------


class OldStyleViewSet(CacheInvalidationMixin, ModelViewSetCached):
    queryset = Post.objects.all()
    serializer_class = PostSerializer
    invalidate_fields = ["author_id"]


class OldStyleReadOnly(ReadOnlyModelViewSetCached):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


class OldStyleList(ListAPIView):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


class OldStyleDetail(RetrieveUpdateDestroyAPIView):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


async def old_style_object(view: OldStyleDetail) -> None:
    assert_type(await view.aget_object(), Any)  # the default type argument: untyped, as in 0.2
