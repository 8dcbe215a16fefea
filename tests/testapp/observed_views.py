"""Issue 9 views, written the way real projects write them; each has a cached and an uncached twin.

Cached twins use every way the library offers (prebuilt classes, mixins, ``cached()``), the
uncached ones are the plain adrf classes with the same behaviour. urls.py mounts them under
``/c/<name>/`` and ``/u/<name>/`` (``TWINS`` below).
"""

from __future__ import annotations

import asyncio
from inspect import iscoroutinefunction
from typing import Any, ClassVar

from adrf import generics as adrf_generics
from adrf import mixins as adrf_mixins
from adrf import viewsets as adrf_viewsets
from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Now
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import sync_and_async_middleware
from rest_framework import serializers as drf_serializers
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from adrf_caching import cached
from adrf_caching import generics as cached_generics
from adrf_caching import mixins as cached_mixins
from adrf_caching.viewsets import ModelViewSetCached, ReadOnlyModelViewSetCached
from tests.testapp import observed_serializers as s
from tests.testapp.models import (
    Announcement,
    Author,
    Comment,
    Post,
    PostHeadline,
    Review,
    Share,
    Tag,
    Team,
    Ticket,
)

# -- a filter on a related model's field in get_queryset -----------------------------------------


class RelatedFilter:
    """Posts of authors whose name starts with "A": the Author table is read only by the filter."""

    queryset = Post.objects.all()
    serializer_class = s.PostTitleSerializer
    request: Any

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(author__name__startswith="A")  # type: ignore[misc]


class CachedRelatedFilter(RelatedFilter, ReadOnlyModelViewSetCached):
    pass


class PlainRelatedFilter(RelatedFilter, adrf_viewsets.ReadOnlyModelViewSet):
    pass


# -- a dotted source= whose join is only in get_queryset ------------------------------------------


class DottedSource:
    queryset = Post.objects.all()
    serializer_class = s.DottedSourceSerializer

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("author")  # type: ignore[misc]


class CachedDottedSource(DottedSource, cached_mixins.ListModelMixin, adrf_viewsets.GenericViewSet):
    pass


class PlainDottedSource(DottedSource, adrf_mixins.ListModelMixin, adrf_viewsets.GenericViewSet):
    pass


# -- an annotation: Count over a reverse FK ----------------------------------------------------------


class Annotated:
    queryset = Author.objects.annotate(post_count=Count("posts")).order_by("id")
    serializer_class = s.AuthorCountSerializer


class CachedAnnotated(Annotated, cached_generics.ListAPIView):
    pass


class PlainAnnotated(Annotated, adrf_generics.ListAPIView):
    pass


# -- a SerializerMethodField that queries another model ------------------------------------------------


class MethodField(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.all()
    serializer_class = s.ReviewCountSerializer


CachedMethodField = cached(MethodField)


# -- a nested serializer chosen in get_serializer_class() ------------------------------------------


class ChosenSerializer(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.all()
    serializer_class = s.PostTitleSerializer

    def get_serializer_class(self) -> Any:
        if self.action in ("list", "alist", "retrieve", "aretrieve"):
            return s.PostWithReviewsSerializer
        return super().get_serializer_class()


CachedChosenSerializer = cached(ChosenSerializer)


# -- a serializer that needs context --------------------------------------------------------------


class ContextSerializer(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.all()
    serializer_class = s.ContextPostSerializer


CachedContextSerializer = cached(ContextSerializer)


# -- a GenericForeignKey target -------------------------------------------------------------------


class Comments(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Comment.objects.all()
    serializer_class = s.CommentSerializer


CachedComments = cached(Comments)


# -- an explicit M2M through model ----------------------------------------------------------------


class Teams(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Team.objects.all()
    serializer_class = s.TeamSerializer


CachedTeams = cached(Teams)


# -- a row moved by on_delete=SET_NULL -----------------------------------------------------------------


class Reviews:
    queryset = Review.objects.all()
    serializer_class = s.ReviewSerializer


class CachedReviews(Reviews, ReadOnlyModelViewSetCached):
    pass


class PlainReviews(Reviews, adrf_viewsets.ReadOnlyModelViewSet):
    pass


# -- a get_queryset that fails on the first request of a process ---------------------------------


class FlakyTags:
    """No ``queryset`` attribute; the first request of each class answers 400, later ones work."""

    serializer_class = s.TagSerializer
    warmed: ClassVar[set[str]] = set()

    def get_queryset(self) -> Any:
        name = type(self).__qualname__
        if name not in self.warmed:
            self.warmed.add(name)
            raise ValidationError({"detail": "warming up"})
        return Tag.objects.order_by("id")


class CachedFlakyTags(FlakyTags, cached_generics.ListAPIView):
    pass


class PlainFlakyTags(FlakyTags, adrf_generics.ListAPIView):
    pass


# -- a plain APIView whose post writes another model through the ORM ------------------------------


class TagBoard(APIView):
    async def get(self, request: Any) -> Response:
        return Response({"tags": [tag.name async for tag in Tag.objects.order_by("id")]})

    async def post(self, request: Any) -> Response:
        tag = await Tag.objects.acreate(name=str(request.data["name"]))
        return Response({"id": tag.pk}, status=201)


CachedTagBoard = cached(TagBoard)


# -- object permissions through a row of another table ---------------------------------------------


class OwnerOrShared(BasePermission):
    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if obj.owner_id == request.user.pk:
            return True
        return Share.objects.filter(post=obj, user=request.user).exists()


class Granted:
    queryset = Post.objects.all()
    serializer_class = s.PostTitleSerializer
    permission_classes = [IsAuthenticated, OwnerOrShared]


class CachedGranted(Granted, ReadOnlyModelViewSetCached):
    pass


class PlainGranted(Granted, adrf_viewsets.ReadOnlyModelViewSet):
    pass


# -- identity: what the authenticated user's own row, groups and permissions say -------------------


class WhoAmI(APIView):
    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        def describe() -> dict[str, Any]:
            user = request.user
            return {
                "username": user.username,
                "is_staff": user.is_staff,
                "groups": sorted(group.name for group in user.groups.all()),
                "perms": sorted(user.get_all_permissions()),
            }

        return Response(await sync_to_async(describe)())


CachedWhoAmI = cached(WhoAmI)


class StaffSeesAll(adrf_viewsets.ReadOnlyModelViewSet):
    """Staff read every post, others only their own: the answer depends on the user's row."""

    serializer_class = s.PostTitleSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> Any:
        if self.request.user.is_staff:
            return Post.objects.all()
        return Post.objects.filter(owner=self.request.user)


CachedStaffSeesAll = cached(StaffSeesAll)


# -- request parts: a header named in Vary, a session, the host, two mounts ---------------------------


class TenantTickets(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        tenant = request.headers.get("X-Tenant", "")
        tickets = [t async for t in Ticket.objects.filter(tenant=tenant)]
        response = Response(s.TicketSerializer(tickets, many=True).data)
        patch_vary_headers(response, ["X-Tenant"])
        return response


CachedTenantTickets = cached(TenantTickets)


class VaryStar(APIView):
    """Answers per something it does not name: ``Vary: *`` (never stored)."""

    permission_classes = [AllowAny]
    calls: ClassVar[list[int]] = [0]

    async def get(self, request: Any) -> Response:
        self.calls[0] += 1
        response = Response({"tags": await Tag.objects.acount(), "calls": self.calls[0]})
        response["Vary"] = "*"
        return response


CachedVaryStar = cached(VaryStar)


class Cart(APIView):
    """An anonymous shopping cart kept in ``request.session``."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response({"cart": await sync_to_async(request.session.get)("cart", [])})

    async def post(self, request: Any) -> Response:
        def add() -> list[str]:
            cart = [*request.session.get("cart", []), str(request.data["item"])]
            request.session["cart"] = cart
            return cart

        return Response({"cart": await sync_to_async(add)()}, status=201)


CachedCart = cached(Cart)


class Links(APIView):
    """Absolute links: built from the host Django's ``request.get_host()`` gives."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        count = await Post.objects.acount()
        return Response({"posts": reverse("post-list", request=request), "count": count})


CachedLinks = cached(Links)


class TwoItemPages(PageNumberPagination):
    page_size = 2


class Mounted:
    """Included under two prefixes: pagination links name the mount."""

    queryset = Post.objects.all()
    serializer_class = s.WritablePostTitleSerializer
    pagination_class = TwoItemPages


class CachedMounted(Mounted, ModelViewSetCached):
    pass


class PlainMounted(Mounted, adrf_viewsets.ModelViewSet):
    pass


# -- a sync handler, raw SQL reads, a lazy queryset rendered late ---------------------------------------


class SyncTagBoard(APIView):
    """A plain APIView with sync handlers: they run in a worker thread."""

    def get(self, request: Any) -> Response:
        return Response({"tags": list(Tag.objects.order_by("id").values_list("name", flat=True))})

    def post(self, request: Any) -> Response:
        tag = Tag.objects.create(name=str(request.data["name"]))
        return Response({"id": tag.pk}, status=201)


CachedSyncTagBoard = cached(SyncTagBoard)


class RawTagUse(APIView):
    """Raw SQL, lower case and unquoted, with a join and an alias."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        def rows() -> list[Any]:
            with connection.cursor() as cursor:
                cursor.execute(
                    "select t.name, count(pt.id) from testapp_tag t left join testapp_post_tags pt"
                    " on pt.tag_id = t.id group by t.name order by t.name"
                )
                return [list(row) for row in cursor.fetchall()]

        return Response({"tags": await sync_to_async(rows)()})


CachedRawTagUse = cached(RawTagUse)


class LazyTags(APIView):
    """Returns a queryset unevaluated: the renderer runs its SQL (DRF's encoder turns it into a list)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response({"tags": Tag.objects.order_by("id").values_list("name", flat=True)})


CachedLazyTags = cached(LazyTags)


class Theme(APIView):
    """Reads a cookie and a header without naming either in ``Vary``."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        tenant = request.META.get("HTTP_X_TENANT", "")
        count = await Ticket.objects.filter(tenant=tenant).acount()
        return Response({"theme": request.COOKIES.get("theme", "plain"), "tenant": tenant, "tickets": count})


CachedTheme = cached(Theme)


class UserDirectory(APIView):
    """Reads other users' rows (the authenticated user's own row is read by authentication, untraced)."""

    async def get(self, request: Any) -> Response:
        users = [[u.username, u.is_staff] async for u in User.objects.order_by("username")]
        return Response({"users": users})


CachedUserDirectory = cached(UserDirectory)


class Published(APIView):
    """Scheduled publishing, the clock read in Python: the answer changes when ``publish_at`` passes."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        shown = Announcement.objects.filter(publish_at__lte=timezone.now())
        return Response({"texts": [a.text async for a in shown]})


CachedPublished = cached(Published)


class PublishedByTheDatabase(APIView):
    """The same, with the database's clock (``Now()``)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        shown = Announcement.objects.filter(publish_at__lte=Now())
        return Response({"texts": [a.text async for a in shown]})


CachedPublishedByTheDatabase = cached(PublishedByTheDatabase)


class Headlines(APIView):
    """An unmanaged model over a database view: the tables under the view are only in the database."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response({"rows": [[h.title, h.author_name] async for h in PostHeadline.objects.all()]})


CachedHeadlines = cached(Headlines)


class Echo(APIView):
    """Echoes its parsed query, in the order sent."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response({"params": request.query_params})


CachedEcho = cached(Echo)


class SelfLink(APIView):
    """Links to itself with the query string as sent (``build_absolute_uri`` reads it raw)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response({"self": request.build_absolute_uri()})


CachedSelfLink = cached(SelfLink)


class SearchBody(APIView):
    """A search API that takes its query as a JSON body on GET."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        query = str(request.data.get("q", "")) if hasattr(request.data, "get") else ""
        return Response({"titles": [p.title async for p in Post.objects.filter(title__icontains=query)]})


CachedSearchBody = cached(SearchBody)


# -- state that initial() loads and the answer shows: a permission's row, an authenticator's join -------


class LoadsTheTeam(BasePermission):
    """Finds the team the request is about and leaves it on the view, as projects do."""

    def has_permission(self, request: Any, view: Any) -> bool:
        view.team = Team.objects.order_by("id").first()
        return view.team is not None


class TeamPage(APIView):
    permission_classes = [LoadsTheTeam]

    async def get(self, request: Any) -> Response:
        return Response({"team": self.team.name})


CachedTeamPage = cached(TeamPage)


class OwnDispatchTeamPage(TeamPage):
    """Overrides ``async_dispatch`` (logging, say): its ``initial()`` runs inside adrf's, not the library's."""

    async def async_dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return await super().async_dispatch(request, *args, **kwargs)


CachedOwnDispatchTeamPage = cached(OwnDispatchTeamPage)


class ChecksAPermission(BasePermission):
    """Asks the user's permissions (ModelBackend caches all of them on the user object)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.user.has_perm("testapp.view_post") or True


class MyAbilities(APIView):
    permission_classes = [ChecksAPermission]

    async def get(self, request: Any) -> Response:
        return Response({"can_change_posts": request.user.has_perm("testapp.change_post")})


CachedMyAbilities = cached(MyAbilities)


class GroupsAuthentication(BasicAuthentication):
    """Loads the user with their groups in the same query set, for the views to show."""

    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> Any:
        user, auth = super().authenticate_credentials(userid, password, request)
        return User.objects.prefetch_related("groups").get(pk=user.pk), auth


class MyGroups(APIView):
    authentication_classes = [GroupsAuthentication]

    async def get(self, request: Any) -> Response:
        user = request.user
        return Response({"groups": [g.name for g in user.groups.all()] if user.is_authenticated else None})


CachedMyGroups = cached(MyGroups)


class RecentlyViewed(APIView):
    """Keeps what the visitor looked at in the session: a side effect every GET must have."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        tags = [tag.name async for tag in Tag.objects.order_by("id")]
        session = request.session
        seen = await sync_to_async(session.get)("seen", 0)
        await sync_to_async(session.__setitem__)("seen", seen + 1)
        return Response({"tags": tags})


CachedRecentlyViewed = cached(RecentlyViewed)


# -- what a miss leaves for a middleware: a CSRF token, a note on the request ------------------------


class CsrfBootstrap(APIView):
    """A single-page app's first call: a CSRF token beside data. ``get_token()`` asks
    CsrfViewMiddleware, through ``request.META``, to set the cookie the token belongs to."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response({"csrfToken": get_token(request), "tickets": await Ticket.objects.acount()})


CachedCsrfBootstrap = cached(CsrfBootstrap)


class Tracked(APIView):
    """Leaves a note on the request that TrackMiddleware turns into a header after the view."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        request._request.track = "tickets"
        return Response({"tickets": await Ticket.objects.acount()})


CachedTracked = cached(Tracked)


@sync_and_async_middleware
def track_middleware(get_response: Any) -> Any:
    """Adds ``X-Tracked`` from the note a view left on the request."""

    def mark(request: Any, response: Any) -> Any:
        if hasattr(request, "track"):
            response["X-Tracked"] = request.track
        return response

    if iscoroutinefunction(get_response):

        async def middleware(request: Any) -> Any:
            return mark(request, await get_response(request))

    else:

        def middleware(request: Any) -> Any:
            return mark(request, get_response(request))

    return middleware


class MessageBoard(APIView):
    """Shows the user's flash messages (django.contrib.messages), which marks them read: MessageMiddleware
    then deletes them from their cookie or session after the view."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        notes = await sync_to_async(lambda: [str(message) for message in get_messages(request)])()
        return Response({"messages": notes, "tickets": await Ticket.objects.acount()})


CachedMessageBoard = cached(MessageBoard)


async def add_message(request: Any) -> HttpResponse:
    """A plain Django view that leaves a flash message (for the next page)."""
    messages.info(request, request.GET.get("text", "Saved."))
    return HttpResponse(b"ok")


# -- scope="shared" on views whose answer turns out to depend on the user -----------------------------


class PostMineSerializer(drf_serializers.ModelSerializer):  # type: ignore[type-arg]
    is_mine = drf_serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "is_mine"]

    def get_is_mine(self, post: Post) -> bool:
        return bool(post.owner_id == self.context["request"].user.id)


class SharedMine(adrf_generics.ListAPIView):  # type: ignore[type-arg]
    """Every post, each saying whether it is the reader's: declared shared, yet per user."""

    queryset = Post.objects.order_by("id")
    serializer_class = PostMineSerializer
    permission_classes = [AllowAny]
    pagination_class = None


class SharedPosts(adrf_generics.ListAPIView):  # type: ignore[type-arg]
    """Every post's title: truly the same for every signed-in user."""

    queryset = Post.objects.order_by("id")
    serializer_class = s.PostTitleSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None


CachedSharedMine = cached(SharedMine, scope="shared")
CachedSharedStaffSeesAll = cached(StaffSeesAll, scope="shared", actions=["list"])
CachedSharedPosts = cached(SharedPosts, scope="shared")


class Picky(APIView):
    """Refuses requests that carry ``X-Strict: 1``, after a query: a failure that depends on a header."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        count = await Ticket.objects.acount()
        await asyncio.sleep(0.05)  # concurrent requests arrive while this one computes
        if request.headers.get("X-Strict") == "1":
            raise ValidationError({"strict": "Not with X-Strict."})
        return Response({"tickets": count})


CachedPicky = cached(Picky)


# name -> (cached view, uncached view); viewsets are registered on routers, other views mounted as_view().
TWINS: dict[str, tuple[Any, Any]] = {
    "related-filter": (CachedRelatedFilter, PlainRelatedFilter),
    "dotted-source": (CachedDottedSource, PlainDottedSource),
    "annotated": (CachedAnnotated, PlainAnnotated),
    "method-field": (CachedMethodField, MethodField),
    "chosen-serializer": (CachedChosenSerializer, ChosenSerializer),
    "context-serializer": (CachedContextSerializer, ContextSerializer),
    "comments": (CachedComments, Comments),
    "teams": (CachedTeams, Teams),
    "reviews": (CachedReviews, PlainReviews),
    "flaky-tags": (CachedFlakyTags, PlainFlakyTags),
    "tag-board": (CachedTagBoard, TagBoard),
    "granted": (CachedGranted, PlainGranted),
    "whoami": (CachedWhoAmI, WhoAmI),
    "staff-sees-all": (CachedStaffSeesAll, StaffSeesAll),
    "tickets": (CachedTenantTickets, TenantTickets),
    "vary-star": (CachedVaryStar, VaryStar),
    "cart": (CachedCart, Cart),
    "links": (CachedLinks, Links),
    "sync-tag-board": (CachedSyncTagBoard, SyncTagBoard),
    "raw-tag-use": (CachedRawTagUse, RawTagUse),
    "lazy-tags": (CachedLazyTags, LazyTags),
    "theme": (CachedTheme, Theme),
    "user-directory": (CachedUserDirectory, UserDirectory),
    "published": (CachedPublished, Published),
    "published-db": (CachedPublishedByTheDatabase, PublishedByTheDatabase),
    "headlines": (CachedHeadlines, Headlines),
    "echo": (CachedEcho, Echo),
    "self-link": (CachedSelfLink, SelfLink),
    "search-body": (CachedSearchBody, SearchBody),
    "team-page": (CachedTeamPage, TeamPage),
    "own-dispatch-team-page": (CachedOwnDispatchTeamPage, OwnDispatchTeamPage),
    "my-abilities": (CachedMyAbilities, MyAbilities),
    "my-groups": (CachedMyGroups, MyGroups),
    "recently-viewed": (CachedRecentlyViewed, RecentlyViewed),
    "csrf-bootstrap": (CachedCsrfBootstrap, CsrfBootstrap),
    "tracked": (CachedTracked, Tracked),
    "message-board": (CachedMessageBoard, MessageBoard),
    "picky": (CachedPicky, Picky),
    "shared-mine": (CachedSharedMine, SharedMine),
    "shared-staff-sees-all": (CachedSharedStaffSeesAll, StaffSeesAll),
    "shared-titles": (CachedSharedPosts, SharedPosts),
}
