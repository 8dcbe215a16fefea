"""Red-team views (tests/test_realistic.py): patterns real Django/DRF projects write, each with a cached
and an uncached twin. urls.py mounts them under ``/c/<name>/<suffix>`` and ``/u/<name>/<suffix>``
(``REALISTIC_TWINS`` and ``REALISTIC_ROUTES`` below).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, ClassVar

from adrf import generics as adrf_generics
from adrf import serializers as adrf_serializers
from adrf import viewsets as adrf_viewsets
from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, BasicAuthentication, SessionAuthentication
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, DjangoModelPermissions, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from adrf_caching import ExtraAction, cached
from adrf_caching.viewsets import ModelViewSetCached
from tests.testapp.models import (
    Announcement,
    Author,
    Membership,
    Organization,
    PageCounter,
    Post,
    Profile,
    Team,
    Ticket,
)

# -- serializers ------------------------------------------------------------------------------------


class PostTitleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title"]


class TeamPostSerializer(serializers.ModelSerializer):
    """Renders the team the view loaded before the handler ran (permission or initial())."""

    team_name = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "team_name"]

    def get_team_name(self, post: Post) -> str:
        return str(self.context["view"].team.name)


class CanEditPostSerializer(serializers.ModelSerializer):
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "title", "can_edit"]

    def get_can_edit(self, post: Post) -> bool:
        return bool(self.context["request"].user.has_perm("testapp.change_post"))


class BodyPostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "body"]


class AuthorPublishedSerializer(serializers.ModelSerializer):
    published_titles = serializers.SerializerMethodField()

    class Meta:
        model = Author
        fields = ["id", "name", "published_titles"]

    def get_published_titles(self, author: Author) -> list[str]:
        return [post.title for post in author.published_posts]  # type: ignore[attr-defined]


class AnnouncementSerializer(serializers.ModelSerializer):
    """``is_live`` compares with the clock in Python, not in SQL."""

    is_live = serializers.SerializerMethodField()

    class Meta:
        model = Announcement
        fields = ["id", "text", "is_live"]

    def get_is_live(self, announcement: Announcement) -> bool:
        return announcement.publish_at <= timezone.now()


class ReadPostSerializer(adrf_serializers.ModelSerializer):
    """Reads: the author nested. Writes use WritePostSerializer (a very common DRF split)."""

    author_name = serializers.CharField(source="author.name", read_only=True)

    class Meta:
        model = Post
        fields = ["id", "title", "author_name"]


class WritePostSerializer(adrf_serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "author"]


class CounterSerializer(serializers.ModelSerializer):
    class Meta:
        model = PageCounter
        fields = ["name", "hits"]


# -- 1. a permission that loads an object and stores it on the view -----------------------------------


class LoadsTeam(BasePermission):
    """Loads the team named by the URL and keeps it for the view (a 404 when it does not exist)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        view.team = get_object_or_404(Team, pk=view.kwargs["team_pk"])
        return True


class TeamPosts(adrf_generics.ListAPIView):
    permission_classes = [LoadsTeam]
    serializer_class = TeamPostSerializer

    def get_queryset(self) -> Any:
        return Post.objects.filter(author__memberships__team=self.team).order_by("id")


CachedTeamPosts = cached(TeamPosts)


class LoadsTeamMembers(BasePermission):
    """Checks the team exists and keeps its members' ids for the view's filter."""

    def has_permission(self, request: Any, view: Any) -> bool:
        view.member_ids = list(
            Membership.objects.filter(team_id=view.kwargs["team_pk"]).values_list("author_id", flat=True)
        )
        return True


class TeamMemberPosts(adrf_generics.ListAPIView):
    permission_classes = [LoadsTeamMembers]
    serializer_class = PostTitleSerializer

    def get_queryset(self) -> Any:
        return Post.objects.filter(author_id__in=self.member_ids).order_by("id")


CachedTeamMemberPosts = cached(TeamMemberPosts)


# -- 2. authentication that loads the user with its profile ---------------------------------------------


class ProfileBasicAuthentication(BasicAuthentication):
    """HTTP Basic that loads the profile with the user in one query."""

    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> tuple[User, None]:
        user = User.objects.select_related("profile").filter(username=userid).first()
        if user is None or not user.check_password(password) or not user.is_active:
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        return user, None


class MyProfile(APIView):
    authentication_classes = [ProfileBasicAuthentication]
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        user = request.user
        if not user.is_authenticated:
            return Response({"user": None})
        profile = user.profile
        return Response({"user": user.username, "display_name": profile.display_name, "plan": profile.plan})


CachedMyProfile = cached(MyProfile)


class ApiKeyAuthentication(BaseAuthentication):
    """``X-Api-Key: <key>``: the key's profile is ``request.auth``, its user ``request.user``."""

    def authenticate(self, request: Any) -> tuple[User, Profile] | None:
        key = request.headers.get("X-Api-Key")
        if not key:
            return None
        profile = Profile.objects.select_related("user").filter(api_key=key).first()
        if profile is None:
            raise exceptions.AuthenticationFailed("Invalid key.")
        return profile.user, profile


class KeyPlan(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        if request.auth is None:
            return Response({"user": None})
        return Response({"user": request.user.username, "plan": request.auth.plan})


CachedKeyPlan = cached(KeyPlan)


class KeyAccount(APIView):
    """An account page: 'set a password' or 'change your password' (social-login users have none)."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        user = request.user
        return Response({"user": user.username, "has_password": user.has_usable_password()})


CachedKeyAccount = cached(KeyAccount)


# -- 3. has_perm checked by the permission, then reported by the serializer --------------------------------


class ViewModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions that also require the view permission to read."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}


class PostsWithPerms(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = CanEditPostSerializer
    permission_classes = [ViewModelPermissions]


CachedPostsWithPerms = cached(PostsWithPerms)


class PostsWithPermsUnchecked(PostsWithPerms):
    """The same serializer, no permission class filling the user's permission cache first."""

    permission_classes = [IsAuthenticated]


CachedPostsWithPermsUnchecked = cached(PostsWithPermsUnchecked)


# -- 4. a middleware that puts the tenant on the request -----------------------------------------------


class OrgMiddleware:
    """Sync: ``request.org`` from the ``X-Org`` header."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        slug = request.headers.get("X-Org")
        request.org = Organization.objects.filter(slug=slug).first() if slug else None
        return self.get_response(request)


class AsyncOrgMiddleware:
    """Async: the same, through the async ORM."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        from asgiref.sync import markcoroutinefunction

        markcoroutinefunction(self)

    async def __call__(self, request: Any) -> Any:
        slug = request.headers.get("X-Org")
        request.org = await Organization.objects.filter(slug=slug).afirst() if slug else None
        return await self.get_response(request)


class CurrencyMiddleware:
    """``request.currency`` from a cookie (a shop's currency switcher)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request.currency = request.COOKIES.get("currency", "USD")
        return self.get_response(request)


class OrgTickets(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        org = getattr(request, "org", None)
        if org is None:
            return Response({"org": None, "tickets": []})
        titles = [t.title async for t in Ticket.objects.filter(tenant=org.slug).order_by("id")]
        return Response({"org": org.name, "tickets": titles})


CachedOrgTickets = cached(OrgTickets)


class PriceList(APIView):
    permission_classes = [AllowAny]
    rates: ClassVar[dict[str, float]] = {"USD": 1.0, "EUR": 0.5}

    async def get(self, request: Any) -> Response:
        currency = getattr(request, "currency", "USD")
        rate = self.rates.get(currency, 1.0)
        prices = [{"title": p.title, "price": p.pk * 10 * rate} async for p in Post.objects.order_by("id")]
        return Response({"currency": currency, "prices": prices})


CachedPriceList = cached(PriceList)


# -- 5. a search endpoint taking a JSON body on GET -----------------------------------------------------


class BodySearch(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        query = request.data.get("q", "") if hasattr(request.data, "get") else ""
        titles = [p.title async for p in Post.objects.filter(title__icontains=query).order_by("id")]
        return Response({"q": query, "titles": titles})


CachedBodySearch = cached(BodySearch)


# -- 6. a GET that counts its views ---------------------------------------------------------------------


class HitCounter(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        await PageCounter.objects.filter(name="home").aupdate(hits=F("hits") + 1)
        counter = await PageCounter.objects.aget(name="home")
        return Response({"hits": counter.hits})


CachedHitCounter = cached(HitCounter)


class CountedPosts(APIView):
    """Counts its views in another table and answers only the posts: the count is a side effect."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        await PageCounter.objects.filter(name="posts").aupdate(hits=F("hits") + 1)
        return Response({"titles": [p.title async for p in Post.objects.order_by("id")]})


CachedCountedPosts = cached(CountedPosts)


class Counters(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response({c.name: c.hits async for c in PageCounter.objects.order_by("name")})


CachedCounters = cached(Counters)


# -- 7. request facts: client address, full path, username, request.auth claims ---------------------------


class ScopedBasicAuthentication(BasicAuthentication):
    """Basic, with token-like claims as ``request.auth`` (the scopes the client asked for)."""

    def authenticate(self, request: Any) -> Any:
        found = super().authenticate(request)
        if found is None:
            return None
        scopes = sorted(s for s in request.headers.get("X-Scopes", "").split(",") if s)
        return found[0], {"scopes": scopes, "sub": found[0].pk}


class RequestFacts(APIView):
    authentication_classes = [ScopedBasicAuthentication]
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        claims = request.auth if isinstance(request.auth, dict) else {}
        return Response(
            {
                "ip": request.META.get("REMOTE_ADDR"),
                "path": request.get_full_path(),
                "user": request.user.get_username() if request.user.is_authenticated else None,
                "scopes": claims.get("scopes"),
                "posts": await Post.objects.acount(),
            }
        )


CachedRequestFacts = cached(RequestFacts)


class CatchAllPage(APIView):
    """Mounted with ``re_path(r"^.../.*$")``: the page is the last segment of ``request.path``."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        slug = request.path.rstrip("/").rsplit("/", 1)[-1]
        post = await Post.objects.filter(slug=slug).afirst()
        return Response({"path": request.path, "title": post.title if post else None})


CachedCatchAllPage = cached(CatchAllPage)


# -- 8. things loaded in an initial() override ------------------------------------------------------------


class TeamPostsByInitial(adrf_generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = TeamPostSerializer

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.team = get_object_or_404(Team, pk=kwargs["team_pk"])

    def get_queryset(self) -> Any:
        return Post.objects.filter(author__memberships__team=self.team).order_by("id")


CachedTeamPostsByInitial = cached(TeamPostsByInitial)


class TenantByInitial(APIView):
    """The tenant header read once in initial(), used by the handler."""

    permission_classes = [AllowAny]

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.tenant = request.headers.get("X-Tenant", "")

    async def get(self, request: Any) -> Response:
        titles = [t.title async for t in Ticket.objects.filter(tenant=self.tenant).order_by("id")]
        return Response({"tenant": self.tenant, "tickets": titles})


CachedTenantByInitial = cached(TenantByInitial)


# -- 9. a GET @action and a custom lookup on a cached viewset ----------------------------------------------


class SlugPosts(adrf_viewsets.ReadOnlyModelViewSet):
    queryset = Post.objects.order_by("id")
    serializer_class = PostTitleSerializer
    lookup_field = "slug"
    permission_classes = [AllowAny]

    async def aget_object(self) -> Any:
        # case-insensitive slugs, as many projects look them up
        return await Post.objects.aget(slug__iexact=self.kwargs["slug"])

    @action(detail=False, methods=["get"])
    async def recent(self, request: Any) -> Response:
        titles = [p.title async for p in Post.objects.order_by("-id")[:3]]
        return Response({"recent": titles})


CachedSlugPosts = cached(SlugPosts, actions=["list", "retrieve", ExtraAction("recent")])


# -- 10. get_or_create on read ---------------------------------------------------------------------------


class MySettings(APIView):
    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        profile, _ = await Profile.objects.aget_or_create(
            user=request.user, defaults={"display_name": request.user.username}
        )
        return Response({"display_name": profile.display_name, "plan": profile.plan})


CachedMySettings = cached(MySettings)


# -- 11. assorted -------------------------------------------------------------------------------------------


class TwoPerPage(PageNumberPagination):
    page_size = 2


class PagedPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = PostTitleSerializer
    pagination_class = TwoPerPage
    permission_classes = [AllowAny]


CachedPagedPosts = cached(PagedPosts)


class PublishedByAuthor(adrf_generics.ListAPIView):
    queryset = Author.objects.order_by("id").prefetch_related(
        Prefetch("posts", queryset=Post.objects.filter(published=True).order_by("id"), to_attr="published_posts")
    )
    serializer_class = AuthorPublishedSerializer
    permission_classes = [AllowAny]


CachedPublishedByAuthor = cached(PublishedByAuthor)


class DeferredBodies(adrf_generics.ListAPIView):
    """``only()`` leaves ``body`` deferred: the serializer loads it row by row."""

    queryset = Post.objects.only("id", "title").order_by("id")
    serializer_class = BodyPostSerializer
    permission_classes = [AllowAny]


CachedDeferredBodies = cached(DeferredBodies)


class LockedRead(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        def read() -> list[str]:
            with transaction.atomic():
                return list(Post.objects.select_for_update().order_by("id").values_list("title", flat=True))

        return Response({"titles": await sync_to_async(read)()})


CachedLockedRead = cached(LockedRead)


class EditorsSeeAll(APIView):
    """Editors (a group) read every post, others only their own."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        user = request.user
        posts = Post.objects.order_by("id")
        if not await user.groups.filter(name="editors").aexists():
            posts = posts.filter(owner_id=user.pk)
        return Response(PostTitleSerializer([p async for p in posts], many=True).data)


CachedEditorsSeeAll = cached(EditorsSeeAll)


class FilteredPosts(adrf_generics.ListAPIView):
    serializer_class = PostTitleSerializer
    permission_classes = [AllowAny]
    filter_backends = [SearchFilter, OrderingFilter]
    search_fields = ["title"]
    ordering_fields = ["id", "title"]

    def get_queryset(self) -> Any:
        queryset = Post.objects.order_by("id")
        owner = self.request.query_params.get("owner")
        if owner:
            queryset = queryset.filter(owner__username=owner)
        return queryset


CachedFilteredPosts = cached(FilteredPosts)


class Localized(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response(
            {
                "language": translation.get_language(),
                "request_language": getattr(request, "LANGUAGE_CODE", None),
                "message": gettext("Enter a valid email address."),
                "posts": await Post.objects.acount(),
            }
        )


CachedLocalized = cached(Localized)


class FourPerMinute(UserRateThrottle):
    scope = "redteam-user"
    rate = "4/min"


class FourPerMinuteAnon(AnonRateThrottle):
    scope = "redteam-anon"
    rate = "4/min"


class ThrottledPosts(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = PostTitleSerializer
    permission_classes = [AllowAny]
    throttle_classes = [FourPerMinute, FourPerMinuteAnon]


CachedThrottledPosts = cached(ThrottledPosts)


class Announcements(adrf_generics.ListAPIView):
    queryset = Announcement.objects.order_by("id")
    serializer_class = AnnouncementSerializer
    permission_classes = [AllowAny]


CachedAnnouncements = cached(Announcements)


# -- 12. read/write serializers chosen by request.method (write-through) -----------------------------------


class SplitSerializers:
    queryset = Post.objects.select_related("author").order_by("id")

    def get_serializer_class(self) -> Any:
        if self.request.method in SAFE_METHODS:  # type: ignore[attr-defined]
            return ReadPostSerializer
        return WritePostSerializer


class CachedSplitPosts(SplitSerializers, ModelViewSetCached):
    pass


class PlainSplitPosts(SplitSerializers, adrf_viewsets.ModelViewSet):
    pass


# -- 13. a fire-and-forget task started by a cached write -------------------------------------------------

background: list[asyncio.Task[Any]] = []


class AuditedPosts:
    queryset = Post.objects.order_by("id")
    serializer_class = WritePostSerializer

    async def perform_aupdate(self, serializer: Any) -> None:
        await serializer.asave()
        background.append(asyncio.create_task(count_edit()))  # don't make the client wait for stats


async def count_edit() -> None:
    await asyncio.sleep(0.01)
    await PageCounter.objects.filter(name="edits").aupdate(hits=F("hits") + 1)


class CachedAuditedPosts(AuditedPosts, ModelViewSetCached):
    pass


class PlainAuditedPosts(AuditedPosts, adrf_viewsets.ModelViewSet):
    pass


# -- 1c / 2c: controls (what is traced or re-run on every hit) ------------------------------------------------


class TeamMustExist(BasePermission):
    """Denies (404) when the team is gone; keeps nothing for the view."""

    def has_permission(self, request: Any, view: Any) -> bool:
        get_object_or_404(Team, pk=view.kwargs["team_pk"])
        return True


class TeamPostsChecked(adrf_generics.ListAPIView):
    permission_classes = [TeamMustExist]
    serializer_class = PostTitleSerializer

    def get_queryset(self) -> Any:
        return Post.objects.filter(author__memberships__team_id=self.kwargs["team_pk"]).order_by("id")


CachedTeamPostsChecked = cached(TeamPostsChecked)


class MyProfileLazy(MyProfile):
    """The profile loaded lazily by the handler (stock BasicAuthentication): its SELECT is traced."""

    authentication_classes = [BasicAuthentication]

    async def get(self, request: Any) -> Response:
        user = request.user
        if not user.is_authenticated:
            return Response({"user": None})
        profile = await Profile.objects.aget(user=user)
        return Response({"user": user.username, "display_name": profile.display_name, "plan": profile.plan})


CachedMyProfileLazy = cached(MyProfileLazy)


# -- 7c. request.auth: an API client object whose str() is its name ------------------------------------------


class ApiClient:
    """What a gateway-token authenticator returns as ``request.auth``: printed by name in logs and admin."""

    def __init__(self, name: str, scopes: list[str]) -> None:
        self.name = name
        self.scopes = scopes

    def __str__(self) -> str:
        return self.name


class GatewayAuthentication(BasicAuthentication):
    """Basic for the user; the gateway names the client and its granted scopes in headers."""

    def authenticate(self, request: Any) -> Any:
        found = super().authenticate(request)
        if found is None:
            return None
        scopes = sorted(s for s in request.headers.get("X-Granted-Scopes", "").split(",") if s)
        return found[0], ApiClient(request.headers.get("X-Client", "web"), scopes)


class ClientScopes(APIView):
    authentication_classes = [GatewayAuthentication]
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        client = request.auth
        if client is None:
            return Response({"client": None})
        can_write = "posts:write" in client.scopes
        return Response({"client": client.name, "can_write": can_write, "posts": await Post.objects.acount()})


CachedClientScopes = cached(ClientScopes)


# -- 16. finalize_response wraps the data in an envelope --------------------------------------------------------


class Enveloped(adrf_generics.ListAPIView):
    queryset = Post.objects.order_by("id")
    serializer_class = PostTitleSerializer
    permission_classes = [AllowAny]

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code == 200:
            response.data = {"data": response.data, "api_version": "2"}
        return response


CachedEnveloped = cached(Enveloped)


# -- 17. a two-factor middleware (django-otp's OTPMiddleware, in short) ---------------------------------------

OTP_SESSION_KEY = "otp_device_id"


class OTPMiddleware:
    """As django-otp does: wraps ``request.user`` so that the user carries the device this session verified
    with (read from the session when the user is loaded) and ``is_verified()``."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        user = getattr(request, "user", None)
        if user is not None:
            request.user = SimpleLazyObject(functools.partial(self._verify_user, request, user))
        return self.get_response(request)

    def _verify_user(self, request: Any, user: Any) -> Any:
        user.otp_device = None
        user.is_verified = functools.partial(lambda u: u.otp_device is not None, user)
        if user.is_authenticated:
            user.otp_device = request.session.get(OTP_SESSION_KEY)
        return user


class AccountSecrets(APIView):
    """Recovery codes are shown only to a session that passed the second factor."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        verified = request.user.is_verified()
        posts = await Post.objects.filter(owner_id=request.user.pk).acount()
        return Response(
            {
                "user": request.user.username,
                "verified": verified,
                "recovery_codes": [f"{request.user.username}-code-{n}" for n in range(2)] if verified else None,
                "posts": posts,
            }
        )


CachedAccountSecrets = cached(AccountSecrets)


# -- 18. slow work after the save in a cached write (an email, a webhook, a payment call) -----------------------

external_call = asyncio.Event()  # the test releases it: stands for the HTTP call the write awaits


class NotifyingPosts:
    queryset = Post.objects.order_by("id")
    serializer_class = WritePostSerializer

    async def perform_aupdate(self, serializer: Any) -> None:
        await serializer.asave()  # committed here (autocommit)
        await external_call.wait()  # e.g. await httpx.AsyncClient().post(webhook_url, ...)


class CachedNotifyingPosts(NotifyingPosts, ModelViewSetCached):
    pass


class PlainNotifyingPosts(NotifyingPosts, adrf_viewsets.ModelViewSet):
    pass


# -- 7d. an anonymous user with credentials (a service key for machine clients) -------------------------------


class ServiceKeyAuthentication(BaseAuthentication):
    """``X-Service-Key``: machine clients stay anonymous users; the key's profile is ``request.auth``."""

    def authenticate(self, request: Any) -> Any:
        from django.contrib.auth.models import AnonymousUser

        key = request.headers.get("X-Service-Key")
        if not key:
            return None
        profile = Profile.objects.filter(api_key=key).first()
        if profile is None:
            raise exceptions.AuthenticationFailed("Invalid key.")
        return AnonymousUser(), profile


class ServicePlan(APIView):
    authentication_classes = [ServiceKeyAuthentication]
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        plan = request.auth.plan if request.auth is not None else None
        limit = {"free": 10, "pro": 1000}.get(plan or "", 0)
        return Response({"plan": plan, "rate_limit": limit, "posts": await Post.objects.acount()})


CachedServicePlan = cached(ServicePlan)


# name -> (cached view, uncached view)
REALISTIC_TWINS: dict[str, tuple[Any, Any]] = {
    "rt-team-posts": (CachedTeamPosts, TeamPosts),
    "rt-team-member-posts": (CachedTeamMemberPosts, TeamMemberPosts),
    "rt-my-profile": (CachedMyProfile, MyProfile),
    "rt-key-plan": (CachedKeyPlan, KeyPlan),
    "rt-key-account": (CachedKeyAccount, KeyAccount),
    "rt-posts-with-perms": (CachedPostsWithPerms, PostsWithPerms),
    "rt-posts-with-perms-unchecked": (CachedPostsWithPermsUnchecked, PostsWithPermsUnchecked),
    "rt-org-tickets": (CachedOrgTickets, OrgTickets),
    "rt-price-list": (CachedPriceList, PriceList),
    "rt-body-search": (CachedBodySearch, BodySearch),
    "rt-hit-counter": (CachedHitCounter, HitCounter),
    "rt-counted-posts": (CachedCountedPosts, CountedPosts),
    "rt-counters": (CachedCounters, Counters),
    "rt-request-facts": (CachedRequestFacts, RequestFacts),
    "rt-team-posts-initial": (CachedTeamPostsByInitial, TeamPostsByInitial),
    "rt-tenant-initial": (CachedTenantByInitial, TenantByInitial),
    "rt-slug-posts": (CachedSlugPosts, SlugPosts),
    "rt-my-settings": (CachedMySettings, MySettings),
    "rt-paged-posts": (CachedPagedPosts, PagedPosts),
    "rt-published-by-author": (CachedPublishedByAuthor, PublishedByAuthor),
    "rt-deferred-bodies": (CachedDeferredBodies, DeferredBodies),
    "rt-locked-read": (CachedLockedRead, LockedRead),
    "rt-editors-see-all": (CachedEditorsSeeAll, EditorsSeeAll),
    "rt-filtered-posts": (CachedFilteredPosts, FilteredPosts),
    "rt-localized": (CachedLocalized, Localized),
    "rt-throttled-posts": (CachedThrottledPosts, ThrottledPosts),
    "rt-announcements": (CachedAnnouncements, Announcements),
    "rt-split-posts": (CachedSplitPosts, PlainSplitPosts),
    "rt-audited-posts": (CachedAuditedPosts, PlainAuditedPosts),
    "rt-team-posts-checked": (CachedTeamPostsChecked, TeamPostsChecked),
    "rt-my-profile-lazy": (CachedMyProfileLazy, MyProfileLazy),
    "rt-client-scopes": (CachedClientScopes, ClientScopes),
    "rt-enveloped": (CachedEnveloped, Enveloped),
    "rt-account-secrets": (CachedAccountSecrets, AccountSecrets),
    "rt-notifying-posts": (CachedNotifyingPosts, PlainNotifyingPosts),
    "rt-service-plan": (CachedServicePlan, ServicePlan),
}

# URL kwargs after ``/<prefix>/<name>/`` for plain views that take some.
REALISTIC_ROUTES: dict[str, str] = {
    "rt-team-posts": "<int:team_pk>/",
    "rt-team-member-posts": "<int:team_pk>/",
    "rt-team-posts-initial": "<int:team_pk>/",
    "rt-team-posts-checked": "<int:team_pk>/",
}

# Mounted with re_path: ``/<prefix>/rt-catch-all/<anything>``.
CATCH_ALL: tuple[Any, Any] = (CachedCatchAllPage, CatchAllPage)
