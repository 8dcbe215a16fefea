"""Conditional requests: a strong ETag per entry and ``304 Not Modified`` for ``If-None-Match``.

The ETag is computed once, when the entry is built, from what makes the answer: the entry's key
(user segment, endpoint, action, request digest), its stamp (the versions it was built under)
and its body. Two users, or the same user before and after a write, never share one.
A hit compares it with the request's ``If-None-Match``; no query and no extra cache call.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

if TYPE_CHECKING:
    from django.http.response import HttpResponseBase
    from rest_framework.request import Request

    from adrf_caching.entries import Entry

__all__ = ["make_etag", "matches", "not_modified", "respond", "revalidate"]

# RFC 9110 15.4.5: a 304 carries the headers the 200 would have that describe caching.
_KEPT = frozenset({"cache-control", "content-location", "date", "etag", "expires", "vary", "last-modified"})


def make_etag(key: str, stamp: str, body: bytes) -> str:
    """A strong entity tag: a 128-bit digest of the entry's key, stamp and body."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(key.encode())
    digest.update(b"\0")
    digest.update(stamp.encode())
    digest.update(b"\0")
    digest.update(body)
    return f'"{digest.hexdigest()}"'


def matches(request: Request, etag: str) -> bool:
    """``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 13.1.2), or is ``*``."""
    header = getattr(request, "_request", request).META.get("HTTP_IF_NONE_MATCH")
    if not header or not etag:
        return False
    opaque = etag.removeprefix("W/")  # a view may set a weak one of its own
    return any(tag == "*" or tag.removeprefix("W/") == opaque for tag in parse_etags(header))


def not_modified(headers: tuple[tuple[str, str], ...]) -> HttpResponseNotModified:
    """A 304 with no body and the caching headers of the 200 it stands for."""
    response = HttpResponseNotModified()
    for name, value in headers:
        if name.lower() in _KEPT:
            response[name] = value
    return response


def respond(request: Request, entry: Entry) -> HttpResponse:
    """A current entry as the client needs it: a 304 when it already holds it, else the 200."""
    if matches(request, entry.etag):
        return not_modified(entry.headers)
    return entry.to_response()


def revalidate(request: Request, entry: Entry | None, response: HttpResponseBase) -> HttpResponseBase:
    """After a miss: a 304 when the freshly built entry is the one the client holds."""
    if entry is not None and matches(request, entry.etag):
        return not_modified(entry.headers)
    return response
