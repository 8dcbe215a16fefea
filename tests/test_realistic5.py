"""Red team, round 5: the request and response shape of real projects.

As in tests/test_realistic3.py: prime the cached twin (``/c/<name>/``), write (or change the request) by
the path in question, then require the cached twin to answer what the uncached twin (``/u/<name>/``) answers
at that moment, as the writer, another user and anonymous: status, body and the headers that matter
(Content-Type, Content-Language, Vary, Allow, Link, Location, Set-Cookie, ETag/304 semantics). Sections:
i18n (1), content negotiation (2), proxies and hosts (3), methods (4), conditional requests (5), error
statuses (6), the response path's middleware (7). Views: tests/testapp/realistic5_views.py.

Every test asserts cached == uncached: a failing test is a wrong answer.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import AsyncClient, override_settings

from tests import twins
from tests.conftest import auth
from tests.test_realistic import twin
from tests.test_realistic3 import content_of, set_cookies
from tests.test_stack import AUTHENTICATION, STARTPROJECT_MIDDLEWARE
from tests.testapp import realistic5_views
from tests.testapp.models import Announcement, Author, Post
from tests.twins import HIT_HEADER, assert_same_as_uncached, headers_of, prime, readers, who

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("backend", ["locmem", "native"], indirect=True),
]

LANGUAGES = [("en", "English"), ("fr", "French"), ("de", "German")]
I18N = {"USE_I18N": True, "LANGUAGE_CODE": "en", "LANGUAGES": LANGUAGES}
PROXY = {
    "USE_X_FORWARDED_HOST": True,
    "USE_X_FORWARDED_PORT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "ALLOWED_HOSTS": ["testserver", "api.example", "api.example:8443", "testserver:8000", "localhost"],
}


# -- helpers ----------------------------------------------------------------------------------------------


@pytest.fixture
def stack(hits: str, settings: Any) -> Iterator[str]:
    """``startproject``'s middleware (LocaleMiddleware included), session + Basic authentication, three
    languages."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **AUTHENTICATION}
    with override_settings(MIDDLEWARE=STARTPROJECT_MIDDLEWARE, **I18N):
        yield hits


def middleware_with(*extra: str, before: tuple[str, ...] = ()) -> Any:
    return override_settings(MIDDLEWARE=[*before, *STARTPROJECT_MIDDLEWARE, *extra], **I18N)


SHOWN = (
    "Content-Type",
    "Content-Language",
    "Content-Location",
    "Content-Encoding",
    "Content-Length",
    "Link",
    "Location",
    "Allow",
    "Last-Modified",
    "WWW-Authenticate",
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "X-Frame-Options",
)


def mapped(text: str, cached_url: str, plain_url: str) -> str:
    """The uncached twin's links written as the cached twin's (``/u/r5-...`` -> ``/c/r5-...``)."""
    return text.replace("/u/r5-", "/c/r5-")


def decoded(raw: bytes, response: Any, cached_url: str, plain_url: str) -> Any:
    if response.get("Content-Encoding") == "gzip" and raw:
        raw = gzip.decompress(raw)
    text = mapped(raw.decode("utf-8", "replace"), cached_url, plain_url)
    try:
        return json.loads(text)
    except ValueError:
        return text


def vary_of(response: Any) -> set[str]:
    return {v.strip().lower() for v in (response.get("Vary") or "").split(",") if v.strip()}


async def call(client: AsyncClient, method: str, url: str, headers: dict[str, str], data: Any = None) -> Any:
    send = getattr(client, method.lower())
    if data is not None:
        return await send(url, data, content_type="application/json", headers=headers)
    return await send(url, headers=headers)


async def same_full(
    client: AsyncClient,
    cached_url: str,
    plain_url: str,
    headers: dict[str, str],
    label: str,
    method: str = "GET",
    shown: tuple[str, ...] = SHOWN,
) -> tuple[Any, Any]:
    """Status, body (decompressed), the headers in ``shown``, the cookies set, and Vary (the cached one may
    name more: Authorization, Cookie). Returns both responses."""
    cached = await call(client, method, cached_url, headers)
    plain = await call(client, method, plain_url, headers)
    got: dict[str, Any] = {"status": cached.status_code}
    expected: dict[str, Any] = {"status": plain.status_code}
    got["body"] = decoded(await content_of(cached), cached, cached_url, plain_url)
    expected["body"] = decoded(await content_of(plain), plain, cached_url, plain_url)
    for name in shown:
        got[name] = cached.get(name) or ""
        expected[name] = mapped(plain.get(name) or "", cached_url, plain_url)
    got["cookies"], expected["cookies"] = set_cookies(cached), set_cookies(plain)
    assert got == expected, (
        f"{method} {cached_url} as {label} ({cached.get(HIT_HEADER)}): cached {got} != uncached {expected}"
    )
    assert vary_of(plain) <= vary_of(cached), f"{cached_url} as {label}: Vary lacks {vary_of(plain) - vary_of(cached)}"
    return cached, plain


class HostClient(AsyncClient):
    """The test client with a ``Host`` header of the request's choosing (AsyncClient always sends
    ``host: testserver`` and would send a second one)."""

    async def request(self, **request: Any) -> Any:
        sent = request["headers"]
        hosts = [header for header in sent if header[0] == b"host"]
        request["headers"] = [header for header in sent if header[0] != b"host"] + hosts[-1:]
        return await super().request(**request)


async def prime_each(client: AsyncClient, url: str, world: dict[str, Any], extra: dict[str, str] | None = None) -> None:
    await prime(client, url, readers(world), extra=extra)


# -- 1. i18n ------------------------------------------------------------------------------------------------


async def test_1a_accept_language_and_the_language_cookie(stack, world, client):
    """Translated labels (``gettext_lazy`` choices, ``gettext`` hints) chosen by LocaleMiddleware from
    ``Accept-Language`` or the ``django_language`` cookie."""
    cached_url, plain_url = twin("r5-labels")
    await prime_each(client, cached_url, world, {"Accept-Language": "en"})
    cases: list[tuple[dict[str, str], dict[str, str]]] = [
        ({"Accept-Language": "fr"}, {}),
        ({"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}, {}),
        ({"Accept-Language": "de"}, {"django_language": "fr"}),
        ({}, {"django_language": "de"}),
        ({"Accept-Language": "en"}, {}),
    ]
    for step in ("before", "after"):
        for extra, cookies in cases:
            each = AsyncClient()
            for name, value in cookies.items():
                each.cookies[name] = value
            for user in readers(world):
                cached, _ = await same_full(
                    each, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {extra} {cookies} {step}"
                )
        await Post.objects.filter(slug="post-1").aupdate(published=False)
    assert cached.json()[1]["state"] == "No"
    french = await client.get(cached_url, headers={"Accept-Language": "fr"})
    assert (french.json()[1]["state"], french["Content-Language"]) == ("Non", "fr")  # the labels are translated


async def test_1b_i18n_patterns_prefixes(hits, world, client):
    """``/fr/api/...``, ``/de/api/...``: the language comes from the URL prefix."""
    with override_settings(
        ROOT_URLCONF=realistic5_views.I18nUrls,
        MIDDLEWARE=["django.middleware.locale.LocaleMiddleware", "django.middleware.common.CommonMiddleware"],
        **I18N,
    ):
        await prime_each(client, "/en/api/c/r5-i18n/", world)
        for step in ("before", "after"):
            for lang in ("fr", "de", "en"):
                for user in readers(world):
                    for accept_language in ("en", "fr"):
                        await same_full(
                            client,
                            f"/{lang}/api/c/r5-i18n/",
                            f"/{lang}/api/u/r5-i18n/",
                            headers_of(user, {"Accept-Language": accept_language}),
                            f"{who(user)} /{lang}/ {accept_language} {step}",
                        )
            # no prefix: LocaleMiddleware redirects to the language of the request
            for user in readers(world):
                await same_full(
                    client, "/api/c/r5-i18n/", "/api/u/r5-i18n/", headers_of(user, {"Accept-Language": "de"}), "bare"
                )
            await Post.objects.filter(slug="post-2").aupdate(published=False, title="Post 2 draft")


async def test_1c_request_language_code_set_by_a_project_middleware(hits, world, client):
    """A middleware sets ``request.LANGUAGE_CODE`` from ``X-Content-Language`` (the content language of a
    mobile app) and the view picks its content by it."""
    with middleware_with("tests.testapp.realistic5_views.ContentLanguageMiddleware"):
        cached_url, plain_url = twin("r5-content-lang")
        await prime_each(client, cached_url, world, {"Accept-Language": "en"})
        for content_language in ("fr", "de", "en"):
            for user in readers(world):
                extra = {"Accept-Language": "en", "X-Content-Language": content_language}
                cached, _ = await same_full(client, cached_url, plain_url, headers_of(user, extra), who(user))
                assert cached.json()["content_language"] == content_language, (who(user), cached.json())


async def test_1d_user_language_activated_after_authentication(stack, world):
    """The language each user chose (a profile field), activated by a middleware after
    AuthenticationMiddleware; the user changes it."""
    await User.objects.filter(pk=world["alice"].pk).aupdate(last_name="fr")
    await User.objects.filter(pk=world["bob"].pk).aupdate(last_name="de")
    with middleware_with("tests.testapp.realistic5_views.UserLanguageMiddleware"):
        cached_url, plain_url = twin("r5-labels")
        sessions = {
            "alice": await twins.login(AsyncClient(), world["alice"]),
            "bob": await twins.login(AsyncClient(), world["bob"]),
            "anonymous": AsyncClient(),
        }
        for each in sessions.values():
            for _ in range(3):
                await each.get(cached_url, headers={"Accept-Language": "en"})
        for language in ("de", "en"):
            for name, each in sessions.items():
                await same_full(each, cached_url, plain_url, {"Accept-Language": "en"}, f"{name} {language}")
            await User.objects.filter(pk=world["alice"].pk).aupdate(last_name=language)
            await Post.objects.filter(slug="post-0").aupdate(published=False)


async def test_1e_time_zone_and_datetime_format(stack, world, client, settings):
    """DRF renders datetimes in the time zone a middleware activates (cookie or header), with the
    project's ``DATETIME_FORMAT``."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DATETIME_FORMAT": "%d/%m/%Y %H:%M %Z"}
    for month in (1, 7):  # winter and summer time
        await Announcement.objects.acreate(
            text=f"m{month}", publish_at=datetime(2020, month, 3, 23, 30, tzinfo=dt_timezone.utc)
        )
    with middleware_with("tests.testapp.realistic5_views.TimezoneMiddleware"):
        cached_url, plain_url = twin("r5-announcements")
        await prime_each(client, cached_url, world, {"X-Timezone": "Europe/Paris"})
        for cookie, header in (
            (None, "America/New_York"),
            ("Asia/Tokyo", "Europe/Paris"),
            (None, None),
            (None, "Europe/Paris"),
        ):
            each = AsyncClient()
            if cookie:
                each.cookies["tz"] = cookie
            extra = {"X-Timezone": header} if header else {}
            for user in readers(world):
                await same_full(each, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {cookie} {header}")
        await Announcement.objects.filter(text="m1").aupdate(
            publish_at=datetime(2019, 12, 31, 23, 30, tzinfo=dt_timezone.utc)
        )
        for user in readers(world):
            await same_full(client, cached_url, plain_url, headers_of(user, {"X-Timezone": "Europe/Paris"}), who(user))


# -- 2. content negotiation ---------------------------------------------------------------------------------

ACCEPTS = [
    ("", {"Accept": "application/json"}),
    ("", {"Accept": "application/json; indent=4"}),
    ("", {"Accept": "application/json; version=2"}),
    ("", {"Accept": "application/json; version=2; indent=2"}),
    ("", {"Accept": "application/vnd.r5+json; version=2"}),
    ("", {"Accept": "application/vnd.r5+json"}),
    ("", {"Accept": "*/*"}),
    ("", {}),
    ("", {"Accept": "application/json; version=3"}),
    ("", {"Accept": "image/png"}),
    ("?format=json", {"Accept": "application/json; version=2"}),
    ("?format=vnd", {}),
    ("?format=json", {"Accept": "text/html"}),
]


async def test_2a_accept_header_versions_and_media_types(hits, world, client):
    for suffix, extra in ACCEPTS[:8]:
        await prime_each(client, twin("r5-negotiated", suffix)[0], world, extra)
    for step in ("before", "after"):
        for suffix, extra in ACCEPTS:
            cached_url, plain_url = twin("r5-negotiated", suffix)
            for user in readers(world):
                await same_full(
                    client, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {suffix} {extra} {step}"
                )
        await Post.objects.filter(slug="post-3").aupdate(title="Post 3 renamed", published=False)


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


async def test_2b_browser_never_gets_the_cached_json(stack, world, client):
    """The browsable API is on: a browser (``Accept: text/html,...``) gets HTML, never a cached JSON entry
    and never a cached HTML page."""
    for name, suffix in (("r5-negotiated", ""), ("r5-labels", "")):
        cached_url, plain_url = twin(name, suffix)
        await prime_each(client, cached_url, world, {"Accept": "application/json"})
        for extra, url_suffix in (({"Accept": BROWSER_ACCEPT}, ""), ({}, "?format=api"), ({"Accept": "text/html"}, "")):
            for user in readers(world):
                for attempt in range(3):
                    cached = await client.get(cached_url + url_suffix, headers=headers_of(user, extra))
                    plain = await client.get(plain_url + url_suffix, headers=headers_of(user, extra))
                    label = f"{name} {who(user)} {extra} {url_suffix} #{attempt}"
                    assert cached.get(HIT_HEADER) != "hit", label
                    assert (cached.status_code, cached["Content-Type"]) == (plain.status_code, plain["Content-Type"]), (
                        label
                    )
                    assert cached["Content-Type"].startswith("text/html"), label


async def test_2c_format_suffix_patterns(hits, world, client):
    urls = [twin("r5-suffix", "items" + ext) for ext in ("", ".json", ".txt")]
    for cached_url, _ in urls:
        await prime_each(client, cached_url, world)
    for step in ("before", "after"):
        for cached_url, plain_url in [*urls, twin("r5-suffix", "items.api"), twin("r5-suffix", "items.xml")]:
            for extra in ({}, {"Accept": "text/plain"}, {"Accept": "application/json"}):
                for user in readers(world):
                    if cached_url.endswith(".api"):
                        cached = await client.get(cached_url, headers=headers_of(user, extra))
                        plain = await client.get(plain_url, headers=headers_of(user, extra))
                        assert cached.get(HIT_HEADER) != "hit"
                        assert (cached.status_code, cached["Content-Type"]) == (
                            plain.status_code,
                            plain["Content-Type"],
                        )
                        continue
                    await same_full(
                        client, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {extra} {step}"
                    )
        await Post.objects.filter(slug="post-0").aupdate(title="Première")


# -- 3. proxies and hosts -----------------------------------------------------------------------------------

FORWARDED = [
    {"X-Forwarded-Host": "api.example", "X-Forwarded-Proto": "https"},
    {"X-Forwarded-Host": "api.example:8443", "X-Forwarded-Proto": "https"},
    {"X-Forwarded-Host": "api.example"},
    {"Host": "testserver:8000"},
    {"X-Forwarded-Port": "8443", "X-Forwarded-Proto": "https"},
    {"Host": "localhost"},
    {},
]


async def test_3a_forwarded_host_port_and_scheme_in_links(hits, world):
    client = HostClient()
    with override_settings(**PROXY):
        for page in ("", "?page=2"):
            cached_url, plain_url = twin("r5-linked", page)
            await prime_each(client, cached_url, world, FORWARDED[0])
            for step in ("before", "after"):
                for extra in FORWARDED:
                    for user in readers(world):
                        await same_full(
                            client, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {extra} {step}"
                        )
                made = await Post.objects.acount()
                await Post.objects.acreate(
                    title=f"New {made}", slug=f"new-{made}", author=await Author.objects.afirst()
                )


async def test_3b_refused_hosts_answer_alike(hits, world):
    """A host ALLOWED_HOSTS refuses is a 400 (``DisallowedHost``), before and after priming."""
    client = HostClient()
    with override_settings(**PROXY):
        for name in ("r5-linked", "r5-plain", "r5-labels"):
            cached_url, plain_url = twin(name)
            for extra in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
                for user in readers(world):
                    await same_full(client, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {extra} cold")
            await prime_each(client, cached_url, world, {"Host": "api.example"})
            for extra in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}, {"Host": "api.example:9999"}):
                for user in readers(world):
                    await same_full(client, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {extra}")


async def test_3c_delete_through_a_refused_host(hits, world):
    """An API with no CommonMiddleware (nothing calls ``get_host()`` before the view): a DELETE whose
    Host header ALLOWED_HOSTS refuses. The uncached viewset deletes and answers 204."""
    client = HostClient()
    alice = world["alice"]
    posts = [post async for post in Post.objects.filter(owner=alice).order_by("id")]
    await prime_each(client, f"/c/r5-posts/{posts[0].pk}/", world)
    outcomes = []
    for via, post in (("c", posts[0]), ("u", posts[1])):
        response = await client.delete(f"/{via}/r5-posts/{post.pk}/", headers={**auth(alice), "Host": "evil.example"})
        outcomes.append((response.status_code, response.content, await Post.objects.filter(pk=post.pk).aexists()))
    assert outcomes[0] == outcomes[1], f"cached {outcomes[0]} != uncached {outcomes[1]}"
    for user in readers(world):
        await same_full(
            client, f"/c/r5-posts/{posts[0].pk}/", f"/u/r5-posts/{posts[0].pk}/", headers_of(user), who(user)
        )


# -- 4. methods ---------------------------------------------------------------------------------------------


async def test_4a_head_after_get_and_get_after_head(stack, world, client):
    for name, suffix in (("r5-posts", ""), ("r5-plain", ""), ("r5-posts", "?min_id=2")):
        cached_url, plain_url = twin(name, suffix)
        await prime_each(client, cached_url, world)
        for user in readers(world):
            cached, _ = await same_full(client, cached_url, plain_url, headers_of(user), who(user), method="HEAD")
            assert cached.content == b""
        await Post.objects.filter(slug="post-4").aupdate(title="Post 4, after")
        for user in readers(world):  # HEAD first: its miss stores, the GET after it hits
            await same_full(client, cached_url, plain_url, headers_of(user), who(user), method="HEAD")
            await same_full(client, cached_url, plain_url, headers_of(user), who(user), method="HEAD")
            await same_full(client, cached_url, plain_url, headers_of(user), who(user))
            await same_full(client, cached_url, plain_url, headers_of(user), who(user), method="HEAD")


async def test_4a2_a_view_that_answers_head_with_the_count_only(hits, world, client):
    """``if request.method == "HEAD"``: a poller's HEAD gets the count, a GET the list."""
    cached_url, plain_url = twin("r5-count-on-head")
    shown = (*SHOWN, "X-Total-Count")
    for first, then in (("HEAD", "GET"), ("GET", "HEAD")):
        for user in readers(world):
            for _ in range(3):
                await call(client, first, cached_url, headers_of(user))
            for method in (then, first, then):
                await same_full(
                    client, cached_url, plain_url, headers_of(user), f"{who(user)} {first}>{method}", method, shown
                )
        await Post.objects.acreate(
            title=f"After {first}", slug=f"after-{first.lower()}", author=await Author.objects.afirst()
        )


async def test_4b_options_shows_the_actions_the_user_may_take(hits, world, client):
    """DRF's metadata: ``actions`` (the POST/PUT forms) only for users allowed to write."""
    pk = world["posts"][0].pk  # alice's
    for suffix in ("", f"{pk}/"):
        cached_url, plain_url = twin("r5-posts", suffix)
        await prime_each(client, cached_url, world)
        for step in ("before", "after"):
            for user in readers(world):
                await same_full(
                    client, cached_url, plain_url, headers_of(user), f"{who(user)} {step}", method="OPTIONS"
                )
                await same_full(client, cached_url, plain_url, headers_of(user), f"{who(user)} {step}")
            await Post.objects.filter(pk=pk).aupdate(owner=world["bob"])


async def test_4c_method_not_allowed(hits, world, client):
    pk = world["posts"][1].pk
    cases = [
        ("r5-readonly", "", ("POST", "PUT", "DELETE", "PATCH")),
        ("r5-readonly", f"{pk}/", ("POST", "PUT", "DELETE")),
        ("r5-posts", "", ("PUT", "PATCH", "DELETE")),
        ("r5-posts", f"{pk}/", ("POST",)),
        ("r5-plain", "", ("POST", "DELETE")),
    ]
    for name, suffix, _ in cases:
        await prime_each(client, twin(name, suffix)[0], world)
    for name, suffix, methods in cases:
        cached_url, plain_url = twin(name, suffix)
        for method in methods:
            for user in readers(world):
                await same_full(client, cached_url, plain_url, headers_of(user), f"{who(user)} {method}", method=method)
        for user in readers(world):
            await same_full(client, cached_url, plain_url, headers_of(user), who(user))


async def test_4d_missing_trailing_slash_redirects(stack, world, client):
    pk = world["posts"][1].pk
    for suffix in ("", f"{pk}/", "?min_id=2"):
        await prime_each(client, twin("r5-posts", suffix)[0], world)
    for path in ("/r5-posts", f"/r5-posts/{pk}", "/r5-posts?min_id=2", "/r5-readonly"):
        for user in readers(world):
            await same_full(client, f"/c{path}", f"/u{path}", headers_of(user), who(user))


# -- 5. conditional requests --------------------------------------------------------------------------------


async def test_5a_the_view_s_own_etag_and_last_modified(hits, world, client):
    """A retrieve that sets its own ``ETag`` (the version a client sends back in ``If-Match``) and
    ``Last-Modified``: the response carries them as the view set them."""
    pk = world["posts"][0].pk
    cached_url, plain_url = twin("r5-versioned", f"{pk}/")
    await prime_each(client, cached_url, world)
    for step in ("before", "after"):
        for user in readers(world):
            await same_full(
                client, cached_url, plain_url, headers_of(user), f"{who(user)} {step}", shown=(*SHOWN, "ETag")
            )
        await Post.objects.filter(pk=pk).aupdate(title="Post 0 v2")


async def read_then_update(client: AsyncClient, url: str, user: User, title: str) -> tuple[Any, ...]:
    """The lost-update check: read the post, then PUT it back with ``If-Match`` = the ETag read."""
    read = await client.get(url, headers=auth(user))
    body = read.json()
    body["title"] = title
    written = await client.put(
        url, body, content_type="application/json", headers={**auth(user), "If-Match": read.get("ETag", "")}
    )
    return read.status_code, written.status_code, written.json().get("title", written.json().get("detail"))


async def test_5b_if_match_with_the_etag_of_a_read(hits, world, client):
    alice = world["alice"]
    posts = [post async for post in Post.objects.filter(owner=alice).order_by("id")]
    cached_url, _ = twin("r5-versioned", f"{posts[0].pk}/")
    await prime_each(client, cached_url, world)
    await prime_each(client, f"/c/r5-versioned/{posts[1].pk}/", world)
    for step in range(3):
        got = await read_then_update(client, cached_url, alice, f"edit {step}")
        expected = await read_then_update(client, f"/u/r5-versioned/{posts[1].pk}/", alice, f"edit {step}")
        assert got == expected, f"step {step}: cached {got} != uncached {expected}"


CONDITIONAL_STACK = (
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
)


async def test_5c_if_none_match_from_another_user_language_or_accept(hits, world, client, settings):
    """ConditionalGetMiddleware and GZipMiddleware in the stack: a client revalidates with an ETag it got
    for another user, language or media type (a shared browser, a language switch, a devtools copy). A 304
    says "what you hold is current": the cached twin may say it only if the body that ETag came with is what
    the uncached twin answers now; any 200 must carry the uncached twin's body."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **AUTHENTICATION}
    with middleware_with(before=CONDITIONAL_STACK):
        variants = [
            {"Accept-Language": "en"},
            {"Accept-Language": "fr"},
            {"Accept-Language": "en", "Accept": "application/json; indent=4"},
            {"Accept-Language": "en", "Accept-Encoding": "gzip"},
        ]
        cached_url, plain_url = twin("r5-big")
        for extra in variants:
            await prime_each(client, cached_url, world, extra)

        async def hold() -> dict[tuple[str, int], tuple[str, Any]]:
            held = {}
            for user in readers(world):
                for n, extra in enumerate(variants):
                    cached = await client.get(cached_url, headers=headers_of(user, extra))
                    held[(who(user), n)] = (cached["ETag"], decoded(await content_of(cached), cached, cached_url, ""))
            return held

        async def revalidate(held: dict[tuple[str, int], tuple[str, Any]], step: str) -> None:
            for user in readers(world):
                for extra in variants:
                    plain = await client.get(plain_url, headers=headers_of(user, extra))
                    now = decoded(await content_of(plain), plain, cached_url, plain_url)
                    for (holder, m), (tag, held_body) in held.items():
                        label = f"{step}: {who(user)} {extra} holding the ETag of {holder} {variants[m]}"
                        for sent in (tag, f"W/{tag}"):
                            cached = await client.get(
                                cached_url, headers=headers_of(user, {**extra, "If-None-Match": sent})
                            )
                            if cached.status_code == 304:
                                assert held_body == now, f"{label}: 304 for {held_body} but the answer is {now}"
                            else:
                                got = (
                                    cached.status_code,
                                    decoded(await content_of(cached), cached, cached_url, plain_url),
                                )
                                assert got == (plain.status_code, now), label

        await revalidate(await hold(), "before")
        held = await hold()
        await Post.objects.filter(slug="post-1").aupdate(title="changed")
        await revalidate(held, "after a write")


async def test_5d_if_modified_since_against_the_view_s_last_modified(hits, world, client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **AUTHENTICATION}
    with middleware_with(before=CONDITIONAL_STACK):
        pk = world["posts"][1].pk
        cached_url, plain_url = twin("r5-versioned", f"{pk}/")
        await prime_each(client, cached_url, world)
        for since in ("Sun, 01 Jun 2025 00:00:00 GMT", "Mon, 01 Jan 2024 00:00:00 GMT", "garbage"):
            for user in readers(world):
                await same_full(
                    client,
                    cached_url,
                    plain_url,
                    headers_of(user, {"If-Modified-Since": since}),
                    f"{who(user)} {since}",
                )


# -- 6. error and edge statuses -----------------------------------------------------------------------------


async def test_6a_missing_object_then_created(hits, world, client):
    cached_url, plain_url = twin("r5-posts", "9999/")
    list_urls = twin("r5-posts", "?min_id=9000")
    for user in readers(world):
        for _ in range(3):
            await client.get(cached_url, headers=headers_of(user))
            await client.get(list_urls[0], headers=headers_of(user))
        await same_full(client, cached_url, plain_url, headers_of(user), who(user))
    await Post.objects.acreate(
        id=9999, title="Late", slug="late", author=await Author.objects.afirst(), owner=world["alice"]
    )
    for user in readers(world):
        cached, _ = await same_full(client, cached_url, plain_url, headers_of(user), who(user))
        assert cached.status_code == 200
        await same_full(client, *list_urls, headers_of(user), who(user))


async def test_6b_403_for_one_user_200_for_another(hits, world, client):
    """A draft is shown to its owner only: 200 for alice, 403 for bob, 401 for anonymous (Basic), each
    with the project's error envelope; publishing it opens it to all."""
    pk = world["posts"][0].pk
    await Post.objects.filter(pk=pk).aupdate(published=False)
    cached_url, plain_url = twin("r5-posts", f"{pk}/")
    for user in readers(world):
        for _ in range(3):
            await client.get(cached_url, headers=headers_of(user))
    for step in ("draft", "published", "draft again"):
        for user in [world["bob"], None, world["alice"]]:
            await same_full(client, cached_url, plain_url, headers_of(user), f"{who(user)} {step}")
        await Post.objects.filter(pk=pk).aupdate(published=step == "draft")


async def test_6c_bad_query_parameter_is_a_translated_400(stack, world, client):
    for suffix in ("?min_id=2", "?min_id=abc", "?min_id="):
        cached_url, plain_url = twin("r5-posts", suffix)
        await prime_each(client, twin("r5-posts", "?min_id=2")[0], world)
        for lang in ("en", "fr"):
            for user in readers(world):
                await same_full(
                    client, cached_url, plain_url, headers_of(user, {"Accept-Language": lang}), f"{who(user)} {lang}"
                )


async def test_6d_throttled_reads_retry_after(hits, world, client):
    caches["default"].clear()
    cached_url, plain_url = twin("r5-throttled")
    for user in readers(world):
        seen = []
        for _ in range(8):
            cached = await client.get(cached_url, headers=headers_of(user))
            plain = await client.get(plain_url, headers=headers_of(user))
            seen.append(
                (
                    (cached.status_code, cached.json(), "Retry-After" in cached),
                    (plain.status_code, plain.json(), "Retry-After" in plain),
                )
            )
        for step, (got, expected) in enumerate(seen):
            assert got == expected, f"{who(user)} request {step}: cached {got} != uncached {expected}"
        assert seen[-1][1][0] == 429


# -- 7. the response path ------------------------------------------------------------------------------------


async def test_7a_cors_and_frame_options(hits, world, client):
    with middleware_with("tests.testapp.realistic5_views.CorsMiddleware"):
        for name in ("r5-plain", "r5-labels"):
            cached_url, plain_url = twin(name)
            await prime_each(client, cached_url, world, {"Origin": "https://app.example"})
            for origin in ("https://admin.example", "https://evil.example", None, "https://app.example"):
                extra = {"Origin": origin} if origin else {}
                for user in readers(world):
                    await same_full(client, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {origin}")


NONCE = re.compile(r'nonce="([^"]+)"')


async def test_7b_csp_nonce_read_by_the_view(hits, world, client):
    """The nonce in the body must be the one the response's policy names, new on every request."""
    with middleware_with("tests.testapp.realistic5_views.CspNonceMiddleware"):
        cached_url, plain_url = twin("r5-nonce")
        seen: set[str] = set()
        for user in readers(world):
            for attempt in range(4):
                cached = await client.get(cached_url, headers=headers_of(user))
                plain = await client.get(plain_url, headers=headers_of(user))
                body, plain_body = cached.json(), plain.json()
                nonce = NONCE.search(body["snippet"]).group(1)
                label = f"{who(user)} #{attempt} ({cached.get(HIT_HEADER)})"
                assert f"'nonce-{nonce}'" in cached["Content-Security-Policy"], (
                    label,
                    cached["Content-Security-Policy"],
                )
                assert nonce not in seen, label
                seen.add(nonce)
                assert {**body, "snippet": ""} == {**plain_body, "snippet": ""}, label
            await Post.objects.filter(slug="post-0").aupdate(title=f"seen by {who(user)}")


async def test_7c_absolute_urls_in_headers_after_a_write(hits, world):
    """``Link``/``Content-Location`` built with ``request.build_absolute_uri``, behind a proxy, after writes."""
    client = HostClient()
    with override_settings(**PROXY):
        cached_url, plain_url = twin("r5-linked", "?page=3")
        for extra in FORWARDED[:3]:
            await prime_each(client, cached_url, world, extra)
        await Post.objects.filter(slug="post-4").adelete()
        for extra in FORWARDED:
            for user in readers(world):
                await same_full(client, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {extra}")
        await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra=FORWARDED[0])
