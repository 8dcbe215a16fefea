"""Red team, round 7: serializer trees and view composition the way real ADRF projects write them.

As in tests/test_realistic3.py and tests/test_realistic5.py: each view has a cached twin (``/c/<name>/``)
and an uncached one (``/u/<name>/``, plain adrf). Every step compares the two as the writer (alice),
another user (bob) and anonymous: status, the body's raw bytes (links to the uncached twin written as
the cached twin's: ``/u/r7-`` -> ``/c/r7-``, same length), the headers that matter and Vary; on the
endpoint's first misses, on hits, and after writes. Part A attacks the one-hop serialization of misses
(``ONE_HOP_SERIALIZATION``, src/adrf_caching/serialization.py): the cached miss may serialize with DRF's
sync ``.data`` in one thread hop where the uncached view runs adrf's ``adata``. Part B composes the cached
mixins into users' own classes and routes. Views: tests/testapp/realistic7_views.py.

Every test asserts cached == uncached: a failing test is a wrong answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import AsyncClient, override_settings

from tests.testapp.models import Author, Editor, Post, Profile, Review, Tag
from tests.twins import HIT_HEADER, headers_of, readers, who

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("backend", ["locmem", "native"], indirect=True),
]


# -- helpers ----------------------------------------------------------------------------------------------


@pytest.fixture
def client() -> AsyncClient:
    """A 500 is an answer to compare, not an exception in the test."""
    return AsyncClient(raise_request_exception=False)


SHOWN = ("Content-Type", "Content-Language", "Link", "Location", "Allow")


def mapped(raw: bytes) -> bytes:
    """The uncached twin's links written as the cached twin's (same length: the bytes stay comparable)."""
    return raw.replace(b"/u/r7-", b"/c/r7-")


def vary_of(response: Any) -> set[str]:
    return {v.strip().lower() for v in (response.get("Vary") or "").split(",") if v.strip()}


def twin(path: str) -> tuple[str, str]:
    return f"/c/{path}", f"/u/{path}"


async def same(
    client: AsyncClient, path: str, user: User | None, label: str, extra: dict[str, str] | None = None
) -> Any:
    """One request to each twin: status, raw body bytes, the shown headers and Vary must agree."""
    cached_url, plain_url = twin(path)
    headers = headers_of(user, extra)
    cached = await client.get(cached_url, headers=headers)
    plain = await client.get(plain_url, headers=headers)
    got: dict[str, Any] = {"status": cached.status_code, "bytes": cached.content}
    expected: dict[str, Any] = {"status": plain.status_code, "bytes": mapped(plain.content)}
    for name in SHOWN:
        got[name] = cached.get(name) or ""
        expected[name] = (plain.get(name) or "").replace("/u/r7-", "/c/r7-")
    assert got == expected, (
        f"GET {cached_url} as {who(user)} {label} ({cached.get(HIT_HEADER)}): cached {got} != uncached {expected}"
    )
    assert vary_of(plain) <= vary_of(cached), f"{cached_url}: Vary lacks {vary_of(plain) - vary_of(cached)}"
    return cached


async def rounds(
    client: AsyncClient,
    world: dict[str, Any],
    paths: list[str],
    label: str,
    times: int = 3,
    extra: dict[str, str] | None = None,
) -> list[str]:
    """``times`` comparisons per path and reader: the first learns, the second stores, the third hits.
    Returns the X-Cache values seen."""
    seen = []
    for n in range(times):
        for path in paths:
            for user in readers(world):
                response = await same(client, path, user, f"{label} #{n}", extra)
                seen.append(response.get(HIT_HEADER) or "")
    return seen


async def before_and_after(
    client: AsyncClient, world: dict[str, Any], paths: list[str], writes: list[Any], hits: bool = True
) -> None:
    """Compare while the endpoint learns, stores and hits; then after each write (a miss, then a hit).
    ``hits=False``: a view that fails under adrf (both twins answer 500; nothing is stored)."""
    seen = await rounds(client, world, paths, "before")
    for step, write in enumerate(writes):
        await write()
        seen += await rounds(client, world, paths, f"after write {step}", times=2)
    if hits:
        assert "hit" in seen, "the cached twin never hit: the comparison did not exercise stored answers"
    else:
        assert "hit" not in seen


def detail(name: str, pk: int) -> str:
    return f"{name}/{pk}/"


# == Part A: serializers ========================================================================================

# -- A.1 nested adrf serializers over relations --------------------------------------------------------------------


async def test_a01_nested_author_without_select_related(hits, world, client):
    """The tutorial's ``author = AuthorSerializer()`` on ``Post.objects.all()`` (no ``select_related``).
    adrf reads a nested adrf serializer's source on the event loop, where this query raises: the
    uncached view answers 500, and so does the cached one (its one-hop serialization reads it as if
    there), miss or not, rather than a 200 that a cache outage would turn into a 500.
    """
    posts = world["posts"]
    paths = ["r7-lazy-author/", detail("r7-lazy-author", posts[1].pk)]

    async def rename() -> None:
        await Author.objects.filter(name="Ann").aupdate(name="Annie")

    await before_and_after(client, world, paths, [rename], hits=False)


async def test_a02_nested_one_and_many_selected(hits, world, client):
    """Nested author (select_related), reviews many=True with a nested nullable editor (prefetched), tags
    as slugs, a dotted source across the nullable owner."""
    posts = world["posts"]
    paths = ["r7-selected/", detail("r7-selected", posts[0].pk), detail("r7-selected", posts[3].pk)]

    async def add_review() -> None:
        await Review.objects.acreate(post=posts[3], text="late review", editor=world["editor"])

    async def rename_editor() -> None:
        await Editor.objects.filter(pk=world["editor"].pk).aupdate(name="Evelyn")

    async def delete_editor() -> None:
        await Editor.objects.filter(pk=world["editor"].pk).adelete()  # SET_NULL on the reviews

    async def retag_and_disown() -> None:
        tag = await Tag.objects.acreate(name="green")
        await posts[0].tags.aadd(tag)
        await Post.objects.filter(pk=posts[0].pk).aupdate(owner=None)

    await before_and_after(client, world, paths, [add_review, rename_editor, delete_editor, retag_and_disown])


async def test_a03_nested_serializer_on_a_querying_property(hits, world, client):
    """Nested adrf serializers whose sources are a model ``@property`` (``latest_review``) and a
    ``cached_property`` (``first_tag``), both querying.
    adrf reads a nested adrf serializer's source on the event loop, where this query raises: the
    uncached view answers 500, and so does the cached one (its one-hop serialization reads it as if
    there), miss or not, rather than a 200 that a cache outage would turn into a 500.
    """
    posts = world["posts"]
    paths = ["r7-property/", detail("r7-property", posts[0].pk), detail("r7-property", posts[4].pk)]

    async def add_review() -> None:
        await Review.objects.acreate(post=posts[0], text="newest", editor=None)

    async def retag() -> None:
        await posts[4].tags.aclear()

    await before_and_after(client, world, paths, [add_review, retag], hits=False)


async def test_a04_dotted_sources_across_nullable_relations(hits, world, client):
    """``owner.profile.plan`` (owner nullable, profile maybe missing) and a nested adrf serializer on
    ``latest_review.editor`` (a property, then a nullable foreign key).
    adrf reads a nested adrf serializer's source on the event loop, where this query raises: the
    uncached view answers 500, and so does the cached one (its one-hop serialization reads it as if
    there), miss or not, rather than a 200 that a cache outage would turn into a 500.
    """
    posts = world["posts"]
    await Profile.objects.acreate(user=world["alice"], display_name="Alice", plan="pro")
    paths = ["r7-dotted/", detail("r7-dotted", posts[0].pk), detail("r7-dotted", posts[4].pk)]

    async def downgrade() -> None:
        await Profile.objects.filter(user=world["alice"]).aupdate(plan="free")

    async def disown() -> None:
        await Post.objects.filter(pk=posts[0].pk).aupdate(owner=None)

    async def review_by_nobody() -> None:
        await Review.objects.acreate(post=posts[1], text="anonymous review", editor=None)

    await before_and_after(client, world, paths, [downgrade, disown, review_by_nobody], hits=False)


# -- A.2 field types -----------------------------------------------------------------------------------------------

LOCALE_STACK = {
    "MIDDLEWARE": ["django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.locale.LocaleMiddleware"],
    "USE_I18N": True,
    "LANGUAGE_CODE": "en",
    "LANGUAGES": [("en", "English"), ("de", "German"), ("fr", "French")],
}


@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Paris", "America/New_York"])
async def test_a05_field_zoo(hits, world, client, time_zone):
    """Decimal (string, number, localized), DateTime with a format in the active time zone, Duration, UUID
    (hex), JSON, Choice, File/Image URLs built with the request, hyperlinked identity and related fields,
    slugs, ReadOnly, defaults and allow_null, HiddenField(CurrentUserDefault), ``source`` to a nested
    adrf serializer: all sync (the one-hop path), with Accept-Language picking the number format."""
    posts = world["posts"]
    paths = ["r7-zoo/", detail("r7-zoo", posts[1].pk), detail("r7-zoo", posts[2].pk)]
    with override_settings(TIME_ZONE=time_zone, **LOCALE_STACK):
        for language in ("de", "fr", "en"):
            await rounds(client, world, paths, language, extra={"Accept-Language": language})
        await Post.objects.filter(pk=posts[1].pk).aupdate(title="A much longer title now", published=False)
        await posts[2].tags.aclear()
        for language in ("de", "en"):
            await rounds(client, world, paths, f"after {language}", times=2, extra={"Accept-Language": language})
        await rounds(client, world, ["r7-authors/", detail("r7-authors", posts[1].author_id)], "authors")


async def test_a06_source_star_into_adrf_and_drf_serializers(hits, world, client):
    posts = world["posts"]
    paths = ["r7-source-star/", detail("r7-source-star", posts[2].pk)]

    async def edit() -> None:
        await Post.objects.filter(pk=posts[2].pk).aupdate(body="edited", published=False)

    await before_and_after(client, world, paths, [edit])


# -- A.3 async-only parts ------------------------------------------------------------------------------------------


async def test_a07_adrf_async_method_field_awaiting_the_orm(hits, world, client):
    posts = world["posts"]
    paths = ["r7-async-counts/", detail("r7-async-counts", posts[0].pk)]

    async def review() -> None:
        await Review.objects.acreate(post=posts[0], text="another", editor=None)

    async def untag() -> None:
        await posts[0].tags.aclear()

    await before_and_after(client, world, paths, [review, untag])


async def test_a08_async_method_field_deep_in_a_nested_tree(hits, world, client):
    """post -> reviews (many) -> editor -> adrf async method field: one async part three levels down."""
    posts = world["posts"]
    paths = ["r7-deep-async/", detail("r7-deep-async", posts[0].pk)]

    async def more_reviews() -> None:
        await Review.objects.acreate(post=posts[4], text="by Eve", editor=world["editor"])

    await before_and_after(client, world, paths, [more_reviews])


async def test_a09_custom_list_serializers(hits, world, client):
    """``list_serializer_class``: an adrf ListSerializer sorting in sync ``to_representation`` (as DRF's docs
    show), one filtering in ``ato_representation``, a DRF one sorting; nested and at the top of a list."""
    posts = world["posts"]
    paths = [
        "r7-list-serializers/",
        detail("r7-list-serializers", posts[0].pk),
        "r7-sync-sorted/",
        detail("r7-sync-sorted", posts[0].pk),
        "r7-top-sorted/",
    ]

    async def reviews() -> None:
        await Review.objects.acreate(post=posts[0], text="a second one", editor=world["editor"])
        await Review.objects.acreate(post=posts[0], text="z third, no editor", editor=None)

    async def retitle() -> None:
        await Post.objects.filter(pk=posts[4].pk).aupdate(title="AAA first")

    await before_and_after(client, world, paths, [reviews, retitle])


async def test_a10_overridden_to_representation_and_ato_representation(hits, world, client):
    posts = world["posts"]
    paths = ["r7-overridden/", detail("r7-overridden", posts[3].pk)]

    async def retitle() -> None:
        await Post.objects.filter(pk=posts[3].pk).aupdate(title="Renamed")

    await before_and_after(client, world, paths, [retitle])


async def test_a11_drf_serializer_nested_in_adrf_nesting_adrf(hits, world, client):
    posts = world["posts"]
    paths = ["r7-drf-nested/", detail("r7-drf-nested", posts[1].pk)]

    async def edit() -> None:
        await Review.objects.filter(post=posts[1]).aupdate(text="rewritten")
        await Editor.objects.filter(pk=world["editor"].pk).aupdate(name="E.")

    await before_and_after(client, world, paths, [edit])


# -- A.4 context -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["", "?fields=id,title", "?fields=slug,mode&currency=USD", "?currency=GBP", "?fields=currency,mode"]
)
async def test_a12_dynamic_fields_action_and_query_params_in_context(hits, world, client, query):
    posts = world["posts"]
    paths = [f"r7-dynamic/{query}", f"r7-dynamic/{posts[2].pk}/{query}"]

    async def edit() -> None:
        await Post.objects.filter(pk=posts[2].pk).aupdate(slug="renamed-slug", published=False)

    await before_and_after(client, world, paths, [edit])


# -- A.5 errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["r7-raising", "r7-async-raising"])
async def test_a13_a_method_field_that_raises_for_one_row(hits, world, client, name):
    """A sync (DRF) or async (adrf) method field that raises for one row: 500 both ways while that row is
    there; the list recovers once it is fixed, never serving a stored answer from before."""
    posts = world["posts"]
    paths = [f"{name}/", detail(name, posts[2].pk), detail(name, posts[1].pk)]
    await rounds(client, world, paths, "valid")
    await Post.objects.filter(pk=posts[2].pk).aupdate(title="Post three")
    await rounds(client, world, paths, "broken", times=2)
    await Post.objects.filter(pk=posts[2].pk).aupdate(title="Post 33")
    await rounds(client, world, paths, "fixed", times=2)


# == Part B: composition and routing ===============================================================================


@pytest.mark.parametrize("kind", ["r7-nested", "r7-generic"])
async def test_b01_nested_routes_with_two_url_kwargs(hits, world, client, kind):
    """``/authors/<author_pk>/posts/<pk>/``: a viewset mapped by hand (``as_view({"get": "list"})``) and a
    GenericAPIView with the cached mixins, ``get_queryset``/``aget_object`` over both kwargs."""
    posts = world["posts"]
    ann, ben = posts[1].author_id, posts[0].author_id
    paths = [
        f"{kind}/{ann}/posts/",
        f"{kind}/{ben}/posts/",
        f"{kind}/{ann}/posts/{posts[1].pk}/",
        f"{kind}/{ben}/posts/{posts[1].pk}/",  # not this author's: 404
        f"{kind}/{ben}/posts/{posts[2].pk}/",
    ]

    async def move() -> None:
        await Post.objects.filter(pk=posts[1].pk).aupdate(author_id=ben)

    async def delete() -> None:
        await Post.objects.filter(pk=posts[2].pk).adelete()

    await before_and_after(client, world, paths, [move, delete])


async def test_b02_slug_lookup_with_its_own_kwarg_and_regex(hits, world, client):
    """``lookup_field="slug"``, ``lookup_url_kwarg="post_slug"``, ``lookup_value_regex``; the slug changes by a
    PATCH through the cached viewset: the old URL 404s, the new one answers, at once."""
    paths = ["r7-slug/", "r7-slug/post-1/", "r7-slug/post-renamed/", "r7-slug/Post-1/"]

    async def rename() -> None:
        response = await client.patch(
            "/c/r7-slug/post-1/", {"slug": "post-renamed"}, content_type="application/json",
            headers=headers_of(world["alice"]),
        )  # fmt: skip
        assert response.status_code == 200, response.content

    await before_and_after(client, world, paths, [rename])


async def test_b03_one_viewset_under_two_prefixes_destroyed_through_one(hits, world, client):
    """One object at ``/posts/<pk>/`` and ``/articles/<pk>/`` (one viewset registered twice); a DELETE through
    the first: the second must 404 at once, for everyone."""
    posts = world["posts"]
    pk = posts[3].pk
    paths = ["r7-twice-posts/", "r7-twice-articles/", f"r7-twice-posts/{pk}/", f"r7-twice-articles/{pk}/"]

    async def destroy() -> None:
        response = await client.delete(f"/c/r7-twice-posts/{pk}/", headers=headers_of(world["alice"]))
        assert response.status_code == 204, response.content

    await before_and_after(client, world, paths, [destroy])


async def test_b04_action_with_nested_url_path_cached_by_name(hits, world, client):
    """``@action(detail=True, url_path="stats/reviews")`` and ``@action(url_path="by-author/(?P<author_pk>...)")``
    cached through ``cached(..., actions=[...])``."""
    posts = world["posts"]
    paths = [
        f"r7-stats/{posts[0].pk}/stats/reviews/",
        f"r7-stats/{posts[4].pk}/stats/reviews/",
        f"r7-stats/by-author/{posts[1].author_id}/",
        f"r7-stats/by-author/{posts[0].author_id}/",
    ]

    async def review() -> None:
        await Review.objects.acreate(post=posts[4], text="first of four", editor=None)

    async def move() -> None:
        await Post.objects.filter(pk=posts[4].pk).aupdate(author_id=posts[1].author_id)

    await before_and_after(client, world, paths, [review, move])


async def test_b05_pagination_class_chosen_per_request(hits, world, client):
    queries = ["", "?limit=2", "?limit=2&offset=2", "?page=2", "?size=3&page=2", "?page=9", "?limit=x"]
    paths = [f"r7-per-request-pages/{query}" for query in queries]

    async def create() -> None:
        await Post.objects.acreate(title="Post 5", slug="post-5", author=world["posts"][0].author)

    async def delete() -> None:
        await Post.objects.filter(pk=world["posts"][0].pk).adelete()

    await before_and_after(client, world, paths, [create, delete])


@pytest.mark.parametrize("name", ["r7-filtered", "r7-async-filtered"])
async def test_b06_custom_filter_backends_reading_params_and_user(hits, world, client, name):
    queries = ["", "?mine=1", "?q=post 1", "?mine=1&page=2", "?q=post&page=2"]
    if name == "r7-async-filtered":
        queries += ["?tag=red", "?tag=blue&mine=1"]
    paths = [f"{name}/{query}" for query in queries]
    posts = world["posts"]

    async def transfer() -> None:
        await Post.objects.filter(pk=posts[3].pk).aupdate(owner=world["alice"])

    async def unpublish() -> None:
        await Post.objects.filter(pk=posts[1].pk).aupdate(published=False)

    async def retag() -> None:
        await posts[0].tags.aadd(await Tag.objects.aget(name="red"))

    await before_and_after(client, world, paths, [transfer, unpublish, retag])
