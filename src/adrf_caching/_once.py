"""Log a problem once per key, not once per request (a damaged key is read by every request)."""

from __future__ import annotations

import logging
from collections import OrderedDict

__all__ = ["OncePerKey", "reset_all"]

_instances: list[OncePerKey] = []


class OncePerKey:
    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()
        _instances.append(self)

    def warn(self, logger: logging.Logger, key: str, message: str, *args: object) -> None:
        if key in self._seen:
            self._seen.move_to_end(key)
            return
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        logger.warning(message, *args)

    def clear(self) -> None:
        self._seen.clear()


def reset_all() -> None:
    """Forget every key logged so far (tests that damage the same key on several backends)."""
    for instance in _instances:
        instance.clear()
