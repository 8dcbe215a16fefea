"""Stateless bearer tokens: ``<user id>.<hmac>``. Stdlib only (the orchestrator mints them too).

Authentication must not touch the database, otherwise no cache could reach 0 DB queries per hit.
"""

from __future__ import annotations

import hashlib
import hmac

SECRET = b"adrf-caching-benchmark-not-a-secret"


def sign(user_id: int) -> str:
    return hmac.new(SECRET, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def token_for(user_id: int) -> str:
    return f"{user_id}.{sign(user_id)}"


def verify(token: str) -> int | None:
    uid, _, mac = token.partition(".")
    if not uid.isdigit() or not hmac.compare_digest(mac, sign(int(uid))):
        return None
    return int(uid)


def authorization_header(user_id: int) -> str:
    return f"Bearer {token_for(user_id)}"
