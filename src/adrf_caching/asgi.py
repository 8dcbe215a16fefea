"""An opt-in ASGI application whose requests reuse pooled thread-sensitive executors.

Django's ``ASGIHandler`` enters a fresh ``ThreadSensitiveContext`` per request: every request
starts a worker thread for its sync code (``close_old_connections``, sync middleware, the ORM of
async views) and joins it at the end. :func:`get_asgi_application` hands each request an idle
single-thread executor from a bounded pool instead (asgiref's ``ThreadSensitiveContext(executor=...)``).

What changes, as under a threaded WSGI server:

* thread-locals and per-thread database connections outlive a request and serve the next one that
  gets the same thread. Django still runs ``close_old_connections`` at each request's start and end
  (in that thread), so ``CONN_MAX_AGE`` is honoured; with ``CONN_MAX_AGE > 0`` connections are reused.
* at most ``pool_size`` requests run at once; the others wait for a free executor (so at most
  ``pool_size`` worker threads and database connections per process).
* a cancelled request (client gone) returns its executor only once the sync call it left running
  has finished: the next request never shares a thread with leftover work.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asgiref
import django
from asgiref.sync import ThreadSensitiveContext
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler

__all__ = ["DEFAULT_POOL_SIZE", "SUPPORTED", "ExecutorPool", "PooledASGIHandler", "get_asgi_application"]

DEFAULT_POOL_SIZE = 16
# ``ThreadSensitiveContext(executor=...)`` came with asgiref 3.13, which needs Python 3.11.
SUPPORTED = "executor" in inspect.signature(ThreadSensitiveContext.__init__).parameters


class ExecutorPool:
    """Up to ``size`` single-thread executors, lent to one request at a time."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("pool_size must be at least 1")
        self.size = size
        self._idle: list[ThreadPoolExecutor] = []
        self._created = 0
        self._waiters: collections.deque[asyncio.Future[ThreadPoolExecutor]] = collections.deque()
        self._lock = threading.Lock()

    async def acquire(self) -> ThreadPoolExecutor:
        """An idle executor, a new one while under ``size``, else wait for one to be released."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if self._created < self.size:
                self._created += 1
                return ThreadPoolExecutor(max_workers=1, thread_name_prefix="adrf-caching-asgi")
            waiter: asyncio.Future[ThreadPoolExecutor] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
            # Already handed over: ``_hand_over`` sees the cancellation and releases it again.
            raise

    def release(self, executor: ThreadPoolExecutor) -> None:
        """Give ``executor`` back, once every call submitted to it so far has finished."""
        executor.submit(_nothing).add_done_callback(lambda _: self._put_back(executor))

    def _put_back(self, executor: ThreadPoolExecutor) -> None:
        with self._lock:
            while self._waiters:
                waiter = self._waiters.popleft()
                try:
                    waiter.get_loop().call_soon_threadsafe(self._hand_over, waiter, executor)
                    return
                except RuntimeError:  # that waiter's loop is closed
                    continue
            self._idle.append(executor)

    def _hand_over(self, waiter: asyncio.Future[ThreadPoolExecutor], executor: ThreadPoolExecutor) -> None:
        if waiter.done():  # cancelled meanwhile
            self._put_back(executor)
        else:
            waiter.set_result(executor)

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for executor in idle:
            executor.shutdown(wait=False)


def _nothing() -> None:
    return None


class PooledASGIHandler(ASGIHandler):
    """Django's ``ASGIHandler``; each request runs its sync code in a pooled executor's thread."""

    def __init__(self, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        if not SUPPORTED:
            raise ImproperlyConfigured(
                f"adrf_caching.asgi needs asgiref 3.13 or later (ThreadSensitiveContext(executor=...); "
                f"Python 3.11 or later), this is asgiref {asgiref.__version__}: upgrade both, or serve "
                "the project with django.core.asgi.get_asgi_application()."
            )
        super().__init__()
        self.pool = ExecutorPool(pool_size)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = await self.pool.acquire()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.pool.release(executor)


def get_asgi_application(*, pool_size: int = DEFAULT_POOL_SIZE) -> PooledASGIHandler:
    """``django.core.asgi.get_asgi_application()`` with pooled thread-sensitive executors."""
    django.setup(set_prefix=False)
    return PooledASGIHandler(pool_size)

