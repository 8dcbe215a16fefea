"""Helpers of the issue 9 tests: prime a cached view until it hits, then compare it with its uncached twin."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import AsyncClient, Client

from tests.conftest import auth

HIT_HEADER = "X-Cache"


def readers(world: dict[str, Any]) -> list[User | None]:
    """The writer (alice), another user (bob) and anonymous."""
    return [world["alice"], world["bob"], None]


def headers_of(user: User | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**(auth(user) if user is not None else {}), **(extra or {})}


def who(user: User | None) -> str:
    return "anonymous" if user is None else user.username


def _prefix(url: str) -> str:
    return "/" + url.lstrip("/").split("/", 1)[0] + "/"


def _body(response: Any, cached_url: str, uncached_url: str) -> Any:
    """The JSON body, with links to the uncached twin's prefix written as the cached one's."""
    text = response.content.decode()
    text = text.replace(_prefix(uncached_url), _prefix(cached_url))
    try:
        return json.loads(text)
    except ValueError:
        return text


async def prime(
    client: AsyncClient, url: str, users: Iterable[User | None], extra: dict[str, str] | None = None
) -> None:
    """Three reads per user: the first teaches the endpoint its tables, the second stores, the third hits."""
    for user in users:
        for _ in range(2):
            await client.get(url, headers=headers_of(user, extra))
        third = await client.get(url, headers=headers_of(user, extra))
        assert third.get(HIT_HEADER) == "hit", (url, who(user), third.status_code, third.get(HIT_HEADER))


async def assert_same_as_uncached(
    client: AsyncClient,
    cached_url: str,
    uncached_url: str,
    users: Iterable[User | None],
    extra: dict[str, str] | None = None,
) -> list[Any]:
    """As each user, the cached view answers what the uncached twin answers now (status and JSON body)."""
    bodies = []
    for user in users:
        cached = await client.get(cached_url, headers=headers_of(user, extra))
        plain = await client.get(uncached_url, headers=headers_of(user, extra))
        expected = (plain.status_code, _body(plain, cached_url, uncached_url))
        got = (cached.status_code, _body(cached, cached_url, uncached_url))
        assert got == expected, (
            f"{cached_url} as {who(user)} ({cached.get(HIT_HEADER)}): cached {got} != uncached {expected}"
        )
        bodies.append(got[1])
    return bodies


async def prime_all(client: AsyncClient, world: dict[str, Any], views: list[tuple[str, str]]) -> None:
    """``prime`` each cached URL of ``views`` (pairs of cached and uncached URLs) for every reader."""
    for cached_url, _ in views:
        await prime(client, cached_url, readers(world))


async def all_same(client: AsyncClient, world: dict[str, Any], views: list[tuple[str, str]]) -> None:
    """``assert_same_as_uncached`` for every pair of ``views``, as every reader."""
    for cached_url, plain_url in views:
        await assert_same_as_uncached(client, cached_url, plain_url, readers(world))


def prime_sync(client: Client, url: str, users: Iterable[User | None]) -> None:
    for user in users:
        for _ in range(2):
            client.get(url, headers=headers_of(user))
        third = client.get(url, headers=headers_of(user))
        assert third.get(HIT_HEADER) == "hit", (url, who(user), third.status_code, third.get(HIT_HEADER))


def assert_same_as_uncached_sync(
    client: Client, cached_url: str, uncached_url: str, users: Iterable[User | None]
) -> list[Any]:
    bodies = []
    for user in users:
        cached = client.get(cached_url, headers=headers_of(user))
        plain = client.get(uncached_url, headers=headers_of(user))
        expected = (plain.status_code, _body(plain, cached_url, uncached_url))
        got = (cached.status_code, _body(cached, cached_url, uncached_url))
        assert got == expected, (cached_url, who(user), cached.get(HIT_HEADER))
        bodies.append(got[1])
    return bodies


# The test client's async session helpers (aforce_login, asession) are Django 5.0+: these work on 4.2 too.


async def login(client: AsyncClient, user: User) -> AsyncClient:
    await sync_to_async(client.force_login)(user)
    return client


async def set_session(client: AsyncClient, key: str, value: Any) -> None:
    def put() -> None:
        session = client.session
        session[key] = value
        session.save()

    await sync_to_async(put)()


async def pop_session(client: AsyncClient, key: str) -> None:
    def pop() -> None:
        session = client.session
        session.pop(key, None)
        session.save()

    await sync_to_async(pop)()


async def session_value(client: AsyncClient, key: str) -> Any:
    return await sync_to_async(lambda: client.session.get(key))()
