"""``ADRF_CACHING_SETTINGS``: read, defaulted and validated in one place.

Settings are read lazily and re-read when Django's ``setting_changed`` fires, so
``override_settings`` in tests and late configuration both work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = ["CachingSettings", "caching_settings", "seconds"]

OutagePolicy = Literal["serve", "shed"]

_DEFAULTS: dict[str, Any] = {
    "CACHE_ALIAS": "default",
    "ENABLED": True,
    "PREFIX": "adrf",
    "TTL": 300,
    "TTL_LIST": None,
    "TTL_OBJECT": None,
    "SHARDS": 1,
    "HIT_HEADER": None,
    "RESPECT_CLIENT_NO_CACHE": False,
    "KEY_BUILDER": "adrf_caching.keys.DefaultKeyBuilder",
    "FAILURE_THRESHOLD": 3,
    "COOL_DOWN": 10.0,
    "OUTAGE_POLICY": "serve",
    "OUTAGE_MAX_CONCURRENCY": 32,
    "LOCK_TIMEOUT": 0.0,
}


def seconds(value: object, what: str) -> int:
    """Turn a ttl given as int seconds or ``timedelta`` into whole seconds, or explain what is wrong."""
    if isinstance(value, timedelta):
        value = int(value.total_seconds())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ImproperlyConfigured(f"{what} must be a whole number of seconds or a timedelta, got {value!r}.")
    if value < 0:
        raise ImproperlyConfigured(f"{what} must not be negative, got {value}.")
    return value


@dataclass(frozen=True)
class CachingSettings:
    cache_alias: str
    enabled: bool
    prefix: str
    ttl: int
    ttl_list: int
    ttl_object: int
    shards: int
    hit_header: str | None
    respect_client_no_cache: bool
    key_builder: str
    failure_threshold: int
    cool_down: float
    outage_policy: OutagePolicy
    outage_max_concurrency: int
    lock_timeout: float


def _load() -> CachingSettings:
    given = getattr(django_settings, "ADRF_CACHING_SETTINGS", None) or {}
    if not isinstance(given, dict):
        raise ImproperlyConfigured("ADRF_CACHING_SETTINGS must be a dict.")
    unknown = sorted(set(given) - set(_DEFAULTS))
    if unknown:
        raise ImproperlyConfigured(
            f"ADRF_CACHING_SETTINGS has unknown keys {unknown}; known keys are {sorted(_DEFAULTS)}."
        )
    raw = {**_DEFAULTS, **given}
    alias = raw["CACHE_ALIAS"]
    if alias not in django_settings.CACHES:
        raise ImproperlyConfigured(
            f"ADRF_CACHING_SETTINGS['CACHE_ALIAS'] is {alias!r}, which is not in CACHES "
            f"({sorted(django_settings.CACHES)})."
        )
    prefix = raw["PREFIX"]
    if not isinstance(prefix, str) or not prefix or any(c in prefix for c in "{}: \n"):
        raise ImproperlyConfigured(
            "ADRF_CACHING_SETTINGS['PREFIX'] must be a non-empty string without ':', '{', '}' or spaces."
        )
    ttl = seconds(raw["TTL"], "ADRF_CACHING_SETTINGS['TTL']")
    shards = raw["SHARDS"]
    if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= 1024:
        raise ImproperlyConfigured("ADRF_CACHING_SETTINGS['SHARDS'] must be an int from 1 to 1024.")
    policy = raw["OUTAGE_POLICY"]
    if policy not in ("serve", "shed"):
        raise ImproperlyConfigured("ADRF_CACHING_SETTINGS['OUTAGE_POLICY'] must be 'serve' or 'shed'.")
    hit_header = raw["HIT_HEADER"]
    if hit_header is not None and not isinstance(hit_header, str):
        raise ImproperlyConfigured("ADRF_CACHING_SETTINGS['HIT_HEADER'] must be a header name or None.")
    return CachingSettings(
        cache_alias=alias,
        enabled=bool(raw["ENABLED"]),
        prefix=prefix,
        ttl=ttl,
        ttl_list=ttl if raw["TTL_LIST"] is None else seconds(raw["TTL_LIST"], "ADRF_CACHING_SETTINGS['TTL_LIST']"),
        ttl_object=(
            ttl if raw["TTL_OBJECT"] is None else seconds(raw["TTL_OBJECT"], "ADRF_CACHING_SETTINGS['TTL_OBJECT']")
        ),
        shards=shards,
        hit_header=hit_header,
        respect_client_no_cache=bool(raw["RESPECT_CLIENT_NO_CACHE"]),
        key_builder=str(raw["KEY_BUILDER"]),
        failure_threshold=max(1, int(raw["FAILURE_THRESHOLD"])),
        cool_down=float(raw["COOL_DOWN"]),
        outage_policy=policy,
        outage_max_concurrency=max(1, int(raw["OUTAGE_MAX_CONCURRENCY"])),
        lock_timeout=float(raw["LOCK_TIMEOUT"]),
    )


_current: CachingSettings | None = None


def caching_settings() -> CachingSettings:
    """The validated settings; raises ``ImproperlyConfigured`` naming the key to fix."""
    global _current
    if _current is None:
        _current = _load()
    return _current


@receiver(setting_changed)
def _reload(*, setting: str, **kwargs: object) -> None:
    global _current
    if setting in ("ADRF_CACHING_SETTINGS", "CACHES"):
        _current = None
