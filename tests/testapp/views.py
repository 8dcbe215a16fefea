"""Views under test: every cached view has an uncached twin built from the same configuration."""

from __future__ import annotations

from typing import Any, ClassVar

from adrf import generics as adrf_generics
from adrf import viewsets as adrf_viewsets
from adrf.views import APIView
from asgiref.sync import sync_to_async
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from adrf_caching import cached
from adrf_caching.generics import ListCreateAPIView, RetrieveUpdateDestroyAPIView
from adrf_caching.viewsets import ModelViewSetCached, ReadOnlyModelViewSetCached
from tests.testapp.models import Author, Note, Post, Tag
from tests.testapp.serializers import (
    NoteSerializer,
    PostSerializer,
    TransferPostSerializer,
    UUIDPostSerializer,
)


class Pages(PageNumberPagination):
    page_size = 3
    page_size_query_param = "size"
    max_page_size = 100


async def load_author(post: Post) -> None:
    """adrf serializes the nested author synchronously: load it before it is read."""
    await sync_to_async(getattr)(post, "author")


class PostBehaviour:
    """Shared configuration: filters by ``?tag=`` (repeatable) and ``?title=``, owner set on create."""

    queryset = Post.objects.select_related("author").prefetch_related("tags")
    serializer_class = PostSerializer
    pagination_class = Pages
    invalidate_fields = ["owner_id"]
    request: Any

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()  # type: ignore[misc]
        params = self.request.query_params
        if params.getlist("tag"):
            queryset = queryset.filter(tags__name__in=params.getlist("tag")).distinct()
        if "title" in params:
            queryset = queryset.filter(title__icontains=params["title"])
        return queryset

    async def perform_acreate(self, serializer: Any) -> None:
        user = self.request.user
        await serializer.asave(owner=user if user.is_authenticated else None)
        await load_author(serializer.instance)

    async def perform_aupdate(self, serializer: Any) -> None:
        await serializer.asave()
        await load_author(serializer.instance)


class PostViewSet(PostBehaviour, ModelViewSetCached):
    @action(detail=False)
    async def titles(self, request: Any) -> Response:
        titles = [post.title async for post in self.get_queryset().order_by("title")]
        return Response({"titles": titles})

    @action(detail=True, methods=["get"])
    async def shout(self, request: Any, pk: Any = None) -> Response:
        post = await self.aget_object()
        response = Response({"title": post.title.upper()})
        response["X-Shout"] = "yes"
        return response


class CachedActionsPostViewSet(PostBehaviour, ModelViewSetCached):
    cache_actions = ("list", "retrieve", "titles")

    @action(detail=False)
    async def titles(self, request: Any) -> Response:
        titles = [post.title async for post in self.get_queryset().order_by("title")]
        return Response({"titles": titles})


class UncachedPostViewSet(PostBehaviour, adrf_viewsets.ModelViewSet):
    @action(detail=False)
    async def titles(self, request: Any) -> Response:
        titles = [post.title async for post in self.get_queryset().order_by("title")]
        return Response({"titles": titles})


class FactoryPostViewSet(PostBehaviour, adrf_viewsets.ModelViewSet):
    """Made cached by ``cached()`` in urls.py."""


class SlugPostViewSet(PostBehaviour, ModelViewSetCached):
    lookup_field = "slug"


class UUIDPostViewSet(PostBehaviour, ModelViewSetCached):
    serializer_class = UUIDPostSerializer
    lookup_field = "uuid"


class PublishedPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    """A second endpoint on the same model: it must never share entries with PostViewSet."""

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(published=True)


class NoteBehaviour:
    """Private rows: each user sees only their own notes."""

    serializer_class = NoteSerializer
    permission_classes = [IsAuthenticated]
    request: Any

    def get_queryset(self) -> Any:
        return Note.objects.filter(owner=self.request.user)

    async def perform_acreate(self, serializer: Any) -> None:
        await serializer.asave(owner=self.request.user)


class NoteViewSet(NoteBehaviour, ModelViewSetCached):
    pass


class UncachedNoteViewSet(NoteBehaviour, adrf_viewsets.ModelViewSet):
    pass


class OnlyStaff(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_staff)


class StaffPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    permission_classes = [OnlyStaff]


class PostListCreate(PostBehaviour, ListCreateAPIView):
    pass


class PostDetail(PostBehaviour, RetrieveUpdateDestroyAPIView):
    pass


class UncachedPostListCreate(PostBehaviour, adrf_generics.ListCreateAPIView):
    pass


class HeaderPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    """Answers with extra headers, cookies, no-store or errors, as the query asks."""

    async def alist(self, *args: Any, **kwargs: Any) -> Any:
        return await super().alist(*args, **kwargs)

    def get_paginated_response(self, data: Any) -> Any:  # pragma: no cover - adrf uses the async one
        return super().get_paginated_response(data)

    async def get_apaginated_response(self, data: Any) -> Any:
        response = await super().get_apaginated_response(data)
        params = self.request.query_params
        response["X-Total"] = str(self.paginator.page.paginator.count)
        if "cookie" in params:
            response.set_cookie("seen", "1")
        if "nostore" in params:
            response["Cache-Control"] = "no-store"
        if "teapot" in params:
            response.status_code = 418
        return response


class CountingAPIView(APIView):
    """A plain ADRF APIView: cached() caches its ``get``."""

    calls: ClassVar[list[int]] = [0]
    permission_classes: list[Any] = []

    async def get(self, request: Any) -> Response:
        self.calls[0] += 1
        return Response({"calls": self.calls[0], "who": str(request.user)})


CachedCountingAPIView = cached(CountingAPIView, ttl=60)


class MyPostTitles(APIView):
    """Per-user data the library cannot trace to a model: only ``invalidate_fields`` bumps reach it."""

    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        titles = [p.title async for p in Post.objects.filter(owner=request.user).order_by("id")]
        return Response({"titles": titles})


CachedMyPostTitles = cached(MyPostTitles)


class TransferPostViewSet(PostBehaviour, ModelViewSetCached):
    """Owner is writable here: a write may move a post from one user to another."""

    serializer_class = TransferPostSerializer


class TagCount(APIView):
    """Reads Tag without a queryset attribute: only ``depends_on`` ties it to the model."""

    permission_classes: list[Any] = []

    async def get(self, request: Any) -> Response:
        return Response({"tags": await Tag.objects.acount()})


CachedTagCount = cached(TagCount, depends_on=[Tag])
UntracedTagCount = cached(TagCount)


class SharedPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    cache_scope = "shared"


class UncachedStaffPostViewSet(PostBehaviour, adrf_viewsets.ReadOnlyModelViewSet):
    permission_classes = [OnlyStaff]


class HandWrittenPosts(adrf_viewsets.GenericViewSet):
    """Model actions written by hand, without ADRF's mixins."""

    queryset = Post.objects.all()
    permission_classes: list[Any] = []

    async def alist(self, request: Any) -> Response:
        return Response([post.title async for post in Post.objects.order_by("id")])

    async def acreate(self, request: Any) -> Response:
        author = await Author.objects.afirst()
        post = await Post.objects.acreate(title=request.data["title"], slug=request.data["title"], author=author)
        return Response({"id": post.pk}, status=201)


CachedHandWrittenPosts = cached(HandWrittenPosts)


class OwnCacheControl(APIView):
    """Sets its own Cache-Control: the cache keeps it."""

    permission_classes: list[Any] = []

    async def get(self, request: Any) -> Response:
        return Response({"ok": True}, headers={"Cache-Control": "private, max-age=5"})


CachedOwnCacheControl = cached(OwnCacheControl)


class EditorBehaviour(PostBehaviour):
    """Editors (a group) see every post; others only posts with a tag: the answer reads the user's groups."""

    def get_queryset(self) -> Any:
        from django.contrib.auth.models import Group
        from django.db.models import Exists, Q

        editor = Group.objects.filter(user=self.request.user.pk, name="editors")
        return super().get_queryset().filter(Q(Exists(editor)) | Q(tags__name="red")).distinct()


class EditorPostViewSet(EditorBehaviour, ReadOnlyModelViewSetCached):
    pass


class UncachedEditorPostViewSet(EditorBehaviour, adrf_viewsets.ReadOnlyModelViewSet):
    pass
