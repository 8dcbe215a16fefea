"""Red team, round 7 (tests/test_realistic7.py): serializer trees and view composition of real projects.

Part A: serializers (adrf and DRF, nested, custom list serializers, overridden representations, adrf's async
method fields, dotted sources, many field types, dynamic fields, context-reading fields, model properties
that query) behind cached list/retrieve, where a cached miss may serialize with DRF's sync ``.data`` in one
thread hop instead of adrf's ``adata``. Part B: users' own ADRF classes composed with the cached mixins,
several URL kwargs, lookup variations, one viewset under two prefixes, manual ``as_view`` mappings, an
``@action`` with a nested ``url_path``, a paginator chosen per request and custom filter backends.

Each view has a cached and an uncached twin: viewsets in ``REALISTIC7_VIEWSETS`` (registered under
``c/<name>`` and ``u/<name>`` on a router), plain routes in ``REALISTIC7_ROUTES`` (mounted at
``c/<route>`` and ``u/<route>``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from functools import cached_property
from typing import Any

from adrf import generics as adrf_generics
from adrf import serializers as adrf_serializers
from adrf import viewsets as adrf_viewsets
from adrf.generics import aget_object_or_404
from django.db import models
from django.db.models.fields.files import FieldFile
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import LimitOffsetPagination, PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from adrf_caching import ExtraAction, cached
from adrf_caching import mixins as cache_mixins
from tests.testapp.models import Author, Editor, Post, Review, Tag

# -- models: a proxy of Post with the properties real models carry -------------------------------------------

_COVER = models.FileField(upload_to="covers")
_COVER.name = "cover"
_COVER.attname = "cover"


class R7Post(Post):
    """Post, with what models grow over time: properties that query, a cached property, computed values."""

    class Meta:
        proxy = True
        app_label = "testapp"
        ordering = ["id"]

    @property
    def latest_review(self) -> Review | None:
        return self.reviews.order_by("-id").first()  # a query each time it is read

    @cached_property
    def first_tag(self) -> Tag | None:
        return self.tags.order_by("id").first()  # a query, once per instance

    @property
    def review_count(self) -> int:
        return self.reviews.count()

    @property
    def price(self) -> Decimal:
        return (Decimal(self.pk) * Decimal("1.105")).quantize(Decimal("0.001"))

    @property
    def reading_time(self) -> timedelta:
        return timedelta(minutes=len(self.title), seconds=self.pk)

    @property
    def created(self) -> datetime:
        return datetime(2024, 3, 30, 23, 30, self.pk % 60, tzinfo=dt_timezone.utc)

    @property
    def meta(self) -> dict[str, Any]:
        return {"words": len(self.title.split()), "flags": [self.published, None], "ratio": 0.5}

    @property
    def cover(self) -> FieldFile | None:
        return FieldFile(self, _COVER, f"covers/{self.slug}.png") if self.pk % 2 else None

    @property
    def public_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.pk)


# -- A.1 nested adrf serializers over lazy relations -----------------------------------------------------------


class AuthorSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "name"]


class EditorSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Editor
        fields = ["id", "name"]


class ReviewSerializer(adrf_serializers.ModelSerializer):
    editor = EditorSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Review
        fields = ["id", "text", "editor"]


class LazyAuthorPostSerializer(adrf_serializers.ModelSerializer):
    """The tutorial shape: a nested author, on a queryset without ``select_related``."""

    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "author"]


class LazyAuthorPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = LazyAuthorPostSerializer
    permission_classes = [AllowAny]


class SelectedPostSerializer(adrf_serializers.ModelSerializer):
    """Nested one and many, with the relations loaded up front (select/prefetch)."""

    author = AuthorSerializer(read_only=True)
    reviews = ReviewSerializer(many=True, read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    owner_name = serializers.CharField(source="owner.username", read_only=True, default=None)

    class Meta:
        model = Post
        fields = ["id", "title", "author", "reviews", "tags", "owner_name"]


class SelectedPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.select_related("author", "owner").prefetch_related("reviews__editor", "tags")
    serializer_class = SelectedPostSerializer
    permission_classes = [AllowAny]


class TagSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class PropertyPostSerializer(adrf_serializers.ModelSerializer):
    """Nested serializers whose sources are a model ``@property`` and a ``cached_property`` that query."""

    latest_review = ReviewSerializer(read_only=True, allow_null=True)
    first_tag = TagSerializer(read_only=True, allow_null=True)
    review_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = R7Post
        fields = ["id", "title", "latest_review", "first_tag", "review_count"]


class PropertyPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = R7Post.objects.order_by("id")
    serializer_class = PropertyPostSerializer
    permission_classes = [AllowAny]


class DottedNullablePostSerializer(adrf_serializers.ModelSerializer):
    """Dotted sources across a nullable relation, into a nested adrf serializer and into plain fields."""

    owner_profile_plan = serializers.CharField(source="owner.profile.plan", read_only=True, default="none")
    first_review_editor = EditorSerializer(source="latest_review.editor", read_only=True, allow_null=True, default=None)

    class Meta:
        model = R7Post
        fields = ["id", "title", "owner_profile_plan", "first_review_editor"]


class DottedNullablePosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = R7Post.objects.select_related("owner__profile").order_by("id")
    serializer_class = DottedNullablePostSerializer
    permission_classes = [AllowAny]


# -- A.2 field zoo: every field type, sync only (the one-hop path) ------------------------------------------------


class NamespacedIdentityField(serializers.HyperlinkedIdentityField):
    """The detail link of whichever router basename serves the view (``c-...`` or ``u-...``)."""

    def get_url(self, obj: Any, view_name: str, request: Any, format: Any) -> Any:
        return super().get_url(obj, f"{self.context['view'].basename}-detail", request, format)


class ZooPostSerializer(adrf_serializers.ModelSerializer):
    url = NamespacedIdentityField(view_name="unused")
    author_link = serializers.HyperlinkedRelatedField(source="author", view_name="unused", read_only=True)
    tag_names = serializers.SlugRelatedField(source="tags", many=True, read_only=True, slug_field="name")
    price = adrf_serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    price_number = serializers.DecimalField(source="price", max_digits=10, decimal_places=3, coerce_to_string=False)
    price_local = serializers.DecimalField(source="price", max_digits=10, decimal_places=2, localize=True)
    created = adrf_serializers.DateTimeField(format="%Y-%m-%d %H:%M %Z", read_only=True)
    created_iso = serializers.DateTimeField(source="created", read_only=True)
    reading_time = adrf_serializers.DurationField(read_only=True)
    public_id = adrf_serializers.UUIDField(read_only=True, format="hex")
    meta = adrf_serializers.JSONField(read_only=True)
    state = adrf_serializers.ChoiceField(source="published", choices=[(True, "Published"), (False, "Draft")])
    state_display = serializers.SerializerMethodField()
    cover = serializers.FileField(read_only=True, use_url=True)
    cover_image = serializers.ImageField(source="cover", read_only=True)
    cover_name = serializers.FileField(source="cover", read_only=True, use_url=False)
    slug_copy = adrf_serializers.ReadOnlyField(source="slug")
    summary = adrf_serializers.CharField(source="body", allow_null=True, default="(none)")
    owner_id = adrf_serializers.IntegerField(source="owner.pk", read_only=True, allow_null=True, default=None)
    whole = AuthorSerializer(source="author", read_only=True)
    current_user = serializers.HiddenField(default=serializers.CurrentUserDefault())

    class Meta:
        model = R7Post
        fields = [
            "url", "id", "title", "author_link", "tag_names", "price", "price_number", "price_local",
            "created", "created_iso", "reading_time", "public_id", "meta", "state", "state_display", "cover",
            "cover_image", "cover_name", "slug_copy", "summary", "owner_id", "whole", "current_user",
        ]  # fmt: skip

    def get_state_display(self, post: R7Post) -> str:
        return "Published" if post.published else "Draft"


class ZooPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = R7Post.objects.select_related("author", "owner").prefetch_related("tags")
    serializer_class = ZooPostSerializer
    permission_classes = [AllowAny]

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)
        child = getattr(serializer, "child", serializer)
        child.fields["author_link"].view_name = f"{self.basename.replace('zoo', 'authors')}-detail"
        return serializer


class AuthorViewSet(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Author.objects.order_by("id")
    serializer_class = AuthorSerializer
    permission_classes = [AllowAny]


class SourceStarPostSerializer(adrf_serializers.ModelSerializer):
    """``source="*"`` into a nested adrf serializer and a DRF one."""

    class Summary(adrf_serializers.Serializer):
        title = adrf_serializers.CharField()
        slug = adrf_serializers.CharField()

    class DRFSummary(serializers.Serializer):
        published = serializers.BooleanField()
        body = serializers.CharField()

    summary = Summary(source="*", read_only=True)
    plain = DRFSummary(source="*", read_only=True)

    class Meta:
        model = Post
        fields = ["id", "summary", "plain"]


class SourceStarPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = SourceStarPostSerializer
    permission_classes = [AllowAny]


# -- A.3 async-only parts: adrf async method fields, ato_representation, custom list serializers -------------------


class AsyncCountsPostSerializer(adrf_serializers.ModelSerializer):
    """adrf's async ``SerializerMethodField`` awaiting the ORM, next to DRF's sync one."""

    review_count = adrf_serializers.SerializerMethodField()
    tag_count = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "review_count", "tag_count"]

    async def get_review_count(self, post: Post) -> int:
        return await Review.objects.filter(post=post).acount()

    def get_tag_count(self, post: Post) -> int:
        return post.tags.count()


class AsyncCountsPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = AsyncCountsPostSerializer
    permission_classes = [AllowAny]


class AsyncEditorSerializer(adrf_serializers.ModelSerializer):
    reviewed = adrf_serializers.SerializerMethodField()

    class Meta:
        model = Editor
        fields = ["id", "name", "reviewed"]

    async def get_reviewed(self, editor: Editor) -> int:
        return await editor.reviews.acount()


class DeepReviewSerializer(adrf_serializers.ModelSerializer):
    editor = AsyncEditorSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Review
        fields = ["id", "text", "editor"]


class DeepAsyncPostSerializer(adrf_serializers.ModelSerializer):
    """An async-only part three levels down (post -> reviews -> editor -> async method)."""

    reviews = DeepReviewSerializer(many=True, read_only=True)
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "author", "reviews"]


class DeepAsyncPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.select_related("author").prefetch_related("reviews__editor")
    serializer_class = DeepAsyncPostSerializer
    permission_classes = [AllowAny]


class SortedReviewList(adrf_serializers.ListSerializer):
    """Newest first, and only those with text: written as DRF documents it (sync ``to_representation``)."""

    def to_representation(self, data: Any) -> Any:
        items = sorted(data.all() if isinstance(data, models.Manager) else data, key=lambda r: -r.pk)
        return super().to_representation(items)


class SortedReviewSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "text"]
        list_serializer_class = SortedReviewList


class AsyncFilteredReviewList(adrf_serializers.ListSerializer):
    """The async twin: drops reviews by no editor."""

    async def ato_representation(self, data: Any) -> Any:
        rows = [row async for row in data.all()] if isinstance(data, models.Manager) else list(data)
        return [await self.child.ato_representation(row) for row in rows if row.editor_id is not None]


class AsyncFilteredReviewSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "text"]
        list_serializer_class = AsyncFilteredReviewList


class DRFSortedReviewList(serializers.ListSerializer):
    def to_representation(self, data: Any) -> Any:
        items = sorted(data.all() if isinstance(data, models.Manager) else data, key=lambda r: r.text, reverse=True)
        return super().to_representation(items)


class DRFSortedReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "text"]
        list_serializer_class = DRFSortedReviewList


class ListSerializersPostSerializer(adrf_serializers.ModelSerializer):
    newest_first = SortedReviewSerializer(source="reviews", many=True, read_only=True)
    edited_only = AsyncFilteredReviewSerializer(source="reviews", many=True, read_only=True)
    drf_sorted = DRFSortedReviewSerializer(source="reviews", many=True, read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "newest_first", "edited_only", "drf_sorted"]


class ListSerializersPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.prefetch_related("reviews")
    serializer_class = ListSerializersPostSerializer
    permission_classes = [AllowAny]


class SyncSortedOnlyPostSerializer(adrf_serializers.ModelSerializer):
    """Only the sync custom list serializer (nothing async in the tree but its override)."""

    newest_first = SortedReviewSerializer(source="reviews", many=True, read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "newest_first"]


class SyncSortedOnlyPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.prefetch_related("reviews")
    serializer_class = SyncSortedOnlyPostSerializer
    permission_classes = [AllowAny]


class TopSortedList(adrf_serializers.ListSerializer):
    def to_representation(self, data: Any) -> Any:
        return sorted(super().to_representation(data), key=lambda row: row["title"], reverse=True)


class TopSortedPostSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title"]
        list_serializer_class = TopSortedList


class TopSortedPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = TopSortedPostSerializer
    permission_classes = [AllowAny]


class OverriddenReprPostSerializer(adrf_serializers.ModelSerializer):
    """``to_representation`` overridden (sync) and ``ato_representation`` overridden (async), as projects do to
    add a computed key."""

    class Meta:
        model = Post
        fields = ["id", "title", "published"]

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["label"] = f"sync:{instance.title}"
        return data

    async def ato_representation(self, instance: Any) -> Any:
        data = await super().ato_representation(instance)
        data["label"] = f"async:{instance.title}"
        return data


class OverriddenReprPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = OverriddenReprPostSerializer
    permission_classes = [AllowAny]


class DRFNestedInAdrfSerializer(adrf_serializers.ModelSerializer):
    """A DRF serializer (sync all the way) nested in an adrf one, itself nesting adrf's."""

    class DRFReview(serializers.ModelSerializer):
        editor = EditorSerializer(read_only=True)

        class Meta:
            model = Review
            fields = ["id", "text", "editor"]

    reviews = DRFReview(many=True, read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "reviews"]


class DRFNestedInAdrfPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.prefetch_related("reviews__editor")
    serializer_class = DRFNestedInAdrfSerializer
    permission_classes = [AllowAny]


# -- A.4 context: dynamic fields, the view's action, query parameters ----------------------------------------


class DynamicFieldsPostSerializer(adrf_serializers.ModelSerializer):
    """The DRF docs' ``DynamicFieldsModelSerializer``: ``?fields=a,b`` through the context."""

    currency = serializers.SerializerMethodField()
    mode = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "slug", "published", "currency", "mode"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = self.context.pop("fields", None)
        if wanted:
            for name in set(self.fields) - set(wanted):
                self.fields.pop(name)

    def get_currency(self, post: Post) -> str:
        return self.context["request"].query_params.get("currency", "EUR")

    def get_mode(self, post: Post) -> str:
        return "full" if self.context["view"].action == "retrieve" else "row"


class DynamicFieldsPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = DynamicFieldsPostSerializer
    permission_classes = [AllowAny]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        fields = self.request.query_params.get("fields")
        if fields:
            context["fields"] = fields.split(",")
        return context


# -- A.5 errors --------------------------------------------------------------------------------------------------


class RaisingPostSerializer(adrf_serializers.ModelSerializer):
    """A method field that breaks on one row's data (a title it cannot parse)."""

    number = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "number"]

    def get_number(self, post: Post) -> int:
        return int(post.title.split()[-1])  # "Post 3" -> 3; "Post three" -> ValueError


class RaisingPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = RaisingPostSerializer
    permission_classes = [AllowAny]


class AsyncRaisingPostSerializer(adrf_serializers.ModelSerializer):
    number = adrf_serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "number"]

    async def get_number(self, post: Post) -> int:
        return int(post.title.split()[-1])


class AsyncRaisingPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = AsyncRaisingPostSerializer
    permission_classes = [AllowAny]


# -- B.1 nested routes: /authors/<author_pk>/posts/<pk>/ with the user's own ADRF classes ------------------------


class PostRowSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "slug", "author", "owner"]


class AuthorPostsMixin:
    """Posts of the author in the URL (``author_pk``), looked up by ``pk`` within them."""

    serializer_class = PostRowSerializer
    permission_classes = [AllowAny]
    kwargs: dict[str, Any]

    def get_queryset(self) -> Any:
        return Post.objects.filter(author_id=self.kwargs["author_pk"]).order_by("id")

    async def aget_object(self) -> Any:
        queryset = self.get_queryset()  # type: ignore[attr-defined]
        return await aget_object_or_404(queryset, pk=self.kwargs["pk"], author_id=self.kwargs["author_pk"])


class CachedAuthorPostsViewSet(
    AuthorPostsMixin, cache_mixins.ListModelMixin, cache_mixins.RetrieveModelMixin, adrf_viewsets.GenericViewSet
):
    pass


class PlainAuthorPostsViewSet(AuthorPostsMixin, adrf_viewsets.ReadOnlyModelViewSet):
    pass


class CachedAuthorPostDetail(AuthorPostsMixin, cache_mixins.RetrieveModelMixin, adrf_generics.GenericAPIView):
    async def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return await self.aretrieve(request, *args, **kwargs)


class CachedAuthorPostList(AuthorPostsMixin, cache_mixins.ListModelMixin, adrf_generics.GenericAPIView):
    async def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return await self.alist(request, *args, **kwargs)


class PlainAuthorPostDetail(AuthorPostsMixin, adrf_generics.RetrieveAPIView):
    pass


class PlainAuthorPostList(AuthorPostsMixin, adrf_generics.ListAPIView):
    pass


# -- B.2 lookups: slug with its own URL kwarg and regex; a viewset under two prefixes; destroy --------------------


class SlugPosts(adrf_viewsets.ModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = PostRowSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    lookup_url_kwarg = "post_slug"
    lookup_value_regex = "[a-z0-9-]+"


class TwicePosts(adrf_viewsets.ModelViewSet):
    """Registered under two prefixes (``posts`` and ``articles`` of a router): one object, two URLs."""

    queryset = Post.objects.order_by("id")
    serializer_class = PostRowSerializer
    permission_classes = [AllowAny]


# -- B.3 an @action with a nested url_path, cached by name ------------------------------------------------------


class StatsPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = PostRowSerializer
    permission_classes = [AllowAny]

    @action(detail=True, methods=["get"], url_path="stats/reviews", url_name="stats-reviews")
    async def review_stats(self, request: Any, pk: str) -> Response:
        post = await self.aget_object()
        texts = [r.text async for r in Review.objects.filter(post=post).order_by("id")]
        return Response({"post": post.title, "count": len(texts), "texts": texts})

    @action(detail=False, methods=["get"], url_path="by-author/(?P<author_pk>[0-9]+)")
    async def by_author(self, request: Any, author_pk: str) -> Response:
        queryset = self.get_queryset().filter(author_id=author_pk)
        serializer = self.get_serializer(queryset, many=True)
        return Response(await serializer.adata)


# -- B.4 a paginator chosen per request, custom filter backends --------------------------------------------------


class TwoPerPage(PageNumberPagination):
    page_size = 2
    page_size_query_param = "size"


class PerRequestPaginationPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = PostRowSerializer
    permission_classes = [AllowAny]

    @property
    def paginator(self) -> Any:
        if not hasattr(self, "_paginator"):
            params = self.request.query_params
            if "limit" in params:
                self._paginator: Any = LimitOffsetPagination()
            elif "page" in params or "size" in params:
                self._paginator = TwoPerPage()
            else:
                self._paginator = None
        return self._paginator


class MineFilter(BaseFilterBackend):
    """``?mine=1`` keeps the user's own posts; ``?q=`` searches titles; anonymous users see published ones."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if not request.user.is_authenticated:
            queryset = queryset.filter(published=True)
        elif request.query_params.get("mine"):
            queryset = queryset.filter(owner=request.user)
        q = request.query_params.get("q")
        if q:
            queryset = queryset.filter(title__icontains=q)
        return queryset


class AsyncTagFilter(BaseFilterBackend):
    async def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:  # type: ignore[override]
        tag = request.query_params.get("tag")
        if tag:
            tag_ids = [t.pk async for t in Tag.objects.filter(name=tag)]
            queryset = queryset.filter(tags__in=tag_ids)
        return queryset


class FilteredPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = PostRowSerializer
    permission_classes = [AllowAny]
    filter_backends = [MineFilter]
    pagination_class = TwoPerPage


class AsyncFilteredPosts(FilteredPosts):
    filter_backends = [MineFilter, AsyncTagFilter]


# -- the twins ---------------------------------------------------------------------------------------------------

REALISTIC7_VIEWSETS: dict[str, tuple[Any, Any]] = {
    "r7-lazy-author": (cached(LazyAuthorPosts), LazyAuthorPosts),
    "r7-selected": (cached(SelectedPosts), SelectedPosts),
    "r7-property": (cached(PropertyPosts), PropertyPosts),
    "r7-dotted": (cached(DottedNullablePosts), DottedNullablePosts),
    "r7-zoo": (cached(ZooPosts), ZooPosts),
    "r7-authors": (cached(AuthorViewSet), AuthorViewSet),
    "r7-source-star": (cached(SourceStarPosts), SourceStarPosts),
    "r7-async-counts": (cached(AsyncCountsPosts), AsyncCountsPosts),
    "r7-deep-async": (cached(DeepAsyncPosts), DeepAsyncPosts),
    "r7-list-serializers": (cached(ListSerializersPosts), ListSerializersPosts),
    "r7-sync-sorted": (cached(SyncSortedOnlyPosts), SyncSortedOnlyPosts),
    "r7-top-sorted": (cached(TopSortedPosts), TopSortedPosts),
    "r7-overridden": (cached(OverriddenReprPosts), OverriddenReprPosts),
    "r7-drf-nested": (cached(DRFNestedInAdrfPosts), DRFNestedInAdrfPosts),
    "r7-dynamic": (cached(DynamicFieldsPosts), DynamicFieldsPosts),
    "r7-raising": (cached(RaisingPosts), RaisingPosts),
    "r7-async-raising": (cached(AsyncRaisingPosts), AsyncRaisingPosts),
    "r7-slug": (cached(SlugPosts), SlugPosts),
    "r7-twice-posts": (cached(TwicePosts), TwicePosts),
    "r7-twice-articles": (cached(TwicePosts), TwicePosts),
    "r7-stats": (
        cached(StatsPosts, actions=["list", "retrieve", ExtraAction("review_stats"), ExtraAction("by_author")]),
        StatsPosts,
    ),
    "r7-per-request-pages": (cached(PerRequestPaginationPosts), PerRequestPaginationPosts),
    "r7-filtered": (cached(FilteredPosts), FilteredPosts),
    "r7-async-filtered": (cached(AsyncFilteredPosts), AsyncFilteredPosts),
}

# route -> (cached view, uncached view): mounted at c/<route> and u/<route>
REALISTIC7_ROUTES: dict[str, tuple[Any, Any]] = {
    "r7-nested/<int:author_pk>/posts/": (
        CachedAuthorPostsViewSet.as_view({"get": "list"}),
        PlainAuthorPostsViewSet.as_view({"get": "list"}),
    ),
    "r7-nested/<int:author_pk>/posts/<int:pk>/": (
        CachedAuthorPostsViewSet.as_view({"get": "retrieve"}),
        PlainAuthorPostsViewSet.as_view({"get": "retrieve"}),
    ),
    "r7-generic/<int:author_pk>/posts/": (CachedAuthorPostList.as_view(), PlainAuthorPostList.as_view()),
    "r7-generic/<int:author_pk>/posts/<int:pk>/": (CachedAuthorPostDetail.as_view(), PlainAuthorPostDetail.as_view()),
}
