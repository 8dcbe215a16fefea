"""Cache keys: ``prefix:{shard}:e:<user>:<view>:<action>:<digest>``.

The user segment comes only from the authenticated identity and sits in its own
colon-separated field; everything a client controls (path kwargs, query, headers)
is hashed into the last field. Isolation is therefore structural, not hash luck.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import get_script_prefix
from django.utils import timezone, translation

if TYPE_CHECKING:
    from django.http import QueryDict
    from rest_framework.request import Request
    from rest_framework.views import APIView

__all__ = [
    "ANONYMOUS",
    "DefaultKeyBuilder",
    "entry_key",
    "md5_hex",
    "mount_prefix",
    "query_of",
    "shard_tag",
    "user_segment",
    "user_segment_for_pk",
    "view_id",
]

ANONYMOUS = "anon"


def md5_hex(text: str) -> str:
    """MD5 keeps keys short; it is a fingerprint here, not a security boundary."""
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def user_segment_for_pk(pk: object, label: str | None = None) -> str:
    """The segment of the user with primary key ``pk`` of model ``label`` (default: AUTH_USER_MODEL)."""
    label = label or settings.AUTH_USER_MODEL.lower()
    try:
        return _segment(label, f"{type(pk).__module__}.{type(pk).__qualname__}", pk)
    except TypeError:  # an unhashable pk
        return "u" + md5_hex(f"{label}:{pk}")


@lru_cache(maxsize=16384)
def _segment(label: str, pk_type: str, pk: Any) -> str:
    # Memoised: a hit needs it on every request, for a bounded set of users. The type is part of the
    # memo key so that pk 1 and pk "1" or True stay apart as in the string (they hash alike).
    return "u" + md5_hex(f"{label}:{pk}")


def user_segment(user: Any) -> str:
    """``anon`` for anonymous users, else ``u`` + a hash of the user's model and primary key.

    The model is part of it: an API-key account with pk 1 is not the user with pk 1.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    pk = getattr(user, "pk", None)
    meta = getattr(user, "_meta", None)
    if pk is None or meta is None:
        # Token users that are not model instances: their class and string form are the identity.
        return "u" + md5_hex(f"{type(user).__module__}.{type(user).__qualname__}:{pk}:{user}")
    return user_segment_for_pk(pk, meta.concrete_model._meta.label_lower)


@lru_cache(maxsize=4096)
def mount_prefix(route: str | None, lookup: str) -> str:
    """Where a router is mounted: its list route's pattern, which its detail routes start with.

    ``items/$`` and ``items/(?P<pk>[^/.]+)/$`` both give ``items/``; the same router included
    under ``v1/`` gives ``v1/items/``."""
    route = route or ""
    marker = f"(?P<{lookup}>"
    if marker in route:
        return route[: route.index(marker)]
    return route.rstrip("$")


def shard_tag(prefix: str, segment: str, shards: int) -> str:
    """``prefix:{sN}``: keys read together share a Redis Cluster hash slot through this tag."""
    if shards == 1:
        return f"{prefix}:{{s0}}"
    return f"{prefix}:{{s{int(md5_hex(segment)[:8], 16) % shards}}}"


@lru_cache(maxsize=4096)
def view_id(view_class: type, route: str | None = None, namespace: str | None = None) -> str:
    """A short, stable identity for an endpoint: the class, its route (or router basename), its namespace."""
    return md5_hex(f"{view_class.__module__}.{view_class.__qualname__}|{route or ''}|{namespace or ''}")[:12]


def entry_key(tag: str, segment: str, view: str, action: str, digest: str) -> str:
    return f"{tag}:e:{segment}:{view}:{action}:{digest}"


def query_of(request: Any) -> QueryDict:
    """The request's query parameters: ``request.GET`` once the view parsed it, else a shared parse
    of the same query string (immutable, like ``request.GET``), so a hit parses nothing."""
    from django.core.handlers.asgi import ASGIRequest

    django_request = getattr(request, "_request", request)
    parsed = django_request.__dict__.get("GET")
    if parsed is None and type(django_request) is ASGIRequest:
        return _parsed_query(django_request.META["QUERY_STRING"])  # as ASGIRequest.GET parses it
    return django_request.GET  # type: ignore[no-any-return]


@lru_cache(maxsize=512)
def _parsed_query(query_string: str) -> QueryDict:
    from django.http import QueryDict

    return QueryDict(query_string)


def _query_items(query: QueryDict) -> tuple[tuple[str, ...], ...]:
    # In the order sent, each name's values in order: ``?page=1&page=2`` and ``?page=2&page=1`` are
    # different pages to DRF (it reads the last value), and a view that echoes its parameters
    # renders them in the order they came.
    return tuple((name, *query.getlist(name)) for name in query)


def _time_zone() -> str | None:
    return timezone.get_current_timezone_name() if settings.USE_TZ else None


class DefaultKeyBuilder:
    """Hashes everything that can change the body of a read into one digest."""

    def vary_parts(
        self,
        request: Request,
        view: APIView,
        url_kwargs: Mapping[str, object],
        query: QueryDict,
    ) -> Sequence[object]:
        django_request = getattr(request, "_request", request)  # skips DRF's attribute proxy
        return (
            django_request.scheme,
            django_request.get_host(),  # as links are built: USE_X_FORWARDED_HOST, ALLOWED_HOSTS
            get_script_prefix(),
            getattr(request, "accepted_media_type", None),
            translation.get_language(),
            _time_zone(),  # DRF renders datetimes in the active time zone (a middleware may set it)
            getattr(request, "version", None),
            tuple(sorted((str(name), str(value)) for name, value in url_kwargs.items())),
            _query_items(query),
        )

    def digest(self, parts: Sequence[object]) -> str:
        # The same parts recur on every hit: their digest is remembered (tuples of hashable values;
        # JSON writes a tuple as it writes a list, so the digest is the same either way).
        if type(parts) is tuple:
            try:
                return _digest(parts)
            except TypeError:  # a part that is not hashable (a dict, a list)
                pass
        return _digest.__wrapped__(parts)


@lru_cache(maxsize=16384)
def _digest(parts: Sequence[object]) -> str:
    return md5_hex(json.dumps(parts, separators=(",", ":"), default=str))
