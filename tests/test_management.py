"""``manage.py adrf_cache``: stats, clear and invalidate on LocMem, RedisCache, AsyncRedisCache and a cluster."""

from __future__ import annotations

from io import StringIO

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.test import AsyncClient, override_settings

from adrf_caching import ainvalidate_all
from adrf_caching.store import get_store
from tests.conftest import auth, count_queries, learn
from tests.test_cluster import cluster, nodes  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


async def command(*args: str) -> str:
    out = StringIO()
    await sync_to_async(call_command)("adrf_cache", *args, stdout=out)
    return out.getvalue()


async def test_stats_counts_entries_users_and_versions(backend, posts, alice, client: AsyncClient):
    await learn(client, "/posts/")
    await learn(client, f"/posts/{posts[0].pk}/")
    await learn(client, "/posts/", headers=auth(alice))
    out = await command("stats")
    assert "entries: 3" in out
    assert "users with entries: 2" in out  # anonymous and alice
    assert "versions of tables:" in out and "versions of users:" in out and "versions of everything: 1" in out
    assert f"CACHES[{backend!r}]" in out


async def test_clear_outdates_and_deletes_only_the_librarys_keys(backend, posts, client: AsyncClient):
    await client.get("/posts/")
    await client.get(f"/posts/{posts[0].pk}/")
    await sync_to_async(caches[backend].set)("not-ours", "kept", None)
    await sync_to_async(get_store().backend.set)("adrfx:{s0}:e:lookalike", "kept", None)
    out = await command("clear")
    assert "deleted" in out
    assert int(out.split("deleted ")[1].split()[0]) >= 2 + 3  # two entries and their versions
    assert "entries: 0" in await command("stats")
    assert await sync_to_async(caches[backend].get)("not-ours") == "kept"
    assert await sync_to_async(get_store().backend.get)("adrfx:{s0}:e:lookalike") == "kept"
    async with count_queries() as after:
        again = await client.get("/posts/")
    assert after.value > 0 and again.status_code == 200


async def test_invalidate_a_model_outdates_its_entries(backend, posts, client: AsyncClient):
    await client.get("/posts/")
    await client.get("/tag-count/")
    out = await command("invalidate", "testapp.Post")
    assert "outdated every entry built from testapp.Post" in out
    async with count_queries() as posts_after:
        await client.get("/posts/")
    async with count_queries() as tags_after:
        await client.get("/tag-count/")
    assert posts_after.value > 0  # outdated
    assert tags_after.value == 0  # another model: still a hit


async def test_invalidate_names_what_is_wrong(locmem):
    with pytest.raises(CommandError, match=r"app_label\.ModelName"):
        await command("invalidate", "testapp.Nope")
    with pytest.raises(CommandError):
        await command("invalidate")


async def test_a_backend_that_cannot_list_is_outdated(posts, client: AsyncClient, tmp_path):
    from django.conf import settings

    file_cache = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    caches_ = {**settings.CACHES, "files": file_cache}
    with override_settings(CACHES=caches_, ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "files"}):
        await client.get("/posts/")
        assert "cannot list keys" in await command("stats")
        assert "cannot list keys" in await command("clear")
        async with count_queries() as after:
            await client.get("/posts/")
        assert after.value > 0


async def test_stats_and_clear_on_a_redis_cluster(cluster, nodes, posts, alice, client: AsyncClient):  # noqa: F811
    from django.conf import settings

    options = {
        "BACKEND": "adrf_caching.backends.redis.AsyncRedisCache",
        "LOCATION": cluster.location(),
        "OPTIONS": {"cluster": True},
    }
    conf = {"CACHE_ALIAS": "cluster", "SHARDS": 8}
    with override_settings(CACHES={**settings.CACHES, "cluster": options}, ADRF_CACHING_SETTINGS=conf):
        for user in (None, alice):
            await learn(client, "/posts/", headers=auth(user) if user else {})
        await ainvalidate_all()  # a version key in each of the 8 shards: keys on every master
        await sync_to_async(get_store().backend.set)("not-ours", "kept", None)
        stats = await command("stats")
        assert "entries: 2" in stats and "users with entries: 2" in stats
        used = [node for node in nodes if any(k.startswith(b":1:adrf:") for k in node.scan_iter())]
        out = await command("clear")
        assert int(out.split("deleted ")[1].split()[0]) > 2
        assert all(not any(k.startswith(b":1:adrf:") for k in node.scan_iter()) for node in nodes)
        assert await sync_to_async(get_store().backend.get)("not-ours") == "kept"
    assert len(used) >= 2  # the keys were spread over the cluster's nodes, and SCAN found them on each
