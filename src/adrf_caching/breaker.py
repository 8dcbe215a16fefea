"""The circuit breaker in front of the cache: closed, open, and a half-open probe.

After ``threshold`` consecutive outage errors it opens; while open, one call every ``probe_every``
seconds is let through as a probe, and the first success closes it. A failure while open never
pushes the next probe further out, so a busy writer cannot keep the cache off.
Errors that are not outages (Redis answered, e.g. ``OOM``, ``READONLY``, a wrong type) and
timeouts that a late event loop caused (not a slow Redis) do not count.
"""

from __future__ import annotations

import asyncio
import socket
import time

__all__ = ["Breaker", "is_outage"]


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the cache is unreachable or too slow (rather than that it refused a command)."""
    try:
        from redis.exceptions import ResponseError
    except ImportError:  # pragma: no cover - redis-py is optional
        return True
    return not isinstance(exc, ResponseError)


def is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError, socket.timeout)):
        return True
    try:
        from redis.exceptions import TimeoutError as RedisTimeout
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, RedisTimeout)


class Breaker:
    def __init__(self, threshold: int, probe_every: float) -> None:
        self.threshold = max(1, threshold)
        self.probe_every = probe_every
        self.failures = 0
        self.open = False
        self.next_probe = 0.0

    def allow(self) -> bool:
        """True when closed, or when this caller is the open breaker's next probe."""
        if not self.open:
            return True
        now = time.monotonic()
        if now < self.next_probe:
            return False
        self.next_probe = now + self.probe_every  # one probe per interval, whatever it finds
        return True

    def succeeded(self) -> None:
        self.failures = 0
        self.open = False

    def failed(self) -> None:
        """One more outage error; opens the breaker at the threshold (a failure while open changes nothing)."""
        self.failures += 1
        if not self.open and self.failures >= self.threshold:
            self.open = True
            self.next_probe = time.monotonic() + self.probe_every
