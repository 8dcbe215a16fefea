"""OpenTelemetry spans of the cache (``pip install "adrf-caching[otel]"``).

``install()`` (or ``"EXPORTERS": ["otel"]`` in the settings) connects receivers to
``adrf_caching.events``: each hit or miss becomes an ``adrf_cache.<result>`` span, a child of
the request's span, timed from the start of the cached action; bypasses, stores, invalidations,
backend errors and breaker changes become events on the current span. The API alone is needed:
with no SDK configured the spans are no-ops.
"""

from __future__ import annotations

import time
from typing import Any

from opentelemetry import trace

from adrf_caching import events

__all__ = ["install", "uninstall"]

_UID = "adrf_caching.otel"
_tracer: Any = None


def _on_served(sender: Any, event: str, view: str, action: str, duration: float, not_modified: bool, **_: Any) -> None:
    end = time.time_ns()
    span = _tracer.start_span(
        f"adrf_cache.{event}",
        start_time=end - int(duration * 1e9),
        attributes={
            "adrf_cache.view": view,
            "adrf_cache.action": action,
            "adrf_cache.result": event,
            "adrf_cache.not_modified": not_modified,
        },
    )
    span.end(end_time=end)


def _on_event(sender: Any, event: str, **data: Any) -> None:
    attributes = {f"adrf_cache.{name}": value for name, value in data.items() if isinstance(value, (str, int))}
    trace.get_current_span().add_event(f"adrf_cache.{event}", attributes=attributes)


_SIGNALS = (events.stored, events.bypassed, events.invalidated, events.backend_error, events.breaker)


def install(tracer_provider: Any = None) -> None:
    """Start recording spans with a tracer from ``tracer_provider`` (default: the global one)."""
    global _tracer
    _tracer = trace.get_tracer("adrf_caching", tracer_provider=tracer_provider)
    events.hit.connect(_on_served, dispatch_uid=f"{_UID}.hit")
    events.miss.connect(_on_served, dispatch_uid=f"{_UID}.miss")
    for signal in _SIGNALS:
        signal.connect(_on_event, dispatch_uid=f"{_UID}.{id(signal)}")


def uninstall() -> None:
    events.hit.disconnect(dispatch_uid=f"{_UID}.hit")
    events.miss.disconnect(dispatch_uid=f"{_UID}.miss")
    for signal in _SIGNALS:
        signal.disconnect(dispatch_uid=f"{_UID}.{id(signal)}")
