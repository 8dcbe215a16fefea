"""Database views: a read of a view depends on the tables the view reads.

An unmanaged model over ``CREATE VIEW post_stats AS SELECT ... FROM blog_post`` reads ``post_stats``;
writes go to ``blog_post``. The library does not guess this from the model: it asks the database
which relations each relation a miss read is built on (PostgreSQL's rewrite rules, the view's
definition as SQLite, MySQL and MariaDB store it), once per name and database per process, and
counts them as read too. A write through an updatable view bumps the tables under it the same way.
A table is its own answer (no sources); a name the database cannot resolve makes the miss
unstorable (``None``).
"""

from __future__ import annotations

import contextlib
import threading

from django.db.backends.base.base import BaseDatabaseWrapper

__all__ = ["forget", "sources", "under"]

_memo: dict[tuple[str, str], frozenset[str]] = {}
_guard = threading.Lock()

_POSTGRESQL = """
    SELECT DISTINCT lower(source.relname)
    FROM pg_class AS own
    JOIN pg_rewrite AS rule ON rule.ev_class = own.oid
    JOIN pg_depend AS dep ON dep.objid = rule.oid AND dep.classid = 'pg_rewrite'::regclass
    JOIN pg_class AS source ON source.oid = dep.refobjid
    WHERE lower(own.relname) = %s AND own.relkind IN ('v', 'm') AND source.oid <> own.oid
"""
# Every schema's view of that name, not only those on the search path: SQL may name it qualified
# (``reporting.post_totals``), and the parser keeps the last part of a name.
# MySQL and MariaDB (which has no VIEW_TABLE_USAGE): the view's definition, as the server stores it.
_MYSQL = (
    "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND LOWER(TABLE_NAME) = %s"
)
_SQLITE = "SELECT sql FROM sqlite_master WHERE type = 'view' AND lower(name) = %s"


def under(connection: BaseDatabaseWrapper, tables: frozenset[str]) -> frozenset[str] | None:
    """Every relation that ``tables`` are built on, transitively (empty for plain tables);
    ``None`` when the database could not say."""
    found: set[str] = set()
    frontier = set(tables)
    seen = set(tables)
    while frontier:
        direct = sources(connection, frontier.pop())
        if direct is None:
            return None
        for name in direct - seen:
            seen.add(name)
            found.add(name)
            frontier.add(name)
    return frozenset(found)


def sources(connection: BaseDatabaseWrapper, name: str) -> frozenset[str] | None:
    """The relations the view ``name`` reads directly (empty for a table), memoised per database."""
    key = (connection.alias, name)
    known = _memo.get(key)
    if known is not None:
        return known
    # Inside a transaction, a failing catalog query must not abort it (PostgreSQL): in a savepoint.
    # Releasing it may fail where another statement is still being read (SQLite): it then stays open
    # until the transaction ends, which changes nothing.
    try:
        savepoint = connection.savepoint() if connection.in_atomic_block else None
    except Exception:
        return None
    try:
        found = _ask(connection, name)
    except Exception:  # no permission on the catalog, a dropped connection: unknown, try again later
        if savepoint is not None:
            with contextlib.suppress(Exception):
                connection.savepoint_rollback(savepoint)
        return None
    if savepoint is not None:
        with contextlib.suppress(Exception):
            connection.savepoint_commit(savepoint)
    with _guard:
        _memo[key] = found
    return found


def _ask(connection: BaseDatabaseWrapper, name: str) -> frozenset[str]:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(_POSTGRESQL, [name])
            return frozenset(str(row[0]) for row in cursor.fetchall())
        if vendor in ("mysql", "sqlite"):
            cursor.execute(_MYSQL if vendor == "mysql" else _SQLITE, [name])
            row = cursor.fetchone()
            if not row or not row[0]:
                return frozenset()  # a table
            from adrf_caching.observe import statement

            return statement(str(row[0])).tables - {name}
    return frozenset()  # another database: its views are not resolved (README, Limits)


def forget() -> None:
    """Drop what was learned (tests that create and drop views)."""
    with _guard:
        _memo.clear()
