"""In-process counters: requests and the SQL queries they executed, read at ``/__stats``.

An execute wrapper is put on every database connection when it is created; it counts into a
per-request counter held in a context variable, which asgiref copies into the sync_to_async
threads of the async ORM and of sync DRF views. The middleware adds a request's queries to the
totals when its response is returned, so requests cancelled when the load generator disconnects
(at the end of a phase) count in ``started`` only and their queries in ``unattributed_queries``.
Queries per request = ``queries`` / ``requests`` over a load phase.
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
_counts: dict[str, int] = {"started": 0, "requests": 0, "queries": 0, "unattributed_queries": 0, "non_2xx": 0}
# The current request's query count (a one-element list, shared with the threads it hops to).
_request_queries: ContextVar[list[int] | None] = ContextVar("bench_request_queries", default=None)


def _bump(key: str) -> None:
    with _lock:
        _counts[key] += 1


def _count_query(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    counter = _request_queries.get()
    if counter is None:
        _bump("unattributed_queries")
    else:
        counter[0] += 1
    return execute(sql, params, many, context)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _count_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_query)


def install_query_counter() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="bench-query-counter")


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
        counter = [0]
        _request_queries.set(counter)
        return counter

    @staticmethod
    def _record(response: HttpResponse, counter: list[int]) -> None:
        with _lock:
            _counts["requests"] += 1
            _counts["queries"] += counter[0]
            if not 200 <= response.status_code < 300:
                _counts["non_2xx"] += 1
