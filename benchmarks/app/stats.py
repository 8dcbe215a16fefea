"""In-process counters: requests, and the SQL queries and Redis round trips they made, at ``/__stats``.

An execute wrapper is put on every database connection when it is created; it counts into a
per-request counter held in a context variable, which asgiref copies into the sync_to_async
threads of the async ORM and of sync DRF views. The middleware adds a request's queries to the
totals when its response is returned, so requests cancelled when the load generator disconnects
(at the end of a phase) count in ``started`` only and their queries in ``unattributed_queries``.
Queries per request = ``queries`` / ``requests`` over a load phase.

Redis round trips are counted the same way, client side: every ``send_packed_command`` of a
redis-py connection (sync or asyncio) is one write to the socket followed by reading the replies,
i.e. one round trip; a pipeline or MULTI/EXEC block is one, connection set-up commands count too.
Server-side command counts (``INFO commandstats``) are taken by the orchestrator separately.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse, JsonResponse

STATS_PATH = "/__stats"

_lock = threading.Lock()
_counts: dict[str, int] = {
    "started": 0,
    "requests": 0,
    "queries": 0,
    "unattributed_queries": 0,
    "redis_round_trips": 0,
    "unattributed_redis_round_trips": 0,
    "non_2xx": 0,
    # Responses labelled by adrf-caching's HIT_HEADER (X-Cache): in an all-hits phase, every miss
    # is a hit that was not one.
    "cache_hits": 0,
    "cache_misses": 0,
}
QUERIES, ROUND_TRIPS = 0, 1
# The current request's counts [queries, redis round trips], shared with the threads it hops to.
_request_counts: ContextVar[list[int] | None] = ContextVar("bench_request_counts", default=None)


def _bump(key: str) -> None:
    with _lock:
        _counts[key] += 1


def _count(index: int, unattributed: str) -> None:
    counter = _request_counts.get()
    if counter is None:
        _bump(unattributed)
    else:
        counter[index] += 1


def _count_query(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    _count(QUERIES, "unattributed_queries")
    return execute(sql, params, many, context)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _count_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_query)


def install_query_counter() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="bench-query-counter")


def install_redis_counter() -> None:
    """Wrap redis-py's ``send_packed_command`` (sync and asyncio connections) once per process."""
    try:
        from redis import connection as sync_connection
        from redis.asyncio import connection as async_connection
    except ImportError:
        return
    sync_cls: Any = sync_connection.AbstractConnection
    async_cls: Any = async_connection.AbstractConnection
    if getattr(sync_cls.send_packed_command, "_bench_counted", False):
        return
    sync_send, async_send = sync_cls.send_packed_command, async_cls.send_packed_command

    def send_packed_command(self: Any, *args: Any, **kwargs: Any) -> Any:
        _count(ROUND_TRIPS, "unattributed_redis_round_trips")
        return sync_send(self, *args, **kwargs)

    async def asend_packed_command(self: Any, *args: Any, **kwargs: Any) -> Any:
        _count(ROUND_TRIPS, "unattributed_redis_round_trips")
        return await async_send(self, *args, **kwargs)

    send_packed_command._bench_counted = True  # type: ignore[attr-defined]
    sync_cls.send_packed_command = send_packed_command
    async_cls.send_packed_command = asend_packed_command


def stats_view(request: HttpRequest) -> JsonResponse:
    with _lock:
        snapshot = dict(_counts)
        if request.GET.get("reset"):
            for key in _counts:
                _counts[key] = 0
    return JsonResponse(snapshot)


class CountRequestsMiddleware:
    """Counts every request except the stats endpoint itself."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if iscoroutinefunction(self):
            return self._acall(request)
        if request.path == STATS_PATH:
            return stats_view(request)
        counter = self._start()
        response: HttpResponse = self.get_response(request)
        self._record(response, counter)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if request.path == STATS_PATH:
            return stats_view(request)
        counter = self._start()
        response: HttpResponse = await self.get_response(request)
        self._record(response, counter)
        return response

    @staticmethod
    def _start() -> list[int]:
        _bump("started")
        counter = [0, 0]
        _request_counts.set(counter)
        return counter

    @staticmethod
    def _record(response: HttpResponse, counter: list[int]) -> None:
        with _lock:
            _counts["requests"] += 1
            _counts["queries"] += counter[QUERIES]
            _counts["redis_round_trips"] += counter[ROUND_TRIPS]
            if not 200 <= response.status_code < 300:
                _counts["non_2xx"] += 1
            outcome = response.get("X-Cache")
            if outcome == "hit":
                _counts["cache_hits"] += 1
            elif outcome == "miss":
                _counts["cache_misses"] += 1
