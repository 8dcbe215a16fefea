"""``manage.py adrf_cache stats|clear``: look at or clear the library's cache namespace."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from adrf_caching.conf import caching_settings
from adrf_caching.invalidation import invalidate_all
from adrf_caching.store import get_store


def _redis_client(backend: Any) -> Any:
    """The sync redis-py client of a Redis backend, or None for backends that cannot list keys."""
    for attribute in ("sync_client", "get_sync_client"):
        found = getattr(backend, attribute, None)
        if found is not None:
            return found() if callable(found) else found
    inner = getattr(backend, "_cache", None)  # Django's RedisCache
    if inner is not None and hasattr(inner, "get_client"):
        return inner.get_client(write=True)
    return None


class Command(BaseCommand):
    help = "Show counts of adrf-caching keys, or clear them (outdate everything, and delete on Redis)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["stats", "clear"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        conf = caching_settings()
        backend = get_store().backend
        client = _redis_client(backend)
        pattern = f"*{conf.prefix}:{{s*}}:*"
        if action == "clear":
            invalidate_all()  # works on every backend: every entry is now outdated
            deleted = 0
            if client is not None:
                for key in client.scan_iter(match=pattern, count=1000):
                    deleted += client.delete(key)
            self.stdout.write(f"outdated every entry under prefix {conf.prefix!r}; deleted {deleted} keys")
            return
        if client is None:
            self.stdout.write(
                f"{type(backend).__name__} cannot list its keys: no counts (prefix {conf.prefix!r})"
            )
            return
        kinds: Counter[str] = Counter()
        for key in client.scan_iter(match=pattern, count=1000):
            text = key.decode() if isinstance(key, bytes) else str(key)
            kind = text.split("}:", 1)[-1].split(":")[:2]
            kinds["entries" if kind[0] == "e" else f"versions ({kind[1] if len(kind) > 1 else '?'})"] += 1
        self.stdout.write(f"prefix {conf.prefix!r} on {type(backend).__name__}:")
        for name, count in sorted(kinds.items()):
            self.stdout.write(f"  {name}: {count}")
        if not kinds:
            self.stdout.write("  no keys")
