"""``AsyncRedisCache``: a Django cache backend whose async methods run on ``redis.asyncio``.

Django's own ``RedisCache`` implements ``aget`` and friends as ``sync_to_async(get)``: a thread
hop per call, and a new connection per request under ASGI (``caches`` is context-local, so each
request builds its own backend instance). This backend instead:

* runs every ``a*`` method natively on ``redis.asyncio`` in the calling event loop;
* keeps clients in a module-level registry (``adrf_caching.backends.clients``) keyed by the
  configuration and, for async clients, by the event loop: one pool per process and loop,
  shared by every backend instance. A pool is never used from another loop, and the pool of a
  loop that closed is dropped;
* keeps one thread-safe sync client per process and configuration for the sync methods
  (management commands, admin, ORM signal receivers in worker threads);
* uses a ``BlockingConnectionPool``: past ``max_connections`` a command waits up to
  ``pool_timeout`` for a free connection instead of failing with ``MaxConnectionsError``;
* has socket timeouts and no retries by default, so a dead or hanging Redis costs a request at
  most about ``socket_timeout`` and the caller can serve uncached (fail open); a connection that
  the server closed (restart, ``CLIENT KILL``) empties the pool's idle connections and the
  command is tried once more on a fresh one;
* stores values without pickle where it can, and signs the pickles it cannot avoid
  (see ``adrf_caching.backends.serializers``);
* supports Redis Cluster with ``OPTIONS={"cluster": True}``.

Round trips: ``aget_many`` is one ``MGET``, ``aset`` one ``SET .. EX``, ``aset_many`` one
``MSET`` when ``timeout=None`` and one pipeline of ``SET .. EX`` otherwise, ``aadd`` one
``SET .. NX``. On a cluster, keys that share a hash slot travel in one command; keys in several
slots go through one cluster pipeline (one round trip per node, in parallel).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from redis.exceptions import ConnectionError as RedisConnectionError

from adrf_caching.backends.clients import (
    ClientConfig,
    aclose_connections,
    async_handle,
    close_connections,
    slot_groups,
    sync_client,
)
from adrf_caching.backends.serializers import DamagedValue, SignedSerializer

__all__ = ["AsyncRedisCache", "aclose_connections", "close_connections"]

T = TypeVar("T")

# Atomic "increment only if present" (Django's incr raises ValueError on a missing key).
_INCR_IF_PRESENT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


# -- the backend -----------------------------------------------------------------------------------


class AsyncRedisCache(BaseCache):
    """``CACHES = {"default": {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache", ...}}``."""

    def __init__(self, server: str | Iterable[str], params: dict[str, Any]) -> None:
        super().__init__(params)
        self._config = ClientConfig.parse(server, params.get("OPTIONS") or {})
        self._serializer = SignedSerializer()

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def is_cluster(self) -> bool:
        return self._config.cluster

    async def _run(self, operation: Callable[[Any], Awaitable[T]]) -> T:
        handle = await async_handle(self._config)
        if handle.limiter is None:
            try:
                return await operation(handle.client)
            except RedisConnectionError:
                # A restart or CLIENT KILL closed the pooled connections: drop the idle ones (they
                # would each fail once), and try once more on a fresh one. A timeout is not retried
                # (redis-py's TimeoutError is not a ConnectionError).
                await handle.client.connection_pool.disconnect(inuse_connections=False)
                return await operation(handle.client)
        await asyncio.wait_for(handle.limiter.acquire(), handle.pool_timeout)
        try:
            return await operation(handle.client)
        finally:
            handle.limiter.release()

    @property
    def reads_bounded(self) -> bool:
        """Whether every read ends within this backend's own timeouts (connect, pool wait, socket),
        so that the library need not start a timer of its own around it."""
        config = self._config
        return not config.cluster and None not in (
            config.socket_timeout,
            config.socket_connect_timeout,
            config.pool_timeout,
        )

    @property
    def _sync(self) -> Any:
        return sync_client(self._config)

    def validate_key(self, key: str) -> None:
        """Redis takes any key: skip BaseCache's memcached-portability scan of every character.

        That scan costs ~4 us a key, and a cached read asks for several keys on every hit.
        """

    def get_backend_timeout(self, timeout: Any = DEFAULT_TIMEOUT) -> int | None:
        """As Django's ``RedisCache``: ``None`` never expires, zero or less deletes."""
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else max(0, int(timeout))

    def _dumps(self, value: Any) -> bytes:
        return self._serializer.dumps(value)

    def _loads(self, raw: bytes | None, default: Any = None) -> Any:
        if raw is None:
            return default
        try:
            return self._serializer.loads(raw)
        except DamagedValue:
            return default  # ignored: a miss, never an error and never unpickled

    def _found(self, names: Mapping[str, Any], raws: Iterable[bytes | None]) -> dict[Any, Any]:
        found = {}
        missing = object()
        for (_, key), raw in zip(names.items(), raws, strict=True):
            value = self._loads(raw, missing)
            if value is not missing:
                found[key] = value
        return found

    def _names(self, keys: Iterable[Any], version: int | None) -> dict[str, Any]:
        return {self.make_and_validate_key(key, version=version): key for key in keys}

    # -- async API -------------------------------------------------------------------------------
    async def aget(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        name = self.make_and_validate_key(key, version=version)
        return self._loads(await self._run(lambda client: client.get(name)), default)

    async def aget_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        names = self._names(keys, version)
        if not names:
            return {}
        handle = await async_handle(self._config)
        if handle.lane is not None:
            try:
                raws = await handle.lane.mget(list(names))
            except RedisConnectionError:  # not a timeout: the server closed them (a restart)
                await handle.lane.drop_idle()  # retried as below
                raws = None
            if raws is not None:
                return self._found(names, raws)
        return self._found(names, await self._run(lambda client: self._amget(client, list(names))))

    async def _amget(self, client: Any, names: list[str]) -> list[bytes | None]:
        if self.is_cluster and len(slot_groups(names)) > 1:
            return list(await client.mget_nonatomic(names))
        return list(await client.mget(names))

    async def aset(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        name = self.make_and_validate_key(key, version=version)
        seconds = self.get_backend_timeout(timeout)
        if seconds == 0:
            await self._run(lambda client: client.delete(name))
            return
        data = self._dumps(value)
        await self._run(lambda client: client.set(name, data, ex=seconds))

    async def aadd(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        name = self.make_and_validate_key(key, version=version)
        seconds = self.get_backend_timeout(timeout)
        data = self._dumps(value)
        if seconds == 0:  # as Django: added and gone at once
            added = bool(await self._run(lambda client: client.set(name, data, nx=True)))
            if added:
                await self._run(lambda client: client.delete(name))
            return added
        return bool(await self._run(lambda client: client.set(name, data, ex=seconds, nx=True)))

    def _encode_many(self, data: Mapping[Any, Any], version: int | None) -> dict[str, bytes]:
        return {self.make_and_validate_key(key, version=version): self._dumps(value) for key, value in data.items()}

    async def aset_many(
        self, data: Mapping[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        if not data:
            return []
        encoded = self._encode_many(data, version)
        seconds = self.get_backend_timeout(timeout)
        if seconds == 0:
            await self._run(lambda client: client.delete(*encoded))
            return []
        await self._run(lambda client: self._awrite_many(client, encoded, seconds))
        return []

    async def _awrite_many(self, client: Any, encoded: dict[str, bytes], seconds: int | None) -> None:
        groups = slot_groups(encoded) if self.is_cluster else {0: list(encoded)}
        if seconds is None and len(groups) == 1:
            await client.mset(encoded)  # one command
            return
        pipe = client.pipeline(transaction=False) if not self.is_cluster else client.pipeline()
        _queue_writes(pipe, encoded, groups, seconds)
        await pipe.execute()

    async def atouch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        name = self.make_and_validate_key(key, version=version)
        seconds = self.get_backend_timeout(timeout)
        if seconds is None:
            return bool(await self._run(lambda client: client.persist(name)))
        return bool(await self._run(lambda client: client.expire(name, seconds)))

    async def adelete(self, key: Any, version: int | None = None) -> bool:
        name = self.make_and_validate_key(key, version=version)
        return bool(await self._run(lambda client: client.delete(name)))

    async def adelete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        names = list(self._names(keys, version))
        if names:
            await self._run(lambda client: client.delete(*names))

    async def ahas_key(self, key: Any, version: int | None = None) -> bool:
        name = self.make_and_validate_key(key, version=version)
        return bool(await self._run(lambda client: client.exists(name)))

    async def aincr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """Atomic on the server (one script: EXISTS then INCRBY), unlike ``BaseCache.aincr``."""
        name = self.make_and_validate_key(key, version=version)
        result = await self._run(lambda client: client.eval(_INCR_IF_PRESENT, 1, name, delta))
        return _incremented(key, result)

    async def aclear(self) -> None:
        """Flushes the whole database, as Django's ``RedisCache.clear`` (all primaries on a cluster)."""
        await self._run(lambda client: client.flushdb())

    async def aclose(self, **kwargs: Any) -> None:
        """Nothing to do: pools belong to the process and loop, not to this instance."""

    # -- sync API (management commands, admin, signal receivers in worker threads) ----------------
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._loads(self._sync.get(self.make_and_validate_key(key, version=version)), default)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        names = self._names(keys, version)
        if not names:
            return {}
        client, listed = self._sync, list(names)
        if self.is_cluster and len(slot_groups(listed)) > 1:
            return self._found(names, client.mget_nonatomic(listed))
        return self._found(names, client.mget(listed))

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        name = self.make_and_validate_key(key, version=version)
        seconds = self.get_backend_timeout(timeout)
        if seconds == 0:
            self._sync.delete(name)
        else:
            self._sync.set(name, self._dumps(value), ex=seconds)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        name = self.make_and_validate_key(key, version=version)
        seconds = self.get_backend_timeout(timeout)
        data = self._dumps(value)
        if seconds == 0:
            added = bool(self._sync.set(name, data, nx=True))
            if added:
                self._sync.delete(name)
            return added
        return bool(self._sync.set(name, data, ex=seconds, nx=True))

    def set_many(
        self, data: Mapping[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        if not data:
            return []
        encoded = self._encode_many(data, version)
        seconds = self.get_backend_timeout(timeout)
        client = self._sync
        if seconds == 0:
            client.delete(*encoded)
            return []
        groups = slot_groups(encoded) if self.is_cluster else {0: list(encoded)}
        if seconds is None and len(groups) == 1:
            client.mset(encoded)
            return []
        pipe = client.pipeline(transaction=False) if not self.is_cluster else client.pipeline()
        _queue_writes(pipe, encoded, groups, seconds)
        pipe.execute()
        return []

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        name = self.make_and_validate_key(key, version=version)
        seconds = self.get_backend_timeout(timeout)
        if seconds is None:
            return bool(self._sync.persist(name))
        return bool(self._sync.expire(name, seconds))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(self._sync.delete(self.make_and_validate_key(key, version=version)))

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        names = list(self._names(keys, version))
        if names:
            self._sync.delete(*names)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return bool(self._sync.exists(self.make_and_validate_key(key, version=version)))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        name = self.make_and_validate_key(key, version=version)
        return _incremented(key, self._sync.eval(_INCR_IF_PRESENT, 1, name, delta))

    def clear(self) -> None:
        self._sync.flushdb()

    def close(self, **kwargs: Any) -> None:
        """Nothing to do: Django calls this after every request, and the pools are shared."""


def _queue_writes(
    pipe: Any, encoded: dict[str, bytes], groups: dict[int, list[str]], seconds: int | None
) -> None:
    if seconds is None:
        for names in groups.values():  # one MSET per slot (ClusterPipeline refuses .mset())
            pipe.execute_command("MSET", *(part for name in names for part in (name, encoded[name])))
    else:
        for name, value in encoded.items():
            pipe.set(name, value, ex=seconds)


def _incremented(key: Any, result: Any) -> int:
    if result is None:
        raise ValueError(f"Key '{key}' not found.")
    return int(result)
