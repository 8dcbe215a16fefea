"""The identity fingerprint: who is asking, as authentication and middleware left them on this request.

Every entry of a user is stamped with a digest of ``request.user`` and ``request.auth`` as loaded for
the request that built it; a hit needs the same digest. Authentication runs on every request, hits
included, so the digest follows whatever the user and the credentials are *now*:

* a model instance: every concrete field (the password hash too: ``has_usable_password()``), the rows
  loaded along with it (``select_related``, a foreign key already read, ``prefetch_related``) and the
  attributes code set on it (a middleware's ``user.otp_device``, ``has_perm``'s permission cache);
* any other object (a JWT, a gateway's client): its ``str()`` if its class defines one, and its
  attributes; containers by their contents.

Callables are left out (``user.is_verified = partial(...)`` follows from the data beside it), and so
is a datetime taken while this request was being authenticated (``AccessToken.current_time``: set on
every request, it would make every request a miss); any other datetime is data (a short-lived
token's ``issued_at`` and ``expires_at``, seconds from now, tell two tokens apart). Anything that
cannot be rendered as data is rendered by ``repr``: at worst a digest that never repeats, never one
that matches another identity.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from operator import attrgetter
from typing import Any
from uuid import UUID

from django.utils.functional import LazyObject, empty

from adrf_caching.clock import WINDOW
from adrf_caching.keys import md5_hex

__all__ = ["describe", "fingerprint", "rendered", "unwrapped"]

# How far related rows and attributes are followed (user -> profile -> organisation).
DEPTH = 2

# Attributes of a model instance that are not the row's data.
_MODEL_STATE = frozenset({"_state", "_prefetched_objects_cache"})
_SCALARS = (str, int, bool, bytes, UUID, Enum, date, time)


# While a fingerprint is taken: from when this request began (before authentication) to now.
_during: ContextVar[tuple[datetime, datetime] | None] = ContextVar("adrf_caching_during", default=None)


def fingerprint(user: Any, auth: Any, began: datetime | None = None) -> str:
    """A short digest of the authenticated user and the credentials (empty for anonymous requests
    without credentials; a service key on an anonymous user still counts). ``began``: when the request
    began (UTC), so that timestamps its authentication took are left out."""
    user = unwrapped(user)
    if user is None or not getattr(user, "is_authenticated", False):
        if auth is None:
            return ""
        user = None
    window = _during.set(None if began is None else (began, datetime.now(timezone.utc)))
    try:
        user_key, auth_key = _key(user, DEPTH), _key(auth, DEPTH)
    finally:
        _during.reset(window)
    try:
        return _digest(user_key, auth_key)
    except TypeError:  # an unhashable value somewhere (a list in a JSONField): not memoised
        return _digest.__wrapped__(user_key, auth_key)


def describe(value: Any) -> str:
    """``value`` as data, the same text in every process: a request attribute a middleware set."""
    if type(value) is str:  # the path, on every hit of an endpoint that reads it
        return f"(builtins.str,{value!r})"
    if isinstance(value, datetime) and _is_now(value):  # ``request.start_time``: the clock, never a key
        raise ValueError("the current time")
    return rendered(_key(value, DEPTH))


@lru_cache(maxsize=16384)
def _digest(user_key: tuple[Any, ...], auth_key: tuple[Any, ...]) -> str:
    """Memoised by the values themselves (a hit needs it on every request): same values, same digest."""
    return md5_hex(f"{rendered(user_key)}|{rendered(auth_key)}")[:16]


def unwrapped(value: Any) -> Any:
    """The object behind a ``SimpleLazyObject`` (``request.user`` from Django's middleware)."""
    if isinstance(value, LazyObject):
        if value._wrapped is empty:
            value._setup()
        return value._wrapped
    return value


_SKIP = ("skip",)  # a value the fingerprint leaves out (a callable, the clock)


def _key(value: Any, depth: int) -> tuple[Any, ...]:
    """A hashable stand-in for ``value`` whose equality implies an equal rendering."""
    value = unwrapped(value)
    if value is None:
        return ()
    if getattr(type(value), "_meta", None) is not None and hasattr(value, "_state"):
        return _model_key(value, depth)
    return _data(value, depth)


def _model_key(instance: Any, depth: int) -> tuple[Any, ...]:
    meta = instance._meta
    values = _values_of(meta)(instance)
    # Typed (1 == True == 1.0 hash alike); floats and decimals by their text (0.0 == -0.0).
    kinds = tuple(map(type, values))
    if float in kinds or Decimal in kinds:
        values = tuple(repr(v) if isinstance(v, (float, Decimal)) else v for v in values)
    extra: tuple[Any, ...] = ()
    attributes = instance.__dict__
    state = attributes.get("_state")
    # The usual row holds its fields and nothing else: no attribute set on it, no related row cached.
    plain = attributes.keys() <= _plain(meta) and not (state is not None and state.__dict__.get("fields_cache"))
    if depth > 0 and not plain:
        extra = (*_related(instance, depth), *_attributes(attributes, _not_fields(meta), depth))
    return ("model", type(instance), kinds, values, extra)


def _related(instance: Any, depth: int) -> list[tuple[Any, ...]]:
    state = instance.__dict__.get("_state")
    cached = state.__dict__.get("fields_cache") if state is not None else None  # not created by reading
    prefetched = instance.__dict__.get("_prefetched_objects_cache")
    found: list[tuple[Any, ...]] = [("row", name, _key(row, depth - 1)) for name, row in sorted((cached or {}).items())]
    for name, rows in sorted((prefetched or {}).items()):
        loaded = getattr(rows, "_result_cache", None) or ()
        found.append(("rows", name, tuple(_key(row, depth - 1) for row in loaded)))
    return found


def _attributes(attributes: dict[str, Any], skip: frozenset[str], depth: int) -> list[tuple[Any, ...]]:
    found = []
    for name in sorted(attributes.keys() - skip):
        rendered_value = _data(attributes[name], depth - 1)
        if rendered_value is not _SKIP:
            found.append(("attr", name, rendered_value))
    return found


def _data(value: Any, depth: int) -> tuple[Any, ...]:
    value = unwrapped(value)
    if value is None or isinstance(value, _SCALARS):
        if isinstance(value, datetime) and _taken_during_the_request(value):
            return _SKIP
        return (type(value), value)
    if isinstance(value, (float, Decimal)):
        return (type(value), repr(value))
    if callable(value):
        return _SKIP
    if getattr(type(value), "_meta", None) is not None and hasattr(value, "_state"):
        return _model_key(value, depth)
    if depth > 0:
        if isinstance(value, dict):
            items = sorted(
                ((rendered(_data(k, depth - 1)), _data(v, depth - 1)) for k, v in value.items()), key=_first
            )
            return (dict, tuple(items))
        if isinstance(value, (list, tuple)):
            return (list, tuple(_data(v, depth - 1) for v in value))
        if isinstance(value, (set, frozenset)):
            return (set, tuple(sorted((_data(v, depth - 1) for v in value), key=rendered)))
        attributes = getattr(value, "__dict__", None)
        if isinstance(attributes, dict):
            own_str = str(value) if _defines_str(type(value)) else ""
            return (type(value), own_str, tuple(_attributes(attributes, frozenset(), depth)))
    return (type(value), repr(value))  # may name an address: a digest that never repeats


_own_str: dict[type, bool] = {}


def _defines_str(cls: type) -> bool:
    """Whether ``str()`` of an instance says more than its class and address."""
    verdict = _own_str.get(cls)
    if verdict is None:
        verdict = _own_str[cls] = any("__str__" in vars(base) for base in cls.__mro__ if base is not object)
    return verdict


def _first(item: tuple[str, Any]) -> str:
    return item[0]


def _taken_during_the_request(value: datetime) -> bool:
    window = _during.get()
    if window is None:
        return False
    began, now = window
    if value.tzinfo is not None:
        return began <= value <= now
    # Naive: UTC or the machine's local time, whichever it is (the window is milliseconds wide).
    began, now = began.replace(tzinfo=None), now.replace(tzinfo=None)
    local = datetime.now().astimezone().utcoffset() or timedelta(0)
    return any(began <= utc <= now for utc in (value, value - local))


def _is_now(value: datetime) -> bool:
    now = datetime.now(timezone.utc)
    if value.tzinfo is None:
        return abs(value - now.replace(tzinfo=None)) <= WINDOW or abs(value - datetime.now()) <= WINDOW
    return abs(value - now) <= WINDOW


def rendered(key: Any) -> str:
    """The text a key stands for: the same in every process (classes by name, values by ``repr``)."""
    if isinstance(key, type):
        return f"{key.__module__}.{key.__qualname__}"
    if isinstance(key, tuple):
        return "(" + ",".join(rendered(part) for part in key) + ")"
    return repr(key)


@lru_cache(maxsize=256)
def _values_of(meta: Any) -> Callable[[Any], tuple[Any, ...]]:
    """A function reading a model's concrete fields as a tuple, in one C-level call."""
    names = tuple(f.attname for f in meta.concrete_fields)
    if not names:
        return lambda instance: ()
    if len(names) == 1:
        return lambda instance: (getattr(instance, names[0]),)
    return attrgetter(*names)


@lru_cache(maxsize=256)
def _plain(meta: Any) -> frozenset[str]:
    """What a freshly loaded row holds: its fields and ``_state`` (a related row or a prefetch adds to it)."""
    return frozenset({"_state", *(f.attname for f in meta.concrete_fields)})


@lru_cache(maxsize=256)
def _not_fields(meta: Any) -> frozenset[str]:
    """The instance attributes that are not extra data: the fields themselves and Django's state."""
    return _MODEL_STATE | {f.attname for f in meta.concrete_fields}
