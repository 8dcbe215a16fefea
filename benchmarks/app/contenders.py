"""The contenders: one place that names them, for both the orchestrator and the Django app.

Stdlib only: the orchestrator imports this with whatever Python runs ``benchmarks/run.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Venv = Literal["main", "old"]
# How the contender uses Redis; selects the CACHES setting in ``benchmarks.app.settings``.
CacheKind = Literal["none", "django-redis-default", "core-django-redis", "core-native"]


@dataclass(frozen=True)
class Contender:
    row: int
    name: str
    label: str
    venv: Venv
    # Module (under benchmarks.app.views) that defines ``urlpatterns`` for this contender.
    views_module: str
    cache: CacheKind
    # A response cache: requests are warmed per (user, path) before the all-hits phase.
    caches: bool
    # A real viewset: it has a miss path (cold scenario) and serves writes (mixed scenario).
    viewset: bool
    # Rows 4 and 5 need the core library, which may not be importable yet: skipped, not failed.
    needs_core: bool = False
    # Served by ``adrf_caching.asgi.get_asgi_application()`` (pooled thread-sensitive executors).
    pooled: bool = False
    # The core's speed features (initial() on the loop, one-hop serialization); off = before issue 11.
    speed: bool = True


CONTENDERS: tuple[Contender, ...] = (
    Contender(1, "floor", "Django async view, bytes from memory", "main", "floor", "none", False, False),
    Contender(
        2,
        "bare-redis",
        "Django async view, one redis.asyncio GET",
        "main",
        "bare_redis",
        "none",
        False,
        False,
    ),
    Contender(
        3, "adrf-uncached", "ADRF ModelViewSet, uncached", "main", "adrf_uncached", "none", False, True
    ),
    # PLUG-IN POINT (rows 4 and 5): see benchmarks/app/views/core_cached.py and settings.CACHES.
    Contender(
        4,
        "core-rediscache",
        "adrf-caching + Django RedisCache",
        "main",
        "core_cached",
        "core-django-redis",
        True,
        True,
        needs_core=True,
    ),
    Contender(
        5,
        "core-native",
        "adrf-caching + AsyncRedisCache",
        "main",
        "core_cached",
        "core-native",
        True,
        True,
        needs_core=True,
    ),
    Contender(
        6,
        "cache-page",
        "cache_page + vary_on_headers on ADRF",
        "main",
        "cache_page",
        "django-redis-default",
        True,
        True,
    ),
    Contender(
        7,
        "drf-extensions",
        "drf-extensions cache_response (sync DRF)",
        "main",
        "drf_ext",
        "django-redis-default",
        True,
        True,
    ),
    Contender(
        8,
        "adrf-caching-0.2.4",
        "adrf-caching 0.2.4 from PyPI",
        "old",
        "old_pkg",
        "django-redis-default",
        True,
        True,
    ),
    # Not in the list: the uncached sync DRF viewset, the fair miss-path baseline for row 7
    # (adrf's async serializers cost far more per object than DRF's sync ones).
    Contender(
        9,
        "drf-uncached",
        "reference: sync DRF ModelViewSet, uncached",
        "main",
        "drf_uncached",
        "none",
        False,
        True,
    ),
    # Not in the list: what any cache built on an ADRF view can reach at best.
    Contender(
        10,
        "adrf-floor",
        "reference: ADRF APIView, bytes from memory",
        "main",
        "adrf_floor",
        "none",
        False,
        False,
    ),
)

# Issue 11: the pooled executors of ``adrf_caching.asgi`` applied to the hit rows and to the rows
# they are compared with (1, 2, 10), and row 5 with its speed features off (the "before").
CONTENDERS += (
    Contender(
        11, "core-native-pooled", "adrf-caching + AsyncRedisCache, pooled executors", "main", "core_cached",
        "core-native", True, True, needs_core=True, pooled=True,
    ),
    Contender(
        12, "floor-pooled", "row 1 under pooled executors", "main", "floor", "none", False, False,
        needs_core=True, pooled=True,
    ),
    Contender(
        13, "bare-redis-pooled", "row 2 under pooled executors", "main", "bare_redis", "none", False, False,
        needs_core=True, pooled=True,
    ),
    Contender(
        14, "adrf-floor-pooled", "row 10 under pooled executors", "main", "adrf_floor", "none", False, False,
        needs_core=True, pooled=True,
    ),
    Contender(
        15, "core-native-hop", "row 5 with INITIAL_ON_LOOP and ONE_HOP_SERIALIZATION off", "main",
        "core_cached", "core-native", True, True, needs_core=True, speed=False,
    ),
)

BY_NAME: dict[str, Contender] = {c.name: c for c in CONTENDERS}

# Fixed shape of the data set, shared by the seeder, the views and the load scripts.
N_AUTHORS = 20
N_POSTS = 500
N_USERS = 50
PAGE_SIZE = 50
N_PAGES = N_POSTS // PAGE_SIZE
# The alias the cached contenders use; rows 6-8 use "default" because their libraries hard-code it.
CORE_CACHE_ALIAS = "bench"
