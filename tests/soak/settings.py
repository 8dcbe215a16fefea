"""Settings of the soak's uvicorn workers and its ORM writer: PostgreSQL and a Redis the soak started."""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("SOAK_DB", "adrf_soak"),
        "USER": os.environ.get("SOAK_DB_USER", "postgres"),
        "HOST": "127.0.0.1",
        "PORT": os.environ.get("SOAK_DB_PORT", "5432"),
        "CONN_MAX_AGE": 0,  # under ASGI each request has its own thread: persistent connections pile up
    }
}
CACHES = {
    "default": {
        "BACKEND": "adrf_caching.backends.redis.AsyncRedisCache",
        "LOCATION": os.environ.get("SOAK_REDIS", "redis://127.0.0.1:6379/0"),
    }
}
ADRF_CACHING_SETTINGS = {"CACHE_ALIAS": "default", "HIT_HEADER": "X-Cache"}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "adrf_caching": {"handlers": ["console"], "level": "WARNING"},
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
