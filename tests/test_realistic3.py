"""Red team, round 3: views, middleware and write paths written the way real Django/DRF projects write them.

As in tests/test_realistic.py and tests/test_realistic2.py: prime the cached twin (``/c/<name>/``), write
(or change the request) by the path in question, then require the cached twin to answer what the uncached
twin (``/u/<name>/``) answers at that moment, as the writer, another user and anonymous: status, body, the
headers the view or the middleware set, and the cookies the response sets. Where an answer has a side
effect a middleware acts on afterwards (the CSRF cookie, flash messages), two clients in the same state run
the same sequence, one against each twin, and every step must agree. Views: tests/testapp/realistic3_views.py.

Every test asserts cached == uncached: a failing test is a wrong answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.test import AsyncClient, override_settings
from django.urls import set_script_prefix
from django.utils import timezone

from tests import twins
from tests.conftest import auth
from tests.test_realistic import prime_as, same_as, twin, with_middleware
from tests.test_stack import AUTHENTICATION, STARTPROJECT_MIDDLEWARE
from tests.testapp import realistic3_views
from tests.testapp.models import Announcement, Author, Comment, PageCounter, Post, Review, Share, Tag
from tests.twins import HIT_HEADER, _body, all_same, assert_same_as_uncached, headers_of, prime, prime_all, readers, who

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("backend", ["locmem", "native"], indirect=True),
]


# -- helpers ----------------------------------------------------------------------------------------------


@pytest.fixture
def session_stack(hits: str, settings: Any) -> Iterator[str]:
    """The middleware of ``django-admin startproject`` (sessions, CSRF, messages...), session + Basic auth."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **AUTHENTICATION}
    with override_settings(MIDDLEWARE=STARTPROJECT_MIDDLEWARE):
        yield hits


async def content_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        chunks = []
        stream = response.streaming_content
        if hasattr(stream, "__aiter__"):
            async for chunk in stream:
                chunks.append(bytes(chunk))
        else:
            chunks = [bytes(chunk) for chunk in stream]
        return b"".join(chunks)
    return response.content


def set_cookies(response: Any) -> list[tuple[str, bool]]:
    """The cookies a response sets: (name, deleted?)."""
    return sorted((name, morsel.value == "") for name, morsel in response.cookies.items())


def json_or_text(raw: bytes, cached_url: str, plain_url: str) -> Any:
    text = raw.decode()
    text = text.replace(twins._prefix(plain_url), twins._prefix(cached_url))
    try:
        return json.loads(text)
    except ValueError:
        return text


SHOWN_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "X-Total-Count", "Link", "Location")


async def same_full(
    client: AsyncClient, cached_url: str, plain_url: str, headers: dict[str, str], label: str
) -> dict[str, Any]:
    """Status, body, the headers the view and middleware set, the cookies set, and Vary (the cached one may
    name more: Authorization, Cookie)."""
    cached = await client.get(cached_url, headers=headers)
    plain = await client.get(plain_url, headers=headers)
    got: dict[str, Any] = {
        "status": cached.status_code,
        "body": json_or_text(await content_of(cached), cached_url, plain_url),
    }
    expected: dict[str, Any] = {
        "status": plain.status_code,
        "body": json_or_text(await content_of(plain), cached_url, plain_url),
    }
    for name in SHOWN_HEADERS:
        got[name] = (cached.get(name) or "").replace(twins._prefix(plain_url), twins._prefix(cached_url))
        expected[name] = (plain.get(name) or "").replace(twins._prefix(plain_url), twins._prefix(cached_url))
    got["cookies"], expected["cookies"] = set_cookies(cached), set_cookies(plain)
    assert got == expected, f"{cached_url} as {label} ({cached.get(HIT_HEADER)}): cached {got} != uncached {expected}"
    vary = {v.strip().lower() for v in (cached.get("Vary") or "").split(",") if v.strip()}
    plain_vary = {v.strip().lower() for v in (plain.get("Vary") or "").split(",") if v.strip()}
    assert plain_vary <= vary, f"{cached_url} as {label}: Vary {vary} lacks {plain_vary - vary}"
    return got


def assert_same_sequence(cached: list[Any], plain: list[Any]) -> None:
    """Two clients in the same state ran the same steps, one against each twin: every step agrees."""
    steps = "\n".join(
        f"{'  ' if c == p else '!!'} cached {c}\n   uncached {p}" for c, p in zip(cached, plain, strict=False)
    )
    assert cached == plain, f"the steps differ:\n{steps}"


# -- 1. SPA bootstrap: a CSRF token in a cached GET ---------------------------------------------------------

CSRF_POST = "/r3-plain/csrf-post/"


async def bootstrap_then_post(url: str, user: User | None, client: AsyncClient | None = None) -> tuple[Any, ...]:
    """A browser loads the SPA's bootstrap data, then posts a form with the token it was given."""
    client = client or AsyncClient(enforce_csrf_checks=True)
    response = await client.get(url, headers=headers_of(user))
    token = response.json()["csrfToken"] if response.status_code == 200 else ""
    posted = await client.post(CSRF_POST, {"x": "1"}, headers={"X-CSRFToken": token})
    return response.status_code, set_cookies(response), posted.status_code


@pytest.mark.parametrize("name", ["r3-csrf-bootstrap", "r3-csrf-rotate"])
async def test_1a_csrf_token_for_clients_without_the_cookie(session_stack, world, name):
    """Every new browser (no csrftoken cookie yet) must be given the cookie its token is checked against."""
    cached_url, plain_url = twin(name)
    for user in readers(world):
        for attempt in range(4):
            got = await bootstrap_then_post(cached_url, user)
            expected = await bootstrap_then_post(plain_url, user)
            assert got == expected, f"{name} as {who(user)}, new browser {attempt}: cached {got} != uncached {expected}"
            assert expected == (200, [("csrftoken", False)], 200)


@pytest.mark.parametrize("name", ["r3-csrf-bootstrap", "r3-csrf-rotate"])
async def test_1b_csrf_token_for_a_browser_that_has_the_cookie(session_stack, world, name):
    cached_url, plain_url = twin(name)
    for user in readers(world):
        cached_client, plain_client = AsyncClient(enforce_csrf_checks=True), AsyncClient(enforce_csrf_checks=True)
        await cached_client.get(CSRF_POST)  # a first page: no token asked for, no cookie yet
        for step in range(4):
            got = await bootstrap_then_post(cached_url, user, cached_client)
            expected = await bootstrap_then_post(plain_url, user, plain_client)
            assert got == expected, f"{name} as {who(user)}, step {step}: cached {got} != uncached {expected}"


async def test_1c_csrf_token_validates_after_a_session_login(session_stack, world):
    """Logged in by session (the SPA's login), the token the bootstrap gives must validate the next POST."""
    cached_url, plain_url = twin("r3-csrf-bootstrap")
    outcomes = {}
    for url in (cached_url, plain_url):
        seen = []
        for _ in range(4):
            client = await twins.login(AsyncClient(enforce_csrf_checks=True), world["alice"])
            seen.append(await bootstrap_then_post(url, None, client))
        outcomes[url] = seen
    assert_same_sequence(outcomes[cached_url], outcomes[plain_url])


# -- 2. scope="shared" views that read request.user -------------------------------------------------------


async def test_2a_shared_scope_serializer_reads_request_user(hits, world, client):
    """``is_mine = obj.owner_id == request.user.id`` on an endpoint declared shared."""
    cached_url, plain_url = twin("r3-shared-is-mine")
    for _ in range(3):
        await client.get(cached_url, headers=auth(world["alice"]))
    await assert_same_as_uncached(client, cached_url, plain_url, [world["bob"], None, world["alice"]])


async def test_2b_shared_scope_queryset_reads_is_staff(hits, world, client):
    await Post.objects.filter(slug="post-4").aupdate(published=False)
    await User.objects.filter(pk=world["alice"].pk).aupdate(is_staff=True)
    cached_url, plain_url = twin("r3-shared-staff")
    for _ in range(3):
        await client.get(cached_url, headers=auth(world["alice"]))
    await assert_same_as_uncached(client, cached_url, plain_url, [world["bob"], None, world["alice"]])


async def test_2c_user_scope_control_of_is_mine(hits, world, client):
    cached_url, plain_url = twin("r3-user-is-mine")
    await prime(client, cached_url, readers(world))
    await assert_same_as_uncached(client, cached_url, plain_url, readers(world))
    await Post.objects.filter(slug="post-0").aupdate(owner=world["bob"])
    await assert_same_as_uncached(client, cached_url, plain_url, readers(world))


@pytest.mark.parametrize("change", ["deactivate", "password"])
@pytest.mark.parametrize("name", ["r3-shared-is-mine", "r3-user-is-mine"])
async def test_2d_account_change_on_shared_and_user_scope(hits, world, client, name, change):
    cached_url, plain_url = twin(name)
    await prime(client, cached_url, readers(world))

    def apply() -> None:
        user = User.objects.get(pk=world["alice"].pk)
        if change == "deactivate":
            user.is_active = False
        else:
            user.set_password("changed")
        user.save()

    await sync_to_async(apply)()
    await assert_same_as_uncached(client, cached_url, plain_url, readers(world))


# -- 3. django.contrib.messages -------------------------------------------------------------------------------

STORAGES = {
    "cookie": "django.contrib.messages.storage.cookie.CookieStorage",
    "session": "django.contrib.messages.storage.session.SessionStorage",
    "fallback": "django.contrib.messages.storage.fallback.FallbackStorage",
}


@pytest.fixture(params=sorted(STORAGES))
def messages_stack(request: pytest.FixtureRequest, session_stack: str, settings: Any) -> str:
    settings.MESSAGE_STORAGE = STORAGES[request.param]
    return request.param


async def client_as(reader: str, world: dict[str, Any]) -> tuple[AsyncClient, dict[str, str]]:
    if reader == "session":
        return await twins.login(AsyncClient(), world["alice"]), {}
    if reader == "basic":
        return AsyncClient(), auth(world["bob"])
    return AsyncClient(), {}


@pytest.mark.parametrize("reader", ["session", "basic", "anonymous"])
async def test_3a_flash_message_is_shown_once(messages_stack, world, reader):
    """POST a form (it flashes "Saved."), then the SPA's banner GET shows it, once; a second GET shows none."""
    cached_url, plain_url = twin("r3-messages")
    sides = {}
    for url in (cached_url, plain_url):
        client, headers = await client_as(reader, world)
        seen = []
        for round_ in range(4):
            await client.post("/r3-plain/add-message/", {"text": "Saved."}, headers=headers)
            for _ in range(2):
                response = await client.get(url, headers=headers)
                seen.append((round_, response.status_code, response.json()["messages"], set_cookies(response)))
            left = await client.get("/r3-plain/pending-messages/", headers=headers)
            seen.append((round_, "left", left.json()["messages"]))
        sides[url] = seen
    assert_same_sequence(sides[cached_url], sides[plain_url])


@pytest.mark.parametrize("reader", ["session", "basic", "anonymous"])
async def test_3b_message_queued_by_a_get(messages_stack, world, reader):
    """A dashboard GET queues "Your trial ends in 3 days" for the next page."""
    cached_url, plain_url = twin("r3-trial-reminder")
    sides = {}
    for url in (cached_url, plain_url):
        client, headers = await client_as(reader, world)
        seen = []
        for round_ in range(4):
            response = await client.get(url, headers=headers)
            seen.append((round_, response.status_code, response.json(), set_cookies(response)))
            left = await client.get("/r3-plain/pending-messages/", headers=headers)
            seen.append((round_, "next page", left.json()["messages"]))
        sides[url] = seen
    assert_same_sequence(sides[cached_url], sides[plain_url])


# -- 4. denormalized counters kept by signal handlers ---------------------------------------------------------


@pytest.fixture
def counters(world: dict[str, Any]) -> Iterator[None]:
    for author in Author.objects.all():
        PageCounter.objects.create(name=realistic3_views.counter_name(author.pk), hits=author.posts.count())
    for signal in (post_save, post_delete):
        signal.connect(realistic3_views.recount_author_posts, sender=Post, dispatch_uid="r3-recount")
    yield
    for signal in (post_save, post_delete):
        signal.disconnect(sender=Post, dispatch_uid="r3-recount")


def w_orm_create(client: AsyncClient) -> None:
    Post.objects.create(title="Signal post", slug="signal-post", author=Author.objects.get(name="Ann"))


def w_orm_delete(client: AsyncClient) -> None:
    Post.objects.get(slug="post-1").delete()


def w_move_then_recount(client: AsyncClient) -> None:
    """QuerySet.update() sends no signal: the nightly ``recount`` command fixes the counters."""
    Post.objects.filter(slug__in=["post-0", "post-2"]).update(author=Author.objects.get(name="Ann"))
    for author in Author.objects.all():
        PageCounter.objects.filter(name=realistic3_views.counter_name(author.pk)).update(hits=author.posts.count())


def w_bulk_create_then_f(client: AsyncClient) -> None:
    ann = Author.objects.get(name="Ann")
    Post.objects.bulk_create([Post(title=f"Bulk {n}", slug=f"bulk-{n}", author=ann) for n in range(2)])
    PageCounter.objects.filter(name=realistic3_views.counter_name(ann.pk)).update(hits=F("hits") + 2)


COUNTER_WRITES = {
    "orm_create": w_orm_create,
    "orm_delete": w_orm_delete,
    "move_then_recount": w_move_then_recount,
    "bulk_create_then_f": w_bulk_create_then_f,
}


@pytest.mark.parametrize("write", list(COUNTER_WRITES.values()), ids=list(COUNTER_WRITES))
async def test_4a_counter_rows_written_by_orm_paths(hits, world, counters, client, write):
    views = [twin("r3-author-stats"), twin("rt-paged-posts")]
    await prime_all(client, world, views)
    await sync_to_async(write)(client)
    await all_same(client, world, views)


@pytest.mark.parametrize("via", ["c", "u"])
async def test_4b_counter_rows_written_by_a_view_post(hits, world, counters, client, via):
    views = [twin("r3-author-stats"), twin("rt-paged-posts")]
    await prime_all(client, world, views)
    response = await client.post(
        f"/{via}/r3-create-post/",
        {"author": "Ben", "title": "From the API", "slug": "from-api"},
        headers=auth(world["bob"]),
    )
    assert response.status_code == 201, response.content
    await all_same(client, world, views)


# -- 5. per-user Prefetch / Exists / Count and generic foreign keys --


def w_share(world: dict[str, Any]) -> None:
    Share.objects.create(post=Post.objects.get(slug="post-1"), user=world["bob"])


def w_unshare(world: dict[str, Any]) -> None:
    Share.objects.filter(user=world["bob"]).delete()


def w_review_delete(world: dict[str, Any]) -> None:
    Review.objects.filter(text="Review 0").delete()


def w_comment_target_renamed(world: dict[str, Any]) -> None:
    Author.objects.filter(name="Ben").update(name="Benjamin")  # the target of the comment on an author


def w_comment_retargeted(world: dict[str, Any]) -> None:
    Comment.objects.filter(text="on a post").update(object_id=Post.objects.get(slug="post-3").pk)


def w_tags_added(world: dict[str, Any]) -> None:
    Post.objects.get(slug="post-2").tags.add(*Tag.objects.all())


PREFETCH_WRITES = {
    "share": w_share,
    "unshare": w_unshare,
    "review_delete": w_review_delete,
    "comment_target_renamed": w_comment_target_renamed,
    "comment_retargeted": w_comment_retargeted,
    "tags_added": w_tags_added,
}


@pytest.mark.parametrize("write", list(PREFETCH_WRITES.values()), ids=list(PREFETCH_WRITES))
async def test_5_per_user_prefetch_and_generic_targets(hits, world, client, write):
    views = [twin("r3-shared-with-me")]
    await prime_all(client, world, views)
    await sync_to_async(write)(world)
    await all_same(client, world, views)


# -- 6. cursor pagination, search, ordering, a CSV renderer ---------------------------------------------------


def relative(link: str | None) -> str:
    assert link, link
    return link.split("testserver", 1)[1]


async def test_6a_cursor_pages_with_search_and_ordering(hits, world, client):
    query = "?search=Post&ordering=-title"
    cached_url, plain_url = twin("r3-cursor", query)
    await prime(client, cached_url, readers(world))
    first = await client.get(plain_url)
    second_plain = relative(first.json()["next"])
    second_cached = second_plain.replace("/u/", "/c/")
    await prime(client, second_cached, readers(world))
    await Post.objects.acreate(title="Post 9", slug="post-9", author=await Author.objects.aget(name="Ann"))
    await Post.objects.filter(slug="post-2").aupdate(title="Post 2 retitled")
    await assert_same_as_uncached(client, cached_url, plain_url, readers(world))
    await assert_same_as_uncached(client, second_cached, second_plain, readers(world))
    await Author.objects.filter(name="Ben").aupdate(name="Post master")  # search reaches author__name
    await assert_same_as_uncached(
        client, twin("r3-cursor", "?search=master")[0], twin("r3-cursor", "?search=master")[1], readers(world)
    )
    await assert_same_as_uncached(client, cached_url, plain_url, readers(world))


async def test_6b_csv_by_format_and_by_accept(hits, world, client):
    for suffix, extra in (("?format=csv", {}), ("", {"Accept": "text/csv"}), ("", {"Accept": "application/json"})):
        cached_url, plain_url = twin("r3-cursor", suffix)
        await prime(client, cached_url, readers(world), extra=extra)
    await Post.objects.filter(slug="post-4").aupdate(title="Post 4, with a comma")
    for suffix, extra in (("?format=csv", {}), ("", {"Accept": "text/csv"}), ("", {"Accept": "application/json"})):
        cached_url, plain_url = twin("r3-cursor", suffix)
        for user in readers(world):
            await same_full(client, cached_url, plain_url, headers_of(user, extra), f"{who(user)} {suffix} {extra}")


# -- 7. hyperlinks across hosts, schemes and script prefixes --------------------------------------------------


async def test_7_hyperlinks_host_scheme_script_name(hits, world, client):
    pk = world["posts"][1].pk
    with override_settings(
        USE_X_FORWARDED_HOST=True, ALLOWED_HOSTS=["*"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        for suffix in ("", f"{pk}/"):
            cached_url, plain_url = twin("r3-links", suffix)
            await prime(client, cached_url, readers(world), extra={"X-Forwarded-Host": "api.example"})
            for extra in (
                {"X-Forwarded-Host": "other.example"},
                {"X-Forwarded-Host": "api.example", "X-Forwarded-Proto": "https"},
                {},
            ):
                bodies = await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra=extra)
                assert "api.example" not in json.dumps(bodies) or extra.get("X-Forwarded-Host") == "api.example"
            set_script_prefix("/api/")  # as Django's ASGI handler does with FORCE_SCRIPT_NAME / root_path
            try:
                bodies = await assert_same_as_uncached(client, cached_url, plain_url, readers(world))
            finally:
                set_script_prefix("/")
            assert "/api/c/r3-links/" in json.dumps(bodies)
            await assert_same_as_uncached(
                client, cached_url, plain_url, readers(world), extra={"X-Forwarded-Host": "api.example"}
            )


# -- 8. headers the view sets; CSV and streaming answers ------------------------------------------------------


async def test_8a_headers_set_by_the_view(session_stack, world, client):
    cached_url, plain_url = twin("r3-headers")
    await prime(client, cached_url, readers(world), extra={"Accept-Language": "en"})
    for step in ("before", "after"):
        for lang in ("en", "fr", "de"):
            for user in readers(world):
                await same_full(
                    client,
                    cached_url,
                    plain_url,
                    headers_of(user, {"Accept-Language": lang}),
                    f"{who(user)} {lang} {step}",
                )
        await Post.objects.filter(slug="post-1").aupdate(published=False)


@pytest.mark.parametrize("name", ["r3-csv", "r3-stream"])
async def test_8b_csv_download_and_stream(hits, world, client, name):
    cached_url, plain_url = twin(name)
    for user in readers(world):
        for _ in range(3):
            await client.get(cached_url, headers=headers_of(user))
    for user in readers(world):
        await same_full(client, cached_url, plain_url, headers_of(user), who(user))
    await Post.objects.filter(slug="post-3").aupdate(title="Renamed, for CSV")
    await Post.objects.acreate(title="New", slug="new", author=await Author.objects.aget(name="Ann"))
    for user in readers(world):
        await same_full(client, cached_url, plain_url, headers_of(user), who(user))


# -- 9. a write with a savepoint rolled back, from an async view ----------------------------------------------

SAVEPOINT_READERS = [
    twin("rt-paged-posts"),
    twin("r2-values"),
    twin("r2-review-totals"),
    twin("r3-shared-with-me"),
    twin("r3-cursor"),
]


@pytest.mark.parametrize("via", ["c", "u"])
async def test_9_savepoint_rolled_back_inside_an_async_view(hits, world, client, via):
    await prime_all(client, world, SAVEPOINT_READERS)
    response = await client.post(f"/{via}/r3-savepoint-write/", {}, headers=auth(world["alice"]))
    assert response.status_code == 200, response.content
    assert await Post.objects.filter(title="Committed title").aexists()
    assert not await Tag.objects.filter(name="rolled back").aexists()
    await all_same(client, world, SAVEPOINT_READERS)


# -- 11. ETag / If-None-Match after someone else's write ------------------------------------------------------


@pytest.mark.parametrize("name", ["rt-paged-posts", "r3-author-stats", "r3-user-is-mine"])
async def test_11_old_etag_after_another_users_write(hits, world, counters, client, name):
    """A client revalidating with the ETag it holds gets a 304 only if the answer is still the one it holds."""
    cached_url, plain_url = twin(name)
    alice, bob = world["alice"], world["bob"]
    await prime(client, cached_url, readers(world))
    held, held_bodies = {}, {}
    for user in readers(world):
        response = await client.get(cached_url, headers=headers_of(user))
        held[who(user)], held_bodies[who(user)] = response["ETag"], _body(response, cached_url, plain_url)
    assert len(set(held.values())) == 3
    # bob edits through the API's plain write endpoint
    response = await client.post(
        "/u/r3-create-post/", {"author": "Ann", "title": "Post 0 by bob", "slug": "by-bob"}, headers=auth(bob)
    )
    assert response.status_code == 201
    await Post.objects.filter(slug="post-0").aupdate(title="Post 0 edited", owner=bob)
    for user in readers(world):
        for tag in (held[who(user)], f"W/{held[who(user)]}", f'"nope", {held[who(user)]}'):
            cached = await client.get(cached_url, headers=headers_of(user, {"If-None-Match": tag}))
            plain = await client.get(plain_url, headers=headers_of(user))
            now = _body(plain, cached_url, plain_url)
            if cached.status_code == 304:  # "what you hold is current": only if it is
                assert held_bodies[who(user)] == now, (who(user), tag, "304 for an answer that changed")
            else:
                assert (cached.status_code, _body(cached, cached_url, plain_url)) == (plain.status_code, now)
            assert now != held_bodies[who(user)] or name == "r3-user-is-mine"
    # another user's current ETag is never a 304
    for user, other in ((alice, bob), (bob, None), (None, alice)):
        theirs = (await client.get(cached_url, headers=headers_of(other)))["ETag"]
        mine = (await client.get(cached_url, headers=headers_of(user)))["ETag"]
        assert theirs != mine
        response = await client.get(cached_url, headers=headers_of(user, {"If-None-Match": theirs}))
        assert response.status_code == 200, (who(user), who(other))


# -- 12. a UUID viewset with a detail @action, per-action serializers and a context value --


async def test_12a_uuid_lookup_detail_action_and_context(hits, world, client):
    post = world["posts"][0]
    urls = [
        twin("r3-uuid-posts"),
        twin("r3-uuid-posts", f"{post.uuid}/"),
        twin("r3-uuid-posts", f"{post.uuid}/reviews/"),
    ]
    for cached_url, _ in urls:
        await prime(client, cached_url, readers(world))
    for currency in ("EUR", "USD"):
        for cached_url, plain_url in urls:
            await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra={"X-Currency": currency})
    await Review.objects.acreate(post=post, text="Another review")
    await Post.objects.filter(pk=post.pk).aupdate(title="Retitled", body="New body")
    for cached_url, plain_url in urls:
        await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra={"X-Currency": "USD"})
    missing = twin("r3-uuid-posts", "00000000-0000-0000-0000-000000000000/reviews/")
    await assert_same_as_uncached(client, *missing, readers(world))


async def test_12b_language_and_time_zone_from_the_session(hits, world):
    await Announcement.objects.acreate(text="a", publish_at=timezone.now() - timezone.timedelta(days=30))
    with with_middleware("tests.testapp.realistic3_views.SessionLocaleMiddleware"):
        cached_url, plain_url = twin("r3-schedule")
        client = await twins.login(AsyncClient(), world["alice"])
        anonymous = AsyncClient()
        await twins.set_session(anonymous, "lang", "en")
        for each in (client, anonymous):
            await prime_as(each, cached_url, {}, "en/UTC")
        for lang, tz in (("fr", "Europe/Paris"), ("de", "UTC"), ("en", "America/New_York"), ("en", "UTC")):
            for each in (client, anonymous):
                await twins.set_session(each, "lang", lang)
                await twins.set_session(each, "tz", tz)
                body = await same_as(each, cached_url, plain_url, {}, f"{lang}/{tz}")
                assert (body["lang"], body["tz"]) == (lang, tz)


async def test_12c_language_activated_by_the_view(session_stack, world, client):
    """The view activates ``?lang=``; LocaleMiddleware answers with ``Content-Language`` of the active language."""
    for lang in ("fr", "de", "fr"):
        cached_url, plain_url = twin("r3-lang-param", f"?lang={lang}")
        for _ in range(3):  # never a hit: a hit could not activate the language the middleware reports
            for user in readers(world):
                await same_full(client, cached_url, plain_url, headers_of(user), f"{who(user)} ?lang={lang}")


async def test_12d_cookie_checked_on_keys(hits, world):
    """``"cookie_consent" in request.COOKIES.keys()``: a visitor who consented must not get the answer of
    one who did not."""
    cached_url, plain_url = twin("r3-consent")
    await prime(AsyncClient(), cached_url, readers(world))
    consented = AsyncClient()
    consented.cookies["cookie_consent"] = "all"
    bodies = await assert_same_as_uncached(consented, cached_url, plain_url, readers(world))
    assert bodies[0]["tracking"] is True


async def test_12e_header_read_on_a_copy_of_meta(hits, world, client):
    cached_url, plain_url = twin("r3-geo")
    await prime(client, cached_url, readers(world), extra={"CF-IPCountry": "US"})
    bodies = await assert_same_as_uncached(client, cached_url, plain_url, readers(world), extra={"CF-IPCountry": "FR"})
    assert bodies[0]["currency"] == "EUR"
