"""``CacheMixin``: the read path and the write path shared by every cached mixin.

A cached read: build the key, read the entry and the versions it depends on in one call;
an entry stamped with the current versions is the response. Otherwise run the view,
render, and store the bytes stamped with the versions read *before* the view ran, so a
write that lands meanwhile leaves the stored entry already outdated, never stale-but-fresh.
A write: run the view, then give every version it touched a fresh token in one call.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from asgiref.sync import sync_to_async
from django.apps import apps
from django.core.exceptions import DisallowedHost, ImproperlyConfigured, SynchronousOnlyOperation
from django.http import HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.utils.decorators import classonlymethod
from django.utils.module_loading import import_string
from rest_framework.response import Response
from rest_framework.views import APIView as DRFAPIView

from adrf_caching import conditional, dispatch, endpoints, events, headers, identity, keys, observe, versions
from adrf_caching._once import OncePerKey
from adrf_caching.conf import CachingSettings, caching_settings
from adrf_caching.entries import Entry, decode, encode
from adrf_caching.options import (
    ASYNC_ACTIONS,
    READ_ACTIONS,
    ActionName,
    Scope,
    ViewCacheConfig,
    view_cache_config,
)
from adrf_caching.store import get_store

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta

    from django.db import models
    from rest_framework.request import Request

    from adrf_caching.protocols import KeyBuilder

__all__ = ["CacheMixin"]

logger = logging.getLogger("adrf_caching")

Handler = Callable[..., Awaitable[HttpResponseBase]]

# An endpoint whose misses read the clock is logged once (see adrf_caching.clock).
_clock_noted = OncePerKey()
_CLOCK_NOTE = (
    "adrf_caching: %s.%s compared with the current time in its SQL, so its answer changes without any "
    "write; it is served uncached. Set cache_clock_ttl (seconds) to cache it for at most that long."
)
# A shared endpoint whose misses read the user: its answer depends on the user after all.
_user_noted = OncePerKey()
_USER_NOTE = (
    "adrf_caching: %s.%s has cache_scope='shared' but its answer read request.user or request.auth; its "
    "entries are kept per user from now on. Drop scope='shared' if the answer depends on the user."
)
# A view's own finalize_response() runs after the action, on what a miss answers and on a hit's
# stored bytes alike: what it does to a Response (an envelope around response.data, a header per
# request) cannot be replayed on an entry, so such views answer uncached.
_FINALIZE_NOTE = (
    "adrf_caching: %s.%s overrides finalize_response(); its reads are served uncached (what it does to a "
    "response cannot be replayed on a stored one). Move per-response work to middleware to cache it."
)
# Misses being computed in this process, by entry key and stamp: concurrent identical misses
# wait for the first one instead of all querying the database (single-flight).
_in_flight: dict[tuple[int, str], asyncio.Future[Entry | None]] = {}
_uncached_in_flight = 0


@dataclass(frozen=True)
class _Plan:
    entry_key: str
    version_keys: tuple[str, ...]
    ttl: int
    endpoint: str  # what learns from this request's miss: the endpoint and its action
    action: str
    identity: str  # fingerprint of the authenticated user's row and credentials, part of the stamp
    known: endpoints.Learned  # what the key and stamp cover: the endpoint's knowledge when planned
    per_user: bool  # entries kept per user: the scope says so, or a shared endpoint's misses read the user

    def stamp(self, tokens: list[str], session: str) -> str:
        return "|".join([*tokens, self.identity, session])


if TYPE_CHECKING:
    # Type checkers see every cached mixin as an ADRF view: it only ever runs as part of one.
    from adrf.views import APIView as _ViewBase
else:
    _ViewBase = object


class CacheMixin(_ViewBase):
    """Options and machinery of a cached ADRF view; place cached mixins before the ADRF classes."""

    cache_actions: ClassVar[Sequence[ActionName] | None] = None
    cache_ttl: ClassVar[int | timedelta | None] = None
    cache_id_field: ClassVar[str | None] = None
    cache_scope: ClassVar[Scope] = "user"
    cache_depends_on: ClassVar[Sequence[type[models.Model]]] = ()
    invalidate_fields: ClassVar[Sequence[str]] = ()
    cache_key_builder: ClassVar[KeyBuilder | None] = None
    cache_clock_ttl: ClassVar[int | timedelta] = 0

    _cache_config: ClassVar[ViewCacheConfig]
    _cache_own_finalize: ClassVar[bool] = False  # the view overrides finalize_response(): never cached

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        from adrf.views import APIView

        if not issubclass(cls, APIView):
            return  # a mixin of mixins: checked once it meets a view
        _require_app()
        cls._cache_config = view_cache_config(cls)
        cls._cache_own_finalize = cls.finalize_response is not DRFAPIView.finalize_response
        if cls._cache_own_finalize:
            logger.warning(_FINALIZE_NOTE, cls.__module__, cls.__qualname__)
        _wrap_handlers(cls)
        # adrf's ViewSet.view_is_async walks every member of the class on every request
        # (~0.1 ms); a class's handlers do not change after its creation, so answer once.
        cls.view_is_async = bool(super().view_is_async)

    if not TYPE_CHECKING:
        # Transparent overrides, hidden from type checkers so that the ADRF base's signatures
        # apply: the viewset's ``as_view(actions)`` and the model-typed ``aget_object()``.
        # Their work is in the type-checked helpers they call.

        @classonlymethod
        def as_view(cls, actions=None, **initkwargs):
            """Route DRF's sync action names to the cached async ones (DRF's router maps GET to ``list``)."""
            if actions is None:
                return super().as_view(**initkwargs)
            return super().as_view(_async_actions(cls, actions), **initkwargs)

        async def async_dispatch(self, request, *args, **kwargs):
            """adrf's dispatch; a cached GET runs ``initial()`` on the loop when that is safe (dispatch.py)."""
            return await dispatch.async_dispatch(self, super().async_dispatch, request, *args, **kwargs)

        async def aget_object(self):
            """Within a write, note the object's owners *before* the change (ownership may move)."""
            instance = await super().aget_object()
            self._cache_note_owners(instance)
            return instance

    # -- keys ----------------------------------------------------------------------------
    def cache_segment(self, per_user: bool | None = None) -> str:
        """The key segment that isolates this request's entries: one per user, or shared (``per_user``:
        whether this request's entries are kept per user; by default, as the view's scope says)."""
        user = getattr(self.request, "user", None)
        segment = keys.user_segment(user)
        if per_user is None:
            per_user = self._cache_config.scope == "user"
        if not per_user:
            return "shared-anon" if segment == keys.ANONYMOUS else "shared-auth"
        return segment

    def _cache_plan(
        self, conf: CachingSettings, action: str, url_kwargs: Mapping[str, object], query: QueryDict
    ) -> _Plan:
        """Key and versions of this request's entry, from what its endpoint learned so far.

        Raises ``DisallowedHost`` for a host Django refuses, ``endpoints.Unkeyable`` for a request part
        that cannot be described (the view then answers uncached)."""
        request = self.request
        builder = self.cache_key_builder or _key_builder(conf.key_builder)
        endpoint = self._cache_endpoint()
        known = endpoints.learned(endpoint, action, self._cache_config.depends_on_tables)
        # A shared endpoint whose misses were seen to read the user keeps its entries per user.
        per_user = self._cache_config.scope == "user" or known.user
        segment = self.cache_segment(per_user)
        parts = (
            *builder.vary_parts(request, self, url_kwargs, query),
            *endpoints.request_parts(request._request, known),
        )
        who = ""
        if per_user:
            began = getattr(self, "_cache_began", None)  # set by dispatch.async_dispatch
            who = identity.fingerprint(getattr(request, "user", None), getattr(request, "auth", None), began)
        layout = _layout(type(self), self._cache_config, conf, segment, endpoint, action, known, per_user)
        entry_key = layout.entry_prefix + builder.digest(parts)
        return _Plan(entry_key, layout.version_keys, layout.ttl, endpoint, action, who, known, per_user)

    async def _cache_plan_for_read(self, conf: CachingSettings, action: str) -> _Plan | None:
        """The plan of this read, or ``None`` when it cannot have one (a refused host). A request
        attribute that a middleware made lazy (a ``SimpleLazyObject`` that queries) is loaded in a
        thread first, as the view would load it, then described on the loop."""
        query = keys.query_of(self.request)
        try:
            return self._cache_plan(conf, action, self.kwargs, query)
        except DisallowedHost:
            return None
        except endpoints.Unkeyable as unkeyable:
            await sync_to_async(endpoints.load)(self.request._request, unkeyable.args[0])
        try:
            return self._cache_plan(conf, action, self.kwargs, query)
        except (DisallowedHost, endpoints.Unkeyable):
            return None

    def _cache_endpoint(self) -> str:
        """The endpoint: a viewset's routes share its router basename (so a write can reach the detail
        entry), told apart by where the router is mounted; any other view by its URL pattern."""
        match = getattr(self.request, "resolver_match", None)
        route = getattr(match, "route", None)
        mount: str | None = route
        basename = getattr(self, "basename", None)
        if basename:
            lookup = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", "pk")
            mount = f"{basename}@{keys.mount_prefix(route, lookup)}"
        view_class: type = type(self)
        return keys.view_id(view_class, mount, getattr(match, "namespace", None))

    # -- the read path -------------------------------------------------------------------
    async def cache_read(self, action: str, handler: Handler, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Serve ``action`` from the cache when an entry is current, else run ``handler`` and store."""
        conf = caching_settings()
        started = time.perf_counter() if events.enabled else 0.0
        if action not in self._cache_config.actions:
            bypass: str | None = "action"
        elif self._cache_own_finalize:
            bypass = "finalize"
        else:
            bypass = "disabled" if not conf.enabled else _uncacheable(self.request, conf)
        if bypass is not None:
            if events.enabled:
                events.bypass(self, action, bypass)
            return await handler(*args, **kwargs)
        plan = await self._cache_plan_for_read(conf, action)
        if plan is None:  # the view decides what a refused host gets
            return await handler(*args, **kwargs)
        if plan.known.tables & observe.uncommitted_tables():
            return await handler(*args, **kwargs)  # this transaction's own writes: not in the cache
        store = get_store()
        found = await store.get_many([plan.entry_key, *plan.version_keys])
        tokens = None if found is None else await store.complete_versions(plan.version_keys, found)
        if found is None or tokens is None:
            if events.enabled:
                events.bypass(self, action, "unavailable")
            return await _serve_uncached(conf, store.healthy, handler, args, kwargs)
        stamp = plan.stamp(tokens, await self._cache_session(plan) if plan.known.session else "")
        entry = decode(found.get(plan.entry_key), plan.entry_key)
        if entry is not None and entry.stamp == stamp:
            return _hit(self, action, entry, conf, started)

        flight = (id(asyncio.get_running_loop()), f"{plan.entry_key}#{stamp}")
        leader = _in_flight.get(flight)
        if leader is not None:
            shared = await asyncio.shield(leader)
            if shared is not None:
                return _hit(self, action, shared, conf, started)
            return await handler(*args, **kwargs)

        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        _in_flight[flight] = future
        locked = conf.lock_timeout > 0 and await store.lock(plan.entry_key, conf.lock_timeout)
        if conf.lock_timeout > 0 and not locked:
            # Another process computes this entry: wait a little for it rather than query too.
            shared = await store.wait_for_entry(plan.entry_key, stamp, conf.lock_timeout)
            if shared is not None:
                future.set_result(shared)
                del _in_flight[flight]
                return _hit(self, action, shared, conf, started)
        try:
            response, entry, ttl = await self._cache_compute(plan, stamp, handler, args, kwargs)
        except BaseException:
            # Failed or cancelled: waiters compute their own answer. A failure may come from what the
            # key does not cover yet (a header the endpoint had not seen read): never passed on.
            future.set_result(None)
            raise
        else:
            future.set_result(entry)
        finally:
            del _in_flight[flight]
            if locked:
                await store.unlock(plan.entry_key)
        if entry is not None and ttl > 0:
            await store.set(plan.entry_key, encode(entry), ttl)
            if events.enabled:
                events.emit("stored", view=events.view_name(self), action=action, size=len(entry.body))
        response = conditional.revalidate(self.request, entry, response)
        if events.enabled:
            if entry is None:
                events.bypass(self, action, "uncacheable")
            events.served(self, action, "miss", started, response)
        return _labelled(response, conf, "miss")

    async def _cache_session(self, plan: _Plan) -> str:
        if not plan.known.session:
            return ""
        return await sync_to_async(endpoints.session_contents)(self.request._request)

    async def _cache_compute(
        self, plan: _Plan, stamp: str, handler: Handler, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[HttpResponseBase, Entry | None, int]:
        """Run the view while observing its SQL and the request parts it reads; the entry to store
        and its ttl, or ``None`` when the plan did not cover what the answer turned out to depend on."""
        # Entries shared between users: a read of the user shows they cannot be.
        recorder = endpoints.observe_request(self.request._request, None if plan.per_user else self.request)
        with observe.tracing() as trace, recorder as observed:
            response = await handler(*args, **kwargs)
            recorder.vary(response)
            await self._cache_render(response)  # rendering may run SQL too (lazy querysets)
            entry = self.cache_entry(response, stamp, plan.entry_key, not plan.per_user)
        shown, unresolved, clock = observed.learned(frozenset(trace.tables)), trace.unresolved, trace.clock
        initial_reads = getattr(self, "_cache_initial_reads", None)  # set by dispatch.async_dispatch
        if initial_reads is not None:
            shown = shown.union(initial_reads.learned(self.request))
            unresolved = unresolved or initial_reads.unresolved
            clock = clock or initial_reads.seen.clock  # a permission kept "the notice in force now"
        endpoints.learn(plan.endpoint, plan.action, shown)
        if shown.user and not plan.known.user:
            _user_noted.warn(logger, plan.endpoint, _USER_NOTE, type(self).__qualname__, plan.action)
        # Stored only if this plan's key and stamp covered all the answer turned out to depend on:
        # what the endpoint knew when the plan was made, not what a concurrent miss taught it since.
        if not plan.known.covers(shown) or trace.in_transaction or trace.wrote or unresolved or observed.never_store:
            return response, None, 0
        ttl = plan.ttl
        if clock:  # it compared with the current time: the answer changes with no write
            ttl = min(ttl, self._cache_config.clock_ttl)
            if not ttl:
                _clock_noted.warn(logger, plan.endpoint, _CLOCK_NOTE, type(self).__qualname__, plan.action)
                return response, None, 0
        return response, entry, ttl

    def cache_entry(
        self, response: HttpResponseBase, stamp: str, key: str = "", shared: bool | None = None
    ) -> Entry | None:
        """The storable form of ``response``, rendered, with its ETag, ``Cache-Control`` and ``Vary``;
        ``None`` for what must never be cached. ``shared``: the entry serves every user (by default,
        as the view's scope says)."""
        if response.status_code != 200 or not isinstance(response, HttpResponse) or response.cookies:
            return None
        cache_control = response.get("Cache-Control", "").lower()
        if shared is None:
            shared = self._cache_config.scope == "shared"
        if "no-store" in cache_control or ("private" in cache_control and shared):
            return None
        if isinstance(response, Response) and not response.is_rendered:
            self._cache_prepare_render(response)
            response.render()
        conf = caching_settings()
        # The view's own ETag is kept: its clients send it back (If-Match on a write checks it).
        etag = response.get("ETag") or (conditional.make_etag(key, stamp, response.content) if conf.etag else "")
        headers.apply(response, conf, etag, shared)
        return Entry(stamp=stamp, status=200, headers=tuple(response.items()), body=response.content, etag=etag)

    def _cache_prepare_render(self, response: Response) -> None:
        request = self.request
        response.accepted_renderer = request.accepted_renderer
        response.accepted_media_type = request.accepted_media_type
        response.renderer_context = self.get_renderer_context()  # type: ignore[attr-defined]

    async def _cache_render(self, response: HttpResponseBase) -> None:
        """Render a storable response now, on the event loop; data that still needs the database (a
        lazy queryset) is rendered in a thread instead, as Django renders async views' responses."""
        if response.status_code != 200 or not isinstance(response, Response) or response.is_rendered:
            return
        self._cache_prepare_render(response)
        try:
            response.render()
        except SynchronousOnlyOperation:  # raised before any SQL ran: nothing to undo
            await sync_to_async(response.render)()

    # -- the write path ------------------------------------------------------------------
    async def cache_write(self, handler: Handler, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Run a write; the tables its SQL writes are bumped as each statement commits (observe.py),
        the users ``invalidate_fields`` names once the action returns."""
        log = versions.WriteLog()
        token = versions.collecting.set(log)
        response: HttpResponseBase | None = None
        try:
            response = await handler(*args, **kwargs)
            return response
        finally:
            versions.collecting.reset(token)
            if response is not None and response.status_code < 400:
                try:
                    log.touched |= self._cache_owner_keys(log.instances)
                    self._cache_note_object(log.instances)
                except Exception:  # the write has committed: never turn it into an error
                    logger.exception("adrf_caching: could not tell what %s changed", type(self).__qualname__)
            await get_store().bump(log.touched)

    def _cache_note_owners(self, instance: models.Model) -> None:
        log = versions.collecting.get()
        if log is not None:
            log.touched |= self._cache_owner_keys([instance])
            self._cache_object_id = _object_id(self, instance)

    def _cache_owner_keys(self, instances: Sequence[Any]) -> set[str]:
        """Version keys of the users that ``invalidate_fields`` of these objects name."""
        conf = caching_settings()
        found: set[str] = set()
        for instance in instances:
            for field in self._cache_config.invalidate_fields:
                owner = getattr(instance, field, None)
                owner = getattr(owner, "pk", owner)
                if owner is not None:
                    segment = keys.user_segment_for_pk(owner)
                    tag = keys.shard_tag(conf.prefix, segment, conf.shards)
                    found.add(versions.user_version_key(tag, segment))
        return found

    def _cache_note_object(self, instances: Sequence[Any]) -> None:
        """The written object of the view's model, whose detail entry a destroy drops."""
        model = getattr(getattr(self, "queryset", None), "model", None)
        for instance in reversed(instances):
            if instance.pk is not None and (model is None or isinstance(instance, model)):
                self._cache_object_id = _object_id(self, instance)
                return

    def _cache_detail_kwargs(self) -> dict[str, object] | None:
        object_id = getattr(self, "_cache_object_id", None)
        if object_id is None or "retrieve" not in self._cache_config.actions:
            return None
        url_kwarg = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", "pk")
        return {**self.kwargs, url_kwarg: object_id}

    async def cache_forget_object(self) -> None:
        """Drop the writer's detail entry of a destroyed object (its versions already outdate it)."""
        conf = caching_settings()
        detail_kwargs = self._cache_detail_kwargs()
        if detail_kwargs is None or not conf.enabled or _uncacheable(self.request, conf, methods=None) is not None:
            return
        try:
            plan = self._cache_plan(conf, "retrieve", detail_kwargs, QueryDict())
        except (DisallowedHost, endpoints.Unkeyable):  # the delete has committed: answer it as the view does
            return
        await get_store().delete(plan.entry_key)


# -- helpers ---------------------------------------------------------------------------------


def _require_app() -> None:
    """Writes bump only in processes whose app registry ran ``adrf_caching``'s ``ready()``."""
    if apps.apps_ready and not apps.is_installed("adrf_caching"):
        raise ImproperlyConfigured(
            'Add "adrf_caching" to INSTALLED_APPS: it observes every database write to invalidate cached '
            "views, and a process that lacks it would write without outdating anything."
        )


def _async_actions(view_class: type, actions: Mapping[str, Any]) -> dict[str, Any]:
    def cached_name(name: Any) -> Any:
        cached = ASYNC_ACTIONS.get(name) if isinstance(name, str) else None
        return cached if cached is not None and hasattr(view_class, cached) else name

    return {method: cached_name(name) for method, name in actions.items()}


def _object_id(view: CacheMixin, instance: Any) -> object | None:
    """The value of the field that identifies ``instance`` in its detail URL."""
    field = view._cache_config.id_field
    if field is None:
        get_serializer_class = getattr(view, "get_serializer_class", None)
        try:
            serializer_class = get_serializer_class() if get_serializer_class is not None else None
        except Exception:  # a view without a serializer class: its lookup field is all there is
            serializer_class = None
        field = str(getattr(serializer_class, "custom_id", None) or getattr(view, "lookup_field", "pk"))
    value = getattr(instance, field, None)
    return None if value is None else str(value)


@dataclass(frozen=True)
class _Layout:
    """What a plan takes from its endpoint, action, user segment and settings: the same on every hit."""

    conf: CachingSettings
    entry_prefix: str
    version_keys: tuple[str, ...]
    ttl: int


_layouts: dict[tuple[Any, ...], _Layout] = {}
_LAYOUTS_LIMIT = 16384


def _layout(
    view_class: type,
    config: ViewCacheConfig,
    conf: CachingSettings,
    segment: str,
    endpoint: str,
    action: str,
    known: endpoints.Learned,
    per_user: bool,
) -> _Layout:
    """``view_class``'s layout (``config`` is its ``_cache_config``), remembered."""
    memo_key = (view_class, id(conf), segment, endpoint, action, known, per_user)
    found = _layouts.get(memo_key)
    if found is not None and found.conf is conf:
        return found
    tag = keys.shard_tag(conf.prefix, segment, conf.shards)
    version_keys = [
        f"{tag}:v:{versions.GLOBAL}",
        versions.view_version_key(tag, keys.view_id(view_class)),
        *(versions.table_version_key(tag, table) for table in sorted(known.tables)),
    ]
    if per_user:
        version_keys.append(versions.user_version_key(tag, segment))
    if config.ttl is not None:
        ttl = config.ttl
    else:
        ttl = conf.ttl_object if action in config.detail_actions else conf.ttl_list
    layout = _Layout(conf, keys.entry_key(tag, segment, endpoint, action, ""), tuple(version_keys), ttl)
    if len(_layouts) >= _LAYOUTS_LIMIT:
        _layouts.clear()
    _layouts[memo_key] = layout
    return layout


@functools.lru_cache(maxsize=8)
def _key_builder(path: str) -> KeyBuilder:
    builder: KeyBuilder = import_string(path)()
    return builder


def _uncacheable(
    request: Request, conf: CachingSettings, methods: tuple[str, ...] | None = ("GET", "HEAD")
) -> str | None:
    """Why this request must not use the cache (the bypass reason ``events`` reports), or ``None``."""
    django_request = getattr(request, "_request", request)  # skips DRF's attribute proxy
    if methods is not None:
        if django_request.method not in methods:
            return "method"
        if _has_body(django_request.META):
            return "body"  # a GET with a body (a search API's query): ``request.data`` is in no key
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or str(getattr(renderer, "media_type", "")).startswith("text/html"):
        return "html"  # the browsable API embeds CSRF tokens and user names: never cached
    if conf.respect_client_no_cache and "no-cache" in django_request.META.get("HTTP_CACHE_CONTROL", "").lower():
        return "client_no_cache"
    return None


def _has_body(meta: Mapping[str, Any]) -> bool:
    """The request carries a body, as Django and DRF would read it (a length, or a chunked stream)."""
    length = meta.get("CONTENT_LENGTH") or meta.get("HTTP_CONTENT_LENGTH")
    return (bool(length) and str(length).strip() != "0") or "HTTP_TRANSFER_ENCODING" in meta


def _hit(view: CacheMixin, action: str, entry: Entry, conf: CachingSettings, started: float) -> HttpResponseBase:
    """A current entry served: the 200, or a 304 when the client holds it already."""
    response = conditional.respond(view.request, entry) if conf.etag else entry.to_response()
    if events.enabled:
        events.served(view, action, "hit", started, response)
    return _labelled(response, conf, "hit")


def _labelled(response: HttpResponseBase, conf: CachingSettings, outcome: str) -> HttpResponseBase:
    if conf.hit_header:
        response[conf.hit_header] = outcome
    return response


async def _serve_uncached(
    conf: CachingSettings, healthy: bool, handler: Handler, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> HttpResponseBase:
    """The cache is down: serve from the database, or shed load past a bound if so configured."""
    global _uncached_in_flight
    if conf.outage_policy == "shed" and not healthy and _uncached_in_flight >= conf.outage_max_concurrency:
        retry_after = max(1, int(conf.cool_down))
        headers = {"Retry-After": str(retry_after)}
        return Response({"detail": "Service temporarily overloaded."}, status=503, headers=headers)
    _uncached_in_flight += 1
    try:
        return await handler(*args, **kwargs)
    finally:
        _uncached_in_flight -= 1


def _cached_handler(name: str, function: Callable[..., Any], *, read: bool) -> Callable[..., Any]:
    is_async = asyncio.iscoroutinefunction(function)

    def bound(view: CacheMixin) -> Handler:
        method = functools.partial(function, view)
        return method if is_async else sync_to_async(method)

    @functools.wraps(function)
    async def handler(self: CacheMixin, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if read:
            return await self.cache_read(name, bound(self), request, *args, **kwargs)
        return await self.cache_write(bound(self), request, *args, **kwargs)

    handler._adrf_caching_wrapped = True  # type: ignore[attr-defined]
    return handler


def _wrap_handlers(cls: type[CacheMixin]) -> None:
    """Cache the extra GET actions named in the options; route other write handlers through bumps.

    Model actions a view implements itself, without ADRF's mixins (so without ours), are wrapped
    here too: ``cached()`` then caches or invalidates them all the same.
    """
    from adrf_caching import mixins

    config = cls._cache_config
    wrap: dict[str, tuple[str, bool]] = {name: (name, True) for name in config.actions if name not in READ_ACTIONS}
    for action, attribute in ASYNC_ACTIONS.items():
        mixin = _OWN_MIXINS.get(attribute)
        if mixin is None or not hasattr(cls, attribute) or issubclass(cls, getattr(mixins, mixin)):
            continue
        if action not in READ_ACTIONS or action in config.actions:
            wrap[attribute] = (action, action in READ_ACTIONS)
    extra_actions = getattr(cls, "get_extra_actions", None)
    for function in extra_actions() if extra_actions is not None else ():
        if "get" not in function.mapping:
            wrap.setdefault(function.__name__, (function.__name__, False))
    if not any(hasattr(cls, name) for name in ASYNC_ACTIONS.values()):
        wrap.update({name: (name, False) for name in ("post", "put", "patch", "delete") if hasattr(cls, name)})
    for attribute, (action, read) in wrap.items():
        function = getattr(cls, attribute)
        if not getattr(function, "_adrf_caching_wrapped", False):
            setattr(cls, attribute, _cached_handler(action, function, read=read))


# The cached mixin that wraps each async model action (``partial_aupdate`` goes through ``aupdate``).
_OWN_MIXINS = {
    "alist": "ListModelMixin",
    "aretrieve": "RetrieveModelMixin",
    "acreate": "CreateModelMixin",
    "aupdate": "UpdateModelMixin",
    "adestroy": "DestroyModelMixin",
}
