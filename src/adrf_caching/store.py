"""Cache access for the library: one backend per process, failing open behind a circuit breaker.

Django's ``caches[alias]`` is context-local, so under ASGI every request would build its own
backend (and Redis connection). The library keeps one per process instead.
A cache that errors makes reads skip the cache (see ``breaker``). A bump the cache refused is
owed: kept in this process, recorded in the database for every other one (see ``owed``), and
the keys it names are served uncached by every process until a fresh token is written.
Version keys that cannot be read as tokens are replaced by fresh ones (that outdates what
depended on them, which is safe) instead of switching the cache off.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import math
import pickle
import re
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.apps import apps
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver

from adrf_caching import events, owed
from adrf_caching._once import OncePerKey
from adrf_caching.breaker import Breaker, is_outage, is_timeout
from adrf_caching.conf import caching_settings
from adrf_caching.entries import Entry, decode
from adrf_caching.exceptions import InvalidationUnavailable
from adrf_caching.lag import loop_was_late, watch_loop
from adrf_caching.protocols import AsyncCache
from adrf_caching.versions import new_token

__all__ = ["CacheStore", "get_store"]

logger = logging.getLogger("adrf_caching")

T = TypeVar("T")

_LOG_EVERY = 30.0  # seconds between two warnings about the same outage
_POLL = 0.02  # seconds between two looks for an entry another process computes
_FIRST_RETRY = 0.05  # seconds before the first retry of an owed bump; doubles up to _MAX_RETRY
_MAX_RETRY = 0.1
_TOKEN = re.compile(r"[0-9a-f]{9,40}")
# What a backend raises for a value it cannot decode (Django's RedisCache unpickles): damage, not an outage.
_DAMAGE = (pickle.UnpicklingError, EOFError, UnicodeDecodeError, ValueError, TypeError, IndexError)
_repaired = OncePerKey()

if sys.version_info >= (3, 11):

    async def _within(seconds: float, awaitable: Awaitable[T]) -> T:
        async with asyncio.timeout(seconds):
            return await awaitable

else:  # pragma: no cover

    async def _within(seconds: float, awaitable: Awaitable[T]) -> T:
        return await asyncio.wait_for(awaitable, seconds)


class CacheStore:
    """The async subset of the cache API the library uses, each call fail-safe (a ``VersionStore``)."""

    def __init__(
        self,
        backend: AsyncCache,
        failure_threshold: int,
        cool_down: float,
        *,
        refuse: bool = False,
        durable: bool = False,
        check_interval: float = 0.25,
        deadline: float = 2.0,
    ) -> None:
        self.backend = backend
        # Django's BaseCache.aget_many/aset_many await one aget/aset per key: a thread hop and,
        # on Django's RedisCache, a round trip each. One hop into the sync get_many/set_many is
        # one MGET/pipeline instead. Backends with their own async versions keep them.
        self._aget_many: Callable[..., Awaitable[dict[str, Any]]] = _async_many(backend, "aget_many", "get_many")
        self._aset_many: Callable[..., Awaitable[list[str]]] = _async_many(backend, "aset_many", "set_many")
        # A backend whose reads end within its own timeouts needs no second timer on every hit.
        self._reads_bounded = getattr(backend, "reads_bounded", False) is True
        self.breaker = Breaker(failure_threshold, cool_down)
        self.cool_down = cool_down
        self.refuse = refuse
        self.durable = durable
        self.check_interval = check_interval
        # After recording an owed bump, the write waits this long before it is acknowledged. A reader
        # trusts versions only while its last read of the owed table began less than this long ago,
        # so that read began after the record was committed: it names the owed keys. A reader whose
        # watcher is late (a starved thread, a slow database) serves uncached instead of stale.
        self._settle = 3 * check_interval
        self.deadline = deadline
        self._last_warning = 0.0
        # Owed bumps: this process's (key -> serial of the latest failure), and those the table names.
        self._lock = threading.Lock()
        self._unflushed: dict[str, int] = {}
        self._unrecorded: set[str] = set()  # owed here, not yet in the table (the database failed too)
        self._serial = 0
        self._rows: list[tuple[int, str]] = []
        self._durable_owed: frozenset[str] = frozenset()
        self._owed_view: frozenset[str] = frozenset()  # what reads check: both of the above
        self._checked = threading.Event()  # set after each read of the table (the first one is waited for)
        self._table_read_at = -math.inf  # monotonic time at which the last successful read of the table began
        self._next_read = 0.0
        self._retry_at = 0.0
        self._backoff = 0.0
        self._draining = False
        self._open = False  # the breaker's last reported state (for events)

    # -- health ----------------------------------------------------------------------------
    def _succeeded(self) -> None:
        self.breaker.succeeded()
        if self._open:
            self._open = False
            if events.enabled:
                events.emit("breaker", state="closed")

    def _failed(self, what: str, exc: BaseException, started: float | None = None) -> None:
        now = time.monotonic()
        if not is_outage(exc):  # the cache answered, it refused this command (OOM, READONLY...)
            self._warn(now, f"cache {what} refused, serving uncached: %r", exc)
            return
        if started is not None and is_timeout(exc) and loop_was_late(started):
            logger.debug("adrf_caching: cache %s timed out while the event loop ran late: not an outage", what)
            return
        if events.enabled:
            events.emit("backend_error", operation=what)
        self.breaker.failed()
        if self.breaker.open and not self._open:
            self._open = True
            if events.enabled:
                events.emit("breaker", state="open")
        self._warn(now, f"cache {what} failed, serving uncached: %r", exc)

    def _warn(self, now: float, message: str, exc: BaseException) -> None:
        if now - self._last_warning >= _LOG_EVERY:
            self._last_warning = now
            logger.warning("adrf_caching: " + message, exc)

    @property
    def healthy(self) -> bool:
        """False while the breaker is open or this process still owes bumps to the cache."""
        return not self.breaker.open and not self._unflushed

    # -- reads ---------------------------------------------------------------------------
    async def get_many(self, keys: Sequence[str]) -> dict[str, Any] | None:
        """The values found, or ``None`` when the cache cannot be trusted for these keys right now."""
        if self.durable and time.monotonic() - self._table_read_at >= self._settle:
            if self._table_read_at == -math.inf:
                await self._first_check()
            if time.monotonic() - self._table_read_at >= self._settle:
                owed.wake()
                return None  # the owed table was not read recently: a bump owed meanwhile may be missed
        owed_keys = self._owed_view
        if owed_keys and not owed_keys.isdisjoint(keys):
            return None  # a bump these keys need is owed: their tokens may be old
        if not self.breaker.allow():
            return None
        started = watch_loop()
        try:
            read = self._aget_many(keys)
            found = await (read if self._reads_bounded else _within(self.deadline, read))
        except _DAMAGE as exc:
            return await self._read_each(keys, exc)
        except Exception as exc:
            self._failed("read", exc, started)
            return None
        self._succeeded()
        return found

    async def _first_check(self) -> None:
        """A new process reads the owed table before it trusts any version (one wait, at start)."""
        owed.start_watcher(_watch)
        owed.wake()
        await asyncio.get_running_loop().run_in_executor(None, self._checked.wait, self.check_interval * 4)

    async def _read_each(self, keys: Sequence[str], exc: BaseException) -> dict[str, Any] | None:
        """A value the backend could not decode: find it, delete it (logged once), keep the others."""
        found: dict[str, Any] = {}
        try:
            for key in keys:
                try:
                    found.update(await _within(self.deadline, self._aget_many([key])))
                except _DAMAGE as damage:
                    _repaired.warn(logger, key, "adrf_caching: deleting unreadable cache value %s (%r)", key, damage)
                    await _within(self.deadline, self.backend.adelete(key))
        except Exception as failure:
            self._failed("read", failure)
            return None
        return found

    async def versions(self, keys: Sequence[str]) -> list[str] | None:
        """The current token of each version key, creating missing ones; ``None`` if unavailable."""
        found = await self.get_many(keys)
        if found is None:
            return None
        return await self.complete_versions(keys, found)

    async def complete_versions(self, keys: Sequence[str], found: dict[str, Any]) -> list[str] | None:
        """The tokens of ``keys``: missing ones are created, unreadable ones replaced (and logged)."""
        missing = [key for key in keys if key not in found]
        damaged = [key for key in keys if key in found and not _is_token(found[key])]
        if not missing and not damaged:
            return [found[key] for key in keys]
        found = dict(found)
        try:
            for key in missing:
                await _within(self.deadline, self.backend.aadd(key, new_token(), timeout=None))
            if missing:
                found.update(await _within(self.deadline, self._aget_many(missing)))
            # Still missing after an add (another Redis type there: MGET answers nil) or not a token.
            damaged += [key for key in missing if not _is_token(found.get(key))]
            if damaged:
                fresh = _tokens(damaged)
                await _within(self.deadline, self._aset_many(fresh, timeout=None))
                for key in damaged:
                    _repaired.warn(logger, key, "adrf_caching: replaced unreadable version key %s", key)
                found.update(fresh)
        except Exception as exc:
            self._failed("version read", exc)
            return None
        return [str(found[key]) for key in keys]

    # -- the cross-process miss lock (LOCK_TIMEOUT) ----------------------------------------
    async def lock(self, key: str, timeout: float) -> bool:
        """Try to become the one process that computes ``key``; the lock expires by itself."""
        try:
            return bool(
                await _within(self.deadline, self.backend.aadd(f"{key}:lock", "1", timeout=max(1, math.ceil(timeout))))
            )
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
            entry = decode(found.get(key), key)
            if entry is not None and entry.stamp == stamp:
                return entry
        return None

    # -- writes --------------------------------------------------------------------------
    async def set(self, key: str, value: bytes, ttl: int) -> None:
        started = watch_loop()
        try:
            await _within(self.deadline, self.backend.aset(key, value, timeout=ttl))
        except Exception as exc:
            self._failed("write", exc, started)

    async def delete(self, key: str) -> None:
        started = watch_loop()
        try:
            await _within(self.deadline, self.backend.adelete(key))
        except Exception as exc:
            self._failed("delete", exc, started)

    async def bump(self, keys: Iterable[str]) -> None:
        """Give every key a fresh token in one call; keys the cache did not take are owed and recorded.

        A deleted version is a bump too (it is recreated with a fresh token), so when Redis refuses
        writes but still deletes (``OOM`` under ``noeviction``), the keys are deleted instead."""
        wanted = set(keys)
        if not wanted or owed.recording():
            return
        refused: Iterable[str] = wanted
        if not self.breaker.open:  # an open breaker: owe at once rather than wait for a timeout
            started = watch_loop()
            try:
                refused = await _within(self.deadline, self._aset_many(_tokens(wanted), timeout=None)) or ()
            except Exception as exc:
                self._failed("version bump", exc, started)
                if not is_outage(exc):  # Redis answered (OOM under noeviction): DEL still works there
                    with contextlib.suppress(Exception):
                        await _within(self.deadline, self.backend.adelete_many(sorted(wanted)))
                        refused = ()
        owed_now = self._settle_bump(wanted, refused)
        if owed_now and self.durable and await sync_to_async(self._record)(owed_now):
            await asyncio.sleep(self._settle)  # every process has read the table: acknowledge

    def bump_sync(self, keys: Iterable[str]) -> None:
        """``bump`` for sync code: signal receivers, the write observer, management commands, the shell."""
        wanted = set(keys)
        if not wanted or owed.recording():
            return
        refused: Iterable[str] = wanted
        if not self.breaker.open:
            try:
                refused = self.backend.set_many(_tokens(wanted), timeout=None) or ()
            except Exception as exc:
                self._failed("version bump", exc)
                if not is_outage(exc):
                    with contextlib.suppress(Exception):
                        self.backend.delete_many(sorted(wanted))
                        refused = ()
        owed_now = self._settle_bump(wanted, refused)
        if owed_now and self.durable and self._record(owed_now):
            time.sleep(self._settle)

    def _settle_bump(self, wanted: AbstractSet[str], refused: Iterable[str]) -> frozenset[str]:
        """Owe what the cache did not take (returned), and report what it did."""
        owed_now = frozenset(refused)
        if events.enabled and len(wanted) > len(owed_now):
            events.emit("invalidated", keys=len(wanted) - len(owed_now))
        if owed_now:
            self._owe(owed_now)
        return owed_now

    def before_write_sync(self, keys: Iterable[str]) -> None:
        """Called just before a write statement runs. Under ``INVALIDATION_FAILURE = "refuse"``, bump now
        and raise ``InvalidationUnavailable`` when the cache does not take it: the statement never runs."""
        if not self.refuse or owed.recording():
            return
        wanted = set(keys)
        if not wanted:
            return
        try:
            refused = self.backend.set_many(_tokens(wanted), timeout=None)
        except Exception as exc:
            self._failed("version bump", exc)
            raise InvalidationUnavailable(_REFUSED.format(f"{exc!r}")) from exc
        if refused:
            raise InvalidationUnavailable(_REFUSED.format(f"keys refused: {sorted(refused)}"))

    # -- owed bumps ------------------------------------------------------------------------
    def _update_owed_view(self) -> None:
        """With ``_lock`` held: the keys reads check, this process's owed bumps and the table's."""
        self._owed_view = frozenset(self._unflushed) | self._durable_owed

    def _owe(self, keys: AbstractSet[str]) -> None:
        with self._lock:
            self._serial += 1
            for key in keys:
                self._unflushed[key] = self._serial
            self._update_owed_view()
        if not self._backoff:  # already backing off: keep that schedule
            self._retry_at = time.monotonic() + _FIRST_RETRY
        owed.start_watcher(_watch)
        owed.wake()

    def _record(self, keys: AbstractSet[str]) -> bool:
        """Write ``keys`` to the owed table, so that every process learns of them (even if this one exits).

        True once recorded; otherwise the watcher records them on its next round."""
        return owed.record(keys, self._unrecord)

    def _unrecord(self, keys: AbstractSet[str]) -> None:
        with self._lock:
            self._unrecorded |= keys
        self._warn(time.monotonic(), "owed version bumps not recorded yet, retrying: %r", RuntimeError(sorted(keys)))

    def forget_owed(self) -> None:
        """Drop this process's owed bumps (tests that reset the cache by hand)."""
        with self._lock:
            self._unflushed.clear()
            self._unrecorded.clear()
            self._update_owed_view()

    def tick(self) -> float:
        """One round of the watcher thread: read the table when due, write owed bumps when due.

        Returns the seconds until the next round."""
        now = time.monotonic()
        if self.durable and now >= self._next_read:
            self._next_read = now + self.check_interval
            self._read_table()
            with self._lock:
                unrecorded, self._unrecorded = self._unrecorded, set()
            if unrecorded:
                self._record(unrecorded)
        with self._lock:
            local = dict(self._unflushed)
        keys = set(local) | set(self._durable_owed)
        if keys and now >= self._retry_at and not self._draining:
            # In a thread of its own: a Redis that holds writes (CLIENT PAUSE) must not delay the
            # next read of the table, which other processes' writers count on.
            self._draining = True
            drain = threading.Thread(target=self._drain_apart, args=(keys, local), name="adrf-caching-drain")
            drain.daemon = True
            drain.start()
        wait = self.check_interval if self.durable else 1.0
        if keys:
            wait = min(wait, max(0.0, self._retry_at - time.monotonic()) or self.check_interval)
        return wait

    def _read_table(self) -> None:
        began = time.monotonic()
        try:
            self._rows = owed.rows()
        except Exception as exc:
            connections.close_all()  # this thread's connection may be broken: reconnect next time
            if owed.stopping():
                return
            if not self._never_migrated():
                # Versions are not trusted until a read succeeds: reads are served uncached meanwhile.
                self._warn(time.monotonic(), "could not read the owed version bumps, serving uncached: %r", exc)
                return
            self._rows = []
        self._durable_owed = frozenset(key for _, key in self._rows)
        with self._lock:
            self._update_owed_view()
        self._table_read_at = began
        self._checked.set()

    def _never_migrated(self) -> bool:
        """The table does not exist: no process could record a row in it (their writes keep their
        owed bumps in their own process), so an empty read is the truth. Logged once."""
        try:
            missing = owed.table_missing()
        except Exception:
            connections.close_all()
            return False
        if missing:
            connections.close_all()
            _repaired.warn(
                logger,
                "owed-table",
                "adrf_caching: the table adrf_caching_owedbump does not exist: run `manage.py migrate`. "
                "Until then a version bump that Redis refuses is owed in its own process only.",
            )
        return missing

    def _drain_apart(self, keys: AbstractSet[str], local: dict[str, int]) -> None:
        try:
            self._drain(keys, local)
        finally:
            self._draining = False
            connections.close_all()  # this thread's own
            owed.wake()

    def _drain(self, keys: AbstractSet[str], local: dict[str, int]) -> None:
        """Write fresh tokens for every owed key, then forget them here and in the table."""
        try:
            refused = frozenset(self.backend.set_many(_tokens(keys), timeout=None) or ())
        except Exception as exc:  # not counted by the breaker: no request waited for it
            self._backoff = min(max(_FIRST_RETRY, self._backoff * 2), _MAX_RETRY)
            self._retry_at = time.monotonic() + self._backoff
            logger.debug("adrf_caching: owed bumps not written yet (%r), retry in %.2fs", exc, self._backoff)
            return
        done = keys - refused
        with self._lock:
            for key, serial in local.items():
                if key in done and self._unflushed.get(key) == serial:
                    del self._unflushed[key]  # unless it failed again meanwhile
        if self.durable:
            try:
                owed.forget(row_id for row_id, key in self._rows if key in done)
            except Exception:
                logger.exception("adrf_caching: could not delete written owed version bumps")
            self._read_table()
        with self._lock:
            self._update_owed_view()
        self._backoff = 0.0
        self._retry_at = 0.0
        self.breaker.succeeded()  # the cache took a write: it is back
        logger.info("adrf_caching: wrote %d owed version bumps", len(done))

    def handoff(self) -> None:
        """At exit: write what this process still owes, or make sure the table has it."""
        with self._lock:
            local, unrecorded = set(self._unflushed), set(self._unrecorded)
        if not local:
            return
        try:
            if not set(self.backend.set_many(_tokens(local), timeout=None) or ()):
                return
        except Exception:
            pass
        if unrecorded and self.durable:
            self._record(unrecorded)


_REFUSED = (
    "adrf_caching: the cache did not take the version bump this write needs ({}), so the write was not "
    "run (ADRF_CACHING_SETTINGS['INVALIDATION_FAILURE'] is 'refuse'). Retry when the cache is back, or "
    "set it to 'defer' to write anyway and bump once the cache takes writes again."
)


def _is_token(value: object) -> bool:
    if not isinstance(value, str):
        return False
    if value in _tokens_seen:  # every hit checks the same few tokens
        return True
    if _TOKEN.fullmatch(value) is not None:
        if len(_tokens_seen) >= 4096:
            _tokens_seen.clear()
        _tokens_seen.add(value)
        return True
    return False


_tokens_seen: set[str] = set()


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
        durable = apps.is_installed("adrf_caching")
        _store = CacheStore(
            backend,
            conf.failure_threshold,
            conf.cool_down,
            refuse=conf.invalidation_failure == "refuse",
            durable=durable,
            check_interval=conf.owed_check_interval,
            deadline=conf.deadline,
        )
        if durable:
            owed.start_watcher(_watch)
    return _store


def _watch() -> float:
    store = _store
    return store.tick() if store is not None else 0.5


@atexit.register
def _handoff() -> None:
    owed.stop_watcher(timeout=2.0)
    if _store is not None:
        _store.handoff()


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
