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

import contextlib
import json
from collections.abc import Callable, Iterator, KeysView, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.http import HttpRequest
from django.http.request import HttpHeaders
from django.utils import timezone, translation
from django.utils.cache import cc_delim_re  # type: ignore[attr-defined]

from adrf_caching import identity
from adrf_caching.keys import md5_hex

__all__ = ["Learned", "Observed", "Unkeyable", "learned", "load", "observe_request", "request_parts"]

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
    attributes: frozenset[str] = frozenset()  # request attributes a middleware set (request.org), the path
    user: bool = False  # a miss of a shared endpoint read request.user or request.auth: keyed per user

    def covers(self, other: Learned) -> bool:
        return (
            other.tables <= self.tables
            and other.meta <= self.meta
            and other.cookies <= self.cookies
            and (self.session or not other.session)
            and other.attributes <= self.attributes
            and (self.user or not other.user)
        )

    def union(self, other: Learned) -> Learned:
        return Learned(
            self.tables | other.tables,
            self.meta | other.meta,
            self.cookies | other.cookies,
            self.session or other.session,
            self.attributes | other.attributes,
            self.user or other.user,
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


class Unkeyable(Exception):
    """A request part the answer depends on has no stable description (it cannot be loaded on the
    event loop, say): the request is answered uncached."""


_ABSENT = "<absent>"
ALL = "*"  # noted for a read of every header or cookie (iterating them): the key then holds them all


def request_parts(request: HttpRequest, known: Learned) -> tuple[object, ...]:
    """The values of the request parts ``known`` says answers depend on, for the key."""
    if not (known.meta or known.cookies or known.session or known.attributes):
        return ()
    parts: list[object] = []
    if known.attributes:
        parts.append(tuple((name, _described(request, name)) for name in sorted(known.attributes)))
    if known.meta:
        parts.append(_values(request.META, known.meta))
    if known.cookies:
        parts.append(_values(request.COOKIES, known.cookies))
    if known.session:
        parts.append(getattr(getattr(request, "session", None), "session_key", None))
    return tuple(parts)


def _values(found: Mapping[str, Any], names: frozenset[str]) -> tuple[object, ...]:
    if ALL in names:  # everything, values of any type by their repr
        return tuple(sorted((name, repr(value)) for name, value in found.items()))
    return tuple((name, found.get(name)) for name in sorted(names))


def load(request: HttpRequest, name: str) -> None:
    """Load a lazy request attribute (sync: it may query), so that describing it needs no I/O. Best
    effort: what still cannot be described is answered uncached."""
    with contextlib.suppress(Exception):
        identity.describe(getattr(request, name, None))


def _described(request: HttpRequest, name: str) -> str:
    try:
        value = getattr(request, name)
    except AttributeError:
        return _ABSENT
    try:
        return identity.describe(value)
    except Exception as exc:  # a lazy object that queries, on the event loop
        raise Unkeyable(name) from exc


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
    # ``Vary: *``, or the miss changed the session, ``request.META`` or a request attribute, which a
    # middleware may act on after the view (``get_token()`` asks CsrfViewMiddleware to set the CSRF
    # cookie so): a hit would skip the change.
    never_store: bool = False
    attributes: set[str] = field(default_factory=set)
    user: bool = False

    def learned(self, tables: frozenset[str]) -> Learned:
        attributes = frozenset(self.attributes) - _USER
        user = self.user or len(attributes) < len(self.attributes)
        return Learned(tables, frozenset(self.meta), frozenset(self.cookies), self.session, attributes, user)


class _RecordingDict(dict[str, Any]):
    """A copy of ``request.META`` or ``request.COOKIES`` that notes the names looked up, and any
    change made to it (in ``observed``)."""

    def __init__(self, data: Mapping[str, Any], seen: set[str], observed: Observed) -> None:
        super().__init__(data)
        self._seen = seen
        self._observed = observed

    def __setitem__(self, name: str, value: Any) -> None:
        self._observed.never_store = True
        super().__setitem__(name, value)

    def __delitem__(self, name: str) -> None:
        self._observed.never_store = True
        super().__delitem__(name)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._observed.never_store = True
        super().update(*args, **kwargs)

    def pop(self, name: str, *default: Any) -> Any:
        self._observed.never_store = True
        return super().pop(name, *default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        if not super().__contains__(name):
            self._observed.never_store = True
        return super().setdefault(name, default)

    def __getitem__(self, name: str) -> Any:
        self._seen.add(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self._seen.add(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        self._seen.add(str(name))
        return super().__contains__(name)

    # What looks at the whole dict depends on every name in it, and on the absent ones too.
    def __iter__(self) -> Iterator[str]:
        self._seen.add(ALL)
        return super().__iter__()

    def __len__(self) -> int:
        self._seen.add(ALL)
        return super().__len__()

    def keys(self) -> Any:  # a view whose ``in`` asks this dict, so that a single name is noted
        return KeysView(self)

    def values(self) -> Any:
        self._seen.add(ALL)
        return super().values()

    def items(self) -> Any:
        self._seen.add(ALL)
        return super().items()

    def copy(self) -> dict[str, Any]:
        self._seen.add(ALL)
        return dict(dict.items(self))


class _RecordingHeaders(HttpHeaders):
    """``request.headers`` that notes each header looked up, by its ``META`` name."""

    def __init__(self, headers: HttpHeaders, seen: set[str]) -> None:
        self._store = headers._store
        self._seen = seen

    def __getitem__(self, name: str) -> Any:
        self._seen.add(HttpHeaders.to_wsgi_name(name))
        return super().__getitem__(name)

    def __iter__(self) -> Iterator[str]:
        self._seen.add(ALL)
        return super().__iter__()


# Attributes of a Django request that the key or the stamp already covers, or that are the
# request's own machinery (and every ``_private`` one: DRF's ``Request`` looks its own up there):
# reads of any other attribute (one a middleware set, ``request.org``; the path, which a catch-all
# route does not capture; the method, for a view that answers HEAD apart; ``LANGUAGE_CODE``, which
# a middleware may set without activating that language) make the key carry its value.
_COVERED_ATTRIBUTES = frozenset(
    {
        "META", "COOKIES", "GET", "headers", "session", "user", "auser", "_cached_user",
        "resolver_match", "scheme", "content_type", "content_params", "encoding", "_encoding",
        "upload_handlers", "_upload_handlers", "_stream", "_read_started", "_post_parse_error", "script_name",
        "environ", "scope", "urlconf", "_body", "_post", "_files", "POST", "FILES", "csrf_processing_done",
        "_current_scheme_host", "_adrf_caching_watch", "auth", "_dont_enforce_csrf_checks", "csrf_cookie_needs_reset",
    }
)
_PATHS = frozenset({"path", "path_info"})
# The identity on the Django request, watched only where entries are shared between users.
_USER = frozenset({"user", "auser", "auth"})
# Attributes a view may set on the request without a middleware acting on them afterwards.
_SETTABLE = _COVERED_ATTRIBUTES - {"csrf_cookie_needs_reset"}
_recording_classes: dict[type, type] = {}


def _recording_class(cls: type) -> type:
    """``cls`` with attribute reads noted in the instance's ``_adrf_caching_watch`` (watched names, seen,
    the ``Observed`` that a public attribute set on the request marks never to store)."""
    found = _recording_classes.get(cls)
    if found is None:
        read = cast("Callable[[Any, str], Any]", cls.__getattribute__)
        write = cast("Callable[[Any, str, Any], None]", cls.__setattr__)

        def __getattribute__(self: Any, name: str) -> Any:
            try:
                value = read(self, name)
            except AttributeError:
                if name[0] != "_" and name not in _COVERED_ATTRIBUTES:
                    read(self, "_adrf_caching_watch")[1].add(name)  # an absent attribute is an answer too
                raise
            watch = read(self, "__dict__").get("_adrf_caching_watch")
            if watch is not None and name in watch[0]:
                watch[1].add(name)
            return value

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if name[0] != "_" and name not in _SETTABLE:
                read(self, "_adrf_caching_watch")[2].never_store = True  # a middleware may act on it
            write(self, name, value)

        namespace = {"__getattribute__": __getattribute__, "__setattr__": __setattr__}
        found = _recording_classes[cls] = type(cls.__name__, (cls,), namespace)
    return found


_identity_recording_classes: dict[type, type] = {}


def _identity_recording_class(cls: type) -> type:
    """DRF's ``Request`` class ``cls`` with reads of ``user`` and ``auth`` noted in the instance's
    ``_adrf_caching_identity`` (an ``Observed``)."""
    found = _identity_recording_classes.get(cls)
    if found is None:

        def noted(name: str) -> property:
            inherited = getattr(cls, name)

            def get(self: Any) -> Any:
                self.__dict__["_adrf_caching_identity"].user = True
                return inherited.__get__(self, cls)

            def assign(self: Any, value: Any) -> None:
                inherited.__set__(self, value)

            return property(get, assign)

        namespace = {"user": noted("user"), "auth": noted("auth")}
        found = _identity_recording_classes[cls] = type(cls.__name__, (cls,), namespace)
    return found


def _activated() -> tuple[str | None, str]:
    """The active language and time zone: the key holds them as the request began; a view that
    activates others answers in them, and LocaleMiddleware says so in ``Content-Language``."""
    return translation.get_language(), timezone.get_current_timezone_name()


def _messages_state(request: HttpRequest) -> tuple[object, ...]:
    """What MessageMiddleware acts on after the view: whether the request's flash messages were shown
    (it then drops them from their cookie or session) or added to."""
    storage = request.__dict__.get("_messages")
    if storage is None:
        return ()
    queued = getattr(storage, "_queued_messages", ())
    return (getattr(storage, "used", None), getattr(storage, "added_new", None), len(queued))


class observe_request:
    """While a miss (or ``initial()``) runs: record the headers, cookies, session and request attributes
    it reads, then restore the request."""

    def __init__(self, request: HttpRequest, drf_request: Any = None) -> None:
        """``drf_request``: also note reads of its ``user`` and ``auth`` (and of the Django request's),
        for an endpoint whose entries are shared between users."""
        self.request = request
        self.observed = Observed()
        self._accessed_while_paused = False
        self._drf_request = drf_request

    def __enter__(self) -> Observed:
        request = self.request
        self._saved = {name: request.__dict__[name] for name in _RECORDED if name in request.__dict__}
        self._class = type(request)
        self._messages = _messages_state(request)
        self._activated = _activated()
        session = getattr(request, "session", None)
        self._session_was_accessed = getattr(session, "accessed", False)
        self._session_was_modified = getattr(session, "modified", False)
        if session is not None:
            session.accessed = False
        self._install()
        return self.observed

    def __exit__(self, *exc_info: object) -> None:
        self._uninstall()
        if _messages_state(self.request) != self._messages:
            self.observed.never_store = True  # flash messages shown or added: MessageMiddleware stores that
        if _activated() != self._activated:
            self.observed.never_store = True  # LocaleMiddleware names the language now active in the response
        session = getattr(self.request, "session", None)
        if session is not None:
            self.observed.session = bool(session.accessed)
            session.accessed = self.observed.session or self._session_was_accessed or self._accessed_while_paused
            if session.modified and not self._session_was_modified:
                self.observed.never_store = True  # "recently viewed" kept in the session: a hit would skip it

    def pause(self) -> None:
        """Reads made until ``resume()`` are not recorded: authentication's and throttles' (the identity
        and their own verdict on every hit cover them), negotiation's and versioning's (their results
        are in every key)."""
        self._uninstall()
        session = getattr(self.request, "session", None)
        self._accessed_before_pause = getattr(session, "accessed", False)

    def resume(self) -> None:
        session = getattr(self.request, "session", None)
        if session is not None:
            self._accessed_while_paused |= bool(session.accessed)
            session.accessed = self._accessed_before_pause
        self._install()

    def _install(self) -> None:
        request, observed = self.request, self.observed
        cookies = request.COOKIES  # parsed now, outside the recording: each cookie is noted by name
        _ = request.GET  # parsed now too: the query is in every key; a raw read of QUERY_STRING is noted
        headers = request.headers
        request.META = _RecordingDict(request.META, observed.meta, observed)
        request.COOKIES = _RecordingDict(cookies, observed.cookies, observed)
        request.__dict__["headers"] = _RecordingHeaders(headers, observed.meta)
        watched = {name for name in request.__dict__ if name[0] != "_"} - _COVERED_ATTRIBUTES | _PATHS
        if self._drf_request is not None:
            watched |= _USER
            self._drf_class = type(self._drf_request)
            self._drf_request.__dict__["_adrf_caching_identity"] = observed
            self._drf_request.__class__ = _identity_recording_class(self._drf_class)
        request.__dict__["_adrf_caching_watch"] = (watched, observed.attributes, observed)
        request.__class__ = _recording_class(self._class)

    def _uninstall(self) -> None:
        request = self.request
        request.__class__ = self._class
        del request.__dict__["_adrf_caching_watch"]
        if self._drf_request is not None:
            self._drf_request.__class__ = self._drf_class
            del self._drf_request.__dict__["_adrf_caching_identity"]
        for name in _RECORDED:  # the originals, with what code wrote into the copies meanwhile
            recording = request.__dict__.pop(name, None)
            original = self._saved.get(name)
            if isinstance(recording, dict) and isinstance(original, dict):
                original.update(dict.items(recording))  # dict's own items(): not a read to record
            if name in self._saved:
                request.__dict__[name] = original

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
