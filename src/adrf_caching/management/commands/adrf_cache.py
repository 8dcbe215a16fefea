"""``manage.py adrf_cache stats|clear|invalidate <app.Model>``: look at, clear or outdate the library's keys.

Works on every backend: Redis ones (the native ``AsyncRedisCache``, cluster included, Django's
``RedisCache``, django-redis) are listed with ``SCAN``, LocMem from its memory; others can only
be outdated. Only keys under the library's ``PREFIX`` are read or deleted, never the whole database.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from adrf_caching import keyspace
from adrf_caching.conf import caching_settings
from adrf_caching.invalidation import invalidate_all, invalidate_model
from adrf_caching.store import get_store


class Command(BaseCommand):
    help = (
        "stats: count the library's keys; clear: outdate every entry and delete the library's keys; "
        "invalidate app.Model: outdate every entry built from that model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("stats", help="count entries and versions under PREFIX")
        commands.add_parser("clear", help="outdate every entry, then delete the library's keys (never others)")
        invalidate = commands.add_parser("invalidate", help="outdate every entry built from these models")
        invalidate.add_argument("models", nargs="+", metavar="app_label.Model")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        conf = caching_settings()
        backend = get_store().backend
        where = f"{type(backend).__name__} (CACHES[{conf.cache_alias!r}]), prefix {conf.prefix!r}"
        if action == "invalidate":
            models = [self._model(label) for label in options["models"]]
            invalidate_model(*models)
            names = ", ".join(model._meta.label for model in models)
            self.stdout.write(f"outdated every entry built from {names} on {where}")
        elif action == "clear":
            invalidate_all()  # first, on every backend: nothing under the prefix is served any more
            found = keyspace.library_keys(backend, conf.prefix)
            if found is None:
                self.stdout.write(
                    f"outdated every entry on {where}; this backend cannot list keys, "
                    "so they stay until they expire (they are never served)"
                )
                return
            deleted = keyspace.delete(backend, found)
            self.stdout.write(f"outdated every entry and deleted {deleted} keys on {where}")
        else:
            self._stats(backend, conf.prefix, where)

    def _stats(self, backend: Any, prefix: str, where: str) -> None:
        found = keyspace.library_keys(backend, prefix)
        if found is None:
            self.stdout.write(f"{where}: this backend cannot list keys (memcached, database, file); no counts")
            return
        counts = keyspace.describe(found, backend, prefix)
        self.stdout.write(f"{where}: {len(found)} keys")
        for name in ("entries", "users with entries", "locks"):
            self.stdout.write(f"  {name}: {counts.pop(name, 0)}")
        for name, count in sorted(counts.items()):
            self.stdout.write(f"  {name}: {count}")

    def _model(self, label: str) -> Any:
        try:
            return apps.get_model(label)
        except (LookupError, ValueError) as exc:
            raise CommandError(f"{label!r} is not a model: name it as app_label.ModelName ({exc}).") from exc
