"""What the cache does, as Django signals: hits, misses, stores, bypasses, invalidations, errors.

Call sites read ``events.enabled`` before building an event, so with nobody listening a hit
pays one attribute read and one branch. Connecting a receiver to any of these signals turns
the switch on; the Prometheus and OpenTelemetry exporters in ``adrf_caching.contrib`` are
such receivers.

Every receiver gets ``event`` (the name below) and these keyword arguments:

* ``hit`` / ``miss``: ``view`` (class name), ``action``, ``duration`` (seconds), ``not_modified`` (a 304)
* ``stored``: ``view``, ``action``, ``size`` (bytes of the entry)
* ``bypassed``: ``view``, ``action``, ``reason`` (see ``REASONS``)
* ``invalidated``: ``keys`` (version keys given a new token)
* ``backend_error``: ``operation`` (``read``, ``write``, ``version bump``...)
* ``breaker``: ``state`` (``open``: the cache is skipped; ``closed``: trusted again)
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.dispatch import Signal

__all__ = [
    "REASONS",
    "backend_error",
    "breaker",
    "bypass",
    "bypassed",
    "emit",
    "enabled",
    "hit",
    "invalidated",
    "miss",
    "served",
    "stored",
    "view_name",
]

logger = logging.getLogger("adrf_caching")

# Why a cached action was served without the cache.
REASONS = {
    "action": "the action is not among the view's cached actions",
    "disabled": "ADRF_CACHING_SETTINGS['ENABLED'] is False",
    "method": "not a GET or HEAD",
    "body": "a GET or HEAD that carries a body (what the view reads of it is in no key)",
    "finalize": "the view overrides finalize_response(), which cannot be replayed on a stored answer",
    "html": "an HTML rendering (the browsable API), or no negotiated renderer",
    "client_no_cache": "the client sent Cache-Control: no-cache (RESPECT_CLIENT_NO_CACHE)",
    "unavailable": "the cache is failing or its circuit breaker is open",
    "uncacheable": "not stored: not a 200, sets cookies, says no-store, or a miss that learned what the view reads",
}

enabled = False  # True while any receiver is connected to one of the signals below


class _Switching(Signal):
    """A signal that keeps ``enabled`` in step with whether anybody listens."""

    def connect(self, *args: Any, **kwargs: Any) -> None:
        super().connect(*args, **kwargs)
        _refresh()

    def disconnect(self, *args: Any, **kwargs: Any) -> bool:
        removed = super().disconnect(*args, **kwargs)
        _refresh()
        return removed


hit = _Switching()
miss = _Switching()
stored = _Switching()
bypassed = _Switching()
invalidated = _Switching()
backend_error = _Switching()
breaker = _Switching()

_SIGNALS: dict[str, Signal] = {
    "hit": hit,
    "miss": miss,
    "stored": stored,
    "bypassed": bypassed,
    "invalidated": invalidated,
    "backend_error": backend_error,
    "breaker": breaker,
}


def _refresh() -> None:
    global enabled
    enabled = any(signal.receivers for signal in _SIGNALS.values())


def view_name(view: object) -> str:
    """The label of a view in metrics: its class's qualified name."""
    return type(view).__qualname__


def emit(event: str, **data: Any) -> None:
    """Send ``event`` to its receivers; a failing receiver is logged, never raised into a request."""
    for receiver, result in _SIGNALS[event].send_robust(sender=None, event=event, **data):
        if isinstance(result, Exception):
            logger.error("adrf_caching: %r failed on the %s event: %r", receiver, event, result)


def since(started: float) -> float:
    """Seconds elapsed since ``started`` (a ``time.perf_counter()`` reading)."""
    return time.perf_counter() - started


def served(view: object, action: str, outcome: str, started: float, response: Any) -> None:
    """A cached action answered: ``outcome`` is ``hit`` or ``miss``; a 304 is ``not_modified``."""
    not_modified = getattr(response, "status_code", 200) == 304
    emit(outcome, view=view_name(view), action=action, duration=since(started), not_modified=not_modified)


def bypass(view: object, action: str, reason: str) -> None:
    emit("bypassed", view=view_name(view), action=action, reason=reason)
