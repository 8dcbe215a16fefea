"""A tiny RESP client for the stdlib-only orchestrator (the private server is tests/redis_server.py's)."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlparse


class RespClient:
    """Just enough RESP2 to run admin commands from the stdlib-only orchestrator."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.sock = socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=30
        )
        self.reader = self.sock.makefile("rb")
        db = parsed.path.lstrip("/")
        if db:
            self.command("SELECT", db)

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def command(self, *args: str | int) -> Any:
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))
        return self._read()

    def _read(self) -> Any:
        line = self.reader.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.reader.read(n + 2)[:-2]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RuntimeError(f"unexpected RESP reply {line!r}")

    def commandstats(self) -> dict[str, int]:
        """Calls per command since start (``INFO commandstats``), e.g. {"get": 1200, "setex": 10}."""
        raw = self.command("INFO", "commandstats").decode()
        stats: dict[str, int] = {}
        for line in raw.splitlines():
            if line.startswith("cmdstat_"):
                name, _, fields = line[len("cmdstat_") :].partition(":")
                calls = dict(f.split("=", 1) for f in fields.split(","))["calls"]
                stats[name] = int(calls)
        return stats

    def keys(self, exclude_prefix: str) -> list[bytes]:
        cursor, found = b"0", list[bytes]()
        while True:
            cursor, batch = self.command("SCAN", cursor.decode(), "COUNT", 1000)
            found.extend(k for k in batch if not k.startswith(exclude_prefix.encode()))
            if cursor == b"0":
                return found


def commands_between(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Per-command call deltas, without the INFO calls the harness itself makes."""
    delta = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    return {name: n for name, n in sorted(delta.items()) if n and name != "info"}
