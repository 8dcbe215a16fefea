"""Owed bumps that outlive their process: the durable record, and the thread that drains it.

A bump the cache refused is written to the ``adrf_caching_owedbump`` table (the database that
just took the write is up) before the write is acknowledged. One daemon thread per process
reads that table every ``OWED_CHECK_INTERVAL`` seconds: the keys it names are served uncached
by every process (see ``CacheStore.get_many``), and as soon as the cache takes writes again,
whichever process gets there first writes fresh tokens for them and deletes the rows. No
request waits for the table; a hit stays one round trip and no query.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from django.db import connections, router

__all__ = [
    "forget",
    "migration_finished",
    "migration_started",
    "record",
    "recording",
    "rows",
    "start_watcher",
    "stop_watcher",
    "stopping",
    "table_missing",
    "wake",
]

logger = logging.getLogger("adrf_caching")

_local = threading.local()


@contextlib.contextmanager
def _recording() -> Iterator[None]:
    """Statements on the owed table are the library's own: they need (and must trigger) no bump."""
    _local.recording = True
    try:
        yield
    finally:
        _local.recording = False


def recording() -> bool:
    return bool(getattr(_local, "recording", False))


def _alias() -> str:
    from adrf_caching.models import OwedBump

    return router.db_for_write(OwedBump) or "default"


def record(keys: Iterable[str], on_failure: Callable[[set[str]], None], wait: float = 0.5) -> bool:
    """Write one row per key; True once they are committed, False if that takes longer than ``wait``.

    On a connection of its own (a short-lived thread's): the caller may be inside the write
    observer with the written statement still open (SQLite then holds the database until it
    returns), or inside a transaction; the record commits on its own either way. A record that
    fails hands its keys to ``on_failure`` (the watcher writes them on its next round)."""
    from adrf_caching.models import OwedBump

    wanted = set(keys)
    done = threading.Event()

    def insert() -> None:
        try:
            with _recording():
                OwedBump.objects.using(_alias()).bulk_create([OwedBump(key=key) for key in sorted(wanted)])
            done.set()
        except Exception as exc:
            logger.debug("adrf_caching: owed version bumps not recorded yet: %r", exc)
            on_failure(wanted)
        finally:
            connections.close_all()

    thread = threading.Thread(target=insert, name="adrf-caching-record", daemon=True)
    thread.start()
    thread.join(wait)
    return done.is_set()


def rows() -> list[tuple[int, str]]:
    from adrf_caching.models import OwedBump

    return list(OwedBump.objects.using(_alias()).values_list("id", "key"))


def table_missing() -> bool:
    """True when the owed table does not exist (``migrate`` not run): then no process recorded anything."""
    from adrf_caching.models import OwedBump

    connection = connections[_alias()]
    with connection.cursor() as cursor:
        return OwedBump._meta.db_table not in connection.introspection.table_names(cursor)


def forget(ids: Iterable[int]) -> None:
    """Delete the rows whose bumps were written; rows recorded meanwhile stay."""
    from adrf_caching.models import OwedBump

    ids = list(ids)
    if ids:
        with _recording():
            # _raw_delete: no per-row post_delete signals (the library's own table needs none).
            queryset = OwedBump.objects.using(_alias()).filter(id__in=ids)
            queryset._raw_delete(queryset.db)


# -- the watcher thread ------------------------------------------------------------------------

_thread: threading.Thread | None = None
_wake = threading.Event()
_stop = threading.Event()
_guard = threading.Lock()
# Set while ``migrate`` changes the schema in this process (a test run creating its database, a
# deploy step): the watcher reads nothing then. SQLite's shared-cache databases lock whole tables,
# so a read of the owed table beside a CREATE TABLE fails the migration ("table is locked").
_migrating = threading.Event()


def migration_started(**kwargs: object) -> None:
    """``pre_migrate`` receiver."""
    _migrating.set()


def migration_finished(**kwargs: object) -> None:
    """``post_migrate`` receiver: the schema is in place."""
    _migrating.clear()


def wake() -> None:
    """Run the next tick now (a bump was just refused)."""
    _wake.set()


def stopping() -> bool:
    """The process is shutting down its watcher (at exit): a failing last read is not news."""
    return _stop.is_set()


def start_watcher(tick: Callable[[], float | None]) -> None:
    """Start the process's watcher (once); ``tick`` returns seconds to the next tick, or ``None`` to stop."""
    global _thread
    with _guard:
        if _thread is not None and _thread.is_alive():
            return
        _stop.clear()
        _thread = threading.Thread(target=_run, args=(tick,), name="adrf-caching-owed", daemon=True)
        _thread.start()


def _run(tick: Callable[[], float | None]) -> None:
    try:
        while not _stop.is_set():
            if _migrating.is_set():
                _wake.wait(0.25)
                _wake.clear()
                continue
            started = time.monotonic()
            try:
                delay = tick()
            except Exception:  # never let the watcher die: log and keep watching
                logger.exception("adrf_caching: owed-bump watcher failed")
                delay = 1.0
                connections.close_all()
            if delay is None:
                break
            _wake.wait(max(0.0, delay - (time.monotonic() - started)))
            _wake.clear()
    finally:
        connections.close_all()  # this thread's own connections


def stop_watcher(timeout: float = 5.0) -> None:
    """Stop the watcher and close its database connection (tests, shutdown)."""
    global _thread
    with _guard:
        thread, _thread = _thread, None
    if thread is not None:
        _stop.set()
        _wake.set()
        thread.join(timeout)


def _after_fork() -> None:
    global _thread
    _thread = None
    _wake.clear()
    _stop.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
