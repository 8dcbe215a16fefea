"""``manage.py adrf_cache``: counts on Redis, and clear outdates everything on every backend."""

from __future__ import annotations

from io import StringIO

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.test import AsyncClient

from tests.conftest import count_queries

pytestmark = pytest.mark.django_db(transaction=True)


async def test_stats_and_clear(backend, posts, client: AsyncClient):
    await client.get("/posts/")
    await client.get(f"/posts/{posts[0].pk}/")
    out = StringIO()
    await sync_to_async(call_command)("adrf_cache", "stats", stdout=out)
    if backend == "redis":
        assert "entries: 2" in out.getvalue()
    else:
        assert "cannot list its keys" in out.getvalue()
    await sync_to_async(call_command)("adrf_cache", "clear", stdout=StringIO())
    async with count_queries() as after:
        await client.get("/posts/")
    assert after.value > 0
