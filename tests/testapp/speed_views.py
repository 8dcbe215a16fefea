"""Views for the speed features: ``initial()`` on the loop (dispatch.py), one-hop serialization."""

from __future__ import annotations

import base64
import threading
from typing import Any, ClassVar

from adrf.viewsets import GenericViewSet
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, BasicAuthentication
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import BasePermission, DjangoModelPermissions, IsAuthenticated
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from adrf_caching.mixins import ListModelMixin, RetrieveModelMixin
from adrf_caching.viewsets import ReadOnlyModelViewSetCached
from tests.testapp.serializers import AsyncMethodPostSerializer, FieldZooPostSerializer
from tests.testapp.views import Pages, PostBehaviour

# Threads that ran ``initial()``'s permission check, by view: the loop's own thread or a worker.
seen_threads: list[int] = []
async_throttle_calls: list[str] = []


def _credentials(request: Any) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        name, _, password = base64.b64decode(value).decode().partition(":")
    except ValueError as exc:
        raise exceptions.AuthenticationFailed("Invalid basic header.") from exc
    return name, password


class AsyncBasicAuthentication(BaseAuthentication):
    """HTTP Basic, async-native: runs on the loop, the user lookup through the async ORM."""

    async def authenticate(self, request: Any) -> tuple[User, None] | None:
        credentials = _credentials(request)
        if credentials is None:
            return None
        user = await User.objects.filter(username=credentials[0]).afirst()
        if user is None or not await sync_to_async(user.check_password)(credentials[1]):
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        return user, None

    def authenticate_header(self, request: Any) -> str:
        return 'Basic realm="api"'


class WronglyTrustedBasicAuthentication(BasicAuthentication):
    """Marked loop-safe, yet its lookup touches the database: must still never be a 500."""

    adrf_caching_loop_safe = True


class RecordThread(BasePermission):
    """Allows everything and notes the thread it ran in."""

    adrf_caching_loop_safe = True

    def has_permission(self, request: Any, view: Any) -> bool:
        seen_threads.append(threading.get_ident())
        return True


class ThreeAMinute(SimpleRateThrottle):
    """A rate throttle on the LocMem default cache, marked safe: every request counts once."""

    adrf_caching_loop_safe = True
    rate = "3/min"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": "three", "ident": self.get_ident(request)}


class AsyncCountingThrottle(BaseThrottle):
    async def allow_request(self, request: Any, view: Any) -> bool:
        async_throttle_calls.append(request.method)
        return True


class LoopPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    """Basic authentication and IsAuthenticatedOrReadOnly (the defaults) plus the thread recorder."""

    permission_classes: ClassVar[list[Any]] = [IsAuthenticated | RecordThread, RecordThread]


class LoopNoteLikeViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    permission_classes: ClassVar[list[Any]] = [IsAuthenticated, RecordThread]


class AsyncAuthPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    authentication_classes: ClassVar[list[Any]] = [AsyncBasicAuthentication]
    permission_classes: ClassVar[list[Any]] = [IsAuthenticated, RecordThread]
    throttle_classes: ClassVar[list[Any]] = [AsyncCountingThrottle]


class WronglyTrustedPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    authentication_classes: ClassVar[list[Any]] = [WronglyTrustedBasicAuthentication]
    permission_classes: ClassVar[list[Any]] = [RecordThread]


class ThrottledPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    permission_classes: ClassVar[list[Any]] = [RecordThread]
    throttle_classes: ClassVar[list[Any]] = [ThreeAMinute]


class ModelPermissionPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    """DjangoModelPermissions reads the user's permissions from the database: keeps the hop."""

    permission_classes: ClassVar[list[Any]] = [RecordThread, DjangoModelPermissions]


class AsyncMethodPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    serializer_class = AsyncMethodPostSerializer


class FieldZooPostViewSet(PostBehaviour, ReadOnlyModelViewSetCached):
    serializer_class = FieldZooPostSerializer
    pagination_class = Pages
    filter_backends: ClassVar[list[Any]] = [OrderingFilter]
    ordering_fields: ClassVar[list[str]] = ["title", "id"]



class CountingDispatch:
    """A mixin of the user's, after the cached mixins, with its own ``async_dispatch``: it must run."""

    calls = 0

    async def async_dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        CountingDispatch.calls += 1
        return await super().async_dispatch(request, *args, **kwargs)  # type: ignore[misc]


class OwnDispatchPostViewSet(PostBehaviour, ListModelMixin, RetrieveModelMixin, CountingDispatch, GenericViewSet):
    permission_classes: ClassVar[list[Any]] = [RecordThread]
