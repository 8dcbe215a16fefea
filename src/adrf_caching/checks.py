"""System checks: settings errors surface when Django starts, not inside a signal during ``migrate``;
a cache without a socket timeout turns a hanging Redis into hanging requests."""

from __future__ import annotations

import warnings
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from adrf_caching.conf import DEPRECATED, load

__all__ = ["check_cache_timeouts", "check_settings"]

_DJANGO_REDIS = ("django.core.cache.backends.redis.RedisCache", "django_redis.cache.RedisCache")
_HINT = (
    "Give the cache a socket timeout, e.g. CACHES[{alias!r}]['OPTIONS'] = "
    "{{'socket_timeout': 1.0, 'socket_connect_timeout': 0.5}} (django-redis: 'SOCKET_TIMEOUT' and "
    "'SOCKET_CONNECT_TIMEOUT'), or use adrf_caching.backends.redis.AsyncRedisCache, which has them by default."
)


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``adrf_caching.E001`` for invalid ``ADRF_CACHING_SETTINGS``, ``W001`` for 0.2 keys to remove."""
    from django.conf import settings

    found: list[checks.CheckMessage] = []
    given = getattr(settings, "ADRF_CACHING_SETTINGS", None) or {}
    if isinstance(given, dict):
        for key in sorted(set(given) & set(DEPRECATED)):
            found.append(
                checks.Warning(
                    f"ADRF_CACHING_SETTINGS[{key!r}] is an adrf-caching 0.2 setting: {DEPRECATED[key]}.",
                    id="adrf_caching.W001",
                )
            )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # reported above as a check warning
            load()  # validate only: settings are still read lazily, on first use
    except ImproperlyConfigured as exc:
        found.append(checks.Error(str(exc), hint="Fix ADRF_CACHING_SETTINGS in your settings.", id="adrf_caching.E001"))
    return found


def check_cache_timeouts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from django.conf import settings

    try:
        alias = load().cache_alias
    except ImproperlyConfigured:  # reported by check_settings, with the key to fix
        return []
    cache = settings.CACHES.get(alias, {})
    backend = cache.get("BACKEND", "")
    options = cache.get("OPTIONS") or {}
    if backend in _DJANGO_REDIS:
        given = options.get("socket_timeout", options.get("SOCKET_TIMEOUT"))
    elif backend == "adrf_caching.backends.redis.AsyncRedisCache":
        given = options.get("socket_timeout", 1.0)
    else:
        return []
    if given is not None:
        return []
    return [
        checks.Warning(
            f"The cache {alias!r} that adrf_caching uses has no socket timeout: a Redis that hangs "
            "(SIGSTOP, a full network buffer, a failover) holds every request until the operating system "
            "gives up, instead of serving it uncached.",
            hint=_HINT.format(alias=alias),
            id="adrf_caching.W002",
        )
    ]
