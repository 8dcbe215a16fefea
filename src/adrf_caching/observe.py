"""Observe the SQL: which tables a cached miss read, which tables every write statement wrote.

Nothing here infers a dependency from a queryset or a serializer: an ``execute_wrapper`` on every
database connection sees each statement as it runs. A miss traced with :func:`tracing` learns
every table its SQL read (``get_queryset``, object permissions, serializers, method fields, sync
or async, across ``sync_to_async`` hops: the trace lives in a ``ContextVar``, which asgiref carries
into its threads). Every INSERT, UPDATE, DELETE, TRUNCATE, ALTER or DROP, raw SQL included, bumps
the version of each table it wrote once the transaction commits, or at once under autocommit.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import SynchronousOnlyOperation
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import Model

from adrf_caching import clock, dbviews

__all__ = ["Statement", "Trace", "install", "statement", "tracing"]

# Leading keywords of statements that change rows. CREATE is not one: a new table has no
# cached readers. SELECT ... FOR UPDATE and SELECT ... INTO (rare) are treated as reads.
_WRITE_VERBS = frozenset(
    {"INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "TRUNCATE", "ALTER", "DROP", "RENAME", "REFRESH", "WITH-WRITE"}
)

# Leading keywords of statements that change no rows: reads, transaction control, session settings,
# cursors, schema work (a new table has no cached readers). Any other verb (``DO $$ ... $$``, ``CALL``,
# ``EXECUTE`` of a prepared statement, MySQL's ``LOAD DATA``) may write: every table it names, or
# every table when it names none.
_QUIET_VERBS = frozenset(
    {
        "SELECT", "VALUES", "TABLE", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "COPY", "PRAGMA",
        "SET", "RESET", "USE", "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE",
        "DECLARE", "FETCH", "MOVE", "CLOSE", "PREPARE", "DEALLOCATE", "DISCARD", "LISTEN", "UNLISTEN",
        "NOTIFY", "LOCK", "UNLOCK", "ANALYZE", "ANALYSE", "VACUUM", "CHECKPOINT", "REINDEX", "CLUSTER",
        "CREATE", "COMMENT", "GRANT", "REVOKE", "ATTACH", "DETACH", "OPTIMIZE", "CHECK", "FLUSH", "KILL", "",
    }
)  # fmt: skip
# A statement boundary: a semicolon outside string literals and PostgreSQL's dollar quotes.
_BOUNDARY = re.compile(r"'(?:[^']|'')*'|\$(\w*)\$.*?\$\1\$|(;)", re.S)
_WRITE_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.I)

_IDENTIFIER = r'(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
_QUALIFIED = rf"{_IDENTIFIER}(?:\s*\.\s*{_IDENTIFIER})*"
_TOKENS = re.compile(_IDENTIFIER)
# Comments, told from string literals and quoted names that merely contain ``--`` or ``/*`` (kept).
_COMMENTS = re.compile(r"""('(?:[^'\\]|''|\\.)*'|"(?:[^"]|"")*"|\$(\w*)\$.*?\$\2\$)|/\*.*?\*/|--[^\n]*""", re.S)
# A table named right after these keywords (raw SQL may name tables no Django model has).
# MySQL stores view definitions as ``from (`db`.`a` join ...)``: opening parentheses may come first.
_NAMED = re.compile(rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|ONLY)[\s(]+(?!(?:SELECT|WITH|VALUES|OR)\b)({_QUALIFIED})", re.I)
# The lexemes of a FROM or USING list: a literal, parentheses, a comma, a (qualified) name.
_LEXEMES = re.compile(rf"'(?:[^']|'')*'|([(),])|({_QUALIFIED})|[^\s(),']+", re.S)
# Words that end a FROM or USING list (a join's ON condition and aliases do not).
_LIST_END = frozenset(
    {
        "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "UNION", "INTERSECT", "EXCEPT", "WINDOW",
        "FETCH", "FOR", "RETURNING", "SET", "VALUES", "SELECT", "INTO", "QUALIFY",
    }
)  # fmt: skip
# The table a write statement writes (the first one named, for DELETE/UPDATE with subqueries).
_TARGET = re.compile(
    rf"^\s*(?:INSERT(?:\s+OR\s+\w+)?(?:\s+IGNORE)?\s+INTO|REPLACE\s+INTO|MERGE\s+INTO"
    rf"|UPDATE(?:\s+OR\s+\w+)?(?:\s+ONLY)?|DELETE\s+FROM(?:\s+ONLY)?|REFRESH\s+MATERIALIZED\s+VIEW(?:\s+CONCURRENTLY)?)\s+({_QUALIFIED})",
    re.I,
)
# The database's clock, named in SQL text (quoted identifiers removed first: a column may be called
# "current_date"). SQLite spells it as the literal 'now' (datetime('now'), Django's Now()).
_QUOTED = re.compile(r'"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]')
_CLOCK = re.compile(
    r"\b(?:CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME|LOCALTIMESTAMP|LOCALTIME|SYSDATE|SYSTIMESTAMP)\b"
    r"|\b(?:NOW|STATEMENT_TIMESTAMP|TRANSACTION_TIMESTAMP|CLOCK_TIMESTAMP|GETDATE|GETUTCDATE|SYSDATETIME"
    r"|UTC_TIMESTAMP|UTC_DATE|UTC_TIME|CURDATE|CURTIME|UNIX_TIMESTAMP|UNIXEPOCH)\s*\("
    r"|'now'",
    re.I,
)
# PostgreSQL's bulk load (``COPY ... TO`` only reads).
_COPY_FROM = re.compile(rf"^\s*COPY\s+({_QUALIFIED})(?:\s*\([^)]*\))?\s+FROM\b", re.I)
_TRUNCATE = re.compile(
    r"^\s*TRUNCATE(?:\s+TABLE)?(?:\s+ONLY)?\s+(.*?)(?:\s+(?:RESTART|CONTINUE|CASCADE|RESTRICT)\b|;|$)", re.I | re.S
)


@dataclass(frozen=True)
class Statement:
    """What one SQL text reads and writes, by lower-case table name."""

    tables: frozenset[str]  # every table it names
    written: frozenset[str]  # the tables whose rows it changes (empty for a read)
    clock: bool = False  # it asks the database for the current time (NOW(), CURRENT_DATE, 'now'...)


def _unquote(name: str) -> str:
    last = name.split(".")[-1].strip() if not name.startswith(('"', "`", "[")) else name
    if last[:1] in ('"', "`", "["):
        last = last[1:-1].replace('""', '"')
    return last.lower()


def _last_part(qualified: str) -> str:
    parts = _TOKENS.findall(qualified)
    return _unquote(parts[-1]) if parts else ""


@lru_cache(maxsize=4096)
def statement(sql: str) -> Statement:
    """Parse ``sql`` once: the tables it names (known Django tables anywhere, others after FROM/JOIN/...)."""
    text = _COMMENTS.sub(_kept_literal, sql)
    parts = _statements(text)
    if len(parts) > 1:  # several statements in one execute() (psycopg sends them as one query)
        found = [statement(part) for part in parts]
        return Statement(
            frozenset().union(*(one.tables for one in found)),
            frozenset().union(*(one.written for one in found)),
            any(one.clock for one in found),
        )
    known = known_tables()
    tables = {name for name in map(_unquote, _TOKENS.findall(text)) if name in known}
    tables |= {_last_part(match) for match in _NAMED.findall(text)}
    tables |= _listed(text)
    tables.discard("")
    verb = _first_verb(text)
    copied = _COPY_FROM.match(text) if verb == "COPY" else None
    if verb == "EXPLAIN" and re.search(r"\bANALY[SZ]E\b", text, re.I) and _WRITE_WORD.search(text):
        verb = "EXPLAIN-WRITE"  # EXPLAIN ANALYZE runs the statement it explains
    elif verb in _QUIET_VERBS and copied is None:
        return Statement(frozenset(tables), frozenset(), _CLOCK.search(_QUOTED.sub(" ", text)) is not None)
    if verb not in _WRITE_VERBS and copied is None and not tables:
        return _unreadable()  # a verb that may write, naming no table (a procedure, a prepared statement)
    written: set[str] = set()
    if copied is not None:
        written = {_last_part(copied.group(1))}
    elif verb == "TRUNCATE":
        match = _TRUNCATE.match(text)
        if match:
            written = {_last_part(part) for part in match.group(1).split(",")} - {""}
    else:
        match = _TARGET.match(text)
        if match:
            written = {_last_part(match.group(1))}
    if not written:
        written = set(tables)  # a write whose target we cannot tell: everything it names
    written |= _cascaded(frozenset(written))
    return Statement(frozenset(tables | written), frozenset(written))


def _kept_literal(match: re.Match[str]) -> str:
    return match.group(1) or " "


def _listed(text: str) -> set[str]:
    """The relations of every FROM and USING list: ``FROM a, b c, LATERAL (...) d``, past joins and
    their conditions (the first of each is also after FROM; the others only after a comma)."""
    lexemes = [(match.group(1), match.group(2)) for match in _LEXEMES.finditer(text)]
    found: set[str] = set()
    for start, (_, name) in enumerate(lexemes):
        if name is None or name.upper() not in ("FROM", "USING"):
            continue
        depth, expecting = 0, True
        for mark, word in lexemes[start + 1 :]:
            if mark == "(":
                depth += 1
                expecting = False  # a subquery or a column list: its own FROMs are scanned on their own
            elif mark == ")":
                depth -= 1
                if depth < 0:
                    break
            elif depth:
                continue
            elif mark == ",":
                expecting = True
            elif word is not None and expecting and word.upper() not in ("LATERAL", "ONLY"):
                found.add(_last_part(word))
                expecting = False
            elif word is not None and word.upper() in _LIST_END:
                break
    return found


def _statements(text: str) -> list[str]:
    """``text`` cut at each statement boundary; blank statements dropped."""
    parts, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if match.group(2):
            parts.append(text[start : match.start()])
            start = match.end()
    if not parts:
        return [text]
    parts.append(text[start:])
    return [part for part in parts if part.strip()]


def _first_verb(text: str) -> str:
    match = re.match(r"[\s(]*(\w+)", text)
    verb = match.group(1).upper() if match else ""
    if verb == "WITH" and re.search(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", text, re.I):
        return "WITH-WRITE"  # a data-modifying CTE: its target is not the first table named
    return verb


@lru_cache(maxsize=1)
def known_tables() -> frozenset[str]:
    """Every table of every installed model, auto-created many-to-many tables included."""
    from django.apps import apps

    found: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        found.add(model._meta.db_table.lower())
    return frozenset(found)


@lru_cache(maxsize=1024)
def _cascaded(tables: frozenset[str]) -> frozenset[str]:
    """Tables the database itself changes when ``tables`` change: ``on_delete=DB_CASCADE``/``DB_SET_NULL``
    (Django 6) act in the database, without a statement of their own to observe."""
    from django.apps import apps
    from django.db import models

    names = ("DB_CASCADE", "DB_SET_NULL", "DB_SET_DEFAULT")
    db_actions = tuple(getattr(models, name) for name in names if hasattr(models, name))
    if not db_actions:
        return frozenset()
    found: set[str] = set()
    frontier = set(tables)
    while frontier:
        table = frontier.pop()
        for model in apps.get_models(include_auto_created=True):
            for model_field in model._meta.concrete_fields:
                remote = getattr(model_field, "remote_field", None)
                target = getattr(remote, "model", None)
                if (
                    remote is not None
                    and getattr(remote, "on_delete", None) in db_actions
                    and isinstance(target, type)
                    and issubclass(target, models.Model)
                    and target._meta.db_table.lower() == table
                ):
                    name = model._meta.db_table.lower()
                    if name not in found and name not in tables:
                        found.add(name)
                        frontier.add(name)
    return frozenset(found)


# -- tracing a miss ------------------------------------------------------------------------


@dataclass
class Trace:
    """What a cached miss's SQL touched."""

    tables: set[str] = field(default_factory=set)
    in_transaction: bool = False  # some statement ran inside an atomic block: never store
    clock: bool = False  # some statement compared with the current time: the answer changes by itself
    unresolved: bool = False  # the database could not say what a relation read is built on: never store
    wrote: bool = False  # a write statement ran (a view counter): a hit would skip it, never store


_trace: ContextVar[Trace | None] = ContextVar("adrf_caching_trace", default=None)


class tracing:
    """Record every table read by SQL run in this context (and the threads it hops to) in ``trace``
    (a new one by default). A nested ``tracing()`` records apart: the outer trace sees none of it.
    A plain class: every cached GET enters a few."""

    __slots__ = ("_token", "trace")

    def __init__(self, trace: Trace | None = None) -> None:
        self.trace = Trace() if trace is None else trace

    def __enter__(self) -> Trace:
        self._token = _trace.set(self.trace)
        return self.trace

    def __exit__(self, *exc_info: object) -> None:
        _trace.reset(self._token)


def beside_identity(initial: Trace, identity: Trace, user: Any, auth: Any, session: Any) -> frozenset[str]:
    """The tables ``initial()`` read that a cached answer depends on, from its two traces.

    Permissions, throttles and the rest (``initial``) may leave what they read on the view or the
    request for the answer: all their tables count. Authentication (``identity``) loads the user,
    the credentials and the session they come from: the user segment and the identity fingerprint
    cover those rows, on every hit, so their own tables do not count (every login would outdate
    every entry); anything else it read does (a profile an authenticator joins, say).
    """
    if not identity.tables:
        return frozenset(initial.tables)
    covered = _own_tables(type(user)) | _own_tables(type(auth)) | _own_tables(_session_model(session))
    return frozenset(initial.tables | (identity.tables - covered))


_own: dict[Any, frozenset[str]] = {}


def _own_tables(model: Any) -> frozenset[str]:
    """A model's table and its concrete parents' (not its many-to-many tables: group membership is
    a row of its own that the fingerprint does not cover)."""
    found = _own.get(model)
    if found is None:
        found = frozenset()
        if isinstance(model, type) and issubclass(model, Model):
            concrete = model._meta.concrete_model or model
            found = frozenset(each._meta.db_table.lower() for each in (concrete, *concrete._meta.get_parent_list()))
        _own[model] = found
    return found


def _session_model(session: Any) -> Any:
    get_model_class = getattr(session, "get_model_class", None)  # the database session engines
    return get_model_class() if get_model_class is not None else None


def watch_the_clock() -> None:
    """Make Django's ``timezone.now()`` mark the traced miss that calls it as reading the clock (so do
    ``localtime()`` and ``localdate()`` without a value, which call it): a serializer's ``is_live =
    publish_at <= timezone.now()`` changes its answer with no write. Called as the app is imported,
    before models modules bind ``from django.utils.timezone import now``. ``datetime.now()`` and
    ``time.time()`` are not seen (README, "Limits")."""
    from django.utils import timezone

    original = timezone.now
    if getattr(original, "_adrf_caching_watched", False):
        return

    @functools.wraps(original)
    def now() -> Any:
        trace = _trace.get()
        if trace is not None:
            trace.clock = True
        return original()

    now._adrf_caching_watched = True  # type: ignore[attr-defined]
    timezone.now = now


# -- observing writes ----------------------------------------------------------------------

# Called with the written tables after the write is durable: bump their versions.
WriteListener = Callable[[frozenset[str]], None]
_after_commit: list[WriteListener] = []
_before_write: list[WriteListener] = []
_local = threading.local()  # re-entrancy guard: the cache's own SQL (DatabaseCache) is not observed


def on_tables_written(after_commit: WriteListener, before_write: WriteListener | None = None) -> None:
    """Register what to do when a statement writes tables (set once, by ``adrf_caching.invalidation``)."""
    _after_commit[:] = [after_commit]
    _before_write[:] = [before_write] if before_write is not None else []


# Set while a thread runs code that adrf would run on the event loop (serialization.py).
_on_the_loop: ContextVar[bool] = ContextVar("adrf_caching_on_the_loop", default=False)


@contextmanager
def as_on_the_loop() -> Iterator[None]:
    """SQL run inside raises ``SynchronousOnlyOperation``, as it would on the event loop: what the
    one-hop serialization runs in a thread in adrf's stead fails where adrf's own steps would."""
    token = _on_the_loop.set(True)
    try:
        yield
    finally:
        _on_the_loop.reset(token)


def _observer(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    if getattr(_local, "busy", False):
        return execute(sql, params, many, context)
    if _on_the_loop.get():
        raise SynchronousOnlyOperation("You cannot call this from an async context - use a thread or sync_to_async.")
    connection: BaseDatabaseWrapper = context["connection"]
    text = sql if isinstance(sql, str) else _as_text(sql, connection)
    info = statement(text) if text is not None else _unreadable()
    trace = _trace.get()
    if trace is not None:
        trace.tables |= info.tables
        if connection.in_atomic_block:
            trace.in_transaction = True
        if not trace.clock and not info.written and (info.clock or (not many and clock.reads_now(params))):
            trace.clock = True
    if not info.written:
        result = execute(sql, params, many, context)
        if trace is not None and not trace.in_transaction:  # in a transaction: never stored anyway
            beneath = _beneath(connection, info.tables)  # a database view reads the tables under it
            if beneath is None:
                trace.unresolved = True
            else:
                trace.tables |= beneath
        return result
    if trace is not None:
        trace.wrote = True
    written = info.written | (_beneath(connection, info.written) or frozenset())  # through an updatable view
    _notify(_before_write, written)
    result = execute(sql, params, many, context)
    _written(connection, written)
    return result


def _as_text(sql: Any, connection: BaseDatabaseWrapper) -> str | None:
    """SQL the driver composes (psycopg's ``sql.Composed``, bytes), as the text it sends; ``None`` if
    it cannot say."""
    if isinstance(sql, (bytes, bytearray, memoryview)):
        return bytes(sql).decode("utf-8", "replace")
    as_string = getattr(sql, "as_string", None)
    try:
        return str(as_string(connection.connection)) if as_string is not None else None
    except Exception:
        return None


def _unreadable() -> Statement:
    """A statement whose text is unknown: it may read or write any table (every one is bumped after it)."""
    every = known_tables()
    return Statement(every, every)


def _beneath(connection: BaseDatabaseWrapper, tables: frozenset[str]) -> frozenset[str] | None:
    """The relations under ``tables`` (database views), asked without observing the asking."""
    _local.busy = True
    try:
        return dbviews.under(connection, tables)
    finally:
        _local.busy = False


def _notify(listeners: list[WriteListener], tables: frozenset[str]) -> None:
    _local.busy = True
    try:
        for listener in listeners:
            listener(tables)
    finally:
        _local.busy = False


# Tables this flow of control wrote in a transaction not committed yet. A ContextVar: asgiref
# carries it from the thread that wrote back to the async view, and into the threads it calls.
_uncommitted: ContextVar[frozenset[tuple[BaseDatabaseWrapper, str]]] = ContextVar(
    "adrf_caching_uncommitted", default=frozenset()
)


def uncommitted_tables() -> frozenset[str]:
    """Tables with writes this context made in a transaction still open: the cache cannot answer
    for them (it holds committed rows only), so reads of them bypass it. A connection no longer in
    a transaction has committed or rolled back."""
    written = _uncommitted.get()
    if not written:
        return frozenset()
    return frozenset(table for connection, table in written if connection.in_atomic_block)


def _written(connection: BaseDatabaseWrapper, tables: frozenset[str]) -> None:
    """Bump now under autocommit; else once the outermost transaction commits."""
    if not connection.in_atomic_block:
        _notify(_after_commit, tables)
        return
    _uncommitted.set(_uncommitted.get() | {(connection, table) for table in tables})
    pending: set[str] | None = getattr(connection, "_adrf_caching_pending", None)
    if pending is None:
        pending = set()
        connection._adrf_caching_pending = pending  # type: ignore[attr-defined]
    pending |= tables
    # Bumped by the commit itself (_committing); the callback is for a commit that does not go through
    # ``connection.commit()``. Callbacks of a rolled-back savepoint are dropped by Django, and the first
    # flush bumps everything pending (the others find nothing left).
    connection.on_commit(lambda: _flush(connection))


def _flush(connection: BaseDatabaseWrapper) -> None:
    pending: set[str] | None = getattr(connection, "_adrf_caching_pending", None)
    if pending:
        written = frozenset(pending)
        pending.clear()
        _notify(_after_commit, written)


def _committing(connection: BaseDatabaseWrapper) -> None:
    """Bump what a transaction wrote as soon as it has committed: before the project's own
    ``on_commit`` callbacks, one of which may raise (Django then runs none after it) or take long (an
    email, a search index) while readers would be served the old rows."""
    commit = connection.commit
    if getattr(commit, "_adrf_caching_bumps", False):
        return

    def commit_then_bump() -> None:
        commit()
        _flush(connection)

    commit_then_bump._adrf_caching_bumps = True  # type: ignore[attr-defined]
    connection.commit = commit_then_bump  # type: ignore[method-assign]
    rollback = connection.rollback

    def rollback_then_forget() -> None:
        """What a rolled-back transaction wrote is not bumped by the connection's next commit."""
        rollback()
        pending: set[str] | None = getattr(connection, "_adrf_caching_pending", None)
        if pending:
            pending.clear()

    connection.rollback = rollback_then_forget  # type: ignore[method-assign]


def _install_on(connection: BaseDatabaseWrapper) -> None:
    if _observer not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _observer)
    _committing(connection)


def _connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    _install_on(connection)


def install() -> None:
    """Observe every connection of this process: those open now and every one opened later."""
    watch_the_clock()
    connection_created.connect(_connection_created, dispatch_uid="adrf_caching.observe")
    for connection in connections.all(initialized_only=True):
        _install_on(connection)


def tables_of_models(models_or_instances: Iterable[Any]) -> set[str]:
    """The tables a write to these models changes: their own, their concrete parents', their
    auto-created many-to-many tables."""
    tables: set[str] = set()
    for item in models_or_instances:
        model: type[Model] = item if isinstance(item, type) else type(item)
        concrete = model._meta.concrete_model or model
        for each in (concrete, *concrete._meta.get_parent_list()):
            tables.add(each._meta.db_table.lower())
            for m2m in each._meta.local_many_to_many:
                through = m2m.remote_field.through
                if isinstance(through, type) and issubclass(through, Model) and through._meta.auto_created:
                    tables.add(through._meta.db_table.lower())
    return tables
