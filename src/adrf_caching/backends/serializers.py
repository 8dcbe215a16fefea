"""How ``AsyncRedisCache`` turns values into bytes, without trusting what it reads back.

* ``int`` (not ``bool``): its decimal digits, so Redis ``INCRBY`` works on it natively;
* ``bytes``: ``b"b"`` then the bytes as they are (the library's entries and nothing else);
* ``str``: ``b"s"`` then UTF-8 (the library's version tokens);
* anything else (sessions, querysets a project caches itself...): ``b"p"``, an HMAC-SHA256 of
  the pickle keyed with ``SECRET_KEY``, then the pickle.

A pickle is loaded only after its HMAC verified (``SECRET_KEY`` or one of
``SECRET_KEY_FALLBACKS``), so someone who can write to Redis but does not know the secret
cannot make this process unpickle, that is run, what they wrote. A value that does not verify
or parse is reported as missing (a miss), never raised to the caller.
"""

from __future__ import annotations

import hmac
import logging
import pickle
import re
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

__all__ = ["DamagedValue", "SignedSerializer"]

logger = logging.getLogger("adrf_caching")

_INT = re.compile(rb"-?[0-9]+")
_SALT = "adrf_caching.backends.redis.SignedSerializer"
_MAC_SIZE = 32  # sha256


class DamagedValue(ValueError):
    """A stored value that is not one of ours, or whose signature does not verify."""


class SignedSerializer:
    def __init__(self, protocol: int | None = None) -> None:
        self.protocol = pickle.HIGHEST_PROTOCOL if protocol is None else protocol

    def dumps(self, value: Any) -> bytes:
        kind = type(value)
        if kind is int:
            return str(value).encode()
        if kind is bytes:
            return b"b" + bytes(value)
        if kind is str:
            return b"s" + str(value).encode()
        payload = pickle.dumps(value, self.protocol)
        return b"p" + _mac(payload, settings.SECRET_KEY) + payload

    def loads(self, data: bytes) -> Any:
        marker = data[:1]
        if marker == b"b":
            return data[1:]
        if marker == b"s":
            try:
                return data[1:].decode()
            except UnicodeDecodeError as exc:
                raise DamagedValue("not UTF-8") from exc
        if marker == b"p":
            mac, payload = data[1 : 1 + _MAC_SIZE], data[1 + _MAC_SIZE :]
            secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
            if not any(hmac.compare_digest(mac, _mac(payload, secret)) for secret in secrets):
                raise DamagedValue("pickle signature does not verify: not unpickled")
            return pickle.loads(payload)
        if _INT.fullmatch(data):
            return int(data)
        raise DamagedValue("unknown format marker")


def _mac(payload: bytes, secret: str | bytes) -> bytes:
    return salted_hmac(_SALT, payload, secret=secret, algorithm="sha256").digest()
