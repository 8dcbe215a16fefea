"""Red team, round 6: identity and timing.

As in tests/test_realistic3.py and tests/test_realistic5.py: prime the cached twin (``/c/<name>/``), change
who is asking or what they may do by the path in question, then require the cached twin to answer what the
uncached twin (``/u/<name>/``) answers at that moment: status, body, the headers that matter and the cookies
set. Where a request changes the browser's state (a login by ``RemoteUserMiddleware``, a flushed session),
two browsers in the same state run the same steps, one against each twin, and every step must agree.
Sections: authentication (1), permissions and groups (2), concurrency on one event loop (3), the clock and
short ttls (4). Views: tests/testapp/realistic6_views.py.

Every test asserts cached == uncached: a failing test is a wrong answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import django
import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, Permission, User
from django.test import AsyncClient, override_settings
from django.utils import timezone

from tests.conftest import PASSWORD, auth, make_user
from tests.test_realistic import twin
from tests.test_realistic3 import content_of, json_or_text, same_full, set_cookies
from tests.test_stack import STARTPROJECT_MIDDLEWARE
from tests.testapp import realistic6_views
from tests.testapp.models import Announcement, Note, PageCounter, Profile, Ticket
from tests.testapp.realistic6_views import bearer_token
from tests.twins import HIT_HEADER, assert_same_as_uncached, prime, readers

pytestmark = [pytest.mark.django_db(transaction=True)]

BOTH = pytest.mark.parametrize("backend", ["locmem", "native"], indirect=True)
NATIVE = pytest.mark.parametrize("backend", ["native"], indirect=True)

SESSION_MIDDLEWARE = STARTPROJECT_MIDDLEWARE
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# -- helpers ----------------------------------------------------------------------------------------------


@pytest.fixture
def stack(hits: str) -> Iterator[str]:
    """``startproject``'s middleware: sessions, CSRF, AuthenticationMiddleware, messages."""
    with override_settings(MIDDLEWARE=SESSION_MIDDLEWARE):
        yield hits


@pytest.fixture
def keys(world: dict[str, Any]) -> dict[str, Profile]:
    return {
        "alice": Profile.objects.create(user=world["alice"], display_name="Alice", plan="free", api_key="key-alice"),
        "bob": Profile.objects.create(user=world["bob"], display_name="Bob", plan="pro", api_key="key-bob"),
    }


async def answer(client: AsyncClient, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """What a browser sees of one GET: status, body, the cookies it sets."""
    response = await client.get(url, headers=headers or {})
    return {
        "status": response.status_code,
        "body": json_or_text(await content_of(response), url, url),
        "cookies": set_cookies(response),
        "x": response.get(HIT_HEADER),
    }


def without_label(seen: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in seen.items() if k != "x"}


async def twin_step(
    pair: tuple[AsyncClient, AsyncClient], name: str, headers: dict[str, str] | None, label: str
) -> dict[str, Any]:
    """Two browsers in the same state, one against each twin, take the same step: they must agree."""
    cached_url, plain_url = twin(name)
    got = await answer(pair[0], cached_url, headers)
    expected = await answer(pair[1], plain_url, headers)
    assert without_label(got) == without_label(expected), (
        f"{label} ({got['x']}): cached {without_label(got)} != uncached {without_label(expected)}"
    )
    return got


async def post_form(client: AsyncClient, route: str, data: dict[str, str]) -> Any:
    return await client.post(route, data)


async def browser_login(client: AsyncClient, user: User | str, password: str = PASSWORD) -> None:
    name = user if isinstance(user, str) else user.username
    response = await post_form(client, "/r6-plain/login/", {"username": name, "password": password})
    assert response.status_code == 200, response.content


async def compare_all(
    client: AsyncClient, name: str, header_sets: dict[str, dict[str, str]], step: str, rounds: int = 3
) -> None:
    """Each request identity, several times (miss, store, hit): the cached twin answers as the uncached."""
    cached_url, plain_url = twin(name)
    for label, headers in header_sets.items():
        for n in range(rounds):
            await same_full(client, cached_url, plain_url, headers, f"{label} after {step} #{n}")


def token(raw: str) -> dict[str, str]:
    return {"Authorization": f"Token {raw}"}


# -- 1. authentication -----------------------------------------------------------------------------------


@BOTH
async def test_1a_token_authentication_key_revoked_rotated_and_reassigned(hits, world, keys, client):
    """DRF ``TokenAuthentication`` over the profile's key: the token row is ``request.auth``, its user
    ``request.user``; groups, notes, the username, the plan, the key itself change by ORM paths."""
    alice, bob = world["alice"], world["bob"]
    identities = {
        "alice's key": token("key-alice"),
        "bob's key": token("key-bob"),
        "a new key": token("key-new"),
        "no key": {},
    }
    await compare_all(client, "r6-token-me", identities, "nothing")
    cached_url, _ = twin("r6-token-me")
    assert (await client.get(cached_url, headers=token("key-alice"))).get(HIT_HEADER) == "hit"

    editors = await Group.objects.acreate(name="editors")

    async def step(label: str, write: Any) -> None:
        await sync_to_async(write)()
        await compare_all(client, "r6-token-me", identities, label)

    await step("groups.add", lambda: alice.groups.add(editors))
    await step("a note", lambda: Note.objects.create(owner=alice, text="hello"))
    await step("renamed", lambda: User.objects.filter(pk=alice.pk).update(username="alice2"))
    await step("plan", lambda: Profile.objects.filter(user=alice).update(plan="team"))
    await step("key rotated", lambda: Profile.objects.filter(user=alice).update(api_key="key-new"))
    await step("bob's key revoked", lambda: Profile.objects.filter(user=bob).update(api_key=None))

    def reassign() -> None:  # the old key of bob now opens alice's account (a key given out again)
        Profile.objects.filter(user=alice).update(api_key="key-bob")

    await step("key reassigned", reassign)
    await step("deactivated", lambda: User.objects.filter(pk=alice.pk).update(is_active=False))
    await step("user deleted", lambda: User.objects.filter(pk=alice.pk).delete())


@BOTH
async def test_1b_stateless_bearer_claims_roles_and_tenant(hits, world, client):
    """A signed token whose claims are the identity (no row): the same user id with another tenant or
    other roles (a refreshed token) must never be served the other token's answer."""
    alice, bob = world["alice"], world["bob"]
    tokens = {
        "alice reader@a": bearer_token(alice.pk, "alice", ["reader"], "a"),
        "alice reader@b": bearer_token(alice.pk, "alice", ["reader"], "b"),
        "alice admin@a": bearer_token(alice.pk, "alice", ["reader", "admin"], "a"),
        "alice none@a": bearer_token(alice.pk, "alice", [], "a"),
        "alice reader@a renamed": bearer_token(alice.pk, "alicia", ["reader"], "a"),
        "alice reader@a refreshed": bearer_token(alice.pk, "alice", ["reader"], "a", jti="2"),
        "bob reader@a": bearer_token(bob.pk, "bob", ["reader"], "a"),
        "bad": "x" + bearer_token(bob.pk, "bob", ["reader"], "a"),
    }
    identities = {label: {"Authorization": f"Bearer {raw}"} for label, raw in tokens.items()}
    identities["none"] = {}
    await compare_all(client, "r6-tenant-tickets", identities, "nothing")
    await Ticket.objects.acreate(tenant="b", title="B2")
    await compare_all(client, "r6-tenant-tickets", identities, "a ticket of b")
    await Ticket.objects.filter(tenant="a").aupdate(title="A1 renamed")
    await compare_all(client, "r6-tenant-tickets", identities, "a ticket of a renamed")


@BOTH
async def test_1b2_short_lived_tokens_issued_seconds_apart(hits, world, client):
    """A user's short-lived bearer tokens (90 s), issued a few seconds apart (a refresh, a second device):
    the claims, parsed into datetimes, are what the answer shows. Each token must get its own answer."""
    alice = world["alice"]
    now = timezone.now()
    lifetime = timedelta(seconds=90)
    tokens = {
        f"issued {ago} s ago": realistic6_views.short_lived_token(
            alice.pk, "alice", now - timedelta(seconds=ago), lifetime
        )
        for ago in (20, 10, 0)
    }
    identities = {label: {"Authorization": f"Bearer {raw}"} for label, raw in tokens.items()}
    await compare_all(client, "r6-token-session", identities, "nothing")
    await Note.objects.acreate(owner=alice, text="n1")
    await compare_all(client, "r6-token-session", identities, "a note")


@BOTH
async def test_1c_session_login_logout_other_user_in_the_same_browser(stack, world, client):
    """One browser: anonymous, alice logs in, logs out (the session is flushed), bob logs in, alice logs in
    over bob's session; a second browser of alice stays logged in meanwhile."""
    alice, bob = world["alice"], world["bob"]
    browser, other = AsyncClient(), AsyncClient()
    await browser_login(other, alice)

    async def both(label: str) -> None:
        await compare_all(browser, "r6-session-me", {"browser": {}}, label)
        await compare_all(other, "r6-session-me", {"alice's other browser": {}}, label)

    await both("nothing")
    await browser_login(browser, alice)
    await both("alice logged in")
    await Note.objects.acreate(owner=alice, text="n1")
    await both("a note")
    await post_form(browser, "/r6-plain/logout/", {})
    await both("logout")
    await browser_login(browser, bob)
    await both("bob logged in")
    await browser_login(browser, alice)
    await both("alice logged in over bob")
    await User.objects.filter(pk=alice.pk).aupdate(username="alice2", email="a@example.com")
    await both("alice renamed")
    await User.objects.filter(pk=alice.pk).aupdate(username="alice")


@BOTH
async def test_1d_password_change_keeps_this_session_and_ends_the_others(stack, world):
    """``update_session_auth_hash``: the browser that changed the password stays logged in; the others
    (a pair per twin, in the same state) are logged out by the session hash check."""
    alice = world["alice"]
    changer = AsyncClient()
    await browser_login(changer, alice)
    pair = (AsyncClient(), AsyncClient())
    for browser in pair:
        await browser_login(browser, alice)
    for n in range(3):
        await twin_step(pair, "r6-session-me", None, f"other browser before #{n}")
        await compare_all(changer, "r6-session-me", {"changer": {}}, "nothing", rounds=1)
    response = await post_form(changer, "/r6-plain/password/", {"password": "new-pw"})
    assert response.status_code == 200
    await compare_all(changer, "r6-session-me", {"changer": {}}, "password changed")
    for n in range(3):
        await twin_step(pair, "r6-session-me", None, f"other browser after #{n}")
    await browser_login(pair[0], alice, "new-pw")
    await browser_login(pair[1], alice, "new-pw")
    for n in range(3):
        await twin_step(pair, "r6-session-me", None, f"other browser logged in again #{n}")


@BOTH
async def test_1e_user_deleted_with_a_live_session(stack, world):
    alice = world["alice"]
    browser = AsyncClient()
    await browser_login(browser, alice)
    await compare_all(browser, "r6-session-me", {"alice": {}}, "nothing")
    await sync_to_async(User.objects.filter(pk=alice.pk).delete)()
    pair = (browser, AsyncClient())
    pair[1].cookies = browser.cookies  # the same session cookie
    for n in range(3):
        await twin_step(pair, "r6-session-me", None, f"deleted #{n}")


@BOTH
@pytest.mark.skipif(
    django.VERSION < (5, 0),
    reason="Django 4.2's sync-only RemoteUserMiddleware logs a fresh client in on whichever twin it asks "
    "first (its Set-Cookie and last_login): the twins differ by that login, not by a cached answer",
)
async def test_1f_remote_user_header_from_a_proxy(hits, world):
    """``RemoteUserMiddleware`` (``X-Remote-User`` from the proxy) + ``RemoteUserBackend``: it logs the user
    in on the first request (the session is created), switches users when the header changes, logs out when
    it disappears, creates unknown users. Two browsers, one per twin."""
    middleware = [*SESSION_MIDDLEWARE, "tests.testapp.realistic6_views.ProxyRemoteUserMiddleware"]
    backends = ["django.contrib.auth.backends.RemoteUserBackend", MODEL_BACKEND]
    with override_settings(MIDDLEWARE=middleware, AUTHENTICATION_BACKENDS=backends):
        pair = (AsyncClient(), AsyncClient())
        sequence = ["alice"] * 4 + ["bob"] * 4 + [None] * 3 + ["alice"] * 3 + ["carol"] * 3 + ["alice"] * 3
        for n, name in enumerate(sequence):
            headers = {"X-Remote-User": name} if name else {}
            await twin_step(pair, "r6-session-me", headers, f"#{n} as {name}")
            if n == 5:
                await Note.objects.acreate(owner=world["bob"], text="bob's")
        # The proxy's users also read with their own clients (no cookie jar shared with a twin).
        for name in ("alice", "bob"):
            plain_client = AsyncClient()
            await compare_all(plain_client, "r6-session-me", {name: {"X-Remote-User": name}}, "the sequence")


@BOTH
async def test_1g_inactive_user_with_allow_all_users_backend(stack, world):
    """``AllowAllUsersModelBackend``: Django keeps an inactive user logged in; DRF's SessionAuthentication
    treats them as anonymous, a project's own authenticator lets them read."""
    alice = world["alice"]
    with override_settings(AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.AllowAllUsersModelBackend"]):
        browser = AsyncClient()
        await browser_login(browser, alice)
        names = ["r6-session-me", "r6-any-user-me"]
        for step, active in (("nothing", True), ("deactivated", False), ("reactivated", True), ("again", False)):
            if step != "nothing":
                await User.objects.filter(pk=alice.pk).aupdate(is_active=active)
            for name in names:
                await compare_all(browser, name, {"alice": {}}, step)


@BOTH
async def test_1h_api_key_returning_user_and_none_revoked_between_requests(hits, world, keys, client):
    alice = world["alice"]
    identities = {
        "alice's key": {"X-Api-Key": "key-alice"},
        "bob's key": {"X-Api-Key": "key-bob"},
        "no key": {},
        "basic alice (ignored)": auth(alice),
    }
    await compare_all(client, "r6-api-key-me", identities, "nothing")
    await Profile.objects.filter(user=alice).aupdate(api_key=None)
    await compare_all(client, "r6-api-key-me", identities, "alice's key revoked")
    await Profile.objects.filter(user=world["bob"]).aupdate(api_key="key-alice")
    await compare_all(client, "r6-api-key-me", identities, "alice's key given to bob")
    await sync_to_async(Profile.objects.filter(user=world["bob"]).delete)()
    await compare_all(client, "r6-api-key-me", identities, "bob's profile deleted")


@BOTH
async def test_1i_anonymous_visitor_cookie_id(hits, world):
    """A middleware gives each anonymous visitor an id cookie (set on the first response); the cart is
    theirs. Visitors with a cookie, a new visitor, and a logged-in reader with a visitor cookie."""
    middleware = [*SESSION_MIDDLEWARE, "tests.testapp.realistic6_views.VisitorMiddleware"]
    with override_settings(MIDDLEWARE=middleware):
        await PageCounter.objects.acreate(name="cart-v1", hits=2)
        await PageCounter.objects.acreate(name="cart-v2", hits=5)
        visitors = {}
        for vid in ("v1", "v2", "v3"):
            browser = AsyncClient()
            browser.cookies["vid"] = vid
            visitors[vid] = browser
        for step in ("nothing", "v1's cart", "v3's cart"):
            if step == "v1's cart":
                await PageCounter.objects.filter(name="cart-v1").aupdate(hits=3)
            if step == "v3's cart":
                await PageCounter.objects.acreate(name="cart-v3", hits=1)
            for vid, browser in visitors.items():
                await compare_all(browser, "r6-visitor-cart", {vid: {}, f"{vid} as bob": auth(world["bob"])}, step)
            for n in range(3):  # a new visitor: a fresh id each time (not compared), its cookie set
                cached_url, plain_url = twin("r6-visitor-cart")
                got, expected = await answer(AsyncClient(), cached_url), await answer(AsyncClient(), plain_url)
                for seen in (got, expected):
                    seen["body"].pop("visitor")
                assert without_label(got) == without_label(expected), (n, got, expected)


# -- 2. permissions: groups, user permissions, several backends, a membership row -------------------------


@pytest.fixture
def notes(world: dict[str, Any]) -> None:
    Note.objects.create(owner=world["alice"], text="n1")
    Note.objects.create(owner=world["alice"], text="draft n2")
    Note.objects.create(owner=world["bob"], text="n3")


@BOTH
async def test_2a_permissions_by_every_path(hits, world, notes, client):
    """``has_perm`` through ModelBackend and a second backend (a share grants ``view_note``): groups added
    and removed, a group's permissions, ``user_permissions.set``, a Permission deleted, ``is_superuser``
    by ``QuerySet.update``, the share withdrawn by another user's request."""
    alice, bob = world["alice"], world["bob"]
    backends = [MODEL_BACKEND, "tests.testapp.realistic6_views.ShareBackend"]
    with override_settings(AUTHENTICATION_BACKENDS=backends):
        cached_url, plain_url = twin("r6-permitted-notes")
        await prime(client, cached_url, [bob])
        view = await Permission.objects.aget(codename="view_note")
        change = await Permission.objects.aget(codename="change_note")
        viewers = await Group.objects.acreate(name="viewers")

        async def step(label: str, write: Any) -> None:
            await sync_to_async(write)()
            for _ in range(3):
                await assert_same_as_uncached(client, cached_url, plain_url, readers(world))

        await step("nothing", lambda: None)
        await step("group permission", lambda: viewers.permissions.add(view))
        await step("groups.add", lambda: alice.groups.add(viewers))
        await step("group gets change", lambda: viewers.permissions.add(change))
        await step("groups.remove", lambda: alice.groups.remove(viewers))
        await step("user_permissions.set", lambda: alice.user_permissions.set([view, change]))
        await step("user_permissions.set []", lambda: alice.user_permissions.set([view]))
        await step("bob in the group", lambda: bob.groups.add(viewers))
        await step("change permission deleted", lambda: Permission.objects.filter(pk=change.pk).delete())
        await step("view permission deleted", lambda: Permission.objects.filter(pk=view.pk).delete())
        response = await client.post("/r6-plain/unshare/", {"slug": "post-0", "user": "bob"}, headers=auth(alice))
        assert response.json() == {"deleted": 1}
        await step("share withdrawn by alice", lambda: None)
        await step("superuser by update", lambda: User.objects.filter(pk=bob.pk).update(is_superuser=True))
        await step("superuser revoked", lambda: User.objects.filter(pk=bob.pk).update(is_superuser=False))


@BOTH
async def test_2b_membership_row_changed_by_another_users_request(hits, world, client):
    alice, bob = world["alice"], world["bob"]
    cached_url, plain_url = twin("r6-member-posts")
    await prime(client, cached_url, [bob])
    for slug, user, route in (
        ("post-1", "bob", "share"),
        ("post-0", "bob", "unshare"),
        ("post-1", "bob", "unshare"),
        ("post-2", "alice", "share"),
        ("post-2", "bob", "share"),
    ):
        await client.post(f"/r6-plain/{route}/", {"slug": slug, "user": user}, headers=auth(alice))
        for _ in range(3):
            await assert_same_as_uncached(client, cached_url, plain_url, [alice, bob, None])


@BOTH
async def test_2c_staff_and_superuser_flags_by_update(hits, world, client):
    alice = world["alice"]
    cached_url, plain_url = twin("r6-staff-posts")
    await User.objects.filter(pk=alice.pk).aupdate(is_staff=True)
    await prime(client, cached_url, [alice])
    for change in ({"is_staff": False}, {"is_superuser": True}, {"is_superuser": False}, {"is_staff": True}):
        await User.objects.filter(pk=alice.pk).aupdate(**change)
        for _ in range(3):
            await assert_same_as_uncached(client, cached_url, plain_url, readers(world))


# -- 3. concurrency on one event loop -----------------------------------------------------------------------


async def cached_and_plain(url_name: str, headers: dict[str, str]) -> tuple[Any, Any]:
    cached_url, plain_url = twin(url_name)
    cached = await AsyncClient().get(cached_url, headers=headers)
    plain = await AsyncClient().get(plain_url, headers=headers)
    return (cached.status_code, cached.json()), (plain.status_code, plain.json())


@pytest.fixture
def crowd(world: dict[str, Any], notes: None) -> list[User]:
    viewers = Group.objects.create(name="viewers")
    viewers.permissions.add(Permission.objects.get(codename="view_note"))
    users = [world["alice"], world["bob"], *(make_user(f"user{n}") for n in range(6))]
    for user in users:
        user.groups.add(viewers)
    return users


@BOTH
async def test_3a_many_users_while_a_write_commits(hits, world, crowd):
    """Eight users read the same URL at once, a note is created in the middle: every answer is the old or
    the new one (each user's own), and every read after the write has completed is the new one."""
    cached_url, plain_url = twin("r6-permitted-notes")
    for user in crowd:
        await prime(AsyncClient(), cached_url, [user])
    old = {user.username: (await AsyncClient().get(plain_url, headers=auth(user))).json() for user in crowd}

    async def read(user: User) -> tuple[str, Any]:
        response = await AsyncClient().get(cached_url, headers=auth(user))
        return user.username, (response.status_code, response.json())

    async def write() -> None:
        await Note.objects.acreate(owner=world["bob"], text="n4")

    for round_ in range(3):
        jobs = [read(u) for u in crowd] + [write()] + [read(u) for u in crowd]
        results = await asyncio.gather(*jobs)
        new = {user.username: (await AsyncClient().get(plain_url, headers=auth(user))).json() for user in crowd}
        for item in results:
            if item is None:
                continue
            name, (status, body) = item
            assert status == 200 and body in (old[name], new[name]), (round_, name, body)
        for user in crowd:
            got, expected = await cached_and_plain("r6-permitted-notes", auth(user))
            assert got == expected, (round_, user.username, got, expected)
        old = new


@BOTH
async def test_3b_different_identities_missing_the_same_url_at_once(hits, world, keys):
    """Users, tokens of one user with other claims, and anonymous requests miss the same URL at the same
    time (a fresh endpoint, then after each write): no answer of one ever reaches another."""
    alice, bob = world["alice"], world["bob"]
    bearer = {
        f"{who} {roles}@{tenant}": {"Authorization": "Bearer " + bearer_token(user.pk, who, roles, tenant)}
        for who, user in (("alice", alice), ("bob", bob))
        for roles in (["reader"], ["reader", "admin"])
        for tenant in ("a", "b")
    }
    token_me = {"alice": token("key-alice"), "bob": token("key-bob")}
    for round_ in range(4):
        for name, identities in (("r6-tenant-tickets", bearer), ("r6-token-me", token_me)):
            cached_url, plain_url = twin(name)
            jobs = [AsyncClient().get(cached_url, headers=h) for h in identities.values() for _ in range(3)]
            results = await asyncio.gather(*jobs)
            labels = [label for label in identities for _ in range(3)]
            for label, response in zip(labels, results, strict=True):
                plain = await AsyncClient().get(plain_url, headers=identities[label])
                got, expected = (response.status_code, response.json()), (plain.status_code, plain.json())
                assert got == expected, (round_, name, label, response.get(HIT_HEADER), got, expected)
        if round_ == 1:
            await Ticket.objects.acreate(tenant="a", title="A2")
            await Note.objects.acreate(owner=alice, text="alice's")


@BOTH
async def test_3c_request_concurrent_with_own_permission_revocation(hits, world, crowd):
    """Alice's reads race her removal from the group that grants ``view_note``: once the removal has
    committed, no later request of hers is a 200."""
    alice = crowd[0]
    cached_url, _ = twin("r6-permitted-notes")
    await prime(AsyncClient(), cached_url, [alice])
    viewers = await Group.objects.aget(name="viewers")

    revoked_at: list[float] = []

    async def revoke() -> None:
        await asyncio.sleep(0)
        await sync_to_async(alice.groups.remove)(viewers)
        revoked_at.append(time.monotonic())

    async def read() -> tuple[float, int, float]:
        started = time.monotonic()
        response = await AsyncClient().get(cached_url, headers=auth(alice))
        return started, response.status_code, time.monotonic()

    results = await asyncio.gather(*[read() for _ in range(6)], revoke(), *[read() for _ in range(6)])
    done = revoked_at[0]
    for item in results:
        if item is None:
            continue
        started, status, _ = item
        assert not (started > done and status == 200), "a request started after the revocation got a 200"
    for _ in range(3):
        got, expected = await cached_and_plain("r6-permitted-notes", auth(alice))
        assert got == expected and got[0] == 403, (got, expected)


@BOTH
async def test_3d_staff_flag_revoked_while_reads_are_in_flight(hits, world, client):
    """``is_staff`` taken away by ``QuerySet.update`` while several of the user's reads are in flight."""
    alice = world["alice"]
    await User.objects.filter(pk=alice.pk).aupdate(is_staff=True)
    cached_url, _ = twin("r6-staff-posts")
    await prime(client, cached_url, [alice])
    for round_ in range(3):
        flag = round_ % 2 == 1

        async def flip(flag: bool = flag) -> None:
            await User.objects.filter(pk=alice.pk).aupdate(is_staff=flag)

        reads = [AsyncClient().get(cached_url, headers=auth(alice)) for _ in range(5)]
        await asyncio.gather(*reads[:3], flip(), *reads[3:])
        for _ in range(3):
            got, expected = await cached_and_plain("r6-staff-posts", auth(alice))
            assert got == expected, (round_, got, expected)


# -- 4. the clock and short ttls -------------------------------------------------------------------------------


async def compare_anonymous(client: AsyncClient, name: str, label: str) -> Any:
    """The cached answer is what the uncached twin answered at some moment of the request: just before
    it or just after it (a row's time may pass between the two)."""
    cached_url, plain_url = twin(name)
    before = await client.get(plain_url)
    cached = await client.get(cached_url)
    after = await client.get(plain_url)
    got = (cached.status_code, cached.json())
    bracket = [(before.status_code, before.json()), (after.status_code, after.json())]
    assert got in bracket, f"{label} ({cached.get(HIT_HEADER)}): cached {got} not in uncached {bracket}"
    return cached


@BOTH
async def test_4a_rows_become_visible_as_time_passes(hits, world, client):
    """``publish_at__lte=timezone.now()`` with rows one and two seconds ahead: never stored, so every read
    answers as uncached, before and after the rows' time."""
    now = timezone.now()
    await Announcement.objects.acreate(text="past", publish_at=now - timedelta(hours=1))
    await Announcement.objects.acreate(text="soon", publish_at=now + timedelta(seconds=1))
    await Announcement.objects.acreate(text="later", publish_at=now + timedelta(seconds=2))
    deadline = time.monotonic() + 3.2
    n = 0
    while time.monotonic() < deadline:
        n += 1
        await compare_anonymous(client, "r6-live", f"read #{n}")
        await asyncio.sleep(0.1)
    final = await compare_anonymous(client, "r6-live", "after both rows' time")
    assert final.json()["live"] == ["past", "soon", "later"]


@NATIVE
@pytest.mark.parametrize("name", ["r6-live-clock-ttl", "r6-states-clock-ttl"])
async def test_4b_clock_ttl_expires(hits, world, client, name):
    """``clock_ttl=1``: an answer that read the clock may be served for at most a second; once a row's
    time and that second (plus a margin) have passed, the cached twin answers as the uncached one."""
    now = timezone.now()
    await Announcement.objects.acreate(text="past", publish_at=now - timedelta(hours=1))
    await Announcement.objects.acreate(text="soon", publish_at=now + timedelta(seconds=1))
    cached_url, _ = twin(name)
    for _ in range(4):
        await client.get(cached_url)
    await asyncio.sleep(1.0 + 1.0 + 1.1)
    for n in range(3):
        await compare_anonymous(client, name, f"after the row's time and the clock ttl #{n}")


@BOTH
async def test_4c_short_ttl_for_state_the_library_cannot_see(hits, world, client):
    """``ttl=1`` on a view that reads process state (a feature flag): after the ttl and a margin it must
    answer as uncached, whoever asks."""
    cached_url, plain_url = twin("r6-flagged-ttl")
    realistic6_views.FEATURE_FLAGS["banner"] = False
    try:
        await prime(client, cached_url, readers(world))
        realistic6_views.FEATURE_FLAGS["banner"] = True
        await asyncio.sleep(2.1)
        await assert_same_as_uncached(client, cached_url, plain_url, readers(world))
        # ... and a write inside the ttl still outdates at once.
        await prime(client, cached_url, readers(world))
        await Note.objects.acreate(owner=world["alice"], text="unrelated")
        await Ticket.objects.acreate(tenant="a", title="unrelated")
        await sync_to_async(lambda: world["posts"][0].__class__.objects.filter(slug="post-0").update(title="T"))()
        await assert_same_as_uncached(client, cached_url, plain_url, readers(world))
    finally:
        realistic6_views.FEATURE_FLAGS["banner"] = False


@NATIVE
async def test_4d_hit_just_before_and_after_a_one_second_ttl(hits, world, client):
    """Entries of ``ttl=1`` never outlive it: read every 100 ms for 3 s with the flag flipped at 1.5 s; from
    1 s after the flip (the ttl plus margins) every answer is the new one."""
    cached_url, plain_url = twin("r6-flagged-ttl")
    realistic6_views.FEATURE_FLAGS["banner"] = False
    try:
        await prime(client, cached_url, [None])
        started = time.monotonic()
        flipped = None
        while time.monotonic() - started < 3.5:
            if flipped is None and time.monotonic() - started > 1.5:
                realistic6_views.FEATURE_FLAGS["banner"] = True
                flipped = time.monotonic()
            response = await client.get(cached_url)
            if flipped is not None and time.monotonic() - flipped > 1.6:
                assert response.json()["banner"] is True, response.get(HIT_HEADER)
            await asyncio.sleep(0.1)
        assert (await client.get(cached_url)).json() == (await client.get(plain_url)).json()
    finally:
        realistic6_views.FEATURE_FLAGS["banner"] = False
