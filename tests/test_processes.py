"""Any process with the project's settings bumps what it writes, without importing adrf_caching itself."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from django.test import AsyncClient, override_settings

from adrf_caching.conf import caching_settings
from adrf_caching.store import get_store
from tests.conftest import learn

pytestmark = pytest.mark.django_db(transaction=True)

WORKER = textwrap.dedent(
    """
    import os, sys
    import django
    from django.conf import settings

    django.setup()  # what every worker, task runner and management command does; nothing else
    assert "adrf_caching.base" not in sys.modules, "the worker must not need the views"
    settings.CACHES["native"] = {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache",
                                 "LOCATION": os.environ["WORKER_REDIS_URL"]}
    settings.ADRF_CACHING_SETTINGS = {"CACHE_ALIAS": "native"}
    settings.DATABASES["default"]["NAME"] = os.environ["WORKER_DB"]
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from django.db import connection
    with connection.cursor() as cursor:  # raw SQL, no model, no signal
        cursor.execute("UPDATE testapp_post SET title = 'x' WHERE 1 = 0")
    """
)


async def test_a_worker_that_never_imports_the_library_still_bumps(redis_url, posts, tmp_path):
    native = {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache", "LOCATION": redis_url}
    from django.conf import settings

    caches = {**settings.CACHES, "native": native}
    with override_settings(CACHES=caches, ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "native", "HIT_HEADER": "X-Cache"}):
        client = AsyncClient()
        await learn(client, "/posts/")
        assert (await client.get("/posts/"))["X-Cache"] == "hit"
        key = f"{caching_settings().prefix}:{{s0}}:v:t:testapp_post"
        before = (await get_store().get_many([key]))[key]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "WORKER_REDIS_URL": redis_url,
            "WORKER_DB": str(tmp_path / "worker.sqlite3"),
            "DATABASE_URL": "",
        }
        done = subprocess.run([sys.executable, "-c", WORKER], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert (await get_store().get_many([key]))[key] != before
        assert (await client.get("/posts/"))["X-Cache"] == "miss"
