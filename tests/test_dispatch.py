"""``initial()`` on the event loop for cached reads (dispatch.py): same answers, fewer thread hops.

Every answer is compared with the one adrf's own thread hop gives (``INITIAL_ON_LOOP: False``), for
no credentials, malformed, wrong and right ones; where the work ran is read from a permission that
records its thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import AsyncClient, override_settings

from adrf_caching import dispatch
from tests.conftest import auth, count_queries, learn
from tests.testapp import speed_views

pytestmark = pytest.mark.django_db(transaction=True)

CREDENTIALS: dict[str, dict[str, str]] = {
    "none": {},
    "malformed": {"authorization": "Basic"},
    "wrong": auth("nobody"),
    "right": auth("alice"),
}
URLS = [
    "/speed/loop-posts/",
    "/speed/loop-auth-posts/",
    "/speed/async-auth-posts/",
    "/speed/wrongly-trusted-posts/",
    "/speed/model-perm-posts/",
    "/speed/throttled-posts/",
    "/notes/",
    "/posts/?page=2",
    "/generic/posts/",
    "/my-titles/",
]


def settings_for(on_loop: bool) -> Any:
    return override_settings(
        ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "HIT_HEADER": "X-Cache", "INITIAL_ON_LOOP": on_loop}
    )


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    speed_views.seen_threads.clear()
    speed_views.async_throttle_calls.clear()
    dispatch._distrusted.clear()
    caches["default"].clear()
    caches["locmem"].clear()
    yield
    dispatch._distrusted.clear()


def snapshot(response: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body. The ETag derives from the versions, which each run's cache clear
    recreates with new tokens, so only its presence is compared."""
    headers = sorted((name, "<etag>" if name == "ETag" else value) for name, value in response.headers.items())
    return response.status_code, headers, response.content


async def answers(url: str, headers: dict[str, str], *, on_loop: bool, times: int = 2) -> list[Any]:
    caches["default"].clear()  # throttle history
    caches["locmem"].clear()
    client = AsyncClient()
    with settings_for(on_loop):
        return [snapshot(await client.get(url, headers=headers)) for _ in range(times)]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("credentials", sorted(CREDENTIALS))
async def test_same_status_headers_and_body_as_the_thread_hop(posts, alice, url: str, credentials: str):
    headers = CREDENTIALS[credentials]
    await answers(url, headers, on_loop=False)  # the endpoint learns what it reads (no store) once
    on_loop = await answers(url, headers, on_loop=True)
    in_thread = await answers(url, headers, on_loop=False)
    assert on_loop == in_thread
    assert on_loop[0][0] in (200, 401, 403)


async def test_head_answers_as_in_the_thread(posts, alice):
    client = AsyncClient()
    await client.head("/speed/loop-posts/")  # the endpoint learns what it reads (no store) once
    results = []
    for on_loop in (True, False):
        caches["locmem"].clear()
        with settings_for(on_loop):
            results.append([snapshot(await client.head("/speed/loop-posts/")) for _ in range(2)])
    assert results[0] == results[1]


def loop_thread() -> int:
    return threading.get_ident()


@pytest.mark.parametrize(
    ("url", "headers", "on_loop"),
    [
        ("/speed/loop-posts/", {}, True),  # Basic authentication without credentials: no I/O
        ("/speed/loop-auth-posts/", CREDENTIALS["right"], False),  # Basic with credentials: the DB
        ("/speed/async-auth-posts/", CREDENTIALS["right"], True),  # async authenticator
        ("/speed/async-auth-posts/", CREDENTIALS["wrong"], True),
        ("/speed/model-perm-posts/", {}, False),  # DjangoModelPermissions: the DB
        ("/speed/throttled-posts/", {}, True),  # a rate throttle marked safe, on LocMem
    ],
)
async def test_where_initial_runs(posts, alice, url: str, headers: dict[str, str], on_loop: bool):
    client = AsyncClient()
    with settings_for(True):
        await client.get(url, headers=headers)
    ran_on_loop = bool(speed_views.seen_threads) and speed_views.seen_threads[-1] == loop_thread()
    if url == "/speed/async-auth-posts/" and headers == CREDENTIALS["wrong"]:
        assert speed_views.seen_threads == []  # 401 before permissions; nothing ran in a thread
        return
    assert ran_on_loop is on_loop


async def test_setting_off_keeps_the_hop(posts):
    with settings_for(False):
        await AsyncClient().get("/speed/loop-posts/")
    assert speed_views.seen_threads[-1] != loop_thread()


async def test_writes_keep_the_hop(posts, alice):
    with settings_for(True):
        response = await AsyncClient().post("/speed/async-auth-posts/", {}, headers=CREDENTIALS["right"])
    assert response.status_code == 405  # read-only viewset: still answered by adrf's dispatch
    assert speed_views.seen_threads[-1] != loop_thread()


async def test_a_hit_on_the_loop_makes_no_query(posts):
    client = AsyncClient()
    with settings_for(True):
        first = await learn(client, "/speed/loop-posts/")
        async with count_queries() as hit:
            second = await client.get("/speed/loop-posts/")
    assert second["X-Cache"] == "hit"
    assert hit.value == 0
    assert second.content == first.content
    assert speed_views.seen_threads[-1] == loop_thread()


async def test_wrongly_trusted_authenticator_is_rerun_in_a_thread(posts, alice, caplog):
    client = AsyncClient()
    with settings_for(True), caplog.at_level(logging.WARNING, logger="adrf_caching"):
        first = await learn(client, "/speed/wrongly-trusted-posts/", headers=CREDENTIALS["right"])
        second = await client.get("/speed/wrongly-trusted-posts/", headers=CREDENTIALS["right"])
    assert first.status_code == second.status_code == 200
    assert second["X-Cache"] == "hit"
    warnings = [r for r in caplog.records if "touched the database on the event loop" in r.getMessage()]
    assert len(warnings) == 1  # then distrusted: the second request keeps the hop
    assert "WronglyTrustedBasicAuthentication" in warnings[0].getMessage()
    assert speed_views.seen_threads[-1] != loop_thread()


@pytest.mark.parametrize("on_loop", [True, False])
async def test_rate_throttle_counts_each_request_once(posts, on_loop: bool):
    statuses = [snap[0] for snap in await answers("/speed/throttled-posts/", {}, on_loop=on_loop, times=5)]
    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.parametrize("on_loop", [True, False])
async def test_async_throttle_runs_once_per_request(posts, alice, on_loop: bool):
    await answers("/speed/async-auth-posts/", CREDENTIALS["right"], on_loop=on_loop, times=3)
    assert speed_views.async_throttle_calls == ["GET"] * 3


async def test_loop_safe_classes_setting_marks_a_class(posts):
    """DjangoModelPermissions is not in the allow-list; the setting vouches for it (anonymous: no I/O)."""
    client = AsyncClient()
    trusted = {"LOOP_SAFE_CLASSES": ["rest_framework.permissions.DjangoModelPermissions"]}
    results = []
    for extra in ({}, trusted):
        caches["locmem"].clear()
        with override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", **extra}):
            results.append(snapshot(await client.get("/speed/model-perm-posts/")))
        results.append(speed_views.seen_threads[-1] == loop_thread())
    assert results[0] == results[2]
    assert results[0][0] == 401
    assert (results[1], results[3]) == (False, True)


def test_loop_safe_classes_must_be_dotted_paths() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from adrf_caching.conf import caching_settings

    bad = override_settings(ADRF_CACHING_SETTINGS={"CACHE_ALIAS": "locmem", "LOOP_SAFE_CLASSES": "a.B"})
    with bad, pytest.raises(ImproperlyConfigured, match="LOOP_SAFE_CLASSES"):
        caching_settings()


async def test_a_mixin_with_its_own_async_dispatch_keeps_it(posts):
    speed_views.CountingDispatch.calls = 0
    with settings_for(True):
        response = await AsyncClient().get("/speed/own-dispatch-posts/")
    assert response.status_code == 200
    assert speed_views.CountingDispatch.calls == 1
    assert speed_views.seen_threads[-1] != loop_thread()  # adrf's dispatch, unchanged: initial() in a thread


async def test_force_authenticate_runs_on_the_loop_with_the_same_answer(posts, alice):
    from adrf.test import AsyncAPIClient

    results = []
    for on_loop in (True, False):
        caches["locmem"].clear()
        client = AsyncAPIClient()
        client.force_authenticate(user=alice)
        with settings_for(on_loop):
            response = await client.get("/speed/loop-auth-posts/")
        results.append((response.status_code, response.content, speed_views.seen_threads[-1] == loop_thread()))
    assert results[0][:2] == results[1][:2]
    assert results[0][0] == 200
    assert (results[0][2], results[1][2]) == (True, False)


ACCEPTS = [
    "application/json",
    "application/json; indent=4",
    "*/*",
    "application/*",
    "text/html",  # the browsable API: never cached
    "application/xml",  # nothing renders it: 406
    "application/json; indent=4",  # again, now remembered
    "",
]


@pytest.mark.parametrize("query", ["", "?format=json", "?format=api", "?format=nope"])
async def test_remembered_content_negotiation_answers_as_the_thread_hop(posts, query: str):
    """Each Accept header and ?format= in turn, twice: the negotiation remembered on the loop picks
    the renderer and media type that DRF's negotiation in adrf's thread picks."""
    dispatch._negotiated.clear()
    url = f"/speed/loop-posts/{query}"
    await answers(url, {}, on_loop=False)  # the endpoint learns
    for accept in ACCEPTS:
        headers = {"accept": accept} if accept else {}
        on_loop = await answers(url, headers, on_loop=True, times=3)
        in_thread = await answers(url, headers, on_loop=False, times=3)
        if any(dict(headers).get("Content-Type", "").startswith("text/html") for _, headers, _ in in_thread):
            # The browsable API (never cached) renders a fresh CSRF token each time: all but the body.
            on_loop, in_thread = [a[:2] for a in on_loop], [a[:2] for a in in_thread]
        assert on_loop == in_thread, (query, accept)
    assert dispatch._negotiated or query == "?format=nope"  # remembered (a 404 is not)
