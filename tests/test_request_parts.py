"""The key covers what the answer depends on (issue 9): Vary headers, the session, the host, the mount."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import AsyncClient, override_settings

from adrf_caching import events
from tests.conftest import auth
from tests.testapp.models import Post, Tag, Ticket
from tests.testapp.observed_views import VaryStar
from tests.twins import HIT_HEADER, assert_same_as_uncached, headers_of, prime, readers, session_value

pytestmark = pytest.mark.django_db(transaction=True)


# -- headers the response names in Vary -------------------------------------------------------------


async def test_a_header_named_in_vary_is_part_of_the_key(hits, world, client: AsyncClient):
    users = readers(world)
    await prime(client, "/c/tickets/", users, {"X-Tenant": "a"})
    for tenant in ("b", "a", "c"):
        bodies = await assert_same_as_uncached(client, "/c/tickets/", "/u/tickets/", users, {"X-Tenant": tenant})
        assert all(ticket["tenant"] == tenant for body in bodies for ticket in body)
    cached_vary = {name.strip() for name in (await client.get("/c/tickets/"))["Vary"].split(",")}
    plain_vary = {name.strip() for name in (await client.get("/u/tickets/"))["Vary"].split(",")}
    assert cached_vary == plain_vary | {"Authorization", "Cookie"}  # the view's, and what selects a user (VARY)


async def test_each_value_of_a_vary_header_is_outdated_by_writes(hits, world, client: AsyncClient):
    users = readers(world)
    for tenant in ("a", "b"):
        await prime(client, "/c/tickets/", users, {"X-Tenant": tenant})
    await Ticket.objects.acreate(tenant="b", title="B2")
    await Ticket.objects.filter(tenant="a").aupdate(title="A1 renamed")
    for tenant in ("a", "b"):
        await assert_same_as_uncached(client, "/c/tickets/", "/u/tickets/", users, {"X-Tenant": tenant})


async def test_a_response_that_varies_on_everything_is_never_stored(hits, world, client: AsyncClient):
    before = VaryStar.calls[0]
    for _ in range(4):
        response = await client.get("/c/vary-star/")
        assert response.status_code == 200
        assert response.get(HIT_HEADER) != "hit"
    assert VaryStar.calls[0] == before + 4


async def test_a_cookie_and_a_header_the_view_reads_without_naming_them(hits, world):
    users = readers(world)
    dark, light = AsyncClient(), AsyncClient()
    dark.cookies["theme"] = "dark"
    light.cookies["theme"] = "light"
    await prime(dark, "/c/theme/", users, {"X-Tenant": "a"})
    for shopper, theme in ((light, "light"), (dark, "dark"), (AsyncClient(), "plain")):
        for tenant in ("b", "a"):
            bodies = await assert_same_as_uncached(shopper, "/c/theme/", "/u/theme/", users, {"X-Tenant": tenant})
            assert all(body["theme"] == theme and body["tenant"] == tenant for body in bodies)


# -- the session: an anonymous cart ---------------------------------------------------------------------


async def add_to_cart(client: AsyncClient, url: str, item: str) -> None:
    added = await client.post(url, {"item": item}, content_type="application/json")
    assert added.status_code == 201


ENGINES = ["db", "cache", "cached_db", "signed_cookies", "file"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("via", ["cached", "uncached"])
async def test_each_anonymous_session_has_its_own_cart(hits, transactional_db, via, engine, tmp_path):
    """Whatever stores the sessions: the database (observed) or not (a cache, the cookie itself, files)."""
    post_url = "/c/cart/" if via == "cached" else "/u/cart/"
    with override_settings(
        SESSION_ENGINE=f"django.contrib.sessions.backends.{engine}", SESSION_FILE_PATH=str(tmp_path)
    ):
        await shop(post_url)


async def shop(post_url: str) -> None:
    ann, ben, newcomer = AsyncClient(), AsyncClient(), AsyncClient()
    await add_to_cart(ann, post_url, "apple")
    await add_to_cart(ben, post_url, "bread")
    for shopper in (ann, ben):
        await prime(shopper, "/c/cart/", [None])
    carts = []
    for shopper in (ann, ben, newcomer):
        carts += await assert_same_as_uncached(shopper, "/c/cart/", "/u/cart/", [None])
    assert carts == [{"cart": ["apple"]}, {"cart": ["bread"]}, {"cart": []}]
    await add_to_cart(ann, post_url, "cheese")
    assert await assert_same_as_uncached(ann, "/c/cart/", "/u/cart/", [None]) == [{"cart": ["apple", "cheese"]}]
    assert await assert_same_as_uncached(ben, "/c/cart/", "/u/cart/", [None]) == [{"cart": ["bread"]}]


async def test_a_view_that_never_reads_the_session_is_shared_by_sessions(hits, transactional_db):
    """Sessions do not split entries of views that do not read them: one anonymous entry serves both."""
    ann, ben = AsyncClient(), AsyncClient()
    await add_to_cart(ann, "/u/cart/", "apple")
    await add_to_cart(ben, "/u/cart/", "bread")
    await Tag.objects.acreate(name="red")
    await prime(ann, "/c/tag-board/", [None])
    assert (await ben.get("/c/tag-board/"))[HIT_HEADER] == "hit"


# -- the host, as request.get_host() gives it -----------------------------------------------------------

FORWARDED = {"USE_X_FORWARDED_HOST": True, "ALLOWED_HOSTS": ["testserver", "a.example", "b.example"]}


@override_settings(**FORWARDED)
async def test_absolute_links_follow_the_forwarded_host(hits, world, client: AsyncClient):
    users = readers(world)
    await prime(client, "/c/links/", users, {"X-Forwarded-Host": "a.example"})
    for host in ("b.example", "a.example"):
        bodies = await assert_same_as_uncached(client, "/c/links/", "/u/links/", users, {"X-Forwarded-Host": host})
        assert all(body["posts"] == f"http://{host}/posts/" for body in bodies)
    bodies = await assert_same_as_uncached(client, "/c/links/", "/u/links/", users)
    assert bodies[2]["posts"] == "http://testserver/posts/"


@override_settings(**FORWARDED)
async def test_pagination_links_follow_the_forwarded_host(hits, world, client: AsyncClient):
    users = readers(world)
    await prime(client, "/posts/?size=2", users, {"X-Forwarded-Host": "a.example"})
    bodies = await assert_same_as_uncached(
        client, "/posts/?size=2", "/uncached-posts/?size=2", users, {"X-Forwarded-Host": "b.example"}
    )
    assert bodies[2]["next"].startswith("http://b.example/posts/")


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
async def test_absolute_links_follow_the_scheme_a_proxy_reports(hits, world, client: AsyncClient):
    users = readers(world)
    await prime(client, "/c/links/", users, {"X-Forwarded-Proto": "http"})
    for proto in ("https", "http"):
        bodies = await assert_same_as_uncached(client, "/c/links/", "/u/links/", users, {"X-Forwarded-Proto": proto})
        assert all(body["posts"] == f"{proto}://testserver/posts/" for body in bodies)


async def test_without_use_x_forwarded_host_the_header_changes_nothing(hits, world, client: AsyncClient):
    await prime(client, "/c/links/", [None], {"X-Forwarded-Host": "a.example"})
    response = await client.get("/c/links/", headers={"X-Forwarded-Host": "b.example"})
    assert response.json()["posts"] == "http://testserver/posts/"
    await assert_same_as_uncached(client, "/c/links/", "/u/links/", [None], {"X-Forwarded-Host": "b.example"})


# -- one router included under two prefixes ------------------------------------------------------------


MOUNTS = {"/mount-a/": "/plain-a/", "/mount-b/": "/plain-b/"}


async def test_each_mount_has_its_own_links(hits, world, client: AsyncClient):
    users = readers(world)
    for mount in MOUNTS:
        await prime(client, f"{mount}items/", users)
    for mount, plain in MOUNTS.items():
        bodies = await assert_same_as_uncached(client, f"{mount}items/", f"{plain}items/", users)
        assert all(body["next"] == f"http://testserver{mount}items/?page=2" for body in bodies)


async def test_a_write_through_one_mount_outdates_the_other(hits, world, client: AsyncClient):
    users = readers(world)
    pk = world["posts"][0].pk
    for mount in MOUNTS:
        await prime(client, f"{mount}items/{pk}/", users)
        await prime(client, f"{mount}items/", users)
    patched = await client.patch(
        f"/mount-a/items/{pk}/", {"title": "Via A"}, content_type="application/json", headers=auth(world["alice"])
    )
    assert patched.status_code == 200
    for mount, plain in MOUNTS.items():
        for suffix in (f"items/{pk}/", "items/"):
            await assert_same_as_uncached(client, f"{mount}{suffix}", f"{plain}{suffix}", users)
    deleted = await client.delete(f"/mount-b/items/{pk}/", headers=auth(world["alice"]))
    assert deleted.status_code == 204
    assert not await Post.objects.filter(pk=pk).aexists()
    for mount, plain in MOUNTS.items():
        for suffix in (f"items/{pk}/", "items/"):
            await assert_same_as_uncached(client, f"{mount}{suffix}", f"{plain}{suffix}", users)


@pytest.mark.parametrize("path", ["tag-board/", "links/"])
async def test_a_host_outside_allowed_hosts_answers_like_the_uncached_view(hits, world, client: AsyncClient, path):
    """The key reads the host only where the view itself would: a view that never builds a link still answers."""
    if path == "tag-board/":
        await prime(client, f"/c/{path}", [None])
    await assert_same_as_uncached(client, f"/c/{path}", f"/u/{path}", readers(world), {"host": "evil.example"})


async def test_an_endpoint_reading_only_its_parsed_query_stores_from_its_second_miss(hits, posts):
    client = AsyncClient()
    outcomes = [(await client.get("/posts/?size=50&page=1")).get(HIT_HEADER) for _ in range(3)]
    assert outcomes == ["miss", "miss", "hit"]  # learns, stores, hits: parsing the query is not a raw read


@pytest.mark.parametrize(
    "queries",
    [["b=2&a=1", "a=1&b=2"], ["a=%41", "a=A"], ["a=1&a=2", "a=2&a=1"]],
)
@pytest.mark.parametrize("view", ["echo", "self-link"])
async def test_the_query_as_sent_selects_what_a_view_echoing_it_answers(hits, world, queries: list[str], view: str):
    client = AsyncClient()
    for user in readers(world):
        for query in queries * 2:
            for _ in range(3):
                cached_body = (await client.get(f"/c/{view}/?{query}", headers=headers_of(user))).content
                plain_body = (await client.get(f"/u/{view}/?{query}", headers=headers_of(user))).content
                assert cached_body == plain_body.replace(b"/u/", b"/c/"), (query, user)  # byte for byte


async def test_a_get_with_a_body_answers_from_that_body(hits, world):
    """A search API reading a JSON body on GET: the body is in no key, so such requests bypass the cache."""
    client = AsyncClient()
    await prime(client, "/c/search-body/", readers(world))  # bodiless GETs are cached as usual
    for user in readers(world):
        for query in ("Post 1", "Post 2", ""):
            for _ in range(3):
                answers = []
                for url in ("/c/search-body/", "/u/search-body/"):
                    response = await client.generic(
                        "GET", url, json.dumps({"q": query}), content_type="application/json", headers=headers_of(user)
                    )
                    answers.append((response.status_code, response.json()))
                    if url.startswith("/c/"):
                        assert response.get(HIT_HEADER) != "hit"
                assert answers[0] == answers[1], (query, user)
                assert answers[0][1]["titles"] and all(query in title for title in answers[0][1]["titles"])
    hit = await client.get("/c/search-body/", headers=headers_of(None))
    assert hit.get(HIT_HEADER) == "hit"  # and the bodiless entry is still served to bodiless GETs


async def test_a_get_that_changes_the_session_is_never_served_from_the_cache(hits, transactional_db):
    """A hit would skip the view and so the session change (a "recently viewed" list): not stored."""
    await Tag.objects.acreate(name="red")
    visitor, stored = AsyncClient(), []

    def note(sender: object, **data: object) -> None:
        stored.append(data)

    events.stored.connect(note, weak=False)
    try:
        for _ in range(4):
            response = await visitor.get("/c/recently-viewed/")
            assert response.status_code == 200 and response.get(HIT_HEADER) == "miss"
    finally:
        events.stored.disconnect(note)
    assert await session_value(visitor, "seen") == 4
    assert stored == []  # not even stored to be outdated: its answer cannot stand for a GET's side effect


# -- what a miss leaves for a middleware to act on after the view ---------------------------------------

CSRF_STACK = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "tests.testapp.observed_views.track_middleware",
]


@override_settings(MIDDLEWARE=CSRF_STACK)
async def test_a_csrf_token_in_the_body_always_comes_with_its_cookie(hits, world):
    """get_token() asks CsrfViewMiddleware (in request.META) to set the cookie its token belongs to: a hit
    would hand a cookieless client another client's token and no cookie, so such answers are never stored."""
    from django.middleware.csrf import _does_token_match  # type: ignore[attr-defined]

    holder = AsyncClient()
    for url in ["/c/csrf-bootstrap/"] * 4 + ["/u/csrf-bootstrap/"]:
        for client in (AsyncClient(), holder):
            response = await client.get(url)
            assert response.status_code == 200 and response.get(HIT_HEADER) != "hit"
            cookie = response.cookies["csrftoken"].value  # set (or renewed) on every answer, as uncached
            assert _does_token_match(json.loads(response.content)["csrfToken"], cookie)


@override_settings(MIDDLEWARE=CSRF_STACK)
async def test_a_note_a_view_leaves_on_the_request_for_a_middleware(hits, world, client: AsyncClient):
    for url in ["/c/tracked/"] * 4 + ["/u/tracked/"]:
        response = await client.get(url)
        assert response.get(HIT_HEADER) != "hit"
        assert response["X-Tracked"] == "tickets"


# -- scope="shared": a promise the misses check -----------------------------------------------------------


@pytest.mark.parametrize("name", ["shared-mine", "shared-staff-sees-all"])
async def test_a_shared_view_whose_answer_reads_the_user_is_kept_per_user(hits, world, client: AsyncClient, name):
    alice, bob = world["alice"], world["bob"]
    await User.objects.filter(pk=alice.pk).aupdate(is_staff=True)
    users = [alice, bob] if name == "shared-staff-sees-all" else [alice, bob, None]
    for _ in range(3):
        await assert_same_as_uncached(client, f"/c/{name}/", f"/u/{name}/", users)
    await prime(client, f"/c/{name}/", users)  # kept per user, each user hits
    bodies = await assert_same_as_uncached(client, f"/c/{name}/", f"/u/{name}/", users)
    assert bodies[0] != bodies[1]


async def test_a_shared_view_that_does_not_read_the_user_is_shared(hits, world, client: AsyncClient):
    alice, bob = world["alice"], world["bob"]
    await prime(client, "/c/shared-titles/", [alice])
    response = await client.get("/c/shared-titles/", headers=auth(bob))
    assert response.get(HIT_HEADER) == "hit"  # alice's entry
    await assert_same_as_uncached(client, "/c/shared-titles/", "/u/shared-titles/", [alice, bob, None])


@pytest.mark.parametrize("storage", ["cookie.CookieStorage", "session.SessionStorage", "fallback.FallbackStorage"])
async def test_a_flash_message_is_shown_once(hits, world, storage):
    """Showing the messages marks them read; MessageMiddleware then drops them after the view. A hit would
    show them again and never drop them."""
    stack = [*CSRF_STACK, "django.contrib.messages.middleware.MessageMiddleware"]
    with override_settings(MIDDLEWARE=stack, MESSAGE_STORAGE=f"django.contrib.messages.storage.{storage}"):
        for url in ["/c/message-board/"] * 3 + ["/u/message-board/"]:
            client = AsyncClient()
            for round in range(3):
                assert (await client.get("/add-message/?text=Saved.")).status_code == 200
                shown = await client.get(url)
                assert json.loads(shown.content)["messages"] == ["Saved."], (url, round)
                again = await client.get(url)
                assert json.loads(again.content)["messages"] == [], (url, round, again.get(HIT_HEADER))
