"""``adrf_caching.asgi``: pooled thread-sensitive executors, driven through Django's real handler."""

from __future__ import annotations

import asyncio
import threading
import uuid
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path

from adrf_caching.asgi import SUPPORTED, PooledASGIHandler, get_asgi_application

pooled = pytest.mark.skipif(not SUPPORTED, reason="asgiref < 3.13 (Python 3.10): no pooled executors")

local = threading.local()
gate = threading.Event()
started: list[str] = []
signal_threads: list[tuple[str, str]] = []


def thread_marker() -> str:
    """A value unique to the current thread for its whole life (thread idents can be reused)."""
    if not hasattr(local, "marker"):
        local.marker = uuid.uuid4().hex
    return str(local.marker)


async def thread_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(await sync_to_async(thread_marker)())


def blocking() -> str:
    started.append(thread_marker())
    gate.wait(10)
    return thread_marker()


async def block_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(await sync_to_async(blocking)())


urlpatterns = [path("thread/", thread_view), path("block/", block_view)]


def note_started(**kwargs: Any) -> None:
    signal_threads.append(("started", thread_marker()))


def note_finished(**kwargs: Any) -> None:
    signal_threads.append(("finished", thread_marker()))


@pytest.fixture(autouse=True)
def urls() -> Iterator[None]:
    gate.clear()
    started.clear()
    signal_threads.clear()
    signals.request_started.connect(note_started)
    signals.request_finished.connect(note_finished)
    with override_settings(ROOT_URLCONF=__name__):
        yield
    signals.request_started.disconnect(note_started)
    signals.request_finished.disconnect(note_finished)
    gate.set()


class Call:
    """One ASGI request against ``app``; ``disconnect()`` plays a client going away."""

    def __init__(self, app: Any, url: str) -> None:
        self.gone = asyncio.Event()
        self.messages: list[dict[str, Any]] = []
        self.sent_body = False
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": url, "raw_path": url.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 4000), "server": ("testserver", 80),
        }
        self.task = asyncio.create_task(app(scope, self.receive, self.send))

    async def receive(self) -> dict[str, Any]:
        if not self.sent_body:
            self.sent_body = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    def disconnect(self) -> None:
        self.gone.set()

    async def body(self) -> str:
        await self.task
        self.disconnect()
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body").decode()


async def until(condition: Any) -> None:
    """Let the loop and the worker threads run until ``condition()`` holds (bounded)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never held")


@pooled
async def test_requests_reuse_a_thread_and_its_thread_locals():
    app = PooledASGIHandler(pool_size=4)
    first = await Call(app, "/thread/").body()
    await until(lambda: app.pool._idle)  # released once its thread has nothing left to run
    second = await Call(app, "/thread/").body()
    assert first == second  # same thread, same thread-local state


async def test_stock_django_starts_a_thread_per_request():
    app = ASGIHandler()
    first = await Call(app, "/thread/").body()
    second = await Call(app, "/thread/").body()
    assert first != second


@pooled
async def test_close_old_connections_runs_in_the_requests_thread():
    for signal in (signals.request_started, signals.request_finished):
        connected = [entry[1] for entry in signal.receivers]
        connected = [ref() if isinstance(ref, weakref.ReferenceType) else ref for ref in connected]
        assert close_old_connections in connected
    app = PooledASGIHandler(pool_size=2)
    marker = await Call(app, "/thread/").body()
    # Django sends both signals through sync_to_async: close_old_connections (connected to both
    # by Django) runs, like our receivers, in the pooled thread that holds the request's connection.
    assert ("started", marker) in signal_threads
    await until(lambda: ("finished", marker) in signal_threads)


@pooled
async def test_pool_size_bounds_concurrent_requests():
    app = PooledASGIHandler(pool_size=2)
    calls = [Call(app, "/block/") for _ in range(3)]
    await until(lambda: len(started) == 2 and len(app.pool._waiters) == 1)
    assert app.pool._created == 2
    gate.set()
    bodies = [await call.body() for call in calls]
    assert len(set(bodies)) == 2  # three requests, two threads
    assert len(started) == 3


@pooled
async def test_a_cancelled_request_returns_its_thread_only_when_its_work_is_done():
    app = PooledASGIHandler(pool_size=1)
    first = Call(app, "/block/")
    await until(lambda: len(started) == 1)
    first.disconnect()  # Django cancels the view; the sync call it made keeps running in the thread
    second = Call(app, "/thread/")
    await until(lambda: len(app.pool._waiters) == 1)
    assert not first.task.done()
    assert not second.task.done()  # never two requests' work in one thread at once
    gate.set()
    await first.task
    assert await second.body() == started[0]


@pooled
async def test_waiting_request_cancelled_leaves_the_pool_usable():
    app = PooledASGIHandler(pool_size=1)
    first = Call(app, "/block/")
    await until(lambda: len(started) == 1)
    waiting = Call(app, "/thread/")
    await until(lambda: len(app.pool._waiters) == 1)
    waiting.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting.task
    gate.set()
    assert await first.body() == started[0]
    assert await Call(app, "/thread/").body() == started[0]


@pooled
def test_factory_returns_the_pooled_handler():
    app = get_asgi_application(pool_size=3)
    assert isinstance(app, PooledASGIHandler)
    assert app.pool.size == 3
    with pytest.raises(ValueError, match="pool_size"):
        PooledASGIHandler(pool_size=0)


@pytest.mark.skipif(SUPPORTED, reason="asgiref 3.13+ has ThreadSensitiveContext(executor=...)")
def test_an_asgiref_without_pooled_executors_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match=r"asgiref 3\.13 or later.*django\.core\.asgi"):
        get_asgi_application()
