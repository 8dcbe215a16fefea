"""Events: Django signals for hit, miss, store, bypass, invalidation, backend errors and the breaker;
the Prometheus and OpenTelemetry exporters built on them; nothing to pay when nobody listens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import AsyncClient, override_settings
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from adrf_caching import events
from adrf_caching.contrib import otel, prometheus
from tests.conftest import auth, learn
from tests.redis_server import RedisServer

pytestmark = pytest.mark.django_db(transaction=True)


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, sender: Any, event: str, signal: Any, **data: Any) -> None:
        self.seen.append((event, data))

    def names(self) -> list[str]:
        return [name for name, _ in self.seen]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    signals = [
        getattr(events, name)
        for name in ("hit", "miss", "stored", "bypassed", "invalidated", "backend_error", "breaker")
    ]
    for signal in signals:
        signal.connect(recorder, weak=False)
    assert events.enabled
    yield recorder
    for signal in signals:
        signal.disconnect(recorder)
    assert not events.enabled


def test_disabled_until_someone_listens() -> None:
    assert not events.enabled  # the suite's default: call sites skip every event


async def test_hit_miss_store_and_304_events(locmem, posts, alice, recorder: Recorder):
    client = AsyncClient()
    await client.get("/posts/", headers=auth(alice))  # a fresh endpoint's first miss learns, stores nothing
    first = await client.get("/posts/", headers=auth(alice))
    await client.get("/posts/", headers=auth(alice))
    await client.get("/posts/", headers={**auth(alice), "if-none-match": first["ETag"]})
    assert recorder.names() == ["bypassed", "miss", "stored", "miss", "hit", "hit"]
    assert recorder.seen[0][1]["reason"] == "uncacheable"
    stored, miss, hit, not_modified = (data for _, data in recorder.seen[2:])
    assert stored == {"view": "PostViewSet", "action": "list", "size": len(first.content)}
    assert miss["view"] == hit["view"] == "PostViewSet" and miss["action"] == "list"
    assert miss["duration"] > 0 and hit["duration"] > 0
    assert (miss["not_modified"], hit["not_modified"], not_modified["not_modified"]) == (False, False, True)


async def test_bypass_reasons(locmem, posts, recorder: Recorder):
    client = AsyncClient()
    await client.get("/posts/", headers={"accept": "text/html"})
    await client.get("/header-posts/?teapot=1")
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "ENABLED": False}):
        await client.get("/posts/")
    with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "RESPECT_CLIENT_NO_CACHE": True}):
        await client.get("/posts/", headers={"cache-control": "no-cache"})
    reasons = [data["reason"] for name, data in recorder.seen if name == "bypassed"]
    assert reasons == ["html", "uncacheable", "disabled", "client_no_cache"]
    assert set(reasons) <= set(events.REASONS)


async def test_invalidation_event_counts_version_keys(locmem, posts, alice, recorder: Recorder):
    client = AsyncClient()
    url = f"/posts/{posts[0].pk}/"
    await client.patch(url, {"title": "x"}, content_type="application/json", headers=auth(alice))
    bumps = [data["keys"] for name, data in recorder.seen if name == "invalidated"]
    assert bumps == [1, 1]  # the table the UPDATE wrote as it committed, then the owner (invalidate_fields)


@pytest.fixture
def dead_redis() -> Iterator[str]:
    server = RedisServer()
    url = server.url
    server.stop()  # a port where nothing answers
    cache = {"BACKEND": "adrf_caching.backends.redis.AsyncRedisCache", "LOCATION": url}
    conf = {"CACHE_ALIAS": "dead", "FAILURE_THRESHOLD": 2, "COOL_DOWN": 60}
    with override_settings(CACHES={**settings.CACHES, "dead": cache}, ADRF_CACHING_SETTINGS=conf):
        yield "dead"


async def test_backend_errors_open_the_breaker(posts, dead_redis, recorder: Recorder):
    client = AsyncClient()
    for _ in range(3):
        assert (await client.get("/posts/")).status_code == 200
    names = recorder.names()
    assert names.count("backend_error") == 2  # the third request skips the cache: no call, no error
    assert ("breaker", {"state": "open"}) in recorder.seen
    assert [data["reason"] for name, data in recorder.seen if name == "bypassed"] == ["unavailable"] * 3


async def test_breaker_closes_when_the_cache_answers_again(locmem, recorder: Recorder):
    from adrf_caching.store import get_store

    store = get_store()
    store._failed("read", RuntimeError("down"))
    store._failed("read", RuntimeError("down"))
    store._failed("read", RuntimeError("down"))
    store.breaker.next_probe = 0.0  # the cool-down is over: the next call probes
    assert await store.get_many(["k"]) == {}
    assert [d for n, d in recorder.seen if n == "breaker"] == [{"state": "open"}, {"state": "closed"}]


async def test_a_failing_receiver_never_breaks_a_request(locmem, posts):
    def broken(sender: Any, **data: Any) -> None:
        raise RuntimeError("metrics backend down")

    events.hit.connect(broken)
    events.miss.connect(broken)
    try:
        client = AsyncClient()
        assert (await client.get("/posts/")).status_code == 200
        assert (await client.get("/posts/")).status_code == 200
    finally:
        events.hit.disconnect(broken)
        events.miss.disconnect(broken)


@pytest.fixture
def metrics() -> Iterator[tuple[prometheus.Metrics, CollectorRegistry]]:
    registry = CollectorRegistry()
    installed = prometheus.install(registry)
    yield installed, registry
    prometheus.uninstall()


async def test_prometheus_counters_and_histograms(locmem, posts, alice, metrics):
    _, registry = metrics
    client = AsyncClient()
    first = await learn(client, "/posts/", headers=auth(alice))
    await client.get("/posts/", headers=auth(alice))
    await client.get("/posts/", headers={**auth(alice), "if-none-match": first["ETag"]})
    await client.get("/posts/", headers={"accept": "text/html"})
    await client.patch(f"/posts/{posts[0].pk}/", {"title": "x"}, content_type="application/json", headers=auth(alice))
    labels = {"view": "PostViewSet", "action": "list"}

    def value(name: str, **extra: str) -> float | None:
        return registry.get_sample_value(name, {**labels, **extra})

    assert value("adrf_cache_requests_total", result="miss") == 2  # learn, then store
    assert value("adrf_cache_requests_total", result="hit") == 2
    assert value("adrf_cache_not_modified_total", result="hit") == 1
    assert value("adrf_cache_request_duration_seconds_count", result="hit") == 2
    assert registry.get_sample_value("adrf_cache_stores_total", labels) == 1
    assert value("adrf_cache_bypasses_total", reason="uncacheable") == 1  # the learning miss
    assert registry.get_sample_value("adrf_cache_entry_size_bytes_sum", labels) == len(first.content)
    assert value("adrf_cache_bypasses_total", reason="html") == 1
    assert (registry.get_sample_value("adrf_cache_invalidated_versions_total") or 0) >= 2
    assert registry.get_sample_value("adrf_cache_breaker_open") == 0


async def test_prometheus_errors_and_breaker(posts, dead_redis, metrics):
    _, registry = metrics
    client = AsyncClient()
    for _ in range(3):
        await client.get("/posts/")
    assert registry.get_sample_value("adrf_cache_backend_errors_total", {"operation": "read"}) == 2
    assert registry.get_sample_value("adrf_cache_breaker_open") == 1


async def test_prometheus_metrics_view(locmem, posts, metrics):
    from django.test import RequestFactory

    await AsyncClient().get("/posts/")
    response = prometheus.metrics_view(RequestFactory().get("/metrics"))
    assert response.status_code == 200
    assert b'adrf_cache_requests_total{action="list",result="miss",view="PostViewSet"} 1.0' in response.content


async def test_opentelemetry_spans_for_hits_and_misses(locmem, posts):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    otel.install(provider)
    try:
        client = AsyncClient()
        first = await learn(client, "/posts/")
        await client.get("/posts/", headers={"if-none-match": first["ETag"]})
    finally:
        otel.uninstall()
    spans = exporter.get_finished_spans()
    assert [span.name for span in spans] == ["adrf_cache.miss", "adrf_cache.miss", "adrf_cache.hit"]
    assert spans[2].attributes is not None
    assert dict(spans[2].attributes) == {
        "adrf_cache.view": "PostViewSet",
        "adrf_cache.action": "list",
        "adrf_cache.result": "hit",
        "adrf_cache.not_modified": True,
    }
    assert all(span.end_time is not None and span.start_time is not None for span in spans)
    assert all(span.end_time >= span.start_time for span in spans)  # type: ignore[operator]
    assert not events.enabled


def test_exporters_setting_is_validated():
    from django.core.exceptions import ImproperlyConfigured

    from adrf_caching.conf import caching_settings

    with (
        override_settings(ADRF_CACHING_SETTINGS={"EXPORTERS": ["statsd"]}),
        pytest.raises(ImproperlyConfigured, match="unknown exporters"),
    ):
        caching_settings()
