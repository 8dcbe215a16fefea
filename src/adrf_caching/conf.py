"""``ADRF_CACHING_SETTINGS``: read, defaulted and validated in one place.

Settings are read lazily and re-read when Django's ``setting_changed`` fires, so
``override_settings`` in tests and late configuration both work.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = ["CachingSettings", "caching_settings", "load", "seconds"]

OutagePolicy = Literal["serve", "shed"]
InvalidationFailure = Literal["defer", "refuse"]

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
    "COOL_DOWN": 0.25,
    "OUTAGE_POLICY": "serve",
    "OUTAGE_MAX_CONCURRENCY": 32,
    "LOCK_TIMEOUT": 0.0,
    # Speed (dispatch.py, serialization.py): on by default, each can be turned off.
    "INITIAL_ON_LOOP": True,
    "LOOP_SAFE_CLASSES": (),
    "ONE_HOP_SERIALIZATION": True,
    # HTTP (adrf_caching.conditional, adrf_caching.headers) and observability (adrf_caching.events)
    "ETAG": True,
    "CACHE_CONTROL": True,
    "CLIENT_MAX_AGE": None,
    "SHARED_PUBLIC": False,
    "VARY": ("Authorization", "Cookie"),
    "EXPORTERS": (),
    "INVALIDATION_FAILURE": "defer",
    "OWED_CHECK_INTERVAL": 0.25,
    "DEADLINE": 2.0,
}

# adrf-caching 0.2.x keys that no longer exist: accepted with a DeprecationWarning saying why.
DEPRECATED: dict[str, str] = {
    "TTL_USER_VER": "it is no longer needed (a user's version never expires: a write replaces its token); remove it",
}
EXPORTERS = ("prometheus", "otel")


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
    invalidation_failure: InvalidationFailure
    owed_check_interval: float
    deadline: float
    initial_on_loop: bool = True
    loop_safe_classes: frozenset[str] = frozenset()
    one_hop_serialization: bool = True
    etag: bool = True
    cache_control: bool = True
    client_max_age: int | None = None
    shared_public: bool = False
    vary: tuple[str, ...] = ("Authorization", "Cookie")
    exporters: tuple[str, ...] = ()


def _deprecated(given: dict[str, Any]) -> dict[str, Any]:
    for key in sorted(set(given) & set(DEPRECATED)):
        warnings.warn(
            f"ADRF_CACHING_SETTINGS[{key!r}] is an adrf-caching 0.2 setting: {DEPRECATED[key]}.",
            DeprecationWarning,
            stacklevel=4,
        )
    return {key: value for key, value in given.items() if key not in DEPRECATED}


def _names(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ImproperlyConfigured(f"ADRF_CACHING_SETTINGS[{key!r}] must be a list of strings, got {value!r}.")
    return tuple(value)


def _http_and_events(raw: dict[str, Any]) -> dict[str, Any]:
    max_age = raw["CLIENT_MAX_AGE"]
    exporters = _names(raw["EXPORTERS"], "EXPORTERS")
    unknown = sorted(set(exporters) - set(EXPORTERS))
    if unknown:
        raise ImproperlyConfigured(
            f"ADRF_CACHING_SETTINGS['EXPORTERS'] has unknown exporters {unknown}; known: {list(EXPORTERS)}."
        )
    return {
        "etag": bool(raw["ETAG"]),
        "cache_control": bool(raw["CACHE_CONTROL"]),
        "client_max_age": None if max_age is None else seconds(max_age, "ADRF_CACHING_SETTINGS['CLIENT_MAX_AGE']"),
        "shared_public": bool(raw["SHARED_PUBLIC"]),
        "vary": _names(raw["VARY"], "VARY"),
        "exporters": exporters,
    }


def load() -> CachingSettings:
    """Read and validate ``ADRF_CACHING_SETTINGS`` now (``caching_settings()`` keeps the result)."""
    given = getattr(django_settings, "ADRF_CACHING_SETTINGS", None) or {}
    if not isinstance(given, dict):
        raise ImproperlyConfigured("ADRF_CACHING_SETTINGS must be a dict.")
    given = _deprecated(given)
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
    failure = raw["INVALIDATION_FAILURE"]
    if failure not in ("defer", "refuse"):
        raise ImproperlyConfigured(
            "ADRF_CACHING_SETTINGS['INVALIDATION_FAILURE'] must be 'defer' (write, bump when the cache is back) "
            "or 'refuse' (a write whose bump the cache does not take fails)."
        )
    hit_header = raw["HIT_HEADER"]
    if hit_header is not None and not isinstance(hit_header, str):
        raise ImproperlyConfigured("ADRF_CACHING_SETTINGS['HIT_HEADER'] must be a header name or None.")
    loop_safe = raw["LOOP_SAFE_CLASSES"]
    if isinstance(loop_safe, str) or not all(isinstance(path, str) for path in loop_safe):
        raise ImproperlyConfigured(
            "ADRF_CACHING_SETTINGS['LOOP_SAFE_CLASSES'] must be a list of dotted class paths, "
            f"e.g. ['myapp.auth.JWTAuthentication'], got {loop_safe!r}."
        )
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
        initial_on_loop=bool(raw["INITIAL_ON_LOOP"]),
        loop_safe_classes=frozenset(loop_safe),
        one_hop_serialization=bool(raw["ONE_HOP_SERIALIZATION"]),
        **_http_and_events(raw),
        invalidation_failure=failure,
        owed_check_interval=_positive(raw["OWED_CHECK_INTERVAL"], "OWED_CHECK_INTERVAL"),
        deadline=_positive(raw["DEADLINE"], "DEADLINE"),
    )


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ImproperlyConfigured(
            f"ADRF_CACHING_SETTINGS['{name}'] must be a positive number of seconds, got {value!r}."
        )
    return float(value)


_current: CachingSettings | None = None


def caching_settings() -> CachingSettings:
    """The validated settings; raises ``ImproperlyConfigured`` naming the key to fix."""
    global _current
    if _current is None:
        _current = load()
    return _current


@receiver(setting_changed)
def _reload(*, setting: str, **kwargs: object) -> None:
    global _current
    if setting in ("ADRF_CACHING_SETTINGS", "CACHES"):
        _current = None
