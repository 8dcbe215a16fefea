"""Red team, round 3 (tests/test_realistic3.py): more patterns real Django/DRF projects write, each with a
cached and an uncached twin, mounted under ``/c/<name>/<suffix>`` and ``/u/<name>/<suffix>``
(``REALISTIC3_TWINS`` and ``REALISTIC3_ROUTES`` below); plain Django helper views (a form post, a
CSRF-protected post, a page listing the pending messages) are in ``REALISTIC3_PLAIN``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from adrf import generics as adrf_generics
from adrf import viewsets as adrf_viewsets
from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.middleware.csrf import get_token, rotate_token
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from adrf_caching import ExtraAction, cached
from tests.testapp.models import Announcement, Author, Comment, PageCounter, Post, Review, Share, Tag
from tests.testapp.realistic_views import PostTitleSerializer

# -- 1. SPA bootstrap: the CSRF token handed to a JavaScript front end ------------------------------------


class CsrfBootstrap(APIView):
    """``GET /api/bootstrap/``: what a single-page app loads first, the CSRF token among it."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        tags = [tag.name async for tag in Tag.objects.order_by("id")]
        return Response({"csrfToken": get_token(request._request), "tags": tags})


class CsrfRotate(APIView):
    """A "refresh my session" endpoint that rotates the CSRF secret (as ``login()`` does)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        rotate_token(request._request)
        tags = [tag.name async for tag in Tag.objects.order_by("id")]
        return Response({"csrfToken": get_token(request._request), "tags": tags})


def csrf_protected_post(request: HttpRequest) -> JsonResponse:
    """A plain Django form endpoint that CsrfViewMiddleware protects."""
    return JsonResponse({"ok": True, "method": request.method})


# -- 2. scope="shared" views that still look at request.user ---------------------------------------------


class IsMineSerializer(serializers.ModelSerializer):
    is_mine = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "is_mine"]

    def get_is_mine(self, post: Post) -> bool:
        return post.owner_id == self.context["request"].user.id


class PostsWithIsMine(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = IsMineSerializer
    permission_classes = [AllowAny]


class StaffSeesDrafts(adrf_generics.ListAPIView):
    serializer_class = PostTitleSerializer
    permission_classes = [AllowAny]

    def get_queryset(self) -> Any:
        if self.request.user.is_staff:
            return Post.objects.order_by("id")
        return Post.objects.filter(published=True).order_by("id")


# -- 3. django.contrib.messages read or added by a GET ---------------------------------------------------


class MessagesBanner(APIView):
    """The banner of flash messages a front end shows after a redirect ("Saved.")."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        shown = await sync_to_async(lambda: [str(m) for m in messages.get_messages(request._request)])()
        tags = [tag.name async for tag in Tag.objects.order_by("id")]
        return Response({"messages": shown, "tags": tags})


class TrialReminder(APIView):
    """A dashboard GET that queues a reminder shown on the next page ("Your trial ends in 3 days")."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        await sync_to_async(messages.info)(request._request, "Your trial ends in 3 days")
        return Response({"posts": await Post.objects.acount()})


@csrf_exempt
def add_message(request: HttpRequest) -> JsonResponse:
    """A form post that flashes a message for the next page."""
    messages.success(request, request.POST.get("text", "Saved."))
    return JsonResponse({"ok": True})


def pending_messages(request: HttpRequest) -> JsonResponse:
    """A server-rendered page that shows (and so consumes) the pending messages."""
    return JsonResponse({"messages": [str(m) for m in messages.get_messages(request)]})


# -- 4. denormalized counters kept by a signal handler ----------------------------------------------------


def counter_name(author_id: int) -> str:
    return f"author-{author_id}-posts"


def recount_author_posts(sender: Any, instance: Post, **kwargs: Any) -> None:
    """The project's post_save / post_delete handler: ``Author.post_count`` kept in a counter row."""
    count = Post.objects.filter(author_id=instance.author_id).count()
    PageCounter.objects.update_or_create(name=counter_name(instance.author_id), defaults={"hits": count})


class AuthorStats(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        counters = {c.name: c.hits async for c in PageCounter.objects.filter(name__startswith="author-")}
        authors = [a async for a in Author.objects.order_by("id")]
        return Response([{"name": a.name, "posts": counters.get(counter_name(a.pk), 0)} for a in authors])


class CreatePost(APIView):
    """A plain (uncached) write endpoint: saving the post runs the project's signal handlers."""

    permission_classes = [AllowAny]

    async def post(self, request: Any) -> Response:
        author = await Author.objects.aget(name=request.data["author"])
        post = await Post.objects.acreate(title=request.data["title"], slug=request.data["slug"], author=author)
        return Response({"id": post.pk}, status=201)


# -- 5. per-user Prefetch / Exists / Count, generic foreign keys -------------------------------------------


class SharedWithMe(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        uid = request.user.id

        def build() -> Any:
            posts = (
                Post.objects.annotate(
                    n_reviews=Count("reviews", distinct=True),
                    shared_with_me=Exists(Share.objects.filter(post=OuterRef("pk"), user_id=uid)),
                )
                .prefetch_related(
                    Prefetch("shares", queryset=Share.objects.filter(user_id=uid), to_attr="my_shares"), "tags"
                )
                .order_by("id")
            )
            comments = Comment.objects.prefetch_related("target").order_by("id")
            return {
                "posts": [
                    {
                        "title": p.title,
                        "reviews": p.n_reviews,
                        "shared": p.shared_with_me,
                        "my_shares": len(p.my_shares),
                        "tags": sorted(t.name for t in p.tags.all()),
                    }
                    for p in posts
                ],
                "comments": [{"text": c.text, "on": str(c.target)} for c in comments],
            }

        return Response(await sync_to_async(build)())


# -- 6. cursor pagination, search and ordering, a CSV renderer ------------------------------------------------


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        rows = data.get("results", data) if isinstance(data, dict) else data
        if not isinstance(rows, list):
            rows = [rows]
        out = io.StringIO()
        writer = csv.writer(out)
        if rows and isinstance(rows[0], dict):
            writer.writerow(list(rows[0]))
            for row in rows:
                writer.writerow(list(row.values()))
        return out.getvalue().encode()


class PostRowSerializer(serializers.ModelSerializer):
    author = serializers.ReadOnlyField(source="author.name")

    class Meta:
        model = Post
        fields = ["id", "title", "author"]


class NewestFirst(CursorPagination):
    ordering = "-id"
    page_size = 2


class CursorPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.select_related("author")
    serializer_class = PostRowSerializer
    permission_classes = [AllowAny]
    pagination_class = NewestFirst
    filter_backends = [SearchFilter, OrderingFilter]
    search_fields = ["title", "author__name"]
    ordering_fields = ["id", "title"]
    renderer_classes = [JSONRenderer, CSVRenderer]


# -- 7. hyperlinks: build_absolute_uri, reverse() with the request ---------------------------------------------


class LinkedPostSerializer(serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="u-r3-links-detail")
    self_link = serializers.SerializerMethodField()
    list_link = serializers.SerializerMethodField()
    list_name = "u-r3-links-list"

    class Meta:
        model = Post
        fields = ["url", "title", "self_link", "list_link"]

    def get_self_link(self, post: Post) -> str:
        return self.context["request"].build_absolute_uri()

    def get_list_link(self, post: Post) -> str:
        return reverse(self.list_name, request=self.context["request"])


class CachedLinkedPostSerializer(LinkedPostSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="c-r3-links-detail")
    list_name = "c-r3-links-list"


class LinkedPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = LinkedPostSerializer
    permission_classes = [AllowAny]


class CachedLinkedPosts(cached(LinkedPosts)):  # type: ignore[misc]
    serializer_class = CachedLinkedPostSerializer


# -- 8. headers set by the view, non-JSON and streaming answers ---------------------------------------------


class HeaderedList(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        titles = [p.title async for p in Post.objects.filter(published=True).order_by("id")]
        headers = {
            "X-Total-Count": str(len(titles)),
            "Link": f'<{request.build_absolute_uri("?page=2")}>; rel="next"',
            "Content-Language": "fr",
            "Vary": "Accept-Language",
        }
        lang = request.headers.get("Accept-Language", "en")[:2]
        return Response({"lang": lang, "titles": titles}, headers=headers)


class CSVExport(APIView):
    """``list()`` answering a CSV download with a plain HttpResponse."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> HttpResponse:
        rows = [(p.id, p.title) async for p in Post.objects.order_by("id")]
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="posts.csv"'
        return response


class StreamedExport(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> StreamingHttpResponse:
        rows = [f"{p.id},{p.title}\n" async for p in Post.objects.order_by("id")]

        async def stream() -> Any:
            for row in rows:
                yield row

        response = StreamingHttpResponse(stream(), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="posts.csv"'
        return response


# -- 9. a write with a savepoint rolled back, in an async view ---------------------------------------------


class SavepointWrite(APIView):
    permission_classes = [AllowAny]

    async def post(self, request: Any) -> Response:
        def work() -> None:
            with transaction.atomic():
                Post.objects.filter(slug="post-0").update(title="Committed title")
                try:
                    with transaction.atomic():
                        Tag.objects.update(name="rolled back")
                        Author.objects.filter(name="Ann").update(name="Rolled back")
                        raise IntegrityError("duplicate")
                except IntegrityError:
                    pass
                Review.objects.filter(text="Review 0").update(text="Committed review")

        await sync_to_async(work)()
        return Response({"ok": True})


# -- 12. a viewset by UUID with an extra detail GET and a per-action serializer ----------------------------------


class PostDetailSerializer(serializers.ModelSerializer):
    author = serializers.ReadOnlyField(source="author.name")

    class Meta:
        model = Post
        fields = ["uuid", "title", "body", "author", "published"]


class UUIDPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.select_related("author").order_by("id")
    permission_classes = [AllowAny]
    lookup_field = "uuid"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_serializer_class(self) -> Any:
        return PostDetailSerializer if self.action == "retrieve" else PostTitleSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["currency"] = self.request.headers.get("X-Currency", "EUR")
        return context

    @action(detail=True, methods=["get"])
    async def reviews(self, request: Any, uuid: str) -> Response:
        post = await self.aget_object()
        texts = [r.text async for r in Review.objects.filter(post=post).order_by("id")]
        return Response({"post": post.title, "reviews": texts, "currency": self.get_serializer_context()["currency"]})


CachedUUIDPosts = cached(UUIDPosts, actions=["list", "retrieve", ExtraAction("reviews")])


# -- the language and time zone a middleware activates from the session ------------------------------------------


class SessionLocaleMiddleware:
    """Per-user language and time zone kept in the session, activated for every request."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        translation.activate(request.session.get("lang", "en"))
        timezone.activate(request.session.get("tz", "UTC"))
        try:
            return self.get_response(request)
        finally:
            translation.deactivate()
            timezone.deactivate()


class LocalizedSchedule(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        rows = [a async for a in Announcement.objects.order_by("id")]
        return Response(
            {
                "lang": translation.get_language(),
                "tz": timezone.get_current_timezone_name(),
                "at": [timezone.localtime(a.publish_at).isoformat() for a in rows],
            }
        )


class LanguageByParam(APIView):
    """``?lang=fr``: the view activates the language it was asked for (LocaleMiddleware then names it in
    ``Content-Language``)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        translation.activate(request.query_params.get("lang", "en"))
        titles = [p.title async for p in Post.objects.order_by("id")]
        return Response({"lang": translation.get_language(), "titles": titles})


class CookieConsent(APIView):
    """Which widgets the page may load: tracking only with the consent cookie (checked on ``.keys()``)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        consent = "cookie_consent" in request.COOKIES.keys()  # noqa: SIM118 (the pattern under test)
        titles = [p.title async for p in Post.objects.order_by("id")]
        return Response({"tracking": consent, "titles": titles})


class GeoPrices(APIView):
    """Prices by the visitor's country, from a CDN header, on a copy of ``request.META`` (as code that
    forwards the request's headers to another service builds one)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        meta = request.META.copy()
        country = meta.get("HTTP_CF_IPCOUNTRY", "US")
        titles = [p.title async for p in Post.objects.order_by("id")]
        return Response({"currency": "EUR" if country in {"FR", "DE"} else "USD", "titles": titles})


# name -> (cached view, uncached view)
REALISTIC3_TWINS: dict[str, tuple[Any, Any]] = {
    "r3-csrf-bootstrap": (cached(CsrfBootstrap), CsrfBootstrap),
    "r3-csrf-rotate": (cached(CsrfRotate), CsrfRotate),
    "r3-shared-is-mine": (cached(PostsWithIsMine, scope="shared"), PostsWithIsMine),
    "r3-shared-staff": (cached(StaffSeesDrafts, scope="shared"), StaffSeesDrafts),
    "r3-user-is-mine": (cached(PostsWithIsMine), PostsWithIsMine),
    "r3-messages": (cached(MessagesBanner), MessagesBanner),
    "r3-trial-reminder": (cached(TrialReminder), TrialReminder),
    "r3-author-stats": (cached(AuthorStats), AuthorStats),
    "r3-create-post": (cached(CreatePost), CreatePost),
    "r3-shared-with-me": (cached(SharedWithMe), SharedWithMe),
    "r3-cursor": (cached(CursorPosts), CursorPosts),
    "r3-links": (CachedLinkedPosts, LinkedPosts),
    "r3-headers": (cached(HeaderedList), HeaderedList),
    "r3-csv": (cached(CSVExport), CSVExport),
    "r3-stream": (cached(StreamedExport), StreamedExport),
    "r3-savepoint-write": (cached(SavepointWrite), SavepointWrite),
    "r3-uuid-posts": (CachedUUIDPosts, UUIDPosts),
    "r3-schedule": (cached(LocalizedSchedule), LocalizedSchedule),
    "r3-lang-param": (cached(LanguageByParam), LanguageByParam),
    "r3-consent": (cached(CookieConsent), CookieConsent),
    "r3-geo": (cached(GeoPrices), GeoPrices),
}

REALISTIC3_ROUTES: dict[str, str] = {}

# Plain Django views the tests post to or read from: route -> view.
REALISTIC3_PLAIN: dict[str, Any] = {
    "r3-plain/csrf-post/": csrf_protected_post,
    "r3-plain/add-message/": add_message,
    "r3-plain/pending-messages/": pending_messages,
}
