"""Issue 10's findings, one regression test each: damaged entries, unreadable version keys, recovery,
overload, the refuse policy and the socket-timeout check. Cross-process owed bumps: test_owed_bumps.py."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.checks import run_checks
from django.db import OperationalError, transaction
from django.test import AsyncClient, override_settings

from adrf_caching.backends import clients
from adrf_caching.conf import caching_settings
from adrf_caching.entries import decode
from adrf_caching.exceptions import InvalidationUnavailable
from adrf_caching.models import OwedBump
from adrf_caching.store import _watch, get_store
from adrf_caching.versions import table_version_keys
from tests.conftest import learn
from tests.redis_server import RedisServer
from tests.testapp.models import Author, Post

pytestmark = pytest.mark.django_db(transaction=True)

NATIVE = "adrf_caching.backends.redis.AsyncRedisCache"
DJANGO_REDIS = "django.core.cache.backends.redis.RedisCache"


def configure(url: str, backend: str = NATIVE, options: dict | None = None, **conf: object) -> override_settings:
    cache = {"BACKEND": backend, "LOCATION": url, "OPTIONS": {"socket_timeout": 0.5} if options is None else options}
    caching = {"CACHE_ALIAS": "faults", "HIT_HEADER": "X-Cache", **conf}
    return override_settings(CACHES={**settings.CACHES, "faults": cache}, ADRF_CACHING_SETTINGS=caching)


@pytest.fixture(params=[NATIVE, DJANGO_REDIS], ids=["native", "django-redis"])
def redis_alias(request: pytest.FixtureRequest, server: RedisServer, raw: redis.Redis) -> Iterator[str]:
    with configure(server.url, request.param):
        yield request.param


def entry_keys(raw: redis.Redis) -> list[bytes]:
    return [key for key in raw.keys("*") if b":e:" in key]


def titles(response) -> list[str]:
    return [p["title"] for p in json.loads(response.content)["results"]]


# -- integrity: a damaged entry is a miss, overwritten, logged once per key ---------------------------------


def _one_byte_short(value: bytes) -> bytes:
    return value[:-1]


def _cut_in_half(value: bytes) -> bytes:
    return value[: len(value) // 2]


def _body_replaced(value: bytes) -> bytes:
    head, _, body = value.partition(b"\n{")
    header, _, old_body = (b"{" + body).partition(b"\n")
    return head + b"\n" + header + b"\n" + b"X" * len(old_body)  # same length, header intact


def _header_injected(value: bytes) -> bytes:
    head, _, rest = value.partition(b"\n")
    header, _, body = rest.partition(b"\n")
    injected = header.replace(b'"application/json"', b'"application/json\\r\\nSet-Cookie: sessionid=forged"', 1)
    assert injected != header
    return head + b"\n" + injected + b"\n" + body  # body, length and checksum intact


def name_of(raw_key: bytes) -> str:
    return raw_key.decode().split(":", 2)[-1]  # without Django's ":1:" version prefix


@pytest.mark.parametrize("damage", [_one_byte_short, _cut_in_half, _body_replaced, _header_injected])
async def test_a_damaged_entry_is_a_miss_overwritten_and_logged_once(redis_alias, raw, posts, damage, caplog):
    client = AsyncClient()
    good = await learn(client, "/posts/?size=50")
    assert (await client.get("/posts/?size=50"))["X-Cache"] == "hit"
    (key,) = [name_of(k) for k in entry_keys(raw)]
    backend = get_store().backend
    await backend.aset(key, damage(await backend.aget(key)), timeout=60)
    with caplog.at_level(logging.WARNING, logger="adrf_caching"):
        first = await client.get("/posts/?size=50")
        second = await client.get("/posts/?size=50")
        third = await client.get("/posts/?size=50")
    assert first["X-Cache"] == "miss" and first.content == good.content  # never the damaged bytes
    assert decode(await backend.aget(key), "k") is not None  # the recomputed entry replaced it
    assert second["X-Cache"] == "hit" and second.content == good.content
    assert third.content == good.content
    logged = [r for r in caplog.records if "damaged cache entry" in r.getMessage()]
    assert len(logged) == 1 and key in logged[0].getMessage()


async def test_damage_is_logged_once_per_key_not_per_request(redis_alias, raw, posts, caplog, monkeypatch):
    client = AsyncClient()
    await learn(client, "/posts/?size=50")
    (key,) = [name_of(k) for k in entry_keys(raw)]
    store = get_store()
    await store.backend.aset(key, (await store.backend.aget(key))[:-1], timeout=60)
    monkeypatch.setattr(store, "set", _no_store)  # the damage stays: every read meets it
    with caplog.at_level(logging.WARNING, logger="adrf_caching"):
        for _ in range(5):
            assert (await client.get("/posts/?size=50"))["X-Cache"] == "miss"
    assert len([r for r in caplog.records if "damaged cache entry" in r.getMessage()]) == 1


async def _no_store(key: str, value: bytes, ttl: int) -> None:
    return None


# -- self-repair: an unreadable version key is replaced, never a permanent bypass ---------------------------


def _garbage(raw: redis.Redis, key: str) -> None:
    raw.set(key, b"\x80garbage-not-a-token")


def _empty(raw: redis.Redis, key: str) -> None:
    raw.set(key, b"")


def _a_list(raw: redis.Redis, key: str) -> None:
    raw.delete(key)
    raw.rpush(key, b"x", b"y")  # MGET answers nil for another type; SET NX does not create it


def _a_hash(raw: redis.Redis, key: str) -> None:
    raw.delete(key)
    raw.hset(key, "field", "value")


@pytest.mark.parametrize("spoil", [_garbage, _empty, _a_list, _a_hash])
async def test_an_unreadable_version_key_is_replaced_and_caching_resumes(redis_alias, raw, posts, spoil, caplog):
    client = AsyncClient()
    await learn(client, "/posts/?size=50")
    assert (await client.get("/posts/?size=50"))["X-Cache"] == "hit"
    raw_key = next(k.decode() for k in raw.keys("*") if k.endswith(b":v:all"))
    spoil(raw, raw_key)
    with caplog.at_level(logging.WARNING, logger="adrf_caching"):
        repaired = await client.get("/posts/?size=50")
        after = await client.get("/posts/?size=50")
    assert repaired.status_code == 200 and repaired["X-Cache"] == "miss"  # the old entry is outdated: safe
    assert after["X-Cache"] == "hit" and after.content == repaired.content
    assert raw.type(raw_key) == b"string"
    assert any(name_of(raw_key.encode()) in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


# -- fast recovery -------------------------------------------------------------------------------------------


async def first_hit_after(client: AsyncClient, url: str, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if (await client.get(url)).get("X-Cache") == "hit":
            return time.monotonic() - started
        await asyncio.sleep(0.02)
    return float("inf")


@pytest.mark.parametrize("backend", [NATIVE, DJANGO_REDIS], ids=["native", "django-redis"])
async def test_first_hit_within_a_second_after_a_restart_despite_writes_while_down(posts, alice, backend):
    own = RedisServer()
    try:
        with configure(own.url, backend, FAILURE_THRESHOLD=1):
            client = AsyncClient()
            await learn(client, "/posts/?size=50")
            own.shutdown_saving()
            for n in range(10):  # the breaker opens; the bumps of these writes fail or are owed at once
                post = await Post.objects.aget(pk=posts[0].pk)
                post.title = f"Down {n}"
                await post.asave()
                assert (await client.get("/posts/?size=50")).status_code == 200
                await asyncio.sleep(0.1)
            own = RedisServer(port=own.port, directory=own.dir)  # back with the old entry and versions
            elapsed = await first_hit_after(client, "/posts/?size=50", 3.0)
            assert elapsed <= 1.0
            response = await client.get("/posts/?size=50")
            assert response["X-Cache"] == "hit" and "Down 9" in titles(response)
    finally:
        own.stop()


async def test_connections_closed_by_the_server_are_dropped_not_failed_one_by_one(server, raw):
    from adrf_caching.backends.redis import AsyncRedisCache

    cache = AsyncRedisCache(server.url, {})
    await cache.aset("k", b"v")
    await asyncio.gather(*(cache.aget_many(["k"]) for _ in range(10)))  # ten pooled connections
    assert raw.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") >= 10
    results = await asyncio.gather(*(cache.aget_many(["k"]) for _ in range(10)), return_exceptions=True)
    assert results == [{"k": b"v"}] * 10


def test_the_sync_client_reconnects_a_killed_connection_instead_of_failing(server, raw):
    from adrf_caching.backends.redis import AsyncRedisCache

    cache = AsyncRedisCache(server.url, {})
    cache.set_many({"k": b"v"}, timeout=None)  # bumps and the owed-bump thread use the sync client
    assert raw.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") >= 1
    cache.set_many({"k": b"w"}, timeout=None)
    assert cache.get_many(["k"]) == {"k": b"w"}


async def test_a_late_event_loop_does_not_open_the_breaker(server, raw, posts, caplog):
    with configure(server.url, options={"socket_timeout": 0.05}, FAILURE_THRESHOLD=1):
        store = get_store()
        assert await store.get_many(["adrf:{s0}:v:all"]) is not None
        handle = await clients.async_handle(store.backend._config)
        pool, lane = handle.client.connection_pool, handle.lane
        with caplog.at_level(logging.DEBUG, logger="adrf_caching"):
            for yields in range(12):
                read = asyncio.create_task(store.get_many(["adrf:{s0}:v:all"]))
                while not (pool._in_use_connections or (lane and lane.busy)):  # the command is on its way...
                    await asyncio.sleep(0)
                for _ in range(yields % 4):
                    await asyncio.sleep(0)
                time.sleep(0.2)  # ...and the loop stalls (CPU overload) while Redis answers at once
                await read
                assert not store.breaker.open
        late = [r for r in caplog.records if "event loop ran late" in r.getMessage()]
        assert late, "no timeout fired: the test did not stall the loop at the right moment"


async def test_a_slow_redis_still_opens_the_breaker(posts):
    own = RedisServer()
    try:
        with configure(own.url, options={"socket_timeout": 0.1}, FAILURE_THRESHOLD=2):
            client = AsyncClient()
            await client.get("/posts/?size=50")
            own.pause()
            for _ in range(2):
                assert (await client.get("/posts/?size=50")).status_code == 200
            assert get_store().breaker.open
            own.resume()
    finally:
        own.stop()


# -- the refuse policy ---------------------------------------------------------------------------------------


AUTHOR_TABLE = "adrf:{s0}:v:t:testapp_author"  # the observer bumps the version of each table written


def test_refuse_policy_fails_the_write_and_commits_nothing_when_the_cache_cannot_take_the_bump(
    transactional_db, server
):
    own = RedisServer()
    try:
        with configure(own.url, INVALIDATION_FAILURE="refuse"):
            Author.objects.create(name="Taken")  # the cache is up: bumped first, then written
            assert redis.Redis.from_url(own.url).get(f":1:{AUTHOR_TABLE}") is not None
            own.stop()
            refused = pytest.raises(InvalidationUnavailable, match="INVALIDATION_FAILURE")
            with refused, transaction.atomic():
                Author.objects.create(name="Refused")
            assert list(Author.objects.values_list("name", flat=True)) == ["Taken"]
            assert not OwedBump.objects.exists()  # nothing committed, nothing owed
    finally:
        own.stop()


def test_defer_policy_writes_and_records_the_owed_bump(transactional_db):
    own = RedisServer()
    try:
        with configure(own.url):
            own.stop()
            Author.objects.create(name="Written")
            assert Author.objects.filter(name="Written").exists()
            deadline = time.monotonic() + 2  # SQLite: recorded just after the INSERT's statement ends
            recorded: set[str] = set()
            while not recorded and time.monotonic() < deadline:
                time.sleep(0.05)
                try:  # the in-memory SQLite's shared cache refuses a read while the recording thread writes
                    recorded = set(OwedBump.objects.values_list("key", flat=True))
                except OperationalError:
                    continue
            assert recorded == {AUTHOR_TABLE}
    finally:
        own.stop()


# -- the socket-timeout check -----------------------------------------------------------------------------


def test_django_redis_cache_without_a_socket_timeout_warns_at_startup(server):
    with configure(server.url, DJANGO_REDIS, options={}):
        warnings = [m for m in run_checks() if m.id == "adrf_caching.W002"]
        assert len(warnings) == 1 and "socket_timeout" in warnings[0].hint
    with configure(server.url, DJANGO_REDIS, options={"socket_timeout": 1.0}):
        assert not [m for m in run_checks() if m.id == "adrf_caching.W002"]
    with configure(server.url, NATIVE, options={}):  # the native backend has one by default
        assert not [m for m in run_checks() if m.id == "adrf_caching.W002"]


# -- a Redis that refuses writes but still deletes (maxmemory under noeviction) ------------------------------


async def test_under_oom_a_bump_deletes_the_versions_so_every_process_misses_at_once(server, raw, posts):
    with configure(server.url):
        client = AsyncClient()
        await learn(client, "/posts/?size=50")
        assert (await client.get("/posts/?size=50"))["X-Cache"] == "hit"
        raw.config_set("maxmemory-policy", "noeviction")
        raw.config_set("maxmemory", 1)  # every write command is refused with OOM; DEL is not
        try:
            post = await Post.objects.aget(pk=posts[0].pk)
            post.title = "Written under OOM"
            await post.asave()  # its bump: SET refused, the version keys deleted instead
            assert not await OwedBump.objects.aexists()  # nothing owed: the deletion was the bump
            assert not raw.exists(":1:adrf:{s0}:v:t:testapp_post")
            during = await client.get("/posts/?size=50")
            assert "Written under OOM" in titles(during) and "X-Cache" not in during  # uncached
        finally:
            raw.config_set("maxmemory", 0)
        assert "Written under OOM" in titles(await client.get("/posts/?size=50"))
        assert (await client.get("/posts/?size=50"))["X-Cache"] == "hit"


async def test_bumps_while_the_breaker_is_open_are_owed_at_once_and_do_not_delay_the_probe(transactional_db):
    own = RedisServer()
    try:
        with configure(own.url, FAILURE_THRESHOLD=1, COOL_DOWN=0.3):
            store = get_store()
            own.pause()  # a hang: any command would cost the socket timeout
            assert await store.get_many(["adrf:{s0}:v:all"]) is None
            assert store.breaker.open
            next_probe = store.breaker.next_probe
            started = time.monotonic()
            for n in range(5):
                await store.bump([f"adrf:{{s0}}:v:m:testapp.n{n}"])
            assert store.breaker.next_probe == next_probe  # failing writes do not push the probe out
            assert time.monotonic() - started < 5 * (store._settle + 0.2)  # no timeout waited for
            assert await OwedBump.objects.acount() == 5
            own.resume()
            await asyncio.sleep(0.35)
            assert await store.get_many(["adrf:{s0}:v:all"]) is not None  # the probe closes it
            assert not store.breaker.open
    finally:
        own.stop()


def test_a_drain_held_by_a_paused_redis_does_not_delay_reading_the_owed_table(transactional_db):
    own = RedisServer()
    raw_client = redis.Redis.from_url(own.url)
    try:
        with configure(own.url, options={"socket_timeout": 2.0}):
            store = get_store()
            raw_client.execute_command("CLIENT", "PAUSE", "20000", "WRITE")
            store.bump_sync(["adrf:{s0}:v:m:testapp.author"])  # held 2 s, then owed; its retry is held too
            time.sleep(0.1)
            OwedBump.objects.bulk_create([OwedBump(key="adrf:{s0}:v:m:testapp.tag")])  # as another process records
            time.sleep(store.check_interval + 0.15)
            assert "adrf:{s0}:v:m:testapp.tag" in store._owed_view  # seen while the retry still waits
            raw_client.execute_command("CLIENT", "UNPAUSE")
            deadline = time.monotonic() + 3
            while store._owed_view and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not store._owed_view and not OwedBump.objects.exists()  # written, then forgotten
    finally:
        raw_client.close()
        own.stop()


def _write_as_another_process(pk: int, title: str) -> None:
    """An UPDATE this process does not bump for (that process's bump failed: the table holds it)."""
    from adrf_caching import owed

    with owed._recording():
        Post.objects.filter(pk=pk).update(title=title)


async def test_a_reader_whose_owed_table_watcher_is_late_serves_uncached_not_stale(server, raw, posts):
    """Found by the soak under CPU load: another process records an owed bump and acknowledges its write
    after the settle time; a reader whose watcher thread has not read the table since must not hit."""
    from adrf_caching import owed

    with configure(server.url):
        client = AsyncClient()
        await learn(client, "/posts/?size=50")
        assert (await client.get("/posts/?size=50"))["X-Cache"] == "hit"
        store = get_store()
        owed.stop_watcher()  # a starved watcher: it reads the table no more
        try:
            conf = caching_settings()
            keys = table_version_keys(conf.prefix, conf.shards, ["testapp_post"])
            await OwedBump.objects.abulk_create([OwedBump(key=key) for key in keys])
            await sync_to_async(_write_as_another_process)(posts[0].pk, "Written by another process")
            await asyncio.sleep(store._settle)  # what that process waits before acknowledging
            during = await client.get("/posts/?size=50")
            assert "Written by another process" in titles(during) and "X-Cache" not in during  # uncached
        finally:
            owed.start_watcher(_watch)
        deadline = time.monotonic() + 3
        while (await client.get("/posts/?size=50")).get("X-Cache") != "hit" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)  # the watcher drains the owed bump; hits resume
        final = await client.get("/posts/?size=50")
        assert final["X-Cache"] == "hit" and "Written by another process" in titles(final)


async def test_without_the_owed_table_hits_still_work_and_the_log_says_migrate(server, raw, posts, caplog):
    """Found by the benchmark, whose database was never migrated for adrf_caching: no table means no row
    any process could have recorded, so versions stay trusted (and the log says what to run)."""
    from django.db import connection

    def drop() -> None:
        with connection.schema_editor() as editor:
            editor.delete_model(OwedBump)

    def create() -> None:
        with connection.schema_editor() as editor:
            editor.create_model(OwedBump)

    await sync_to_async(drop)()
    try:
        with configure(server.url):
            client = AsyncClient()
            await learn(client, "/posts/?size=50")
            await asyncio.sleep(get_store()._settle + 0.1)  # the watcher has read (failed to read) since
            assert (await client.get("/posts/?size=50"))["X-Cache"] == "hit"
            assert "run `manage.py migrate`" in caplog.text
    finally:
        await sync_to_async(create)()


# -- found by the soak: concurrent first misses of one endpoint ----------------------------------------------


async def test_a_miss_planned_before_its_endpoint_learned_its_tables_stores_nothing(server, raw, posts, alice, bob):
    """Two users' first misses run at once: whichever ends second finds the tables already learned by the
    other, but its stamp was made without their versions; stored, it would be a hit that no write outdates."""
    from tests.conftest import auth

    with configure(server.url):
        client = AsyncClient()
        await asyncio.gather(*(client.get("/posts/?size=50", headers=auth(user)) for user in (alice, bob)))
        assert entry_keys(raw) == []
        await client.get("/posts/?size=50", headers=auth(alice))  # planned with the tables: stored
        assert len(entry_keys(raw)) == 1


def test_the_owed_table_watcher_reads_nothing_while_migrate_changes_the_schema():
    """SQLite's shared-cache databases lock whole tables: a read of the owed table beside a CREATE TABLE
    fails the migration (a test run creating its database). pre_migrate pauses the watcher, post_migrate
    resumes it."""
    import threading
    import time

    from django.db.models.signals import post_migrate, pre_migrate

    from adrf_caching import owed

    assert any(entry[0][0] == "adrf_caching.migrating" for entry in pre_migrate.receivers)
    assert any(entry[0][0] == "adrf_caching.migrated" for entry in post_migrate.receivers)
    owed.stop_watcher()
    owed._stop.clear()
    ticks: list[float] = []

    def tick() -> float:
        ticks.append(time.monotonic())
        return 0.01

    owed.migration_started()
    watcher = threading.Thread(target=owed._run, args=(tick,), daemon=True)
    watcher.start()
    try:
        time.sleep(0.3)
        assert ticks == []
        owed.migration_finished()
        deadline = time.monotonic() + 2
        while len(ticks) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(ticks) >= 3
    finally:
        owed._stop.set()
        owed._wake.set()
        watcher.join(timeout=2)
        owed._stop.clear()
        owed._migrating.clear()
