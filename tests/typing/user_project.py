"""A user's module of a typed project: every public entry point, ``mypy --strict`` clean.

No ``# type: ignore`` here: this is how the README tells users to write it, without the
mypy plugin (tests/typing/plugin/ adds the ``Name = cached(View)`` form it enables).
Only type-checked, never imported (see tests/test_typing.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adrf import mixins as adrf_mixins
from adrf import routers, serializers
from adrf.viewsets import GenericViewSet, ModelViewSet
from django.db import transaction
from django.http import QueryDict
from django.urls import URLPattern, URLResolver
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from adrf_caching import (
    ExtraAction,
    ainvalidate_all,
    ainvalidate_model,
    ainvalidate_user,
    ainvalidate_view,
    cached,
    generics,
    invalidate_all,
    invalidate_model,
    invalidate_user,
    invalidate_view,
)
from adrf_caching.keys import DefaultKeyBuilder
from adrf_caching.mixins import ListModelMixin, RetrieveModelMixin
from adrf_caching.protocols import KeyBuilder
from adrf_caching.viewsets import ModelViewSetCached, ReadOnlyModelViewSetCached
from tests.typing_app.models import Author, Post

# --- a key builder, set in settings.py -----------------------------------------------------


class TenantKeyBuilder:
    """Varies entries by tenant header too. In settings.py:

    ADRF_CACHING_SETTINGS = {"KEY_BUILDER": "myproject.keys.TenantKeyBuilder"}
    """

    def __init__(self) -> None:
        self.default = DefaultKeyBuilder()

    def vary_parts(
        self, request: Request, view: APIView, url_kwargs: Mapping[str, object], query: QueryDict
    ) -> Sequence[object]:
        return (*self.default.vary_parts(request, view, url_kwargs, query), request.headers.get("X-Tenant"))

    def digest(self, parts: Sequence[object]) -> str:
        return self.default.digest(parts)


# A dotted path in settings is not visible to mypy: this line makes it check the class.
_conforms: KeyBuilder = TenantKeyBuilder()


# --- serializers ---------------------------------------------------------------------------


class AuthorSerializer(serializers.ModelSerializer[Author]):
    class Meta:
        model = Author
        fields = ["id", "name"]


class PostSerializer(serializers.ModelSerializer[Post]):
    class Meta:
        model = Post
        fields = ["id", "title", "body", "author"]


# --- viewsets ------------------------------------------------------------------------------


class PostViewSet(ModelViewSetCached[Post]):
    queryset = Post.objects.select_related("author")
    serializer_class = PostSerializer
    cache_ttl = 60
    cache_actions = ("list", "retrieve", ExtraAction("titles"))
    invalidate_fields = ("author",)

    # djangorestframework-stubs types @action for sync handlers only; an ``async def`` one
    # needs ``# type: ignore[type-var]`` (see tests/typing/public_api.py).
    @action(detail=False, methods=["get"])
    def titles(self, request: Request) -> Response:
        return Response([post.title for post in self.get_queryset()])

    async def perform_acreate(self, serializer: serializers.BaseSerializer[Post]) -> None:
        await serializer.asave(author=await Author.objects.afirst())


class AuthorViewSet(ReadOnlyModelViewSetCached[Author]):
    queryset = Author.objects.all()
    serializer_class = AuthorSerializer
    cache_scope = "shared"
    cache_key_builder = TenantKeyBuilder()


class AuthorListViewSet(ListModelMixin, RetrieveModelMixin, GenericViewSet[Author]):
    """The cached mixins on adrf's GenericViewSet: they bring adrf's alist/aretrieve."""

    queryset = Author.objects.all()
    serializer_class = AuthorSerializer


class DraftViewSet(ModelViewSet[Post]):
    queryset = Post.objects.filter(body="")
    serializer_class = PostSerializer


class PlainAuthorViewSet(adrf_mixins.ListModelMixin, GenericViewSet[Author]):
    queryset = Author.objects.all()
    serializer_class = AuthorSerializer


# cached() returns the class it was given, to type checkers: register it, don't subclass it
# (subclassing the result needs the mypy plugin; without it, use the prebuilt classes).
CachedDrafts = cached(DraftViewSet, ttl=30, depends_on=[Author])
CachedPlainAuthors = cached(PlainAuthorViewSet, actions=["list"], scope="shared")


# --- generics ------------------------------------------------------------------------------


class PostList(generics.ListCreateAPIView[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


class PostDetail(generics.RetrieveUpdateDestroyAPIView[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer
    cache_id_field = "pk"


class PostCreate(generics.CreateAPIView[Post]):
    serializer_class = PostSerializer


class PostOnlyList(generics.ListAPIView[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


class PostRetrieve(generics.RetrieveAPIView[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


class PostDestroy(generics.DestroyAPIView[Post]):
    queryset = Post.objects.all()


class PostUpdate(generics.UpdateAPIView[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


class PostRetrieveUpdate(generics.RetrieveUpdateAPIView[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


class PostRetrieveDestroy(generics.RetrieveDestroyAPIView[Post]):
    queryset = Post.objects.all()
    serializer_class = PostSerializer


def urls() -> list[URLPattern | URLResolver]:
    router = routers.DefaultRouter()
    router.register("posts", PostViewSet, basename="post")
    router.register("authors", AuthorViewSet)
    router.register("author-list", AuthorListViewSet, basename="author-list")
    router.register("drafts", CachedDrafts, basename="draft")
    router.register("plain-authors", CachedPlainAuthors, basename="plain-author")
    return [*router.urls]


# --- invalidation --------------------------------------------------------------------------


async def after_bulk_update(user: Any) -> None:
    await Post.objects.filter(body="").aupdate(body="-")
    await ainvalidate_model(Post)
    await ainvalidate_user(user, 42)
    await ainvalidate_view(PostViewSet, PostList)
    await ainvalidate_all()


def sync_maintenance(author: Author) -> None:
    with transaction.atomic():
        Post.objects.filter(author=author).update(body="")
        invalidate_model(Post, author)
        invalidate_user(author.pk, using="default")
        invalidate_view(PostViewSet)
    invalidate_all()
