"""Row 2, the bare limit: a Django async view doing one ``redis.asyncio`` GET of the same bytes.

One client per process (and event loop), never per request; a blocking pool so bursts above the
pool size wait instead of failing.
"""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.urls import path
from redis.asyncio import BlockingConnectionPool, Redis

from benchmarks.app import payloads

_clients: dict[asyncio.AbstractEventLoop, Redis] = {}


def _client() -> Redis:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        pool = BlockingConnectionPool.from_url(settings.REDIS_URL, max_connections=64)
        client = _clients[loop] = Redis(connection_pool=pool)
    return client


async def _respond(key: str) -> HttpResponse:
    body = await _client().get(payloads.REDIS_PREFIX + key)
    if body is None:
        return HttpResponseNotFound()
    return HttpResponse(body, content_type="application/json")


async def post_list(request: HttpRequest) -> HttpResponse:
    page = request.GET.get("page", "1")
    return await _respond(payloads.list_key(int(page) if page.isdigit() else 0))


async def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return await _respond(payloads.detail_key(pk))


urlpatterns = [path("posts/", post_list), path("posts/<int:pk>/", post_detail)]
