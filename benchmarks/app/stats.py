"""In-process counters: requests served and SQL queries executed, read at ``/__stats``.

Queries are counted by an execute wrapper put on every database connection when it is created, so
queries run in any thread (the async ORM's sync_to_async threads, sync DRF views) are all seen.
Queries per request = the delta of ``queries`` / the delta of ``requests`` over a load phase.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse, JsonResponse

STATS_PATH = "/__stats"

_lock = threading.Lock()
_counts: dict[str, int] = {"requests": 0, "queries": 0, "non_2xx": 0}


def _bump(key: str) -> None:
    with _lock:
        _counts[key] += 1


def _count_query(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    _bump("queries")
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
        response: HttpResponse = self.get_response(request)
        self._record(response)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if request.path == STATS_PATH:
            return stats_view(request)
        response: HttpResponse = await self.get_response(request)
        self._record(response)
        return response

    @staticmethod
    def _record(response: HttpResponse) -> None:
        with _lock:
            _counts["requests"] += 1
            if not 200 <= response.status_code < 300:
                _counts["non_2xx"] += 1
