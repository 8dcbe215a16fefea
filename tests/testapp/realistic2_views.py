"""Red team, round 2 (tests/test_realistic2.py): more patterns real Django/DRF projects write, each with a
cached and an uncached twin, mounted under ``/c/<name>/<suffix>`` and ``/u/<name>/<suffix>``
(``REALISTIC2_TWINS`` and ``REALISTIC2_ROUTES`` below). Helpers of round 1 are reused from
tests/testapp/realistic_views.py.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

from adrf import generics as adrf_generics
from adrf import viewsets as adrf_viewsets
from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Subquery, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, BasicAuthentication, SessionAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAdminUser, IsAuthenticated
from rest_framework.response import Response

from adrf_caching import cached
from tests.testapp.models import Announcement, Author, Membership, Organization, Post, Review, Tag, Team
from tests.testapp.realistic_views import PostTitleSerializer

# -- A. something loaded in initial() / a permission that compared with the clock ------------------------


class LoadsCurrentNotice(BasePermission):
    """Loads the notice in force now (scheduled rows) and keeps it for the view, as a permission that
    fetches the user's current plan / the active maintenance window does."""

    def has_permission(self, request: Any, view: Any) -> bool:
        view.notice = Announcement.objects.filter(publish_at__lte=timezone.now()).order_by("-publish_at").first()
        return True


class NoticeBoard(APIView):
    permission_classes = [LoadsCurrentNotice]

    async def get(self, request: Any) -> Response:
        notice = self.notice
        return Response({"notice": notice.text if notice else None, "posts": await Post.objects.acount()})


CachedNoticeBoard = cached(NoticeBoard)


class NoticeBoardByInitial(APIView):
    """The same notice, loaded in an initial() override."""

    permission_classes = [AllowAny]

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.notice = Announcement.objects.filter(publish_at__lte=timezone.now()).order_by("-publish_at").first()

    async def get(self, request: Any) -> Response:
        notice = self.notice
        return Response({"notice": notice.text if notice else None, "posts": await Post.objects.acount()})


CachedNoticeBoardByInitial = cached(NoticeBoardByInitial)


# -- B. reads of every shape ---------------------------------------------------------------------------------


class ReportView(APIView):
    """A plain reporting endpoint: ``report()`` runs in a thread and returns JSON-able data."""

    permission_classes = [AllowAny]

    def report(self, request: Any) -> Any:
        raise NotImplementedError

    async def get(self, request: Any) -> Response:
        return Response(await sync_to_async(self.report)(request))


class ValuesReport(ReportView):
    def report(self, request: Any) -> Any:
        return {
            "values": list(Post.objects.order_by("id").values("id", "title", "author__name")),
            "values_list": list(Post.objects.order_by("id").values_list("slug", flat=True)),
            "aggregate": Post.objects.aggregate(n=Count("id"), reviews=Count("reviews")),
        }


class SubqueryReport(ReportView):
    def report(self, request: Any) -> Any:
        latest_review = Review.objects.filter(post=OuterRef("pk")).order_by("-id").values("text")[:1]
        shared = Membership.objects.filter(author=OuterRef("author"))
        rows = Post.objects.annotate(latest=Subquery(latest_review), in_team=Exists(shared)).order_by("id")
        return [{"title": p.title, "latest": p.latest, "in_team": p.in_team} for p in rows]


class WindowReport(ReportView):
    def report(self, request: Any) -> Any:
        rows = Post.objects.annotate(
            rank=Window(RowNumber(), partition_by=[F("author_id")], order_by=F("title").desc())
        ).order_by("id")
        return [{"title": p.title, "rank": p.rank} for p in rows]


class UnionReport(ReportView):
    def report(self, request: Any) -> Any:
        titles = Post.objects.order_by().values_list("title", flat=True)
        names = Author.objects.order_by().values_list("name", flat=True)
        tags = Tag.objects.order_by().values_list("name", flat=True)
        return sorted(titles.union(names, tags))


class RawReport(ReportView):
    def report(self, request: Any) -> Any:
        rows = Post.objects.raw(
            "SELECT p.id, p.title, a.name AS author_name FROM testapp_post p "
            "JOIN testapp_author a ON a.id = p.author_id ORDER BY p.id"
        )
        return [{"title": p.title, "author": p.author_name} for p in rows]


class ExtraReport(ReportView):
    def report(self, request: Any) -> Any:
        rows = Post.objects.extra(
            select={"n_reviews": "SELECT COUNT(*) FROM testapp_review r WHERE r.post_id = testapp_post.id"}
        ).order_by("id")
        return [{"title": p.title, "reviews": p.n_reviews} for p in rows]


class CursorReport(ReportView):
    """A report in hand-written SQL through Django's cursor (a lower-case table name, a schema, quotes)."""

    def report(self, request: Any) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT t.name, COUNT(pt.id) FROM "testapp_tag" t '
                "LEFT JOIN testapp_post_tags pt ON pt.tag_id = t.id GROUP BY t.name ORDER BY t.name"
            )
            return [list(row) for row in cursor.fetchall()]


class ComposedReport(ReportView):
    """PostgreSQL: the table name composed with psycopg's ``sql`` module (dynamic identifiers, as its docs
    recommend) and run through Django's cursor."""

    def report(self, request: Any) -> Any:
        from psycopg import sql

        query = sql.SQL("SELECT {} FROM {} ORDER BY id").format(sql.Identifier("title"), sql.Identifier("testapp_post"))
        with connection.cursor() as cursor:
            cursor.execute(query)
            return [row[0] for row in cursor.fetchall()]


class TeamCount(ReportView):
    def report(self, request: Any) -> Any:
        return [
            {"team": t.name, "members": t.n, "roles": sorted(t.memberships.values_list("role", flat=True))}
            for t in Team.objects.annotate(n=Count("memberships")).order_by("id")
        ]


class ReviewTotals(ReportView):
    """Sums over a table a cascade deletes from."""

    def report(self, request: Any) -> Any:
        return {
            "reviews": Review.objects.count(),
            "per_author": list(
                Author.objects.annotate(n=Count("posts__reviews")).order_by("id").values_list("name", "n")
            ),
            "tags": Post.tags.through.objects.count(),
            "total_ids": Post.objects.aggregate(s=Sum("id"))["s"],
        }


# -- serializers reaching into other rows ---------------------------------------------------------------


class RichPostSerializer(serializers.HyperlinkedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="c-r2-links-detail", lookup_field="slug")
    author_name = serializers.ReadOnlyField(source="author.name")
    tags = serializers.StringRelatedField(many=True)
    review_count = serializers.SerializerMethodField()
    editor_names = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["url", "title", "author_name", "tags", "review_count", "editor_names"]

    def get_review_count(self, post: Post) -> int:
        return Review.objects.filter(post=post).count()

    def get_editor_names(self, post: Post) -> list[str]:
        return [r.editor.name for r in post.reviews.all() if r.editor is not None]


class RichPostSerializerPlain(RichPostSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="u-r2-links-detail", lookup_field="slug")


class RichPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")  # evaluated lazily, in the serializer
    serializer_class = RichPostSerializerPlain
    lookup_field = "slug"
    permission_classes = [AllowAny]


class CachedRichPosts(cached(RichPosts)):  # type: ignore[misc]
    serializer_class = RichPostSerializer


class AuthorPosts(APIView):
    """A nested route (/<author_name>/posts/): the parent looked up case-insensitively, 404 if absent."""

    permission_classes = [AllowAny]

    async def get(self, request: Any, author_name: str) -> Response:
        from adrf.generics import aget_object_or_404

        author = await aget_object_or_404(Author, name__iexact=author_name)
        posts = [p async for p in author.posts.order_by("id")]
        return Response({"author": author.name, "posts": PostTitleSerializer(posts, many=True).data})


CachedAuthorPosts = cached(AuthorPosts)


# -- C. authentication libraries' patterns --------------------------------------------------------------


class AccessToken:
    """djangorestframework-simplejwt's AccessToken, in short: the raw token, its payload, and the time
    it was checked at (set on every request)."""

    def __init__(self, raw: str, payload: dict[str, Any]) -> None:
        self.token = raw.encode()
        self.current_time = dt.datetime.now(tz=dt.timezone.utc)
        self.payload = payload

    def __getitem__(self, name: str) -> Any:
        return self.payload[name]

    def __str__(self) -> str:
        return self.token.decode()


class JWTLikeAuthentication(BaseAuthentication):
    """``Authorization: Bearer <user>.<scope>.<jti>``: stateless, the user loaded by the claim."""

    def authenticate(self, request: Any) -> Any:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        raw = header.split(" ", 1)[1]
        username, scope, jti = raw.split(".")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise exceptions.AuthenticationFailed("User not found")
        now = int(dt.datetime.now(tz=dt.timezone.utc).timestamp())
        payload = {
            "user_id": user.pk,
            "scope": scope,
            "jti": jti,
            "token_type": "access",
            "exp": 1_900_000_000,
            "iat": 1_800_000_000,
            "checked": now,
        }
        return user, AccessToken(raw, payload)


class TokenClaims(APIView):
    authentication_classes = [JWTLikeAuthentication]
    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        scope = request.auth["scope"]
        posts = Post.objects.order_by("id")
        if scope != "all":
            posts = posts.filter(owner=request.user)
        return Response({"user": request.user.username, "scope": scope, "titles": [p.title async for p in posts]})


CachedTokenClaims = cached(TokenClaims)


class StableAccessToken(AccessToken):
    """The same, without a per-request ``checked`` claim."""


class StableJWTAuthentication(JWTLikeAuthentication):
    def authenticate(self, request: Any) -> Any:
        found = super().authenticate(request)
        if found is None:
            return None
        user, token = found
        token.payload.pop("checked")
        return user, token


class StableTokenClaims(TokenClaims):
    authentication_classes = [StableJWTAuthentication]


CachedStableTokenClaims = cached(StableTokenClaims)


class ExpiringJWTAuthentication(StableJWTAuthentication):
    """Checks the expiry against django.utils.timezone.now() (as expiring-token packages do)."""

    def authenticate(self, request: Any) -> Any:
        found = super().authenticate(request)
        if found is not None and timezone.now().timestamp() > found[1]["exp"]:
            raise exceptions.AuthenticationFailed("Token expired")
        return found


class ExpiringTokenClaims(TokenClaims):
    authentication_classes = [ExpiringJWTAuthentication]


CachedExpiringTokenClaims = cached(ExpiringTokenClaims)


IMPERSONATE_KEY = "impersonate_id"


class ImpersonateMiddleware:
    """django-hijack / django-impersonate in short: a staff user acts as another user while the session
    says so (``request.user`` swapped, the real user kept as ``request.impersonator``)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request.impersonator = None
        target = request.session.get(IMPERSONATE_KEY)
        if target is not None and request.user.is_authenticated and request.user.is_staff:
            request.impersonator = request.user
            request.user = User.objects.get(pk=target)
        return self.get_response(request)


class WhoAmI(APIView):
    """The account page: whose posts, and the 'you are acting as' banner."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        user = request.user
        titles = [p.title async for p in Post.objects.filter(owner=user).order_by("id")]
        return Response({"user": user.username, "staff": user.is_staff, "titles": titles})


CachedWhoAmI = cached(WhoAmI)


class WhoAmIBanner(WhoAmI):
    async def get(self, request: Any) -> Response:
        response = await super().get(request)
        impersonator = getattr(request._request, "impersonator", None)
        response.data["acting_as_by"] = impersonator.username if impersonator else None
        return response


CachedWhoAmIBanner = cached(WhoAmIBanner)


class StaffOnlyPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = PostTitleSerializer
    authentication_classes = [SessionAuthentication, BasicAuthentication]
    permission_classes = [IsAdminUser]


CachedStaffOnlyPosts = cached(StaffOnlyPosts)


class SessionPosts(adrf_generics.ListAPIView):
    """A session-authenticated list (browser front end)."""

    queryset = Post.objects.order_by("id")
    serializer_class = PostTitleSerializer
    authentication_classes = [SessionAuthentication, BasicAuthentication]
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> Any:
        return Post.objects.filter(owner=self.request.user).order_by("id")


CachedSessionPosts = cached(SessionPosts)


# -- D. middleware that is in every stack ------------------------------------------------------------------


class RequestIdMiddleware:
    """django-log-request-id / django-guid in short: ``request.id`` for the logs (the view never reads it)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request.id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        request.start_time = timezone.now()
        response = self.get_response(request)
        response["X-Request-Id"] = request.id
        return response


class ServedAt(APIView):
    """Tells when the request started, as a middleware timed it."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        tags = [tag.name async for tag in Tag.objects.all()]
        return Response({"served_at": request.start_time.isoformat(), "tags": tags})


class LazyOrgMiddleware:
    """The tenant, resolved only if someone asks (``SimpleLazyObject``, as ``request.user`` is)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        slug = request.headers.get("X-Org")
        request.org = SimpleLazyObject(lambda: Organization.objects.filter(slug=slug).first())
        return self.get_response(request)


class LazyOrgPosts(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        org = await sync_to_async(lambda: request.org.name if request.org else None)()
        return Response({"org": org, "titles": [p.title async for p in Post.objects.order_by("id")]})


CachedLazyOrgPosts = cached(LazyOrgPosts)


class IsAuthenticatedOnly(APIView):
    """Answers by whether the user is logged in only."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        titles = [p.title async for p in Post.objects.filter(published=True).order_by("id")]
        return Response({"logged_in": request.user.is_authenticated, "titles": titles})


CachedIsAuthenticatedOnly = cached(IsAuthenticatedOnly)


# -- E. the clock in a filter ----------------------------------------------------------------------------


class TodaysAnnouncements(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        day = request.query_params.get("date")
        on = dt.date.fromisoformat(day) if day else timezone.localdate()
        rows = Announcement.objects.filter(publish_at__date=on).order_by("id")
        return Response({"date": on.isoformat(), "texts": [a.text async for a in rows]})


CachedTodaysAnnouncements = cached(TodaysAnnouncements)


# -- F. writes ------------------------------------------------------------------------------------------

# A search index task that the project enqueues after commit (``on_commit(lambda: task.delay(pk))``).
index_gate = threading.Event()
index_gate.set()
index_calls: list[int] = []


class BrokerDown(ConnectionError):
    pass


def enqueue_index(pk: int, *, fail: bool = False) -> None:
    index_calls.append(pk)
    if fail:
        raise BrokerDown("Error 111 connecting to broker")  # celery's .delay() with the broker down
    index_gate.wait(10)  # a synchronous call (an email, a search engine) that takes a while


# name -> (cached view, uncached view)
REALISTIC2_TWINS: dict[str, tuple[Any, Any]] = {
    "r2-served-at": (cached(ServedAt), ServedAt),
    "r2-notice": (CachedNoticeBoard, NoticeBoard),
    "r2-notice-initial": (CachedNoticeBoardByInitial, NoticeBoardByInitial),
    "r2-values": (cached(ValuesReport), ValuesReport),
    "r2-subquery": (cached(SubqueryReport), SubqueryReport),
    "r2-window": (cached(WindowReport), WindowReport),
    "r2-union": (cached(UnionReport), UnionReport),
    "r2-raw": (cached(RawReport), RawReport),
    "r2-extra": (cached(ExtraReport), ExtraReport),
    "r2-cursor": (cached(CursorReport), CursorReport),
    "r2-composed": (cached(ComposedReport), ComposedReport),
    "r2-teams": (cached(TeamCount), TeamCount),
    "r2-review-totals": (cached(ReviewTotals), ReviewTotals),
    "r2-links": (CachedRichPosts, RichPosts),
    "r2-author-posts": (CachedAuthorPosts, AuthorPosts),
    "r2-token-claims": (CachedTokenClaims, TokenClaims),
    "r2-stable-token-claims": (CachedStableTokenClaims, StableTokenClaims),
    "r2-expiring-token-claims": (CachedExpiringTokenClaims, ExpiringTokenClaims),
    "r2-whoami": (CachedWhoAmI, WhoAmI),
    "r2-whoami-banner": (CachedWhoAmIBanner, WhoAmIBanner),
    "r2-staff-posts": (CachedStaffOnlyPosts, StaffOnlyPosts),
    "r2-session-posts": (CachedSessionPosts, SessionPosts),
    "r2-lazy-org": (CachedLazyOrgPosts, LazyOrgPosts),
    "r2-logged-in": (CachedIsAuthenticatedOnly, IsAuthenticatedOnly),
    "r2-today": (CachedTodaysAnnouncements, TodaysAnnouncements),
}

REALISTIC2_ROUTES: dict[str, str] = {
    "r2-author-posts": "<str:author_name>/posts/",
}
