"""The stored entry: a small JSON header line and the rendered body, as bytes.

Nothing is pickled by this library: an entry that does not parse is a miss, never code.
The header carries the body's length and CRC-32, so an entry that was truncated or whose
body was replaced is a miss too (and the recomputed entry overwrites it), never served.
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass
from functools import cached_property

from django.http import HttpResponse
from django.http.response import ResponseHeaders

from adrf_caching._once import OncePerKey

__all__ = ["Entry", "decode", "encode"]

logger = logging.getLogger("adrf_caching")

MAGIC = b"adrf2\n"
_damaged = OncePerKey()  # each damaged key is logged once, not once per request


@dataclass(frozen=True)
class Entry:
    stamp: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    etag: str = ""  # computed once when stored (adrf_caching.conditional), served on every hit

    def to_response(self) -> HttpResponse:
        response = HttpResponse(self.body, status=self.status)
        store = response.headers._store  # exactly the entry's headers, as checked once per entry
        store.clear()
        store.update(self._checked_headers)
        return response

    @cached_property
    def _checked_headers(self) -> dict[str, tuple[str, str]]:
        """The headers as Django's ``ResponseHeaders`` stores them, each checked (charset, newlines) as
        ``response[name] = value`` checks it: a hit copies them instead of checking them again."""
        checked = ResponseHeaders({})
        for name, value in self.headers:
            checked[name] = value
        return dict(checked._store)


def encode(entry: Entry) -> bytes:
    body = entry.body
    header = {
        "v": entry.stamp, "s": entry.status, "h": entry.headers, "e": entry.etag, "n": len(body), "c": zlib.crc32(body)
    }
    return MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


# The last entries decoded, by key: a hit whose bytes equal them (one memcmp) needs no parse and no
# checksum. Bounded in count and size; only verified entries are kept.
_decoded: dict[str, tuple[bytes, Entry]] = {}
_DECODED_LIMIT = 64
_DECODED_MAX_SIZE = 128 * 1024


def decode(raw: object, key: str = "") -> Entry | None:
    """The entry in ``raw``, or ``None`` (logged once per key) when it is not one of ours or is damaged."""
    if raw is None:
        return None
    if type(raw) is bytes and key:
        known = _decoded.get(key)
        if known is not None and known[0] == raw:
            return known[1]
    entry = _decode(raw, key)
    if entry is not None and type(raw) is bytes and key and len(raw) <= _DECODED_MAX_SIZE:
        if len(_decoded) >= _DECODED_LIMIT:
            _decoded.pop(next(iter(_decoded)), None)
        _decoded[key] = (raw, entry)
    return entry


def _decode(raw: object, key: str) -> Entry | None:
    try:
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise ValueError(f"not bytes but {type(raw).__name__}")
        data = bytes(raw)
        if not data.startswith(MAGIC):
            raise ValueError("wrong format marker")
        end = data.index(b"\n", len(MAGIC))
        header = json.loads(data[len(MAGIC) : end])
        stamp, status, headers, etag = header["v"], header["s"], header["h"], header.get("e", "")
        length, crc = header["n"], header["c"]
        if not all(isinstance(v, t) for v, t in ((stamp, str), (status, int), (headers, list), (etag, str))):
            raise ValueError("malformed header")
        body = data[end + 1 :]
        if len(body) != length:
            raise ValueError(f"body is {len(body)} bytes, its header says {length}")
        if zlib.crc32(body) != crc:
            raise ValueError("body checksum does not match")
        pairs = tuple((str(name), str(value)) for name, value in headers)
        entry = Entry(stamp=stamp, status=status, headers=pairs, body=body, etag=etag)
        entry._checked_headers  # noqa: B018 - a header Django refuses (a newline) makes it damaged
        return entry
    except (ValueError, KeyError, TypeError) as exc:
        _damaged.warn(logger, key, "adrf_caching: ignoring a damaged cache entry %s (%s); it is recomputed", key, exc)
        return None
