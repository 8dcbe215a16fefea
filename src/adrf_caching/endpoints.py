"""What each cached endpoint has learned from its misses, and the request parts a miss read.

An entry's key and stamp must cover everything its answer depended on, and that is known only
after a miss ran: the tables its SQL read, the request headers and cookies it looked at, whether
it used the session, the headers its response names in ``Vary``. Each endpoint (view, mount,
action) keeps the union of what its misses showed, per process. The key and the versions of the
next request are planned from it *before* the view runs, so a miss that shows something new is
served but not stored: its key or stamp did not cover it. Sets only grow; a failed first
request cannot freeze an empty one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.http.request import HttpHeaders
from django.utils.cache import cc_delim_re  # type: ignore[attr-defined]

from adrf_caching.keys import md5_hex

__all__ = ["Learned", "Observed", "learned", "observe_request", "request_parts"]

_RECORDED = ("META", "headers", "COOKIES")

# Headers a response may name in Vary that the key already covers: DRF negotiates ``Accept``
# into the media type, which is part of every key.
_COVERED = frozenset({"accept"})


@dataclass(frozen=True)
class Learned:
    tables: frozenset[str] = frozenset()
    meta: frozenset[str] = frozenset()  # request.META keys (headers) that answers read or vary on
    cookies: frozenset[str] = frozenset()
    session: bool = False

    def covers(self, other: Learned) -> bool:
        return (
            other.tables <= self.tables
            and other.meta <= self.meta
            and other.cookies <= self.cookies
            and (self.session or not other.session)
        )

    def union(self, other: Learned) -> Learned:
        return Learned(
            self.tables | other.tables,
            self.meta | other.meta,
            self.cookies | other.cookies,
            self.session or other.session,
        )


_learned: dict[tuple[str, str], Learned] = {}


def learned(endpoint: str, action: str, seed: frozenset[str] = frozenset()) -> Learned:
    """What ``endpoint``'s ``action`` is known to depend on (``seed``: tables of ``depends_on``)."""
    found = _learned.get((endpoint, action))
    if found is None:
        found = _learned[(endpoint, action)] = Learned(tables=seed)
    return found


def learn(endpoint: str, action: str, observed: Learned) -> None:
    """Add what a miss showed to what ``endpoint``'s ``action`` is known to depend on."""
    known = learned(endpoint, action)
    if not known.covers(observed):
        _learned[(endpoint, action)] = known.union(observed)


def forget() -> None:
    """Drop everything learned (tests)."""
    _learned.clear()


def request_parts(request: HttpRequest, known: Learned) -> tuple[object, ...]:
    """The values of the request parts ``known`` says answers depend on, for the key."""
    if not (known.meta or known.cookies or known.session):
        return ()
    parts: list[object] = []
    if known.meta:
        meta = request.META
        parts.append(tuple((name, meta.get(name)) for name in sorted(known.meta)))
    if known.cookies:
        cookies = request.COOKIES
        parts.append(tuple((name, cookies.get(name)) for name in sorted(known.cookies)))
    if known.session:
        parts.append(getattr(getattr(request, "session", None), "session_key", None))
    return tuple(parts)


def session_contents(request: HttpRequest) -> str:
    """A digest of the session's contents, for the stamp of an endpoint that reads the session: a
    cache or file session engine changes them without any SQL to observe. Loading them marks the
    session accessed, as the miss did, so SessionMiddleware adds ``Vary: Cookie`` alike. Sync: the
    database engine queries."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    return md5_hex(json.dumps(dict(session.items()), sort_keys=True, default=repr))


# -- recording what a miss reads ----------------------------------------------------------------


@dataclass
class Observed:
    meta: set[str] = field(default_factory=set)
    cookies: set[str] = field(default_factory=set)
    session: bool = False
    never_store: bool = False  # ``Vary: *``

    def learned(self, tables: frozenset[str]) -> Learned:
        return Learned(tables, frozenset(self.meta), frozenset(self.cookies), self.session)


class _RecordingDict(dict[str, Any]):
    """A copy of ``request.META`` or ``request.COOKIES`` that notes the names looked up."""

    def __init__(self, data: Mapping[str, Any], seen: set[str]) -> None:
        super().__init__(data)
        self._seen = seen

    def __getitem__(self, name: str) -> Any:
        self._seen.add(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self._seen.add(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        self._seen.add(str(name))
        return super().__contains__(name)

    def __iter__(self) -> Iterator[str]:
        self._seen.update(super().keys())
        return super().__iter__()

    def items(self) -> Any:
        self._seen.update(super().keys())
        return super().items()


class _RecordingHeaders(HttpHeaders):
    """``request.headers`` that notes each header looked up, by its ``META`` name."""

    def __init__(self, headers: HttpHeaders, seen: set[str]) -> None:
        self._store = headers._store
        self._seen = seen

    def __getitem__(self, name: str) -> Any:
        self._seen.add(HttpHeaders.to_wsgi_name(name))
        return super().__getitem__(name)

    def __iter__(self) -> Iterator[str]:
        names = list(super().__iter__())
        self._seen.update(HttpHeaders.to_wsgi_name(name) for name in names)
        return iter(names)


class observe_request:
    """While a miss runs: record the headers, cookies and session it reads, then restore the request."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.observed = Observed()

    def __enter__(self) -> Observed:
        request, observed = self.request, self.observed
        self._saved = {name: request.__dict__[name] for name in _RECORDED if name in request.__dict__}
        cookies = request.COOKIES  # parsed now, outside the recording: each cookie is noted by name
        _ = request.GET  # parsed now too: the query is in every key; a raw read of QUERY_STRING is noted
        headers = request.headers
        request.META = _RecordingDict(request.META, observed.meta)
        request.COOKIES = _RecordingDict(cookies, observed.cookies)
        request.__dict__["headers"] = _RecordingHeaders(headers, observed.meta)
        session = getattr(request, "session", None)
        self._session_was_accessed = getattr(session, "accessed", False)
        if session is not None:
            session.accessed = False
        return observed

    def __exit__(self, *exc_info: object) -> None:
        request, observed = self.request, self.observed
        for name in _RECORDED:
            if name in self._saved:
                request.__dict__[name] = self._saved[name]
            else:
                request.__dict__.pop(name, None)
        session = getattr(request, "session", None)
        if session is not None:
            observed.session = bool(session.accessed)
            session.accessed = observed.session or self._session_was_accessed

    def vary(self, response: Any) -> None:
        """Headers the response names in ``Vary`` select it too."""
        header = response.get("Vary") if hasattr(response, "get") else None
        for name in cc_delim_re.split(header or ""):
            name = name.strip().lower()
            if not name or name in _COVERED:
                continue
            if name == "*":
                self.observed.never_store = True
            elif name == "cookie":
                self.observed.meta.add("HTTP_COOKIE")
            else:
                self.observed.meta.add(HttpHeaders.to_wsgi_name(name))
