"""Red team, round 5 (tests/test_realistic5.py): the request and response shape of real projects (i18n,
content negotiation, proxies and hosts, HEAD/OPTIONS/405, conditional requests, error statuses and the
middleware of a project's response path). Each view has a cached and an uncached twin, mounted under
``/c/<name>/<suffix>`` and ``/u/<name>/<suffix>`` (``REALISTIC5_TWINS`` for plain views,
``REALISTIC5_VIEWSETS`` for viewsets, ``REALISTIC5_SUFFIX`` for ``format_suffix_patterns`` routes); the
i18n_patterns URLconf of section 1 is ``I18nUrls`` (given as ``ROOT_URLCONF`` by its test).
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from adrf import generics as adrf_generics
from adrf import serializers as adrf_serializers
from adrf import viewsets as adrf_viewsets
from adrf.views import APIView
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import path
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAuthenticatedOrReadOnly
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.versioning import AcceptHeaderVersioning
from rest_framework.views import exception_handler

from adrf_caching import cached
from tests.testapp.models import Announcement, Post

# -- 1. i18n: translated labels, the active language, time zones ------------------------------------------


class LabelledPostSerializer(serializers.ModelSerializer):
    """Labels a project translates: ``gettext_lazy`` choices and a display value."""

    STATES = {True: _("Yes"), False: _("No")}

    state = serializers.SerializerMethodField()
    required_hint = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "state", "required_hint"]

    def get_state(self, post: Post) -> str:
        return str(self.STATES[post.published])

    def get_required_hint(self, post: Post) -> str:
        return gettext("This field is required.")


class LabelledPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = LabelledPostSerializer
    permission_classes = [AllowAny]


class ContentLanguagePosts(APIView):
    """Picks the content language from ``request.LANGUAGE_CODE``, which a project middleware sets."""

    permission_classes = [AllowAny]
    GREETINGS = {"en": "Hello", "fr": "Bonjour", "de": "Hallo"}

    async def get(self, request: Any) -> Response:
        titles = [post.title async for post in Post.objects.order_by("id")]
        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        return Response({"greeting": self.GREETINGS.get(language, "?"), "content_language": language, "titles": titles})


class ContentLanguageMiddleware:
    """A mobile app sends the language it shows content in: ``request.LANGUAGE_CODE`` follows
    ``X-Content-Language`` (the UI language, activated by LocaleMiddleware, is left as it is)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        wanted = request.headers.get("X-Content-Language")
        if wanted in ContentLanguagePosts.GREETINGS:
            request.LANGUAGE_CODE = wanted
        return self.get_response(request)


class UserLanguageMiddleware:
    """The language of the logged-in user's choice (kept here on the user's ``last_name``, as a profile
    field would keep it), activated for the request, as projects do after AuthenticationMiddleware."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        user = request.user
        if user.is_authenticated and user.last_name in ("fr", "de", "en"):
            translation.activate(user.last_name)
            request.LANGUAGE_CODE = user.last_name
        return self.get_response(request)


class AnnouncementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Announcement
        fields = ["id", "text", "publish_at"]


class Announcements(adrf_generics.ListAPIView):
    """Datetimes DRF renders in the active time zone, with ``REST_FRAMEWORK["DATETIME_FORMAT"]``."""

    queryset = Announcement.objects.order_by("id")
    serializer_class = AnnouncementSerializer
    permission_classes = [AllowAny]


class TimezoneMiddleware:
    """The user's time zone, from the ``tz`` cookie a front end sets, or the ``X-Timezone`` header."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        name = request.COOKIES.get("tz") or request.headers.get("X-Timezone")
        if name:
            import zoneinfo

            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        return self.get_response(request)


# -- 2. content negotiation: versions, a vendor media type, the browsable API, suffixes --------------------


class VendorRenderer(JSONRenderer):
    media_type = "application/vnd.r5+json"
    format = "vnd"
    charset = "utf-8"


class PlainTextRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "txt"
    charset = "iso-8859-1"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        rows = data if isinstance(data, list) else [data]
        return "\n".join(str(row) for row in rows).encode(self.charset)


class PostV1Serializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title"]


class PostV2Serializer(serializers.ModelSerializer):
    headline = serializers.CharField(source="title")

    class Meta:
        model = Post
        fields = ["id", "headline", "slug", "published"]


class R5AcceptVersioning(AcceptHeaderVersioning):
    default_version = "1"
    allowed_versions = ["1", "2"]


class NegotiatedPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, VendorRenderer, BrowsableAPIRenderer]
    versioning_class = R5AcceptVersioning

    def get_serializer_class(self) -> Any:
        return PostV2Serializer if self.request.version == "2" else PostV1Serializer


class SuffixPosts(APIView):
    """``format_suffix_patterns``: ``/items.json``, ``/items.txt``, ``/items.api``."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, PlainTextRenderer, BrowsableAPIRenderer]

    async def get(self, request: Any, format: str | None = None) -> Response:
        return Response([post.title async for post in Post.objects.order_by("id")])


# -- 3. proxies and hosts: absolute links in bodies and headers -----------------------------------------------


class SmallPages(PageNumberPagination):
    page_size = 2


class LinkedPostSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "url"]

    def get_url(self, post: Post) -> str:
        return self.context["request"].build_absolute_uri(f"/api/posts/{post.pk}/")


class LinkedPosts(adrf_generics.ListAPIView):
    """Pagination links and a ``Link`` header built from the request's scheme, host and port."""

    queryset = Post.objects.order_by("id")
    serializer_class = LinkedPostSerializer
    pagination_class = SmallPages
    permission_classes = [AllowAny]

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        canonical = self.request.build_absolute_uri(self.request.path)
        response["Link"] = f'<{canonical}>; rel="canonical"'
        response["Content-Location"] = self.request.build_absolute_uri()
        return response


# -- 4./6. a model viewset: permissions, object permissions, validation, a custom exception handler ---------


class OwnerCanWrite(BasePermission):
    """Anyone reads published posts; drafts only their owner; only the owner writes."""

    message = "Only the owner may see or change this post."

    def has_object_permission(self, request: Any, view: Any, obj: Post) -> bool:
        if request.method in SAFE_METHODS and obj.published:
            return True
        return bool(request.user.is_authenticated and obj.owner_id == request.user.pk)


def enveloped_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """A project's EXCEPTION_HANDLER: every error as ``{"error": {"status", "detail"}}``."""
    response = exception_handler(exc, context)
    if response is not None:
        response.data = {"error": {"status": response.status_code, "detail": response.data}}
    return response


class PostFullSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "slug", "body", "published", "author", "owner"]
        read_only_fields = ["owner"]


class PostsViewSet(adrf_viewsets.ModelViewSet):
    serializer_class = PostFullSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, OwnerCanWrite]

    def get_queryset(self) -> Any:
        queryset = Post.objects.order_by("id")
        min_id = self.request.query_params.get("min_id")
        if min_id is not None:
            if not min_id.isdigit():
                raise exceptions.ValidationError({"min_id": [gettext("Enter a whole number.")]})
            queryset = queryset.filter(id__gte=int(min_id))
        return queryset

    def get_exception_handler(self) -> Any:
        return enveloped_exception_handler

    def perform_create(self, serializer: Any) -> None:
        serializer.save(owner=self.request.user)


class ReadOnlyPosts(adrf_viewsets.ReadOnlyModelViewSet):
    """No write route: POST/PUT/DELETE get 405 with the ``Allow`` header of what is there."""

    queryset = Post.objects.order_by("id")
    serializer_class = PostV1Serializer
    permission_classes = [AllowAny]


# -- 5. conditional requests: a view that sets its own validators ------------------------------------------


def post_etag(post: Post) -> str:
    """The version a client must name in ``If-Match`` to change the post (optimistic concurrency)."""
    text = f"{post.pk}|{post.title}|{post.body}|{post.published}"
    return '"' + hashlib.sha1(text.encode()).hexdigest() + '"'


class VersionedPostsViewSet(adrf_viewsets.ModelViewSet):
    """``retrieve`` sets the post's own ``ETag`` and ``Last-Modified``; ``update`` requires ``If-Match``
    with that ETag, else 412 (the lost-update check of many APIs)."""

    queryset = Post.objects.order_by("id")
    serializer_class = PostFullSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]

    async def aretrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        post = await self.aget_object()
        response = Response(self.get_serializer(post).data)
        response["ETag"] = post_etag(post)
        response["Last-Modified"] = "Wed, 01 Jan 2025 00:00:00 GMT"
        return response

    async def aupdate(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        post = await self.aget_object()
        if request.headers.get("If-Match") != post_etag(post):
            return Response({"detail": "The post changed since you read it."}, status=412)
        return await super().aupdate(request, *args, **kwargs)


class BigPosts(APIView):
    """A body large enough for GZipMiddleware to compress (200 bytes or more)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        rows = [{"id": p.pk, "title": p.title, "body": p.body or "-" * 40} async for p in Post.objects.order_by("id")]
        return Response({"language": translation.get_language(), "posts": rows})


class CountOnHead(APIView):
    """``HEAD`` answers only the count (``X-Total-Count``), without building the list: clients poll it."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        count = await Post.objects.acount()
        if request.method == "HEAD":
            return Response(headers={"X-Total-Count": str(count)})
        titles = [post.title async for post in Post.objects.order_by("id")]
        return Response({"count": count, "titles": titles}, headers={"X-Total-Count": str(count)})


# -- 6. throttles ----------------------------------------------------------------------------------------------


class R5Throttle(ScopedRateThrottle):
    THROTTLE_RATES = {"r5-cached": "5/hour", "r5-plain": "5/hour"}


class ThrottledPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = PostV1Serializer
    permission_classes = [AllowAny]
    throttle_classes = [R5Throttle]
    throttle_scope = "r5-plain"


class CachedThrottledPosts(cached(ThrottledPosts)):  # type: ignore[misc]
    throttle_scope = "r5-cached"


# -- 7. the response path: CORS, X-Frame-Options, a CSP nonce the view reads -----------------------------


class CorsMiddleware:
    """What django-cors-headers does for a simple request from an allowed origin."""

    ALLOWED = ("https://app.example", "https://admin.example")

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        origin = request.headers.get("Origin")
        if origin in self.ALLOWED:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Credentials"] = "true"
        from django.utils.cache import patch_vary_headers

        patch_vary_headers(response, ("Origin",))
        return response


class CspNonceMiddleware:
    """As django-csp does: ``request.csp_nonce`` is a lazy nonce made when first read; the policy names
    it only if the view read it."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        def make() -> str:
            if not getattr(request, "_csp_nonce", None):
                request._csp_nonce = base64.b64encode(os.urandom(16)).decode("ascii")
            return str(request._csp_nonce)

        request.csp_nonce = SimpleLazyObject(make)
        response = self.get_response(request)
        nonce = getattr(request, "_csp_nonce", None)
        policy = "default-src 'self'" + (f"; script-src 'nonce-{nonce}'" if nonce else "")
        response["Content-Security-Policy"] = policy
        return response


class NoncePosts(APIView):
    """A server-rendered snippet the front end injects: its inline script carries the request's nonce."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        titles = [post.title async for post in Post.objects.order_by("id")]
        nonce = str(request._request.csp_nonce)
        return Response({"titles": titles, "snippet": f'<script nonce="{nonce}">init()</script>'})


class PlainPosts(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response([post.title async for post in Post.objects.order_by("id")])


# name -> (cached view, uncached view), mounted at /c/<name>/ and /u/<name>/
REALISTIC5_TWINS: dict[str, tuple[Any, Any]] = {
    "r5-labels": (cached(LabelledPosts), LabelledPosts),
    "r5-content-lang": (cached(ContentLanguagePosts), ContentLanguagePosts),
    "r5-announcements": (cached(Announcements), Announcements),
    "r5-negotiated": (cached(NegotiatedPosts), NegotiatedPosts),
    "r5-linked": (cached(LinkedPosts), LinkedPosts),
    "r5-big": (cached(BigPosts), BigPosts),
    "r5-throttled": (CachedThrottledPosts, ThrottledPosts),
    "r5-nonce": (cached(NoncePosts), NoncePosts),
    "r5-plain": (cached(PlainPosts), PlainPosts),
    "r5-count-on-head": (cached(CountOnHead), CountOnHead),
}

# name -> (cached viewset, uncached viewset), registered on a router at c/<name> and u/<name>
REALISTIC5_VIEWSETS: dict[str, tuple[Any, Any]] = {
    "r5-posts": (cached(PostsViewSet), PostsViewSet),
    "r5-readonly": (cached(ReadOnlyPosts), ReadOnlyPosts),
    "r5-versioned": (cached(VersionedPostsViewSet), VersionedPostsViewSet),
}

# name -> (cached view, uncached view), mounted at /c/<name>/items and /u/<name>/items with format suffixes
REALISTIC5_SUFFIX: dict[str, tuple[Any, Any]] = {"r5-suffix": (cached(SuffixPosts), SuffixPosts)}

CACHED_I18N_LABELS = cached(LabelledPosts)


class I18nUrls:
    """A URLconf with ``i18n_patterns``: ``/fr/api/c/r5-i18n/`` (its test makes it ``ROOT_URLCONF``)."""

    urlpatterns = i18n_patterns(
        path("api/c/r5-i18n/", CACHED_I18N_LABELS.as_view()),
        path("api/u/r5-i18n/", LabelledPosts.as_view()),
    )
