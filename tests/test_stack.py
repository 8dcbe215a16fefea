"""The cache still serves hits behind the middleware a Django project starts with.

Observing what a miss reads must not make ordinary requests uncacheable: the session, CSRF,
locale, messages and clickjacking middleware set and read request attributes of their own. Each
reader (a session user, a Basic-auth user, anonymous) gets a hit on the third request, with no
query of the view's on the hit, and the same answer as the uncached twin.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import AsyncClient, override_settings

from tests.conftest import auth, count_queries
from tests.twins import HIT_HEADER, _body, login

pytestmark = pytest.mark.django_db(transaction=True)

STARTPROJECT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
AUTHENTICATION = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
}


@pytest.fixture
def stack(hits: str, settings: Any) -> str:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **AUTHENTICATION}
    with override_settings(MIDDLEWARE=STARTPROJECT_MIDDLEWARE):
        yield hits


def _view_queries(calls: list[str]) -> list[str]:
    """What the view's own SQL would be: authentication loads the session and the user on every request."""
    return [sql for sql in calls if '"auth_user"' not in sql and '"django_session"' not in sql]


@pytest.mark.parametrize("url", ["/posts/?page=1", "/c/tag-board/", "/c/links/"])
@pytest.mark.parametrize("reader", ["session", "basic", "anonymous"])
async def test_ordinary_requests_hit_behind_the_default_middleware(stack, world, url: str, reader: str):
    client, headers = AsyncClient(), {}
    if reader == "session":
        await login(client, world["alice"])
    elif reader == "basic":
        headers = auth(world["bob"])
    outcomes = [(await client.get(url, headers=headers)).get(HIT_HEADER) for _ in range(2)]
    async with count_queries() as hit_queries:
        third = await client.get(url, headers=headers)
    assert [*outcomes, third.get(HIT_HEADER)] == ["miss", "miss", "hit"], (url, reader)
    assert _view_queries(hit_queries.calls) == []
    plain_url = url.replace("/c/", "/u/").replace("/posts/", "/uncached-posts/")
    plain = await client.get(plain_url, headers=headers)
    assert (third.status_code, _body(third, url, plain_url)) == (plain.status_code, _body(plain, url, plain_url))
