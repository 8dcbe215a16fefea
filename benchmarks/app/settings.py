"""Django settings for the benchmark app. ``BENCH_CONTENDER`` selects the URL conf and the caches.

Environment:
  BENCH_CONTENDER  contender name (see contenders.py); default "adrf-uncached"
  DATABASE_URL     postgres://user@host:port/name; SQLite under benchmarks/.data otherwise
  BENCH_REDIS_URL  redis://host:port/db used by every Redis-backed contender
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from benchmarks.app.contenders import BY_NAME, CORE_CACHE_ALIAS

CONTENDER = BY_NAME[os.environ.get("BENCH_CONTENDER", "adrf-uncached")]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
DATA_DIR = Path(__file__).resolve().parent.parent / ".data"

SECRET_KEY = "benchmark-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "adrf",
    "benchmarks.app.apps.BenchConfig",
]
if CONTENDER.name == "drf-extensions":
    INSTALLED_APPS.append("rest_framework_extensions")
if CONTENDER.needs_core:
    # PLUG-IN POINT (rows 4-5): the core's app config connects its ORM-signal invalidation.
    INSTALLED_APPS.append("adrf_caching")

# No session/auth middleware: authentication is the stateless bearer token of every API view.
MIDDLEWARE = ["benchmarks.app.stats.CountRequestsMiddleware"]
ROOT_URLCONF = "benchmarks.app.urls"


def _database(url: str | None) -> dict[str, Any]:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "bench.sqlite3"),
            "OPTIONS": {"timeout": 30},
        }
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL: only postgres:// is supported, got {parsed.scheme!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parsed.path.lstrip("/") or "postgres",
        "USER": unquote(parsed.username or "postgres"),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "127.0.0.1",
        "PORT": str(parsed.port or 5432),
        # A pool, so the per-request threads of Django's ASGI handler do not each open a connection.
        "OPTIONS": {"pool": {"min_size": 2, "max_size": 8}},
    }


DATABASES = {"default": _database(os.environ.get("DATABASE_URL"))}

_DJANGO_REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
_LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}

CACHES: dict[str, dict[str, Any]] = {"default": _LOCMEM}
if CONTENDER.cache == "django-redis-default":
    # cache_page, drf-extensions and adrf-caching 0.2.4 all use the "default" alias.
    CACHES = {"default": _DJANGO_REDIS}
elif CONTENDER.cache == "core-django-redis":
    # PLUG-IN POINT (row 4): the core library on Django's built-in RedisCache.
    CACHES = {"default": _LOCMEM, CORE_CACHE_ALIAS: _DJANGO_REDIS}
elif CONTENDER.cache == "core-native":
    # PLUG-IN POINT (row 5): the core library's own asyncio backend.
    CACHES = {
        "default": _LOCMEM,
        CORE_CACHE_ALIAS: {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache", "LOCATION": REDIS_URL},
    }

if CONTENDER.cache in ("core-django-redis", "core-native"):
    # X-Cache lets stats.py count hits that were not hits.
    ADRF_CACHING_SETTINGS: dict[str, Any] = {"CACHE_ALIAS": CORE_CACHE_ALIAS, "HIT_HEADER": "X-Cache"}
    if not CONTENDER.speed:
        ADRF_CACHING_SETTINGS.update(INITIAL_ON_LOOP=False, ONE_HOP_SERIALIZATION=False)
elif CONTENDER.name == "adrf-caching-0.2.4":
    # 0.2.4 reads TTL_OBJECT, TTL_LIST, TTL_USER_VER, PREFIX; it has no alias setting.
    ADRF_CACHING_SETTINGS = {"TTL_OBJECT": 600, "TTL_LIST": 600, "TTL_USER_VER": 86400}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["benchmarks.app.auth.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
}
REST_FRAMEWORK_EXTENSIONS = {"DEFAULT_CACHE_RESPONSE_TIMEOUT": 600, "DEFAULT_USE_CACHE": "default"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
