"""Prometheus metrics of the cache (``pip install "adrf-caching[prometheus]"``).

``install()`` (or ``"EXPORTERS": ["prometheus"]`` in the settings) connects receivers to
``adrf_caching.events``; ``metrics_view`` serves the registry for a scraper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from adrf_caching import events

__all__ = ["Metrics", "install", "metrics_view", "uninstall"]

_SIZE_BUCKETS = (256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)
_TIME_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    not_modified: Counter
    duration: Histogram
    stores: Counter
    entry_size: Histogram
    bypasses: Counter
    invalidations: Counter
    errors: Counter
    breaker_open: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        view = ["view", "action"]
        return cls(
            registry=registry,
            requests=Counter(
                "adrf_cache_requests",
                "Cached actions served, by result (hit or miss)",
                [*view, "result"],
                registry=registry,
            ),
            not_modified=Counter(
                "adrf_cache_not_modified",
                "304 Not Modified answers (If-None-Match matched)",
                [*view, "result"],
                registry=registry,
            ),
            duration=Histogram(
                "adrf_cache_request_duration_seconds",
                "Time in the cached action, by result",
                [*view, "result"],
                buckets=_TIME_BUCKETS,
                registry=registry,
            ),
            stores=Counter("adrf_cache_stores", "Entries written after a miss", view, registry=registry),
            entry_size=Histogram(
                "adrf_cache_entry_size_bytes",
                "Body size of stored entries",
                view,
                buckets=_SIZE_BUCKETS,
                registry=registry,
            ),
            bypasses=Counter(
                "adrf_cache_bypasses",
                "Cached actions served without the cache, by reason",
                [*view, "reason"],
                registry=registry,
            ),
            invalidations=Counter(
                "adrf_cache_invalidated_versions",
                "Version keys given a new token (writes, signals, by hand)",
                registry=registry,
            ),
            errors=Counter(
                "adrf_cache_backend_errors",
                "Cache backend errors and timeouts, by operation",
                ["operation"],
                registry=registry,
            ),
            breaker_open=Gauge(
                "adrf_cache_breaker_open", "1 while the circuit breaker skips the cache", registry=registry
            ),
        )

    # -- receivers (signal signature: sender, event, **data) ---------------------------------
    def on_served(
        self, sender: Any, event: str, view: str, action: str, duration: float, not_modified: bool, **_: Any
    ) -> None:
        self.requests.labels(view, action, event).inc()
        self.duration.labels(view, action, event).observe(duration)
        if not_modified:
            self.not_modified.labels(view, action, event).inc()

    def on_stored(self, sender: Any, view: str, action: str, size: int, **_: Any) -> None:
        self.stores.labels(view, action).inc()
        self.entry_size.labels(view, action).observe(size)

    def on_bypassed(self, sender: Any, view: str, action: str, reason: str, **_: Any) -> None:
        self.bypasses.labels(view, action, reason).inc()

    def on_invalidated(self, sender: Any, keys: int, **_: Any) -> None:
        self.invalidations.inc(keys)

    def on_error(self, sender: Any, operation: str, **_: Any) -> None:
        self.errors.labels(operation).inc()

    def on_breaker(self, sender: Any, state: str, **_: Any) -> None:
        self.breaker_open.set(1 if state == "open" else 0)


_installed: Metrics | None = None
_created: dict[int, Metrics] = {}  # by registry: a registry refuses the same metric twice


def install(registry: CollectorRegistry = REGISTRY) -> Metrics:
    """Create the metrics in ``registry`` (once) and start counting; calling it again changes nothing."""
    global _installed
    if _installed is None:
        metrics = _created.get(id(registry)) or _created.setdefault(id(registry), Metrics.create(registry))
        for signal, receiver in _receivers(metrics):
            signal.connect(receiver, dispatch_uid=f"adrf_caching.prometheus.{id(signal)}")
        _installed = metrics
    return _installed


def uninstall() -> None:
    """Stop counting (tests); the metrics stay in their registry."""
    global _installed
    if _installed is not None:
        for signal, _ in _receivers(_installed):
            signal.disconnect(dispatch_uid=f"adrf_caching.prometheus.{id(signal)}")
        _installed = None


def _receivers(metrics: Metrics) -> list[tuple[Any, Any]]:
    return [
        (events.hit, metrics.on_served),
        (events.miss, metrics.on_served),
        (events.stored, metrics.on_stored),
        (events.bypassed, metrics.on_bypassed),
        (events.invalidated, metrics.on_invalidated),
        (events.backend_error, metrics.on_error),
        (events.breaker, metrics.on_breaker),
    ]


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``path("metrics", metrics_view)``: the registry of ``install()`` in Prometheus' text format."""
    registry = REGISTRY if _installed is None else _installed.registry
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
