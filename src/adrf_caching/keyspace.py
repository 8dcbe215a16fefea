"""The library's keys in a backend: listed (Redis SCAN, every node of a cluster; LocMem's dict) and deleted.

Only keys under the configured ``PREFIX`` are touched, never the rest of the database. Backends
that cannot list keys (memcached, database, file) answer ``None``: the caller outdates instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

__all__ = ["delete", "describe", "library_keys", "redis_client"]

_BATCH = 500
_TRACKED = {"t": "tables", "u": "users", "w": "views", "all": "everything"}  # what a version key's kind tracks


def redis_client(backend: Any) -> Any:
    """The sync redis-py client (or cluster client) of a Redis backend, else ``None``."""
    from adrf_caching.backends.redis import AsyncRedisCache

    if isinstance(backend, AsyncRedisCache):
        return backend._sync
    inner = getattr(backend, "_cache", None)  # Django's RedisCache
    if inner is not None and hasattr(inner, "get_client"):
        return inner.get_client(write=True)
    client = getattr(backend, "client", None)  # django-redis
    if client is not None and hasattr(client, "get_client"):
        return client.get_client(write=True)
    return None


def _marker(backend: Any, prefix: str) -> str:
    """How every library key starts once the backend made it (KEY_PREFIX, VERSION, KEY_FUNCTION)."""
    made: str = backend.make_key(f"{prefix}:{{s")
    return made


def _is_locmem(backend: Any) -> bool:
    from django.core.cache.backends.locmem import LocMemCache

    return isinstance(backend, LocMemCache)


def library_keys(backend: Any, prefix: str) -> list[str] | None:
    """Every key of the library under ``prefix``, as stored; ``None`` if this backend cannot list keys."""
    marker = _marker(backend, prefix)
    if _is_locmem(backend):
        with backend._lock:
            return [key for key in backend._cache if key.startswith(marker)]
    client = redis_client(backend)
    if client is None:
        return None
    pattern = re.sub(r"([*?\[\]\\])", r"\\\1", marker) + "*"
    found = client.scan_iter(match=pattern, count=1000)
    return sorted({key.decode() if isinstance(key, bytes) else str(key) for key in found})


def delete(backend: Any, keys: Iterable[str]) -> int:
    """Delete these stored keys (as ``library_keys`` lists them); the number deleted."""
    keys = list(keys)
    if _is_locmem(backend):
        deleted = 0
        with backend._lock:
            for key in keys:
                if backend._cache.pop(key, None) is not None:
                    deleted += 1
                backend._expire_info.pop(key, None)
        return deleted
    client = redis_client(backend)
    deleted = 0
    for start in range(0, len(keys), _BATCH):
        deleted += int(client.delete(*keys[start : start + _BATCH]))
    return deleted


def describe(keys: Iterable[str], backend: Any, prefix: str) -> Counter[str]:
    """Counts of the keys by kind: entries, users with entries, locks, and versions by what they track."""
    marker = _marker(backend, prefix)
    kinds: Counter[str] = Counter()
    users: set[str] = set()
    for key in keys:
        rest = key[len(marker) :].split("}:", 1)[-1]  # after "{sN}:"
        parts = rest.split(":")
        if rest.endswith(":lock"):
            kinds["locks"] += 1
        elif parts[0] == "e":
            kinds["entries"] += 1
            users.add(parts[1] if len(parts) > 1 else "?")
        elif parts[0] == "v":
            tracked = _TRACKED.get(parts[1], parts[1])
            kinds[f"versions of {tracked}"] += 1
        else:
            kinds["other"] += 1
    kinds["users with entries"] = len(users)
    return kinds
