"""Redis clients for ``AsyncRedisCache``: its configuration, and a registry of clients per process.

Clients live here, not on backend instances: Django builds a backend per request under ASGI
(``caches`` is context-local). Async clients are kept per configuration *and* event loop (a pool
is never used from another loop; the pool of a loop that shuts down is closed with it, one whose
loop was closed without that is dropped); sync clients per configuration. After ``fork`` a child
starts with none.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

__all__ = ["ClientConfig", "aclose_connections", "async_handle", "close_connections", "slot_groups", "sync_client"]

_DEFAULTS: dict[str, Any] = {
    # Long enough that a worker whose event loop is saturated does not time out a Redis that answered
    # (the store also tells a late loop from a slow Redis), short enough that a hang costs one second.
    "socket_timeout": 1.0,
    "socket_connect_timeout": 0.5,
    "max_connections": 50,
    "pool_timeout": 0.5,
    "cluster": False,
    "db": None,
    "health_check_interval": 0,
}


@dataclass(frozen=True)
class ClientConfig:
    servers: tuple[str, ...]
    cluster: bool
    db: int | None
    socket_timeout: float | None
    socket_connect_timeout: float | None
    max_connections: int
    pool_timeout: float | None
    health_check_interval: float
    extra: tuple[tuple[str, Any], ...]  # passed to redis-py as they are

    @classmethod
    def parse(cls, server: str | Iterable[str], options: Mapping[str, Any]) -> ClientConfig:
        if isinstance(server, str):
            servers = tuple(part.strip() for part in server.replace(";", ",").split(",") if part.strip())
        else:
            servers = tuple(server)
        if not servers:
            raise ImproperlyConfigured("AsyncRedisCache needs a LOCATION such as 'redis://127.0.0.1:6379/0'.")
        given = {**_DEFAULTS, **options}
        if not given["cluster"] and len(servers) > 1:
            raise ImproperlyConfigured(
                "AsyncRedisCache takes one LOCATION (several only as cluster startup nodes, "
                "with OPTIONS={'cluster': True})."
            )
        max_connections = int(given["max_connections"])
        if max_connections < 1:
            raise ImproperlyConfigured("AsyncRedisCache OPTIONS['max_connections'] must be at least 1.")
        extra = tuple(sorted((name, value) for name, value in given.items() if name not in _DEFAULTS))
        return cls(
            servers=servers,
            cluster=bool(given["cluster"]),
            db=None if given["db"] is None else int(given["db"]),
            socket_timeout=given["socket_timeout"],
            socket_connect_timeout=given["socket_connect_timeout"],
            max_connections=max_connections,
            pool_timeout=given["pool_timeout"],
            health_check_interval=given["health_check_interval"],
            extra=extra,
        )

    def connection_kwargs(self, retry: Any) -> dict[str, Any]:
        kwargs = {
            "socket_timeout": self.socket_timeout,
            "socket_connect_timeout": self.socket_connect_timeout,
            "health_check_interval": self.health_check_interval,
            "retry_on_timeout": False,
            "retry": retry,
            **dict(self.extra),
        }
        if self.db is not None:
            kwargs["db"] = self.db
        return kwargs

    def cluster_nodes(self, node_class: Callable[[str, int], Any]) -> tuple[list[Any], dict[str, Any]]:
        nodes: list[Any] = []
        credentials: dict[str, Any] = {}
        for url in self.servers:
            parsed = urlparse(url if "://" in url else f"redis://{url}")
            nodes.append(node_class(parsed.hostname or "127.0.0.1", parsed.port or 6379))
            if parsed.username:
                credentials["username"] = unquote(parsed.username)
            if parsed.password:
                credentials["password"] = unquote(parsed.password)
            if parsed.scheme == "rediss":
                credentials["ssl"] = True
        return nodes, credentials


# -- the client registry: per process, per configuration, and per event loop for async ----------


class ReadLane:
    """Connections kept aside for the read every cached request makes (one ``MGET``).

    redis-py's pool spends more CPU per command than the round trip itself (a condition, a
    timeout, a liveness probe and metrics on every checkout): a hit only needs a connected
    socket. A lane connection carries one command at a time and goes back to the lane only
    after a complete reply; after any error, timeout or cancellation it is closed and dropped,
    so a connection in the lane never holds a half-read reply. The lane's connections are part
    of ``max_connections`` (the pool gets the rest); when all are busy, the read uses the pool.
    """

    def __init__(self, pool: Any, size: int, timeout: float | None) -> None:
        # The lane bounds the whole command by one timeout itself: redis-py's per-send timeout
        # starts a task on every command.
        kwargs = {**pool.connection_kwargs, "socket_timeout": None}
        self._connect: Callable[[], Any] = lambda: pool.connection_class(**kwargs)
        self._idle: list[Any] = []
        self._open = 0
        self.size = size
        self.timeout = timeout

    async def mget(self, names: list[str]) -> list[Any] | None:
        """The values of ``names``, or ``None`` when every lane connection is busy."""
        if self._idle:
            connection = self._idle.pop()
        elif self._open < self.size:
            connection = self._connect()
            self._open += 1
        else:
            return None
        try:
            async with _timeout(self.timeout):
                if not connection.is_connected:
                    await connection.connect()
                await connection.send_packed_command(connection.pack_command("MGET", *names))
                values: list[Any] = await connection.read_response()
        except BaseException as exc:
            self._open -= 1
            await connection.disconnect(nowait=True)
            if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
                from redis.exceptions import TimeoutError as RedisTimeoutError

                raise RedisTimeoutError("Timeout reading from the cache") from exc
            raise
        self._idle.append(connection)
        return values

    @property
    def busy(self) -> int:
        """How many lane connections carry a command right now."""
        return self._open - len(self._idle)

    async def drop_idle(self) -> None:
        """Close the idle connections (after one failed: a restarted server closed them all)."""
        idle, self._idle = self._idle, []
        self._open -= len(idle)
        for connection in idle:
            await connection.disconnect(nowait=True)


if sys.version_info >= (3, 11):
    _timeout = asyncio.timeout
else:  # pragma: no cover - redis-py depends on async-timeout below 3.11
    from async_timeout import timeout as _timeout


@dataclass
class _AsyncHandle:
    client: Any  # redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster
    cluster: bool
    limiter: asyncio.Semaphore | None  # cluster only: redis-py's cluster nodes raise past max_connections
    pool_timeout: float | None
    lane: ReadLane | None = None  # single server only
    closer: Any = None  # an async generator the loop finalises on shutdown (see _closer)
    abandoned: bool = False

    async def aclose(self) -> None:
        if self.lane is not None:
            await self.lane.drop_idle()
        await self.client.aclose()


_lock = threading.Lock()
_async_clients: dict[ClientConfig, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _AsyncHandle]] = {}
_sync_clients: dict[ClientConfig, Any] = {}


def _forget_all() -> None:
    """After ``fork``: the parent's sockets and loops are not ours; start afresh."""
    _async_clients.clear()
    _sync_clients.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_all)


def _no_retry() -> tuple[Any, Any]:
    """No retries for the async client (``AsyncRedisCache._run`` retries a closed connection once itself);
    the sync client retries once on a connection the server closed (restart, ``CLIENT KILL``): never on
    a timeout, so a hanging Redis still costs one ``socket_timeout``."""
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.retry import Retry

    return AsyncRetry(NoBackoff(), 0), Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))


def _new_async_handle(config: ClientConfig) -> _AsyncHandle:
    async_retry, _ = _no_retry()
    kwargs = config.connection_kwargs(async_retry)
    if config.cluster:
        from redis.asyncio.cluster import ClusterNode, RedisCluster

        nodes, credentials = config.cluster_nodes(ClusterNode)
        kwargs.pop("db", None)  # a cluster has database 0 only
        kwargs.pop("retry_on_timeout", None)
        client = RedisCluster(startup_nodes=nodes, max_connections=config.max_connections, **credentials, **kwargs)
        limiter = asyncio.Semaphore(config.max_connections)
        return _AsyncHandle(client, True, limiter, config.pool_timeout)
    from redis.asyncio import BlockingConnectionPool, Redis

    lane_size = config.max_connections // 2
    pool = BlockingConnectionPool.from_url(
        config.servers[0], max_connections=config.max_connections - lane_size, timeout=config.pool_timeout, **kwargs
    )
    lane = ReadLane(pool, lane_size, config.socket_timeout) if lane_size else None
    return _AsyncHandle(Redis.from_pool(pool), False, None, config.pool_timeout, lane)  # owns its pool


async def _closer(loop: asyncio.AbstractEventLoop, config: ClientConfig, handle: _AsyncHandle) -> AsyncIterator[None]:
    """Started once per handle: the loop's ``shutdown_asyncgens`` (``asyncio.run``, uvicorn,
    pytest-asyncio) finalises it while the loop still runs, which closes the pool cleanly."""
    try:
        yield
    finally:
        clients = _async_clients.get(config)
        if clients is not None and clients.get(loop) is handle:
            del clients[loop]
        if not handle.abandoned:
            await handle.aclose()


def _abandon(handle: _AsyncHandle) -> None:
    """Forget the handle of a loop that closed without finalising its async generators: finish
    ``_closer`` here (it awaits nothing then), so the garbage collector does not ask a closed loop
    to finalise it. Its sockets are closed when collected."""
    handle.abandoned = True
    if handle.closer is not None:
        with contextlib.suppress(StopIteration, RuntimeError):
            handle.closer.aclose().send(None)


async def async_handle(config: ClientConfig) -> _AsyncHandle:
    loop = asyncio.get_running_loop()
    clients = _async_clients.get(config)
    if clients is not None:
        handle = clients.get(loop)
        if handle is not None:
            return handle
    with _lock:
        clients = _async_clients.setdefault(config, weakref.WeakKeyDictionary())
        for old in [old for old in clients if old.is_closed()]:
            _abandon(clients.pop(old))  # a loop that closed without shutting its async generators down
        handle = clients.get(loop)
        if handle is None:
            handle = clients[loop] = _new_async_handle(config)
            handle.closer = _closer(loop, config, handle)
        else:
            return handle
    await handle.closer.__anext__()  # registers it with the loop's async generator hooks
    return handle


def sync_client(config: ClientConfig) -> Any:
    client = _sync_clients.get(config)
    if client is not None:
        return client
    with _lock:
        client = _sync_clients.get(config)
        if client is None:
            _, retry = _no_retry()
            kwargs = config.connection_kwargs(retry)
            if config.cluster:
                from redis.cluster import ClusterNode, RedisCluster

                nodes, credentials = config.cluster_nodes(ClusterNode)
                kwargs.pop("db", None)
                kwargs.pop("retry_on_timeout", None)
                client = RedisCluster(
                    startup_nodes=nodes, max_connections=config.max_connections, **credentials, **kwargs
                )
            else:
                from redis import BlockingConnectionPool, Redis

                pool = BlockingConnectionPool.from_url(
                    config.servers[0],
                    max_connections=config.max_connections,
                    timeout=config.pool_timeout,
                    **kwargs,
                )
                client = Redis(connection_pool=pool)
            _sync_clients[config] = client
    return client


async def aclose_connections() -> None:
    """Close this event loop's pools (for shutdown hooks; loops that shut down cleanly need not)."""
    loop = asyncio.get_running_loop()
    for clients in list(_async_clients.values()):
        handle = clients.pop(loop, None)
        if handle is not None:
            await handle.aclose()


def close_connections() -> None:
    """Close the process's sync pools."""
    with _lock:
        clients = list(_sync_clients.values())
        _sync_clients.clear()
    for client in clients:
        client.close()


def slot_groups(keys: Iterable[str]) -> dict[int, list[str]]:
    from redis.crc import key_slot

    groups: dict[int, list[str]] = {}
    for key in keys:
        groups.setdefault(key_slot(key.encode()), []).append(key)
    return groups
