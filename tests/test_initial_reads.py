"""What ``initial()`` loads and the answer shows: a permission's row, the user's permission cache, an
authenticator's join. Each twin is primed until it hits, written by another path, then compared with its
uncached twin as the writer, another user and anonymous."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, Permission, User
from django.test import AsyncClient, override_settings

from tests.testapp.models import Team
from tests.twins import HIT_HEADER, assert_same_as_uncached, headers_of, prime, readers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=[True, False], ids=["initial-on-loop", "initial-in-thread"])
def initial_on_loop(request: pytest.FixtureRequest, hits: str):
    settings = {"CACHE_ALIAS": hits, "HIT_HEADER": HIT_HEADER, "INITIAL_ON_LOOP": request.param}
    with override_settings(ADRF_CACHING_SETTINGS=settings):
        yield request.param


@pytest.mark.parametrize("view", ["team-page", "own-dispatch-team-page"])
async def test_a_row_a_permission_loads_for_the_view(initial_on_loop, world, client: AsyncClient, view: str):
    users = readers(world)
    await prime(client, f"/c/{view}/", users)
    await Team.objects.filter(pk=world["team"].pk).aupdate(name="Renamed")  # no signal, no save()
    bodies = await assert_same_as_uncached(client, f"/c/{view}/", f"/u/{view}/", users)
    assert all(body == {"team": "Renamed"} for body in bodies)


async def test_the_permissions_a_permission_class_cached_on_the_user(initial_on_loop, world, client: AsyncClient):
    users = readers(world)
    await prime(client, "/c/my-abilities/", users)

    def grant() -> None:
        editors = Group.objects.create(name="editors")
        editors.permissions.add(Permission.objects.get(codename="change_post"))
        world["alice"].groups.add(editors)

    await sync_to_async(grant)()
    bodies = await assert_same_as_uncached(client, "/c/my-abilities/", "/u/my-abilities/", users)
    assert [body["can_change_posts"] for body in bodies] == [True, False, False]


async def test_rows_an_authenticator_loads_with_the_user(initial_on_loop, world, client: AsyncClient):
    def join(name: str, *users: User) -> Group:
        group = Group.objects.create(name=name)
        group.user_set.add(*users)
        return group

    readers_group = await sync_to_async(join)("readers", world["alice"], world["bob"])
    users = readers(world)
    await prime(client, "/c/my-groups/", users)
    await Group.objects.filter(pk=readers_group.pk).aupdate(name="reviewers")  # a row of neither user
    await assert_same_as_uncached(client, "/c/my-groups/", "/u/my-groups/", users)
    await sync_to_async(join)("writers", world["bob"])  # a membership row: bob's groups change
    bodies = await assert_same_as_uncached(client, "/c/my-groups/", "/u/my-groups/", users)
    assert bodies == [{"groups": ["reviewers"]}, {"groups": ["reviewers", "writers"]}, {"groups": None}]


async def test_a_login_elsewhere_does_not_outdate_a_token_users_entries(hits, world, client: AsyncClient):
    """Authentication's own rows (the user, the credentials, the session) are covered by the user's
    fingerprint: a write to another user's row leaves this user's entries current."""
    users = [world["alice"]]
    await prime(client, "/c/my-groups/", users)
    await User.objects.filter(pk=world["bob"].pk).aupdate(first_name="Robert")
    again = await client.get("/c/my-groups/", headers=headers_of(world["alice"]))
    assert again.get(HIT_HEADER) == "hit"
