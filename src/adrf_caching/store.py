"""Cache access for the library: one backend per process, failing open behind a circuit breaker.

Django's ``caches[alias]`` is context-local, so under ASGI every request would build its own
backend (and Redis connection). The library keeps one per process instead.
A cache that errors makes reads skip the cache for a cool-down; bumps that could not be
written are kept and written before the cache is trusted again.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import setting_changed
from django.dispatch import receiver

from adrf_caching.conf import caching_settings
from adrf_caching.entries import Entry, decode
from adrf_caching.protocols import AsyncCache
from adrf_caching.versions import new_token

__all__ = ["CacheStore", "get_store"]

logger = logging.getLogger("adrf_caching")

_LOG_EVERY = 30.0  # seconds between two warnings about the same outage
_POLL = 0.02  # seconds between two looks for an entry another process computes


class CacheStore:
    """The async subset of the cache API the library uses, each call fail-safe (a ``VersionStore``)."""

    def __init__(self, backend: AsyncCache, failure_threshold: int, cool_down: float) -> None:
        self.backend = backend
        # Django's BaseCache.aget_many/aset_many await one aget/aset per key: a thread hop and,
        # on Django's RedisCache, a round trip each. One hop into the sync get_many/set_many is
        # one MGET/pipeline instead. Backends with their own async versions keep them.
        self._aget_many: Callable[..., Awaitable[dict[str, Any]]] = _async_many(backend, "aget_many", "get_many")
        self._aset_many: Callable[..., Awaitable[list[str]]] = _async_many(backend, "aset_many", "set_many")
        self.failure_threshold = failure_threshold
        self.cool_down = cool_down
        self._failures = 0
        self._open_until = 0.0
        self._last_warning = 0.0
        self._unflushed: set[str] = set()

    # -- the breaker ---------------------------------------------------------------------
    def _available(self) -> bool:
        return time.monotonic() >= self._open_until

    def _succeeded(self) -> None:
        self._failures = 0

    def _failed(self, what: str, exc: BaseException) -> None:
        self._failures += 1
        now = time.monotonic()
        if self._failures >= self.failure_threshold:
            self._open_until = now + self.cool_down
        if now - self._last_warning >= _LOG_EVERY:
            self._last_warning = now
            logger.warning("adrf_caching: cache %s failed, serving uncached: %r", what, exc)

    @property
    def healthy(self) -> bool:
        """False while the breaker is open or bumps are still owed to the cache."""
        return self._available() and not self._unflushed

    # -- reads ---------------------------------------------------------------------------
    async def get_many(self, keys: list[str]) -> dict[str, Any] | None:
        """The values found, or ``None`` when the cache cannot be trusted right now."""
        if not self._available():
            return None
        if self._unflushed and not await self._flush():
            return None
        try:
            found = await self._aget_many(keys)
        except Exception as exc:
            self._failed("read", exc)
            return None
        self._succeeded()
        return found

    async def versions(self, keys: list[str]) -> list[str] | None:
        """The current token of each version key, creating missing ones; ``None`` if unavailable."""
        found = await self.get_many(keys)
        if found is None:
            return None
        return await self.complete_versions(keys, found)

    async def complete_versions(self, keys: list[str], found: dict[str, Any]) -> list[str] | None:
        missing = [key for key in keys if key not in found]
        if missing:
            try:
                for key in missing:
                    await self.backend.aadd(key, new_token(), timeout=None)
                found = {**found, **await self._aget_many(missing)}
            except Exception as exc:
                self._failed("version read", exc)
                return None
            if any(key not in found for key in keys):
                return None  # a cache that does not keep what it is given: never store
        return [str(found[key]) for key in keys]

    # -- the cross-process miss lock (LOCK_TIMEOUT) ----------------------------------------
    async def lock(self, key: str, timeout: float) -> bool:
        """Try to become the one process that computes ``key``; the lock expires by itself."""
        try:
            return bool(await self.backend.aadd(f"{key}:lock", "1", timeout=max(1, math.ceil(timeout))))
        except Exception as exc:
            self._failed("lock", exc)
            return True  # cannot coordinate: compute

    async def unlock(self, key: str) -> None:
        await self.delete(f"{key}:lock")

    async def wait_for_entry(self, key: str, stamp: str, timeout: float) -> Entry | None:
        """Poll for the entry another process is computing, up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(_POLL)
            found = await self.get_many([key])
            if found is None:
                return None
            entry = decode(found.get(key))
            if entry is not None and entry.stamp == stamp:
                return entry
        return None

    # -- writes --------------------------------------------------------------------------
    async def set(self, key: str, value: bytes, ttl: int) -> None:
        try:
            await self.backend.aset(key, value, timeout=ttl)
        except Exception as exc:
            self._failed("write", exc)

    async def delete(self, key: str) -> None:
        try:
            await self.backend.adelete(key)
        except Exception as exc:
            self._failed("delete", exc)

    async def bump(self, keys: Iterable[str]) -> None:
        """Give every key a fresh token in one call; keys that could not be written are owed."""
        owed = self._unflushed | set(keys)
        if not owed:
            return
        try:
            refused = await self._aset_many(_tokens(owed), timeout=None)
        except Exception as exc:
            self._unflushed = owed
            self._failed("version bump", exc)
        else:
            self._unflushed = set(refused or ())

    def bump_sync(self, keys: Iterable[str]) -> None:
        """``bump`` for sync code: signal receivers, management commands, the shell."""
        owed = self._unflushed | set(keys)
        if not owed:
            return
        try:
            refused = self.backend.set_many(_tokens(owed), timeout=None)
        except Exception as exc:
            self._unflushed = owed
            self._failed("version bump", exc)
        else:
            self._unflushed = set(refused or ())

    async def _flush(self) -> bool:
        await self.bump(())
        return not self._unflushed


def _async_many(backend: Any, async_name: str, sync_name: str) -> Any:
    if getattr(type(backend), async_name, None) is getattr(BaseCache, async_name):
        return sync_to_async(getattr(backend, sync_name))
    return getattr(backend, async_name)


def _tokens(keys: Iterable[str]) -> dict[str, Any]:
    return {key: new_token() for key in keys}


_store: CacheStore | None = None


def get_store() -> CacheStore:
    global _store
    if _store is None:
        conf = caching_settings()
        backend = caches.create_connection(conf.cache_alias)
        _store = CacheStore(backend, conf.failure_threshold, conf.cool_down)
    return _store


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: object) -> None:
    global _store
    if setting in ("ADRF_CACHING_SETTINGS", "CACHES"):
        _store = None


async def close_store() -> None:
    """Close the process-wide backend (tests and shutdown hooks)."""
    global _store
    if _store is not None:
        await sync_to_async(_store.backend.close)()
        _store = None
