"""Red team, round 6 (tests/test_realistic6.py): identity and timing. Authentication the way projects do
it (a DRF ``TokenAuthentication`` over the profile's key, a stateless signed bearer token whose claims
carry roles and a tenant, session login/logout, ``RemoteUserMiddleware``, an API key returning
``(user, None)``, a per-visitor cookie id), permissions from groups, user permissions, several
authentication backends and a membership row, and answers that change with the clock or a short ttl.
Each view has a cached and an uncached twin, mounted under ``/c/<name>/`` and ``/u/<name>/``
(``REALISTIC6_TWINS``); ``REALISTIC6_PLAIN`` are plain views the tests post to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.middleware import RemoteUserMiddleware
from django.contrib.auth.models import User
from django.core import signing
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response

from adrf_caching import cached
from tests.testapp.models import Announcement, Note, PageCounter, Post, Profile, Share, Ticket

# -- 1. authentication -----------------------------------------------------------------------------------


class ProfileTokenAuthentication(TokenAuthentication):
    """DRF's ``TokenAuthentication`` (``Authorization: Token <key>``) with the profile's ``api_key`` as the
    token row: ``request.auth`` is the profile, ``request.user`` its user (loaded with it)."""

    def authenticate_credentials(self, key: str) -> tuple[User, Profile]:
        try:
            token = Profile.objects.select_related("user").get(api_key=key)
        except Profile.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token


def _me(request: Any) -> dict[str, Any]:
    """What a ``/me`` endpoint shows of the user (the ORM reads run in the caller's thread)."""
    user = request.user
    if not user.is_authenticated:
        return {"user": None}
    groups = sorted(user.groups.values_list("name", flat=True))
    return {
        "user": user.username,
        "email": user.email,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "is_active": user.is_active,
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "groups": groups,
        "perms": sorted(user.get_all_permissions()),
        "notes": [n.text for n in Note.objects.filter(owner=user).order_by("id")],
    }


class TokenMe(APIView):
    authentication_classes = [ProfileTokenAuthentication]
    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        data = await sync_to_async(_me)(request)
        data["plan"] = request.auth.plan
        return Response(data)


class Claims(dict):  # type: ignore[type-arg]
    """The verified payload of a bearer token."""


class TokenUser:
    """simplejwt's ``TokenUser`` in short: a user made of the token's claims, no row behind it."""

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, claims: dict[str, Any]) -> None:
        self.id = self.pk = claims["uid"]
        self.username = claims["username"]
        self.roles = tuple(claims["roles"])
        self.tenant = claims["tenant"]

    def __str__(self) -> str:
        return f"TokenUser {self.id}"


def bearer_token(uid: int, username: str, roles: list[str], tenant: str, jti: str = "1") -> str:
    return signing.dumps({"uid": uid, "username": username, "roles": roles, "tenant": tenant, "jti": jti}, salt="r6")


class StatelessBearerAuthentication(BaseAuthentication):
    """``Authorization: Bearer <signed claims>``: no database read; the claims are the identity."""

    def authenticate(self, request: Any) -> tuple[TokenUser, Claims] | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        try:
            claims = signing.loads(header[7:], salt="r6")
        except signing.BadSignature:
            raise exceptions.AuthenticationFailed("Bad token.") from None
        return TokenUser(claims), Claims(claims)

    def authenticate_header(self, request: Any) -> str:
        return "Bearer"


class HasReaderRole(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.auth) and "reader" in request.auth["roles"]


class TenantTickets(APIView):
    """Tickets of the token's tenant; an ``admin`` role sees every tenant's."""

    authentication_classes = [StatelessBearerAuthentication]
    permission_classes = [HasReaderRole]

    async def get(self, request: Any) -> Response:
        tickets = Ticket.objects.order_by("id")
        if "admin" not in request.user.roles:
            tickets = tickets.filter(tenant=request.auth["tenant"])
        return Response(
            {
                "user": request.user.username,
                "tenant": request.auth["tenant"],
                "roles": list(request.user.roles),
                "tickets": [t.title async for t in tickets],
            }
        )


@dataclass(frozen=True)
class ParsedClaims:
    """A short-lived token's claims parsed into types (as a pydantic/dataclass claims model does)."""

    sub: int
    username: str
    issued_at: datetime
    expires_at: datetime


def short_lived_token(uid: int, username: str, issued_at: datetime, lifetime: timedelta) -> str:
    claims = {"sub": uid, "username": username, "iat": issued_at.timestamp(), "exp": (issued_at + lifetime).timestamp()}
    return signing.dumps(claims, salt="r6-short")


class ShortLivedBearerAuthentication(BaseAuthentication):
    """``Authorization: Bearer <short-lived token>`` (a download link's or a mobile session's): the user
    row by the ``sub`` claim, the claims parsed; an expired token is refused."""

    def authenticate(self, request: Any) -> tuple[User, ParsedClaims] | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        try:
            raw = signing.loads(header[7:], salt="r6-short")
        except signing.BadSignature:
            raise exceptions.AuthenticationFailed("Bad token.") from None
        claims = ParsedClaims(
            raw["sub"],
            raw["username"],
            datetime.fromtimestamp(raw["iat"], tz=dt_timezone.utc),
            datetime.fromtimestamp(raw["exp"], tz=dt_timezone.utc),
        )
        if claims.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("Token expired.")
        user = User.objects.filter(pk=claims.sub, is_active=True).first()
        if user is None:
            raise exceptions.AuthenticationFailed("User not found.")
        return user, claims

    def authenticate_header(self, request: Any) -> str:
        return "Bearer"


class TokenSession(APIView):
    """What the app shows of the current token: when it was issued and when it expires."""

    authentication_classes = [ShortLivedBearerAuthentication]
    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        notes = [n.text async for n in Note.objects.filter(owner=request.user).order_by("id")]
        return Response(
            {
                "user": request.user.username,
                "issued_at": request.auth.issued_at.isoformat(),
                "expires_at": request.auth.expires_at.isoformat(),
                "notes": notes,
            }
        )


class SessionMe(APIView):
    """``/me`` behind the browser's session (login, logout, password change...)."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response(await sync_to_async(_me)(request))


class DjangoUserAuthentication(BaseAuthentication):
    """Takes whoever Django's middleware authenticated, active or not (projects that let deactivated
    accounts read their own data, with ``AllowAllUsersModelBackend``)."""

    def authenticate(self, request: Any) -> tuple[User, None] | None:
        user = getattr(request._request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return user, None


class AnyUserMe(SessionMe):
    authentication_classes = [DjangoUserAuthentication]


class ApiKeyUserAuthentication(BaseAuthentication):
    """``X-Api-Key: <key>`` returning ``(user, None)``: the key itself is not kept on the request."""

    def authenticate(self, request: Any) -> tuple[User, None] | None:
        key = request.headers.get("X-Api-Key")
        if not key:
            return None
        profile = Profile.objects.select_related("user").filter(api_key=key).first()
        if profile is None:
            raise exceptions.AuthenticationFailed("Invalid key.")
        return profile.user, None

    def authenticate_header(self, request: Any) -> str:
        return "Api-Key"


class ApiKeyMe(APIView):
    authentication_classes = [ApiKeyUserAuthentication]
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        return Response(await sync_to_async(_me)(request))


class ProxyRemoteUserMiddleware(RemoteUserMiddleware):
    """A reverse proxy that authenticated the user sends ``X-Remote-User``."""

    header = "HTTP_X_REMOTE_USER"


class VisitorMiddleware:
    """An anonymous visitor id kept in a cookie (set on the first response): ``request.visitor_id``."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        known = request.COOKIES.get("vid")
        request.visitor_id = known or uuid.uuid4().hex[:12]
        response = self.get_response(request)
        if not known:
            response.set_cookie("vid", request.visitor_id)
        return response


class VisitorCart(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        visitor = getattr(request._request, "visitor_id", None)
        row = await PageCounter.objects.filter(name=f"cart-{visitor}").afirst()
        user = request.user.username if request.user.is_authenticated else None
        return Response({"visitor": visitor, "items": row.hits if row else 0, "user": user})


# -- 2. permissions: groups, user permissions, several backends, a membership row -------------------------


class ShareBackend(BaseBackend):
    """A second backend: a user someone shared a post with may view notes (``testapp.view_note``)."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return {"testapp.view_note"} if Share.objects.filter(user=user_obj).exists() else set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)


class CanViewNotes(BasePermission):
    """``has_perm`` through every backend: model permissions (user and groups) or the share backend."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user.is_authenticated and request.user.has_perm("testapp.view_note"))


class PermittedNotes(APIView):
    """Every note, for those allowed to view notes; the ones allowed to change them see the drafts."""

    permission_classes = [CanViewNotes]

    async def get(self, request: Any) -> Response:
        def read() -> dict[str, Any]:
            user = request.user
            notes = Note.objects.order_by("id")
            if not user.has_perm("testapp.change_note"):
                notes = notes.exclude(text__startswith="draft")
            perms = sorted(user.get_all_permissions())
            return {"user": user.username, "perms": perms, "notes": [n.text for n in notes]}

        return Response(await sync_to_async(read)())


class SharedPostMember(BasePermission):
    """A membership row: the reader must have a share of some post (checked on every request)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user.is_authenticated and Share.objects.filter(user=request.user).exists())


class MemberPosts(APIView):
    permission_classes = [SharedPostMember]

    async def get(self, request: Any) -> Response:
        shared = Post.objects.filter(shares__user=request.user).order_by("id")
        return Response({"user": request.user.username, "shared": [p.title async for p in shared]})


class StaffOnlyPosts(APIView):
    """``is_staff`` / ``is_superuser`` decide, as the admin's own views do."""

    permission_classes = [IsAuthenticated]

    async def get(self, request: Any) -> Response:
        user = request.user
        if not (user.is_staff or user.is_superuser):
            return Response({"detail": "staff only"}, status=403)
        return Response({"titles": [p.title async for p in Post.objects.order_by("id")]})


# -- 3. the clock and short ttls -----------------------------------------------------------------------------


class LiveAnnouncements(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        live = Announcement.objects.filter(publish_at__lte=timezone.now()).order_by("id")
        return Response({"live": [a.text async for a in live]})


class AnnouncementStates(APIView):
    """Every announcement with ``is_live`` computed in Python (a serializer's method field would)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        rows = [a async for a in Announcement.objects.order_by("id")]
        now = timezone.now()
        return Response({"states": [[a.text, a.publish_at <= now] for a in rows]})


# Process state the library cannot observe (README, "Limits"): views reading it get a short ttl.
FEATURE_FLAGS: dict[str, bool] = {"banner": False}


class FlaggedPosts(APIView):
    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        titles = [p.title async for p in Post.objects.order_by("id")]
        return Response({"banner": FEATURE_FLAGS["banner"], "titles": titles})


# -- plain views the tests post to --------------------------------------------------------------------------


@csrf_exempt
def unshare(request: HttpRequest) -> JsonResponse:
    """The post's owner (Basic auth is not checked here: the test says who) withdraws a share."""
    deleted, _ = Share.objects.filter(post__slug=request.POST["slug"], user__username=request.POST["user"]).delete()
    return JsonResponse({"deleted": deleted})


@csrf_exempt
def share(request: HttpRequest) -> JsonResponse:
    post = Post.objects.get(slug=request.POST["slug"])
    Share.objects.get_or_create(post=post, user=User.objects.get(username=request.POST["user"]))
    return JsonResponse({"shared": True})


# name -> (cached view, uncached view)
REALISTIC6_TWINS: dict[str, tuple[Any, Any]] = {
    "r6-token-me": (cached(TokenMe), TokenMe),
    "r6-tenant-tickets": (cached(TenantTickets), TenantTickets),
    "r6-session-me": (cached(SessionMe), SessionMe),
    "r6-token-session": (cached(TokenSession), TokenSession),
    "r6-any-user-me": (cached(AnyUserMe), AnyUserMe),
    "r6-api-key-me": (cached(ApiKeyMe), ApiKeyMe),
    "r6-visitor-cart": (cached(VisitorCart), VisitorCart),
    "r6-permitted-notes": (cached(PermittedNotes), PermittedNotes),
    "r6-member-posts": (cached(MemberPosts), MemberPosts),
    "r6-staff-posts": (cached(StaffOnlyPosts), StaffOnlyPosts),
    "r6-live": (cached(LiveAnnouncements), LiveAnnouncements),
    "r6-live-clock-ttl": (cached(LiveAnnouncements, clock_ttl=1), LiveAnnouncements),
    "r6-states-clock-ttl": (cached(AnnouncementStates, clock_ttl=1), AnnouncementStates),
    "r6-flagged-ttl": (cached(FlaggedPosts, ttl=1), FlaggedPosts),
}

# Plain Django views the tests post to: route -> view.
REALISTIC6_PLAIN: dict[str, Any] = {
    "r6-plain/unshare/": unshare,
    "r6-plain/share/": share,
}


@csrf_exempt
def login_view(request: HttpRequest) -> JsonResponse:
    """A login form: ``login()`` cycles the session key (another user in the same browser flushes it)."""
    user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
    if user is None:
        return JsonResponse({"ok": False}, status=400)
    login(request, user)
    return JsonResponse({"ok": True})


@csrf_exempt
def logout_view(request: HttpRequest) -> JsonResponse:
    logout(request)  # flushes the session
    return JsonResponse({"ok": True})


@csrf_exempt
def change_password(request: HttpRequest) -> JsonResponse:
    """A password change form: the other sessions end, this one stays (``update_session_auth_hash``)."""
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"ok": False}, status=403)
    user.set_password(request.POST["password"])
    user.save()
    update_session_auth_hash(request, user)
    return JsonResponse({"ok": True})


REALISTIC6_PLAIN.update(
    {"r6-plain/login/": login_view, "r6-plain/logout/": logout_view, "r6-plain/password/": change_password}
)
