"""Red team: views and write paths written the way real Django/DRF projects write them.

Each test primes the cached twin (``/c/<name>/``) until it hits for the readers concerned, writes (or
changes the request) by the path in question, then requires the cached twin to answer what the
uncached twin (``/u/<name>/``) answers at that moment. Views: tests/testapp/realistic_views.py.

Tests marked ``xfail(strict=True)`` are answers that differ: the reason names the step the library
does not observe.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.test import AsyncClient, override_settings
from django.utils import timezone

from adrf_caching import events
from tests.conftest import auth
from tests.testapp import realistic_views
from tests.testapp.models import (
    Announcement,
    Author,
    Membership,
    Organization,
    PageCounter,
    Post,
    Profile,
    Team,
    Ticket,
)
from tests.twins import (
    HIT_HEADER,
    _body,
    assert_same_as_uncached,
    headers_of,
    login,
    prime,
    readers,
    set_session,
    who,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("backend", ["locmem", "native"], indirect=True),
]


# -- helpers --------------------------------------------------------------------------------------------


async def prime_as(client: AsyncClient, url: str, headers: dict[str, str], label: str = "") -> None:
    """Three reads with these headers: learn, store, hit."""
    for _ in range(2):
        await client.get(url, headers=headers)
    third = await client.get(url, headers=headers)
    assert third.get(HIT_HEADER) == "hit", (url, label, third.status_code, third.get(HIT_HEADER), third.content)


async def same_as(client: AsyncClient, cached_url: str, uncached_url: str, headers: dict[str, str], label: str) -> Any:
    cached = await client.get(cached_url, headers=headers)
    plain = await client.get(uncached_url, headers=headers)
    got = (cached.status_code, _body(cached, cached_url, uncached_url))
    expected = (plain.status_code, _body(plain, cached_url, uncached_url))
    assert got == expected, f"{cached_url} as {label} ({cached.get(HIT_HEADER)}): cached {got} != uncached {expected}"
    return got[1]


def twin(name: str, suffix: str = "") -> tuple[str, str]:
    return f"/c/{name}/{suffix}", f"/u/{name}/{suffix}"


@pytest.fixture
def profiles(world: dict[str, Any]) -> dict[str, Profile]:
    return {
        "alice": Profile.objects.create(user=world["alice"], display_name="Alice", plan="free", api_key="key-alice"),
        "bob": Profile.objects.create(user=world["bob"], display_name="Bob", plan="pro", api_key="key-bob"),
    }


def key_headers(user: User | None) -> dict[str, str]:
    return {"X-Api-Key": f"key-{user.username}"} if user is not None else {}


def with_middleware(*paths: str) -> Any:
    return override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, *paths])


# -- 1. a permission that loads an object and stores it on the view ----------------------------------------


@pytest.mark.parametrize("how", ["save", "update"])
async def test_1a_permission_loads_the_team_rendered_by_the_serializer(hits, world, client, how):
    cached_url, plain_url = twin("rt-team-posts", f"{world['team'].pk}/")
    users = readers(world)
    await prime(client, cached_url, users)
    if how == "save":
        team = await Team.objects.aget(pk=world["team"].pk)
        team.name = "Renamed"
        await team.asave()
    else:
        await Team.objects.filter(pk=world["team"].pk).aupdate(name="Renamed")
    await assert_same_as_uncached(client, cached_url, plain_url, users)


async def test_1b_permission_loads_the_ids_the_queryset_filters_by(hits, world, client):
    cached_url, plain_url = twin("rt-team-member-posts", f"{world['team'].pk}/")
    users = readers(world)
    await prime(client, cached_url, users)
    ann = await Author.objects.aget(name="Ann")  # the team had Ben only (the authors of posts 0, 2, 4)
    await Membership.objects.acreate(team=world["team"], author=ann)
    await assert_same_as_uncached(client, cached_url, plain_url, users)


async def test_1c_control_permission_that_only_denies(hits, world, client):
    """The same permission query, only deciding access: it runs again on every hit."""
    cached_url, plain_url = twin("rt-team-posts-checked", f"{world['team'].pk}/")
    users = readers(world)
    await prime(client, cached_url, users)
    await Team.objects.filter(pk=world["team"].pk).adelete()
    bodies = await assert_same_as_uncached(client, cached_url, plain_url, users)
    assert bodies[0] == {"detail": "No Team matches the given query."}


# -- 2. authentication that loads the user's profile with select_related ---------------------------------


@pytest.mark.parametrize("how", ["save", "update"])
async def test_2a_profile_loaded_by_authentication(hits, world, profiles, client, how):
    cached_url, plain_url = twin("rt-my-profile")
    users = readers(world)
    await prime(client, cached_url, users)
    if how == "save":
        profile = await Profile.objects.aget(user=world["alice"])
        profile.display_name = "Alice Liddell"
        await profile.asave()
    else:
        await Profile.objects.filter(user=world["alice"]).aupdate(plan="enterprise")
    await assert_same_as_uncached(client, cached_url, plain_url, users)


async def test_2b_profile_is_request_auth(hits, world, profiles, client):
    """The same profile as ``request.auth``: its fields are in the identity fingerprint."""
    cached_url, plain_url = twin("rt-key-plan")
    users = readers(world)
    for user in users:
        await prime_as(client, cached_url, key_headers(user), who(user))
    await Profile.objects.filter(user=world["alice"]).aupdate(plan="enterprise")
    for user in users:
        await same_as(client, cached_url, plain_url, key_headers(user), who(user))


@pytest.mark.parametrize("how", ["save", "update"])
async def test_2c_control_profile_loaded_by_the_handler(hits, world, profiles, client, how):
    cached_url, plain_url = twin("rt-my-profile-lazy")
    users = readers(world)
    await prime(client, cached_url, users)
    if how == "save":
        profile = await Profile.objects.aget(user=world["alice"])
        profile.display_name = "Alice Liddell"
        await profile.asave()
    else:
        await Profile.objects.filter(user=world["alice"]).aupdate(plan="enterprise")
    await assert_same_as_uncached(client, cached_url, plain_url, users)


# -- 3. has_perm cached on the user by the permission class -----------------------------------------------


def _perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type=ContentType.objects.get_for_model(Post))


@pytest.mark.parametrize("how", ["group", "user"])
async def test_3a_has_perm_filled_by_the_permission_class(hits, world, client, how):
    await _has_perm_case(world, client, how, "rt-posts-with-perms")


@pytest.mark.parametrize("how", ["group", "user"])
async def test_3b_control_has_perm_first_asked_by_the_serializer(hits, world, client, how):
    await _has_perm_case(world, client, how, "rt-posts-with-perms-unchecked")


async def _has_perm_case(world: dict[str, Any], client: AsyncClient, how: str, name: str) -> None:
    alice, bob = world["alice"], world["bob"]

    def setup() -> Group:
        group = Group.objects.create(name="readers")
        group.permissions.add(_perm("view_post"))
        group.user_set.add(alice, bob)
        return group

    group = await sync_to_async(setup)()
    cached_url, plain_url = twin(name)
    users = readers(world)
    await prime(client, cached_url, users[:2])
    if how == "group":
        await sync_to_async(group.permissions.add)(await sync_to_async(_perm)("change_post"))
    else:
        await sync_to_async(alice.user_permissions.add)(await sync_to_async(_perm)("change_post"))
    await assert_same_as_uncached(client, cached_url, plain_url, users)


# -- 4. middleware that puts the tenant (or a cookie's value) on the request ------------------------------


ORG_MIDDLEWARE = {
    "sync": "tests.testapp.realistic_views.OrgMiddleware",
    "async": "tests.testapp.realistic_views.AsyncOrgMiddleware",
}


@pytest.fixture
def orgs(world: dict[str, Any]) -> list[Organization]:
    return [Organization.objects.create(name="Org A", slug="a"), Organization.objects.create(name="Org B", slug="b")]


@pytest.mark.parametrize("kind", sorted(ORG_MIDDLEWARE))
async def test_4a_middleware_org_renamed(hits, world, orgs, kind):
    with with_middleware(ORG_MIDDLEWARE[kind]):
        client = AsyncClient()
        cached_url, plain_url = twin("rt-org-tickets")
        users = readers(world)
        await prime(client, cached_url, users, extra={"X-Org": "a"})
        await Organization.objects.filter(slug="a").aupdate(name="Org A renamed")
        await assert_same_as_uncached(client, cached_url, plain_url, users, extra={"X-Org": "a"})


@pytest.mark.parametrize("kind", sorted(ORG_MIDDLEWARE))
async def test_4b_middleware_other_tenant_same_user(hits, world, orgs, kind):
    with with_middleware(ORG_MIDDLEWARE[kind]):
        client = AsyncClient()
        cached_url, plain_url = twin("rt-org-tickets")
        users = readers(world)
        await prime(client, cached_url, users, extra={"X-Org": "a"})
        await assert_same_as_uncached(client, cached_url, plain_url, users, extra={"X-Org": "b"})


async def test_4c_middleware_reads_a_cookie(hits, world):
    with with_middleware("tests.testapp.realistic_views.CurrencyMiddleware"):
        client = AsyncClient()
        cached_url, plain_url = twin("rt-price-list")
        users = readers(world)
        client.cookies["currency"] = "USD"
        await prime(client, cached_url, users)
        client.cookies["currency"] = "EUR"
        await assert_same_as_uncached(client, cached_url, plain_url, users)


# -- 5. a GET search endpoint with a JSON body ---------------------------------------------------------------


async def _get_with_body(client: AsyncClient, url: str, user: User | None, body: dict[str, Any]) -> Any:
    return await client.generic(
        "GET", url, data=json.dumps(body), content_type="application/json", headers=headers_of(user)
    )


async def test_5_get_with_a_json_body(hits, world, client):
    cached_url, plain_url = twin("rt-body-search")
    for user in readers(world):
        for _ in range(3):
            first = await _get_with_body(client, cached_url, user, {"q": "Post 1"})
            assert first.get(HIT_HEADER) != "hit"  # a GET with a body bypasses the cache
    for user in readers(world):
        cached = await _get_with_body(client, cached_url, user, {"q": "Post 2"})
        plain = await _get_with_body(client, plain_url, user, {"q": "Post 2"})
        assert cached.json() == plain.json(), (who(user), cached.json(), plain.json())


# -- 6. a GET that counts its views ---------------------------------------------------------------------------


async def test_6a_hit_counter_returned(hits, world, client):
    """The counter's own UPDATE bumps the table the entry depends on: never a hit, never stale."""
    await PageCounter.objects.acreate(name="home")
    cached_url, plain_url = twin("rt-hit-counter")
    seen = []
    for n in range(8):
        user = readers(world)[n % 3]
        response = await client.get(cached_url if n % 2 == 0 else plain_url, headers=headers_of(user))
        assert response.get(HIT_HEADER) != "hit"
        seen.append(response.json()["hits"])
    assert seen == list(range(1, 9))


async def test_6b_view_count_as_a_side_effect(hits, world, client):
    """The answer does not show the count; a hit would skip the UPDATE: the counter must count every GET."""
    await PageCounter.objects.acreate(name="posts")
    cached_url, _ = twin("rt-counted-posts")
    stored: list[Any] = []

    def note(sender: object, **data: object) -> None:
        stored.append(data)

    events.stored.connect(note, weak=False)
    try:
        for user in readers(world):
            for _ in range(3):
                await client.get(cached_url, headers=headers_of(user))
    finally:
        events.stored.disconnect(note)
    counter = await PageCounter.objects.aget(name="posts")
    assert counter.hits == 9
    assert stored == []  # a miss that wrote is not stored: a hit would skip the write


# -- 7. request facts ----------------------------------------------------------------------------------------


async def _get_from(client: AsyncClient, url: str, ip: str, headers: dict[str, str]) -> Any:
    raw = [(b"host", b"testserver"), *((k.lower().encode(), v.encode()) for k, v in headers.items())]
    path, _, query = url.partition("?")
    return await client.request(method="GET", path=path, query_string=query, headers=raw, client=[ip, 0])


async def test_7a_remote_addr_path_username_and_claims(hits, world, client):
    cached_url, plain_url = twin("rt-request-facts", "?x=1")
    users = readers(world)
    await prime(client, cached_url, users)
    for user in users:
        cached = await _get_from(client, cached_url, "10.9.9.9", headers_of(user))
        plain = await _get_from(client, plain_url, "10.9.9.9", headers_of(user))
        assert cached.json()["ip"] == "10.9.9.9"
        assert _body(cached, cached_url, plain_url) == _body(plain, cached_url, plain_url), who(user)
    scoped = {**auth(world["alice"]), "X-Scopes": "admin,read"}
    await same_as(client, cached_url, plain_url, scoped, "alice with other scopes")
    await same_as(client, "/c/rt-request-facts/?x=2", "/u/rt-request-facts/?x=2", auth(world["bob"]), "bob ?x=2")


async def test_7b_catch_all_route_reads_request_path(hits, world, client):
    users = readers(world)
    await prime(client, "/c/rt-catch-all/blog/post-1", users)
    await assert_same_as_uncached(client, "/c/rt-catch-all/blog/post-2", "/u/rt-catch-all/blog/post-2", users)


async def test_7c_auth_object_whose_str_is_its_name(hits, world, client):
    cached_url, plain_url = twin("rt-client-scopes")
    alice = world["alice"]
    read_only = {**auth(alice), "X-Client": "mobile", "X-Granted-Scopes": "posts:read"}
    await prime_as(client, cached_url, read_only, "alice, read-only token")
    writer = {**auth(alice), "X-Client": "mobile", "X-Granted-Scopes": "posts:read,posts:write"}
    await same_as(client, cached_url, plain_url, writer, "alice, read-write token")


# -- 8. an initial() override loads something -----------------------------------------------------------------


async def test_8a_initial_loads_the_team(hits, world, client):
    cached_url, plain_url = twin("rt-team-posts-initial", f"{world['team'].pk}/")
    users = readers(world)
    await prime(client, cached_url, users)
    await Team.objects.filter(pk=world["team"].pk).aupdate(name="Renamed")
    await assert_same_as_uncached(client, cached_url, plain_url, users)


async def test_8b_initial_reads_the_tenant_header(hits, world, client):
    cached_url, plain_url = twin("rt-tenant-initial")
    users = readers(world)
    await prime(client, cached_url, users, extra={"X-Tenant": "a"})
    await assert_same_as_uncached(client, cached_url, plain_url, users, extra={"X-Tenant": "b"})


# -- 9. GET @action and custom lookup on a cached viewset --------------------------------------------------------


async def test_9_extra_action_and_custom_lookup(hits, world, client):
    users = readers(world)
    urls = ["", "recent/", "post-1/", "POST-1/"]
    for suffix in urls:
        await prime(client, f"/c/rt-slug-posts/{suffix}", users)
    await Post.objects.filter(slug="post-1").aupdate(title="Retitled")
    ann = await Author.objects.aget(name="Ann")
    await Post.objects.acreate(title="Newest", slug="newest", author=ann)
    for suffix in urls:
        await assert_same_as_uncached(client, f"/c/rt-slug-posts/{suffix}", f"/u/rt-slug-posts/{suffix}", users)


# -- 10. get_or_create on read -------------------------------------------------------------------------------------


async def test_10_get_or_create_on_read(hits, world, client):
    cached_url, plain_url = twin("rt-my-settings")
    users = readers(world)
    await prime(client, cached_url, users[:2])
    await Profile.objects.filter(user=world["alice"]).aupdate(plan="pro")
    await assert_same_as_uncached(client, cached_url, plain_url, users)
    await Profile.objects.filter(user=world["bob"]).adelete()
    await assert_same_as_uncached(client, cached_url, plain_url, users)


# -- 11. assorted -------------------------------------------------------------------------------------------------


async def test_11a_pagination_counts_after_deletes(hits, world, client):
    users = readers(world)
    pages = ["", "?page=2", "?page=3"]
    for page in pages:
        await prime(client, f"/c/rt-paged-posts/{page}", users)
    await Post.objects.filter(pk=world["posts"][0].pk).adelete()
    for page in pages:
        await assert_same_as_uncached(client, f"/c/rt-paged-posts/{page}", f"/u/rt-paged-posts/{page}", users)


async def test_11b_prefetch_to_attr(hits, world, client):
    cached_url, plain_url = twin("rt-published-by-author")
    users = readers(world)
    await prime(client, cached_url, users)
    await Post.objects.filter(pk=world["posts"][1].pk).aupdate(published=False)
    await assert_same_as_uncached(client, cached_url, plain_url, users)


async def test_11c_only_defer(hits, world, client):
    cached_url, plain_url = twin("rt-deferred-bodies")
    users = readers(world)
    await prime(client, cached_url, users)
    await Post.objects.filter(pk=world["posts"][2].pk).aupdate(body="deferred body")
    await assert_same_as_uncached(client, cached_url, plain_url, users)


async def test_11d_select_for_update_in_atomic(hits, world, client):
    """Read in a transaction: never stored (a hit never comes), never stale."""
    cached_url, plain_url = twin("rt-locked-read")
    users = readers(world)
    for user in users:
        for _ in range(3):
            response = await client.get(cached_url, headers=headers_of(user))
            assert response.get(HIT_HEADER) != "hit"
    await Post.objects.filter(pk=world["posts"][0].pk).aupdate(title="Locked")
    await assert_same_as_uncached(client, cached_url, plain_url, users)


async def test_11e_user_groups_decide_the_queryset(hits, world, client):
    editors = await Group.objects.acreate(name="editors")
    cached_url, plain_url = twin("rt-editors-see-all")
    users = readers(world)
    await prime(client, cached_url, users)
    await sync_to_async(editors.user_set.add)(world["alice"])
    bodies = await assert_same_as_uncached(client, cached_url, plain_url, users)
    assert len(bodies[0]) == 5


async def test_11f_filter_query_params(hits, world, client):
    users = readers(world)
    queries = ["?search=Post&ordering=-id", "?owner=alice", "?owner=bob&ordering=title", "?search=3"]
    for query in queries:
        await prime(client, f"/c/rt-filtered-posts/{query}", users)
    await Post.objects.filter(pk=world["posts"][3].pk).aupdate(title="Zed", owner=world["alice"])
    for query in [*queries, "?search=Zed", "?owner=alice&ordering=-title"]:
        await assert_same_as_uncached(client, f"/c/rt-filtered-posts/{query}", f"/u/rt-filtered-posts/{query}", users)


async def test_11g_locale_middleware_accept_language(hits, world):
    locale = "django.middleware.locale.LocaleMiddleware"
    with (
        override_settings(USE_I18N=True, LANGUAGE_CODE="en", LANGUAGES=[("en", "English"), ("fr", "French")]),
        with_middleware(locale),
    ):
        client = AsyncClient()
        cached_url, plain_url = twin("rt-localized")
        users = readers(world)
        await prime(client, cached_url, users, extra={"Accept-Language": "en"})
        bodies = await assert_same_as_uncached(client, cached_url, plain_url, users, extra={"Accept-Language": "fr"})
        assert bodies[0]["language"] == "fr"


async def test_11h_throttles_still_count_hits(hits, world, client):
    cached_url, plain_url = twin("rt-throttled-posts")
    statuses: dict[str, list[int]] = {}
    for url in (cached_url, plain_url):
        caches["default"].clear()
        statuses[url] = []
        for user in readers(world):
            for _ in range(5):
                statuses[url].append((await client.get(url, headers=headers_of(user))).status_code)
    assert statuses[cached_url] == statuses[plain_url] == [200, 200, 200, 200, 429] * 3


# -- 12. the write-through of a view whose serializer depends on request.method -------------------------------------


async def test_12_write_through_with_read_and_write_serializers(hits, world, client):
    post = world["posts"][1]
    cached_url, plain_url = twin("rt-split-posts", f"{post.pk}/")
    users = readers(world)
    await prime(client, cached_url, users)
    response = await client.patch(
        cached_url, data=json.dumps({"title": "Patched"}), content_type="application/json", headers=auth(world["alice"])
    )
    assert response.status_code == 200, response.content
    await assert_same_as_uncached(client, cached_url, plain_url, users)


# -- 13. a fire-and-forget task started by a cached write -------------------------------------------------------------


async def test_13_background_task_of_a_cached_write(hits, world, client):
    await PageCounter.objects.acreate(name="edits")
    post = world["posts"][1]
    users = readers(world)
    await prime(client, "/c/rt-counters/", users)
    response = await client.patch(
        f"/c/rt-audited-posts/{post.pk}/",
        data=json.dumps({"title": "Audited"}),
        content_type="application/json",
        headers=auth(world["alice"]),
    )
    assert response.status_code == 200, response.content
    await asyncio.gather(*realistic_views.background)
    realistic_views.background.clear()
    assert (await PageCounter.objects.aget(name="edits")).hits == 1
    await assert_same_as_uncached(client, "/c/rt-counters/", "/u/rt-counters/", users)


# -- 14. the clock compared in Python (a serializer's is_live) ---------------------------------------------------------


async def test_14_python_side_clock_in_a_serializer(hits, world, client):
    await Announcement.objects.acreate(text="soon", publish_at=timezone.now() + timezone.timedelta(seconds=1.5))
    cached_url, plain_url = twin("rt-announcements")
    users = readers(world)
    for _ in range(3):  # timezone.now() in the serializer: served, never stored
        await assert_same_as_uncached(client, cached_url, plain_url, users)
        assert (await client.get(cached_url)).get(HIT_HEADER) == "miss"
    await asyncio.sleep(1.6)
    bodies = await assert_same_as_uncached(client, cached_url, plain_url, users)
    assert all(row["is_live"] for body in bodies for row in body)


# -- 15. the password column (has_usable_password) ---------------------------------------------------------------------


async def test_15_has_usable_password(hits, world, profiles, client):
    cached_url, plain_url = twin("rt-key-account")
    users = [world["alice"], world["bob"]]
    for user in users:
        await prime_as(client, cached_url, key_headers(user), who(user))

    def drop_password() -> None:
        alice = User.objects.get(pk=world["alice"].pk)
        alice.set_unusable_password()  # e.g. the account is converted to social login only
        alice.save()

    await sync_to_async(drop_password)()
    for user in users:
        await same_as(client, cached_url, plain_url, key_headers(user), who(user))


# -- 16. finalize_response changes the data ----------------------------------------------------------------------------


async def test_16_finalize_response_envelope(hits, world, client):
    cached_url, plain_url = twin("rt-enveloped")
    users = readers(world)
    for _ in range(3):  # served uncached: a finalize_response() of its own cannot be replayed on stored bytes
        await assert_same_as_uncached(client, cached_url, plain_url, users)
        assert (await client.get(cached_url)).get(HIT_HEADER) != "hit"


# -- 17. two-factor state that a middleware reads from the session ------------------------------------------------


async def test_17_two_factor_middleware(hits, world):
    otp = [
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "tests.testapp.realistic_views.OTPMiddleware",
    ]
    with with_middleware(*otp):
        verified, unverified = AsyncClient(), AsyncClient()
        for each in (verified, unverified):
            await login(each, world["alice"])
        await set_session(verified, realistic_views.OTP_SESSION_KEY, "totp/1")
        cached_url, plain_url = twin("rt-account-secrets")
        await prime_as(verified, cached_url, {}, "alice, verified session")
        assert (await verified.get(plain_url)).json()["verified"] is True
        cached = await unverified.get(cached_url)
        plain = await unverified.get(plain_url)
        assert cached.json() == plain.json(), (cached.get(HIT_HEADER), cached.json(), plain.json())


# -- 18. a cached write that awaits slow work after its save ---------------------------------------------------------


async def test_18_committed_write_still_awaiting_a_webhook(hits, world, client):
    post = world["posts"][1]
    users = readers(world)
    await prime(client, "/c/rt-paged-posts/", users)
    realistic_views.external_call = asyncio.Event()  # of this test's event loop
    writer = AsyncClient()
    patch = asyncio.create_task(
        writer.patch(
            f"/c/rt-notifying-posts/{post.pk}/",
            data=json.dumps({"title": "Committed"}),
            content_type="application/json",
            headers=auth(world["alice"]),
        )
    )
    try:
        for _ in range(200):  # until the save has committed
            if await Post.objects.filter(pk=post.pk, title="Committed").aexists():
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the write never committed")
        await assert_same_as_uncached(client, "/c/rt-paged-posts/", "/u/rt-paged-posts/", users)
    finally:
        realistic_views.external_call.set()
        assert (await patch).status_code == 200


# -- 7d. an anonymous user carrying credentials -----------------------------------------------------------------------


async def test_7d_anonymous_user_with_a_service_key(hits, world, profiles, client):
    cached_url, plain_url = twin("rt-service-plan")
    await prime_as(client, cached_url, {"X-Service-Key": "key-alice"}, "service key of the free plan")
    await same_as(client, cached_url, plain_url, {"X-Service-Key": "key-bob"}, "service key of the pro plan")


# Unused import guard for linters: Ticket rows come from the world fixture.
_ = Ticket
