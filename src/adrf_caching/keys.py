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
from django.utils import translation

if TYPE_CHECKING:
    from django.http import QueryDict
    from rest_framework.request import Request
    from rest_framework.views import APIView

__all__ = [
    "ANONYMOUS",
    "DefaultKeyBuilder",
    "entry_key",
    "md5_hex",
    "shard_tag",
    "user_segment",
    "user_segment_for_pk",
    "view_id",
]

ANONYMOUS = "anon"


def md5_hex(text: str) -> str:
    """MD5 keeps keys short; it is a fingerprint here, not a security boundary."""
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def user_segment_for_pk(pk: object) -> str:
    """The segment of the user whose primary key is ``pk`` (for ``invalidate_fields`` and by-hand bumps)."""
    return "u" + md5_hex(f"{settings.AUTH_USER_MODEL.lower()}:{pk}")


def user_segment(user: Any) -> str:
    """``anon`` for anonymous users, else ``u`` + a hash of the user's identity."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    pk = getattr(user, "pk", None)
    if pk is None:
        # Token users without a primary key: their string form is the identity.
        return "u" + md5_hex(f"{type(user).__module__}.{type(user).__qualname__}:{user}")
    return user_segment_for_pk(pk)


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


def _query_items(query: QueryDict) -> list[list[str]]:
    # Keys sorted (their order never matters) but each key's values kept in order:
    # ``?page=1&page=2`` and ``?page=2&page=1`` are different requests to DRF (it reads the last one).
    return [[name, *query.getlist(name)] for name in sorted(query)]


class DefaultKeyBuilder:
    """Hashes everything that can change the body of a read into one digest."""

    def vary_parts(
        self,
        request: Request,
        view: APIView,
        url_kwargs: Mapping[str, object],
        query: QueryDict,
    ) -> Sequence[object]:
        meta = request.META
        return (
            request.scheme,
            meta.get("HTTP_HOST") or f"{meta.get('SERVER_NAME', '')}:{meta.get('SERVER_PORT', '')}",
            getattr(request, "accepted_media_type", None),
            translation.get_language(),
            getattr(request, "version", None),
            sorted((str(name), str(value)) for name, value in url_kwargs.items()),
            _query_items(query),
        )

    def digest(self, parts: Sequence[object]) -> str:
        return md5_hex(json.dumps(parts, separators=(",", ":"), default=str))
