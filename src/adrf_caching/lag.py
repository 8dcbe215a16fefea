"""How late the event loop runs: a slow loop is not a slow Redis.

Under CPU overload the loop wakes late, a socket timeout fires although Redis answered in time,
and counting that as an outage would switch the cache off exactly when the database can least
take it. A timer every ``PERIOD`` records how late it fired; a timeout during which the loop was
late by a comparable amount is blamed on the loop.
"""

from __future__ import annotations

import asyncio
import collections
import weakref

__all__ = ["loop_was_late", "watch_loop"]

PERIOD = 0.05
_monitors: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Monitor] = weakref.WeakKeyDictionary()


class _Monitor:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.lags: collections.deque[tuple[float, float]] = collections.deque(maxlen=64)  # (when, how late)
        self.expected = loop.time() + PERIOD
        loop.call_at(self.expected, self._tick)

    def _tick(self) -> None:
        now = self.loop.time()
        self.lags.append((now, now - self.expected))
        self.expected = now + PERIOD
        self.loop.call_at(self.expected, self._tick)

    def worst_since(self, since: float) -> float:
        return max((lag for when, lag in self.lags if when >= since), default=0.0)


def watch_loop() -> float:
    """Start watching the running loop (once per loop); returns its clock's time, for ``loop_was_late``."""
    loop = asyncio.get_running_loop()
    if loop not in _monitors:
        _monitors[loop] = _Monitor(loop)
    return loop.time()


def loop_was_late(started: float) -> bool:
    """Whether the running loop was late, since ``started``, by a good part of the time that passed."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    monitor = _monitors.get(loop)
    now = loop.time()
    if monitor is None:
        return False
    # Lateness seen while the call ran, or a tick overdue right now: half the time it took, or more.
    late = max(monitor.worst_since(started), now - monitor.expected)
    return late >= max(0.05, 0.5 * (now - started))
