"""Settings for the processes of tests/test_owed_bumps.py: a SQLite file and a Redis server they share."""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["ADRF_OWED_DB"]}}
CACHES = {
    "default": {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache", "LOCATION": os.environ["ADRF_OWED_REDIS"]},
}
ADRF_CACHING_SETTINGS = {"CACHE_ALIAS": "default", "HIT_HEADER": "X-Cache"}
