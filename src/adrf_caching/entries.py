"""The stored entry: a small JSON header line and the rendered body, as bytes.

Nothing is pickled by this library: an entry that does not parse is a miss, never code.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.http import HttpResponse

__all__ = ["Entry", "decode", "encode"]

logger = logging.getLogger("adrf_caching")

MAGIC = b"adrf1\n"


@dataclass(frozen=True)
class Entry:
    stamp: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def to_response(self) -> HttpResponse:
        response = HttpResponse(self.body, status=self.status)
        if not any(name.lower() == "content-type" for name, _ in self.headers):
            del response["Content-Type"]
        for name, value in self.headers:
            response[name] = value
        return response


def encode(entry: Entry) -> bytes:
    header = {"v": entry.stamp, "s": entry.status, "h": entry.headers}
    return MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n" + entry.body


def decode(raw: object) -> Entry | None:
    """The entry in ``raw``, or ``None`` (logged) when it is not one of ours or is damaged."""
    if raw is None:
        return None
    try:
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise ValueError(f"not bytes but {type(raw).__name__}")
        data = bytes(raw)
        if not data.startswith(MAGIC):
            raise ValueError("wrong format marker")
        end = data.index(b"\n", len(MAGIC))
        header = json.loads(data[len(MAGIC) : end])
        stamp, status, headers = header["v"], header["s"], header["h"]
        if not isinstance(stamp, str) or not isinstance(status, int) or not isinstance(headers, list):
            raise ValueError("malformed header")
        pairs = tuple((str(name), str(value)) for name, value in headers)
        return Entry(stamp=stamp, status=status, headers=pairs, body=data[end + 1 :])
    except (ValueError, KeyError, TypeError) as exc:
        logger.warning("adrf_caching: ignoring a damaged cache entry (%s)", exc)
        return None
