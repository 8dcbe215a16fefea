"""The native ``AsyncRedisCache``: API, values, pools per loop, round trips, atomic bumps, eviction."""

from __future__ import annotations

import asyncio
import json
import pickle
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
import redis.asyncio.connection as async_connection
from django.conf import settings
from django.core.cache import caches
from django.test import AsyncClient, override_settings

from adrf_caching.backends import clients
from adrf_caching.backends.redis import AsyncRedisCache
from adrf_caching.store import get_store
from tests.conftest import auth
from tests.redis_server import RedisServer
from tests.testapp.models import Post

BACKEND = "adrf_caching.backends.redis.AsyncRedisCache"


def make(url: str, **params: Any) -> AsyncRedisCache:
    return AsyncRedisCache(url, params)


@pytest.fixture
def native_alias(server: RedisServer, raw: redis.Redis) -> Iterator[str]:
    """The library caching in AsyncRedisCache on ``server``, with a hit/miss header."""
    cache = {"BACKEND": BACKEND, "LOCATION": server.url}
    conf = {"CACHE_ALIAS": "native-own", "HIT_HEADER": "X-Cache"}
    with override_settings(CACHES={**settings.CACHES, "native-own": cache}, ADRF_CACHING_SETTINGS=conf):
        yield "native-own"


# -- counting: commands on the server, round trips on the client -------------------------------------


class Commands:
    """``INFO commandstats`` deltas: what the server executed, by command name."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.before: dict[str, int] = {}
        self.delta: dict[str, int] = {}

    def _calls(self) -> dict[str, int]:
        info = self.client.info("commandstats")
        return {name.removeprefix("cmdstat_"): stats["calls"] for name, stats in info.items()}

    def __enter__(self) -> Commands:
        self.before = self._calls()
        return self

    def __exit__(self, *exc: object) -> None:
        after = self._calls()
        counted = {name: calls - self.before.get(name, 0) for name, calls in after.items()}
        self.delta = {name: n for name, n in counted.items() if n and name not in ("info", "config")}


@contextmanager
def round_trips() -> Iterator[list[bytes]]:
    """Each ``send_packed_command`` of an async connection is one request written (one round trip);
    a pipeline writes all its commands at once."""
    sent: list[bytes] = []
    original = async_connection.AbstractConnection.send_packed_command

    async def counting(self: Any, command: Any, check_health: bool = True) -> None:
        chunks = [command] if isinstance(command, (bytes, str)) else list(command)
        sent.append(b"".join(c if isinstance(c, bytes) else bytes(c) for c in chunks))
        await original(self, command, check_health)

    async_connection.AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        async_connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]


# -- the Django cache API ----------------------------------------------------------------------------


async def test_async_api_matches_djangos_semantics(server, raw):
    cache = make(server.url, KEY_PREFIX="p", VERSION=3)
    await cache.aset("bytes", b"\x00raw")
    await cache.aset("text", "héllo")
    await cache.aset("number", 41)
    await cache.aset("object", {"nested": [1, 2.5, None]})
    await cache.aset("gone", "x", timeout=0)
    assert await cache.aget_many(["bytes", "text", "number", "object", "gone", "absent"]) == {
        "bytes": b"\x00raw",
        "text": "héllo",
        "number": 41,
        "object": {"nested": [1, 2.5, None]},
    }
    assert await cache.aget("absent", "default") == "default"
    assert await cache.aincr("number") == 42
    assert await cache.adecr("number", 2) == 40
    with pytest.raises(ValueError):
        await cache.aincr("absent")
    assert await cache.aadd("number", 1) is False
    assert await cache.aadd("fresh", 1, timeout=None) is True
    assert raw.ttl("p:3:fresh") == -1  # None: never expires
    assert 0 < raw.ttl("p:3:text") <= 300
    assert await cache.atouch("text", None) is True and raw.ttl("p:3:text") == -1
    assert await cache.atouch("absent", 10) is False
    assert await cache.ahas_key("text") and not await cache.ahas_key("absent")
    assert await cache.adelete("text") is True and await cache.adelete("text") is False
    await cache.adelete_many(["bytes", "object"])
    assert await cache.aget_many(["bytes", "object"]) == {}
    assert await cache.aget("number", version=2) is None  # VERSION is part of the key
    assert await cache.aget_or_set("computed", lambda: "made") == "made"
    await cache.aclear()
    assert raw.dbsize() == 0


def test_sync_api_works_outside_any_event_loop(server, raw):
    cache = make(server.url)
    cache.set("a", "1")
    cache.set_many({"b": b"2", "c": 3}, timeout=None)
    cache.set_many({"d": "4"}, timeout=60)
    assert cache.get_many(["a", "b", "c", "d"]) == {"a": "1", "b": b"2", "c": 3, "d": "4"}
    assert cache.incr("c", 5) == 8
    assert cache.add("a", "x") is False and cache.has_key("a")
    assert cache.touch("a", 5) and raw.ttl(":1:a") <= 5
    cache.delete_many(["a", "b"])
    assert cache.get("a") is None and cache.delete("c") is True
    cache.close()  # Django calls it after each request: the shared pools stay open
    assert cache.get("d") == "4"


async def test_sync_calls_from_a_worker_thread_while_the_loop_runs(server, raw):
    """ORM signal receivers run in sync_to_async's thread: they use the sync client, not the loop's."""
    cache = make(server.url)
    await cache.aset("k", "from the loop")
    seen: list[object] = []
    thread = threading.Thread(target=lambda: (cache.set("k2", "from a thread"), seen.append(cache.get("k"))))
    thread.start()
    while thread.is_alive():
        await asyncio.sleep(0.01)
    assert seen == ["from the loop"]
    assert await cache.aget("k2") == "from a thread"


def test_bad_configuration_is_explained():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        make("")
    with pytest.raises(ImproperlyConfigured):
        make("redis://a:1,redis://b:2")  # several servers only as cluster startup nodes
    with pytest.raises(ImproperlyConfigured):
        make("redis://a:1", OPTIONS={"max_connections": 0})


# -- values: no pickle unless signed ------------------------------------------------------------------


async def test_values_are_stored_without_pickle_where_possible(server, raw):
    cache = make(server.url)
    await cache.aset_many({"b": b"body", "s": "token", "i": 7}, timeout=None)
    assert raw.get(":1:b") == b"bbody"  # bytes as they are, behind a one-byte marker
    assert raw.get(":1:s") == b"stoken"
    assert raw.get(":1:i") == b"7"  # digits: Redis INCRBY works on it
    await cache.aset("o", [1, 2])
    stored = raw.get(":1:o")
    assert stored[:1] == b"p" and pickle.loads(stored[33:]) == [1, 2]  # marker, 32-byte HMAC, pickle


class Exploit:
    ran = False

    def __reduce__(self) -> tuple[Any, ...]:
        return (setattr, (Exploit, "ran", True))


async def test_a_forged_pickle_is_never_unpickled(server, raw):
    """Someone who can write to Redis but lacks SECRET_KEY cannot run code through the cache."""
    cache = make(server.url)
    payload = pickle.dumps(Exploit())
    raw.set(":1:unsigned", b"p" + b"\x00" * 32 + payload)
    raw.set(":1:django-style", payload)  # how Django's RedisCache would have stored it
    assert await cache.aget("unsigned", "miss") == "miss"
    assert await cache.aget_many(["unsigned", "django-style"]) == {}
    assert cache.get("unsigned") is None
    assert Exploit.ran is False
    await cache.aset("signed-before-rotation", {"ok": True})
    with override_settings(SECRET_KEY="a-rotated-secret", SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert await cache.aget("signed-before-rotation") == {"ok": True}  # fallbacks verify too
    with override_settings(SECRET_KEY="a-rotated-secret"):
        assert await cache.aget("signed-before-rotation") is None  # an unknown key does not


# -- clients: per process and event loop, never per backend instance ----------------------------------


async def test_backend_instances_share_the_loops_client(server, raw):
    first, second = make(server.url), make(server.url)
    await first.aget("x")
    await second.aget("x")
    handles = clients._async_clients[first._config]
    assert len(handles) == 1
    assert handles[asyncio.get_running_loop()] is await clients.async_handle(second._config)
    assert not any("pool" in name or "client" in name for name in vars(first))


def test_each_event_loop_gets_its_own_pool_and_a_closed_loops_pool_is_dropped(server, raw):
    cache = make(server.url, OPTIONS={"max_connections": 7})  # a configuration of its own

    async def use() -> Any:
        await cache.aset("k", "v")
        return await clients.async_handle(cache._config)

    first = asyncio.run(use())
    second = asyncio.run(use())
    assert first is not second
    assert first.client.connection_pool is not second.client.connection_pool
    assert len(clients._async_clients[cache._config]) == 0  # asyncio.run's shutdown closed and removed both

    loop = asyncio.new_event_loop()  # a loop closed without finalising async generators
    third = loop.run_until_complete(use())
    loop.close()
    fourth = asyncio.run(use())
    assert fourth is not third and third.abandoned


async def test_hiredis_parses_replies_when_installed(server, raw):
    pytest.importorskip("hiredis")
    cache = make(server.url)
    await cache.aget("x")
    pool = (await clients.async_handle(cache._config)).client.connection_pool
    connection = await pool.get_connection()
    try:
        assert type(connection._parser).__name__ == "_AsyncHiredisParser"
    finally:
        await pool.release(connection)


async def test_300_concurrent_reads_share_50_connections(server, raw):
    cache = make(server.url, OPTIONS={"max_connections": 50, "pool_timeout": 5})
    before = raw.info("clients")["connected_clients"]
    await cache.aset("k", "v")
    results = await asyncio.gather(*(cache.aget("k") for _ in range(300)))
    assert results == ["v"] * 300
    assert raw.info("clients")["connected_clients"] - before <= 50


async def test_300_concurrent_many_reads_stay_within_max_connections(server, raw):
    """``aget_many`` (a hit's read) uses the read lane; lane and pool together stay within the bound."""
    cache = make(server.url, OPTIONS={"max_connections": 12, "pool_timeout": 5})
    before = raw.info("clients")["connected_clients"]
    await cache.aset_many({"a": 1, "b": 2})
    results = await asyncio.gather(*(cache.aget_many(["a", "b", f"missing-{n}"]) for n in range(300)))
    assert results == [{"a": 1, "b": 2}] * 300
    assert raw.info("clients")["connected_clients"] - before <= 12
    lane = (await clients.async_handle(cache._config)).lane
    assert lane is not None and lane.size == 6 and 0 < len(lane._idle) <= 6


async def test_a_read_lane_connection_closed_by_the_server_is_replaced_without_an_error(server, raw):
    cache = make(server.url, OPTIONS={"max_connections": 8})
    await cache.aset("k", "v")
    await asyncio.gather(*(cache.aget_many(["k"]) for _ in range(8)))  # several idle lane connections
    raw.client_kill_filter(_type="normal", skipme=True)  # as a restart closes them
    assert await cache.aget_many(["k"]) == {"k": "v"}
    assert await cache.aget_many(["k"]) == {"k": "v"}


async def test_a_read_that_times_out_leaves_no_half_read_reply_behind(server, raw):
    """The lane drops a connection whose reply did not arrive: the next read on the lane never
    receives the previous command's late reply as its own."""
    cache = make(server.url, OPTIONS={"socket_timeout": 0.2, "max_connections": 2})  # a lane of one
    await cache.aset_many({"first": "one", "second": "two"})
    assert await cache.aget_many(["first"]) == {"first": "one"}
    raw.execute_command("CLIENT", "PAUSE", 500, "ALL")
    with pytest.raises(redis.exceptions.TimeoutError):
        await cache.aget_many(["first"])
    reader = asyncio.ensure_future(cache.aget_many(["first"]))
    await asyncio.sleep(0.05)
    reader.cancel()  # cancelled while waiting for the reply: that connection is dropped too
    with pytest.raises(asyncio.CancelledError):
        await reader
    await asyncio.sleep(0.6)  # the pause ends: the replies to both abandoned commands arrive
    assert await cache.aget_many(["second"]) == {"second": "two"}
    assert await cache.aget_many(["first", "second"]) == {"first": "one", "second": "two"}


async def test_redis_pys_default_pool_would_fail_there(server, raw):
    """Why a blocking pool: the default one raises past max_connections (redis-py 8)."""
    client = redis.asyncio.Redis.from_url(server.url, max_connections=50)
    try:
        results = await asyncio.gather(
            *(client.blpop(["nothing"], timeout=0.2) for _ in range(60)), return_exceptions=True
        )
        assert any(isinstance(r, redis.exceptions.MaxConnectionsError) for r in results)
    finally:
        await client.aclose()


# -- round trips, on the real server, through the HTTP path -------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_round_trips_of_hit_miss_and_write(native_alias, raw, posts, alice):
    client = AsyncClient()
    url = f"/posts/{posts[0].pk}/"
    await client.get("/posts/?learn=1", headers=auth(alice))  # the endpoints learn what their misses read
    await client.get(f"/posts/{posts[1].pk}/", headers=auth(alice))
    assert (await client.get("/posts/", headers=auth(alice)))["X-Cache"] == "miss"  # cold: creates versions
    assert (await client.get(url, headers=auth(alice)))["X-Cache"] == "miss"

    with Commands(raw) as commands, round_trips() as sent:
        hit = await client.get("/posts/", headers=auth(alice))
    assert hit["X-Cache"] == "hit"
    assert commands.delta == {"mget": 1}
    assert len(sent) == 1

    with Commands(raw) as commands, round_trips() as sent:
        miss = await client.get("/posts/?size=2", headers=auth(alice))  # warm versions, new entry
    assert miss["X-Cache"] == "miss"
    assert commands.delta == {"mget": 1, "set": 1}
    assert len(sent) == 2

    with Commands(raw) as commands, round_trips() as sent:
        patched = await client.patch(
            url, {"title": "Renamed"}, content_type="application/json", headers=auth(alice)
        )
    assert patched.status_code == 200
    # The bumps, nothing else: the table the UPDATE wrote as it committed (one MSET from the
    # database thread's sync client), then the owner named by invalidate_fields once the action
    # returned (one MSET from the loop).
    assert commands.delta == {"mset": 2}
    assert len(sent) == 1
    assert sent[0].count(b":v:") == 1 and b":v:u:" in sent[0]

    with Commands(raw) as commands:
        after = await client.get(url, headers=auth(alice))
    assert after["X-Cache"] == "miss" and json.loads(after.content)["title"] == "Renamed"
    assert commands.delta == {"mget": 1, "set": 1}
    with Commands(raw) as commands:
        assert (await client.get(url, headers=auth(alice)))["X-Cache"] == "hit"
    assert commands.delta == {"mget": 1}


async def test_set_many_with_a_timeout_is_one_pipeline(server, raw):
    cache = make(server.url)
    await cache.aget("warm")
    with Commands(raw) as commands, round_trips() as sent:
        await cache.aset_many({"a": "1", "b": "2", "c": "3"}, timeout=30)
    assert commands.delta == {"set": 3}
    assert len(sent) == 1
    with Commands(raw) as commands, round_trips() as sent:
        await cache.aset_many({"a": "1", "b": "2", "c": "3"}, timeout=None)
    assert commands.delta == {"mset": 1} and len(sent) == 1


# -- atomic version bumps, on every backend -----------------------------------------------------------


async def test_concurrent_bumps_each_write_a_token_never_seen_before(backend, monkeypatch):
    import adrf_caching.store as store_module

    store = get_store()
    key = "adrf:{s0}:v:m:testapp.post"
    written: list[str] = []
    fresh = store_module.new_token

    def recording() -> str:
        token = fresh()
        written.append(token)
        return token

    monkeypatch.setattr(store_module, "new_token", recording)
    await store.bump([key])
    seen: set[str] = set()

    async def bump_once() -> None:
        before = (await store.backend.aget_many([key]))[key]
        seen_before = set(seen) | {before}
        seen.add(before)
        await store.bump([key])
        after = (await store.backend.aget_many([key]))[key]
        assert after not in seen_before  # whatever bump wrote it, it is one that started later
        seen.add(after)

    await asyncio.gather(*(bump_once() for _ in range(100)))
    assert len(written) == len(set(written)) == 101  # no token ever repeats
    final = (await store.backend.aget_many([key]))[key]
    assert final in written[1:]


async def test_aincr_loses_increments_where_it_is_not_native(backend):
    """Why versions are tokens and not counters: ``BaseCache.aincr`` is ``aget`` then ``aset``."""
    cache = caches[backend]
    await cache.aset("counter", 0)
    await asyncio.gather(*(cache.aincr("counter") for _ in range(100)))
    value = await cache.aget("counter")
    if backend == "native":
        assert value == 100  # one server-side script per increment
    else:
        assert value < 100  # lost updates


@pytest.mark.django_db(transaction=True)
async def test_no_read_after_the_last_acknowledged_write_is_stale(backend, posts, alice):
    client = AsyncClient()
    url = f"/posts/{posts[0].pk}/"

    async def write(n: int) -> None:
        response = await client.patch(
            url, {"title": f"Title {n}"}, content_type="application/json", headers=auth(alice)
        )
        assert response.status_code == 200

    async def read() -> None:
        assert (await client.get(url, headers=auth(alice))).status_code == 200
        assert (await client.get("/posts/?size=50")).status_code == 200

    jobs = []
    for n in range(100):  # writes interleaved with reads
        jobs.append(write(n))
        if n % 2:
            jobs.append(read())
    await asyncio.gather(*jobs)
    current = (await Post.objects.aget(pk=posts[0].pk)).title
    for _ in range(3):
        detail = json.loads((await client.get(url, headers=auth(alice))).content)
        listed = {
            p["id"]: p["title"] for p in json.loads((await client.get("/posts/?size=50")).content)["results"]
        }
        assert detail["title"] == current
        assert listed[posts[0].pk] == current


# -- version tokens survive eviction ------------------------------------------------------------------


@pytest.fixture
def small_server() -> Iterator[RedisServer]:
    own = RedisServer("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru")
    cache = {"BACKEND": BACKEND, "LOCATION": own.url}
    conf = {"CACHE_ALIAS": "small", "HIT_HEADER": "X-Cache"}
    try:
        with override_settings(CACHES={**settings.CACHES, "small": cache}, ADRF_CACHING_SETTINGS=conf):
            yield own
    finally:
        own.stop()


@pytest.mark.django_db(transaction=True)
async def test_an_outdated_entry_never_becomes_valid_after_its_versions_are_evicted(
    small_server, posts, alice
):
    raw = redis.Redis.from_url(small_server.url)
    client = AsyncClient()
    await client.get("/posts/?size=50")  # learns what it reads
    old = await client.get("/posts/?size=50")
    entries = [k for k in raw.keys("*:e:*")]
    assert len(entries) == 1
    # A write outside any cached view (as the admin or a shell would): outdates the entry through
    # an ORM signal, which bumps from a worker thread with the sync client.
    post = await Post.objects.aget(pk=posts[0].pk)
    post.title = "Changed"
    await post.asave()
    versions_before = raw.keys("*:v:*")
    assert versions_before
    outdated = raw.get(entries[0])
    filler = b"x" * 10_000
    for n in range(3_000):  # up to 30 MB through a 2 MB server
        raw.set(f"filler:{n}", filler)
        if n > 300 and not raw.exists(*versions_before):
            break
    assert raw.exists(*versions_before) == 0, "version keys were not evicted"
    # LRU is sampled: the entry may have gone too. The worst case is that it survived: put it back.
    raw.set(entries[0], outdated, ex=300)
    after = await client.get("/posts/?size=50")
    assert after["X-Cache"] == "miss"  # recreated versions are new random tokens: the old stamp never matches
    titles = [p["title"] for p in json.loads(after.content)["results"]]
    assert "Changed" in titles and after.content != old.content
    raw.close()
