"""Cached reads without adrf's thread hop for ``initial()``.

adrf's ``async_dispatch`` runs ``initial()`` (negotiation, versioning, authentication, permissions,
throttles) in ``sync_to_async``: the hop costs several times the ~35 µs of work on a cache hit.
For a cached GET/HEAD this module runs ``initial()`` on the event loop instead, but only when every
part of it is known not to block:

* async-native parts (``async def authenticate`` / ``has_permission`` / ``allow_request``) are awaited;
* sync parts run on the loop when they are in the allow-list below, carry the class attribute
  ``adrf_caching_loop_safe = True``, or are named in the setting ``LOOP_SAFE_CLASSES``;
* anything else (``SessionAuthentication`` with a session cookie, Basic/Token authentication with
  credentials, ``DjangoModelPermissions``, rate throttles on a network cache, an overridden
  ``initial()``...) keeps adrf's single hop, exactly as before.

The decision is taken before any part runs, so nothing (throttles included) runs twice. If a sync
part trusted to be loop-safe touches the database anyway (``SynchronousOnlyOperation``), that one call
is rerun in a thread, its class is not trusted again, and a warning names it: never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from inspect import iscoroutinefunction
from typing import TYPE_CHECKING, Any

from adrf.requests import AsyncRequest
from adrf.views import APIView as AdrfAPIView
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import SynchronousOnlyOperation
from rest_framework import authentication, negotiation, permissions, throttling, versioning
from rest_framework.exceptions import APIException
from rest_framework.request import ForcedAuthentication, wrap_attributeerrors
from rest_framework.views import APIView as DRFAPIView

from adrf_caching import endpoints, observe
from adrf_caching.conf import caching_settings
from adrf_caching.initial_reads import InitialReads
from adrf_caching.keys import query_of
from adrf_caching.options import drf_action_name

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

    from adrf_caching.base import CacheMixin

__all__ = ["LOOP_SAFE_ATTRIBUTE", "async_dispatch", "loop_plan"]

logger = logging.getLogger("adrf_caching")

LOOP_SAFE_ATTRIBUTE = "adrf_caching_loop_safe"

# DRF classes that never block: they only read the request, the view or the already loaded user.
# Exact classes only: a subclass may override what makes them safe.
_SAFE_PERMISSIONS: frozenset[type] = frozenset(
    {permissions.AllowAny, permissions.IsAuthenticated, permissions.IsAuthenticatedOrReadOnly, permissions.IsAdminUser}
)
_SAFE_NEGOTIATORS: frozenset[type] = frozenset({negotiation.DefaultContentNegotiation})
_SAFE_VERSIONING: frozenset[type] = frozenset(
    {
        versioning.AcceptHeaderVersioning,
        versioning.URLPathVersioning,
        versioning.NamespaceVersioning,
        versioning.HostNameVersioning,
        versioning.QueryParameterVersioning,
    }
)
# Rate throttles are safe only on an in-process cache (LocMem): a network cache would block the loop.
_RATE_THROTTLES: frozenset[type] = frozenset(
    {throttling.AnonRateThrottle, throttling.UserRateThrottle, throttling.ScopedRateThrottle}
)

# The parts of ``initial()`` this module re-implements or calls on the loop: a view overriding any of
# them keeps the hop (its override may block, or do something the loop version would skip).
_STOCK_METHODS: dict[str, Any] = {
    "initial": DRFAPIView.initial,
    "get_format_suffix": DRFAPIView.get_format_suffix,
    "perform_content_negotiation": DRFAPIView.perform_content_negotiation,
    "determine_version": DRFAPIView.determine_version,
    "perform_authentication": DRFAPIView.perform_authentication,
    "check_permissions": AdrfAPIView.check_permissions,
    "check_sync_permissions": AdrfAPIView.check_sync_permissions,
    "check_throttles": AdrfAPIView.check_throttles,
    "check_sync_throttles": AdrfAPIView.check_sync_throttles,
}

_distrusted: set[type] = set()  # marked safe, then caught touching the database


@dataclass(frozen=True)
class LoopPlan:
    """What ``initial()`` will run on the loop: the permission and throttle instances, checked."""

    permissions: list[Any]
    throttles: list[Any]


# Per class, asked on every cached GET: remembered (a class's methods and marks do not change).
_marks: dict[tuple[type, frozenset[str]], bool] = {}
_async_methods: dict[tuple[type, str], bool] = {}


def _marked(cls: type) -> bool:
    if cls in _distrusted:
        return False
    named = caching_settings().loop_safe_classes
    verdict = _marks.get((cls, named))
    if verdict is None:
        verdict = getattr(cls, LOOP_SAFE_ATTRIBUTE, False) is True or f"{cls.__module__}.{cls.__qualname__}" in named
        _marks[(cls, named)] = verdict
    return verdict


def _is_async(part: object, method: str) -> bool:
    """Whether ``part.method`` is a coroutine function (by its class, unless the instance overrides it)."""
    if method in getattr(part, "__dict__", ()):
        return iscoroutinefunction(getattr(part, method))
    cls = type(part)
    verdict = _async_methods.get((cls, method))
    if verdict is None:
        verdict = _async_methods[(cls, method)] = iscoroutinefunction(getattr(cls, method))
    return verdict


def _is_stock_view(cls: type) -> bool:
    return all(getattr(cls, name, None) is function for name, function in _STOCK_METHODS.items())


def _no_credentials(request: Any, keyword: bytes) -> bool:
    """Basic/Token authentication return ``None`` without any I/O when their keyword is absent."""
    auth = authentication.get_authorization_header(request).split()
    return not auth or auth[0].lower() != keyword


def _authenticator_safe(authenticator: Any, request: Any) -> bool:
    cls = type(authenticator)
    if _is_async(authenticator, "authenticate") or _marked(cls):
        return True
    if cls is authentication.BasicAuthentication:
        return _no_credentials(request, b"basic")
    if cls is authentication.TokenAuthentication:
        return _no_credentials(request, authenticator.keyword.lower().encode())
    if cls is ForcedAuthentication:  # DRF's test client ``force_authenticate``: returns what it holds
        return True
    if cls is authentication.SessionAuthentication:
        # Without a session cookie the session is empty and the user anonymous: no session load.
        return settings.SESSION_COOKIE_NAME not in request.COOKIES
    return False


def _permission_safe(permission: Any) -> bool:
    # adrf's AND/OR/NOT operators are async: they await async operands and hop for sync ones.
    cls = type(permission)
    return cls in _SAFE_PERMISSIONS or _is_async(permission, "has_permission") or _marked(cls)


def _throttle_safe(throttle: Any) -> bool:
    cls = type(throttle)
    if _is_async(throttle, "allow_request") or _marked(cls):
        return True
    if cls in _RATE_THROTTLES:
        from django.core.cache import cache as default_cache
        from django.core.cache import caches
        from django.core.cache.backends.locmem import LocMemCache

        backend = caches["default"] if throttle.cache is default_cache else throttle.cache
        return isinstance(backend, LocMemCache)
    return False


def _class_safe(cls: type | None, allowed: frozenset[type]) -> bool:
    return cls is None or cls in allowed or _marked(cls)


def _is_cached_read(view: CacheMixin, request: Any) -> bool:
    if request._request.method not in ("GET", "HEAD"):
        return False
    action = getattr(view, "action", None)
    if action is None:  # a plain or generic APIView: its GET is the cached get / list / retrieve
        return bool(view._cache_config.actions)
    return drf_action_name(action) in view._cache_config.actions


_view_verdicts: dict[tuple[Any, ...], bool] = {}


def _view_safe(view: CacheMixin, loop_safe_classes: frozenset[str]) -> bool:
    """The view's own methods, its negotiator and its versioning allow ``initial()`` on the loop."""
    negotiator = getattr(view, "content_negotiation_class", None)
    versioning = getattr(view, "versioning_class", None)
    key = (type(view), negotiator, versioning, loop_safe_classes)
    verdict = _view_verdicts.get(key)
    if verdict is None:
        verdict = _view_verdicts[key] = (
            _is_stock_view(type(view))
            and _class_safe(negotiator, _SAFE_NEGOTIATORS)
            and _class_safe(versioning, _SAFE_VERSIONING)
        )
    return verdict


def loop_plan(view: CacheMixin, request: Any) -> LoopPlan | None:
    """The plan to run ``initial()`` on the loop for this request, or ``None`` to keep adrf's hop."""
    conf = caching_settings()
    if not conf.initial_on_loop or type(request) is not AsyncRequest:
        return None
    if not _is_cached_read(view, request) or not _view_safe(view, conf.loop_safe_classes):
        return None
    if not all(_authenticator_safe(a, request) for a in request.authenticators or ()):
        return None
    try:
        # Usually ``[cls() for cls in permission_classes]``; an override that fails or touches the
        # database is left to the hop, which reproduces its error where it belongs.
        permission_list = list(view.get_permissions())
        throttle_list = list(view.get_throttles())
    except Exception:
        return None
    if not all(_permission_safe(p) for p in permission_list) or not all(_throttle_safe(t) for t in throttle_list):
        return None
    return LoopPlan(permission_list, throttle_list)


async def _call(owner: object, function: Callable[..., Any], *args: Any) -> Any:
    """Call a sync part on the loop; if it turns out to touch the database, rerun it in a thread."""
    try:
        return function(*args)
    except SynchronousOnlyOperation:
        cls = type(owner)
        if cls not in _distrusted:
            _distrusted.add(cls)
            logger.warning(
                "adrf_caching: %s.%s touched the database on the event loop; it now runs in a thread. "
                "Remove it from LOOP_SAFE_CLASSES / adrf_caching_loop_safe, or make it async.",
                cls.__module__,
                cls.__qualname__,
            )
        return await sync_to_async(function)(*args)


async def _authenticate(request: Any) -> None:
    """adrf's ``AsyncRequest._authenticate``, awaiting async authenticators on the loop."""
    with wrap_attributeerrors():
        for authenticator in request.authenticators:
            try:
                if _is_async(authenticator, "authenticate"):
                    user_auth_tuple = await authenticator.authenticate(request)
                else:
                    user_auth_tuple = await _call(authenticator, authenticator.authenticate, request)
            except APIException:
                request._not_authenticated()
                raise
            if user_auth_tuple is not None:
                request._authenticator = authenticator
                request.user, request.auth = user_auth_tuple
                return
        request._not_authenticated()


def _split(parts: Iterable[Any], method: str) -> tuple[list[Any], list[Any]]:
    sync_parts: list[Any] = []
    async_parts: list[Any] = []
    for part in parts:
        (async_parts if _is_async(part, method) else sync_parts).append(part)
    return sync_parts, async_parts


# DefaultContentNegotiation's choice is a function of the renderers, the format asked for and the
# Accept header; parsing that header costs more than the rest of a hit's negotiation. Bounded:
# the header is the client's.
_negotiated: dict[tuple[Any, ...], tuple[int, str]] = {}
_NEGOTIATED_LIMIT = 512


def _negotiate(view: Any, request: Any) -> tuple[Any, str]:
    """``perform_content_negotiation()``, remembering DefaultContentNegotiation's answers."""
    conneg = view.get_content_negotiator()
    if type(conneg) is not negotiation.DefaultContentNegotiation:
        return view.perform_content_negotiation(request)  # type: ignore[no-any-return]
    # Renderers built from the view's classes (DRF's get_renderers) are known by those classes: a
    # remembered answer instantiates only the chosen one.
    classes: tuple[type, ...] | None = None
    renderers: list[Any] = []
    if type(view).get_renderers is DRFAPIView.get_renderers:
        classes = tuple(view.renderer_classes)
    else:
        renderers = view.get_renderers()
    param = conneg.settings.URL_FORMAT_OVERRIDE
    described: tuple[Any, ...] = classes or tuple((type(r), r.media_type, r.format) for r in renderers)
    key = (
        described,
        view.format_kwarg,
        query_of(request).get(param) if param else None,
        request._request.META.get("HTTP_ACCEPT"),
    )
    known = _negotiated.get(key)
    if known is not None:
        return (classes[known[0]]() if classes is not None else renderers[known[0]]), known[1]
    if classes is not None:
        renderers = view.get_renderers()
    renderer, media_type = conneg.select_renderer(request, renderers, view.format_kwarg)
    if len(_negotiated) >= _NEGOTIATED_LIMIT:
        _negotiated.clear()
    _negotiated[key] = ([id(r) for r in renderers].index(id(renderer)), media_type)
    return renderer, media_type


async def initial(view: Any, plan: LoopPlan, reads: InitialReads, request: Any, *args: Any, **kwargs: Any) -> None:
    """DRF's ``initial()`` with adrf's permission and throttle order, on the event loop; what each part
    reads is observed as ``reads`` says."""
    with reads.verdict():
        view.format_kwarg = view.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = _negotiate(view, request)
        request.version, request.versioning_scheme = view.determine_version(request, *args, **kwargs)
    with reads.authentication():
        await _authenticate(request)

    if plan.permissions:  # adrf: the async permissions first (gathered), then the sync ones in order
        sync_permissions, async_permissions = _split(plan.permissions, "has_permission")
        if async_permissions:
            await view.check_async_permissions(request, async_permissions)
        for permission in sync_permissions:
            if not await _call(permission, permission.has_permission, request, view):
                view.permission_denied(
                    request, message=getattr(permission, "message", None), code=getattr(permission, "code", None)
                )

    if plan.throttles:  # adrf: the sync throttles first, then the async ones; each counts once
        with reads.verdict():
            sync_throttles, async_throttles = _split(plan.throttles, "allow_request")
            durations = []
            for throttle in sync_throttles:
                if not await _call(throttle, throttle.allow_request, request, view):
                    durations.append(throttle.wait())
            durations.extend(await view.check_async_throttles(request, async_throttles))
        if durations:
            view.throttled(request, max((d for d in durations if d is not None), default=None))


# The steps of DRF's initial() whose reads are not the answer's (InitialReads.verdict).
_VERDICTS = ("perform_content_negotiation", "determine_version", "check_throttles")


def _hop_initial(view: Any, reads: InitialReads, request: Any, *args: Any, **kwargs: Any) -> None:
    """adrf's ``initial()`` (or the view's own), in its thread, each step observed as ``reads`` says."""

    def apart(function: Callable[..., Any], context: Callable[[], Any]) -> Callable[..., Any]:
        def observed(*args: Any, **kwargs: Any) -> Any:
            with context():
                return function(*args, **kwargs)

        return observed

    # Instance attributes, for this request only: what DRF's initial() and ``request.user`` call.
    request._authenticate = apart(request._authenticate, reads.authentication)
    for name in _VERDICTS:
        setattr(view, name, apart(getattr(view, name), reads.verdict))
    try:
        with reads.reading():
            view.initial(request, *args, **kwargs)
    finally:
        del request._authenticate
        for name in _VERDICTS:
            delattr(view, name)


async def async_dispatch(
    view: Any, inherited: Callable[..., Any], request: HttpRequest, *args: Any, **kwargs: Any
) -> HttpResponseBase:
    """adrf's ``APIView.async_dispatch``, with ``initial()`` on the loop when :func:`loop_plan` allows.

    ``inherited`` is the next ``async_dispatch`` in the view's MRO: when it is not adrf's own (another
    mixin overrides it), it runs instead, unchanged."""
    view._cache_began = datetime.now(timezone.utc)  # before authentication: its own timestamps are later
    if getattr(inherited, "__func__", None) is not AdrfAPIView.async_dispatch:
        # Its initial() cannot be told from its authentication: everything its dispatch reads besides
        # the cached read counts, as authentication's reads do (observe.beside_identity).
        reads = view._cache_initial_reads = InitialReads()
        with observe.tracing(reads.authenticating):
            return await inherited(request, *args, **kwargs)  # type: ignore[no-any-return]
    view.args = args
    view.kwargs = kwargs
    drf_request = view.initialize_request(request, *args, **kwargs)
    view.request = drf_request
    view.headers = view.default_response_headers
    try:
        plan = loop_plan(view, drf_request)
        # What initial() reads (a permission may load a row the answer then shows) is part of what a
        # miss depends on (initial_reads.py); request parts only where something may read them.
        recorder = None
        if _is_cached_read(view, drf_request) and (plan is None or not _stock_permissions(plan)):
            recorder = endpoints.observe_request(request)
        reads = view._cache_initial_reads = InitialReads(recorder=recorder)
        if plan is None:
            await sync_to_async(_hop_initial)(view, reads, drf_request, *args, **kwargs)
        else:
            with reads.reading():
                await initial(view, plan, reads, drf_request, *args, **kwargs)
        method = drf_request.method.lower()
        if method in view.http_method_names:
            handler = getattr(view, method, view.http_method_not_allowed)
        else:
            handler = view.http_method_not_allowed
        if iscoroutinefunction(handler):
            response = await handler(drf_request, *args, **kwargs)
        else:
            response = await sync_to_async(handler)(drf_request, *args, **kwargs)
    except Exception as exc:
        response = view.handle_exception(exc)
    view.response = view.finalize_response(drf_request, response, *args, **kwargs)
    return view.response  # type: ignore[no-any-return]


def _stock_permissions(plan: LoopPlan) -> bool:
    """DRF's own permission classes read the user, nothing the answer could take from them."""
    return all(type(permission) in _SAFE_PERMISSIONS for permission in plan.permissions)
