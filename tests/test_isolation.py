"""One user's entries never reach another; authorization runs on every hit."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import AsyncClient

from adrf_caching.keys import user_segment, user_segment_for_pk
from tests.conftest import auth, count_queries, learn, make_user
from tests.testapp.models import Note

pytestmark = pytest.mark.django_db(transaction=True)


async def test_private_rows_stay_private(backend, alice, bob, client: AsyncClient):
    await Note.objects.acreate(owner=alice, text="alice's secret")
    await Note.objects.acreate(owner=bob, text="bob's note")
    for _ in range(2):  # miss, then hit
        alice_notes = json.loads((await client.get("/notes/", headers=auth(alice))).content)
        bob_notes = json.loads((await client.get("/notes/", headers=auth(bob))).content)
        assert [n["text"] for n in alice_notes] == ["alice's secret"]
        assert [n["text"] for n in bob_notes] == ["bob's note"]


async def test_anonymous_never_reads_a_users_entry(backend, alice, client: AsyncClient):
    await Note.objects.acreate(owner=alice, text="mine")
    assert (await client.get("/notes/", headers=auth(alice))).status_code == 200
    assert (await client.get("/notes/")).status_code == 401


async def test_wrong_password_is_refused_even_when_cached(backend, alice, client: AsyncClient):
    await Note.objects.acreate(owner=alice, text="mine")
    await client.get("/notes/", headers=auth(alice))
    bad = {"authorization": "Basic YWxpY2U6d3Jvbmc="}  # alice:wrong
    assert (await client.get("/notes/", headers=bad)).status_code == 401


async def test_permissions_are_checked_on_hits(backend, posts, client: AsyncClient):
    staff = await sync_to_async(make_user)("staff", is_staff=True)
    plain = await sync_to_async(make_user)("plain")
    assert (await client.get("/staff-posts/", headers=auth(staff))).status_code == 200
    assert (await client.get("/staff-posts/", headers=auth(plain))).status_code == 403
    staff.is_staff = False
    await staff.asave()
    assert (await client.get("/staff-posts/", headers=auth(staff))).status_code == 403


async def test_user_changes_outdate_that_users_entries(backend, posts, client: AsyncClient):
    user = await sync_to_async(make_user)("changing")
    await learn(client, "/posts/", headers=auth(user))
    async with count_queries() as hit:
        await client.get("/posts/", headers=auth(user))
    assert [q for q in hit.calls if 'FROM "auth_user"' not in q] == []
    user.is_active = True
    user.is_staff = True
    await user.asave(update_fields=["is_staff"])
    async with count_queries() as after:
        await client.get("/posts/", headers=auth(user))
    assert [q for q in after.calls if 'FROM "auth_user"' not in q] != []
    await client.get("/posts/", headers=auth(user))
    # By any path, QuerySet.update() included: authentication reloads the row the stamp digests.
    await User.objects.filter(pk=user.pk).aupdate(first_name="Changed")
    async with count_queries() as updated:
        await client.get("/posts/", headers=auth(user))
    assert [q for q in updated.calls if 'FROM "auth_user"' not in q] != []


def test_user_segment_depends_on_the_users_model():
    from django.contrib.auth.models import Group

    class ApiKeyAccount(Group):  # any other model that an authentication class might return
        is_authenticated = True

        class Meta:
            app_label = "testapp"
            proxy = True

    user, account = User(pk=7), Group(pk=7)
    account.__class__ = ApiKeyAccount
    assert user_segment(user) == user_segment_for_pk(7)
    assert user_segment(account) != user_segment(user)


def test_user_segment_is_structural():
    assert user_segment(None) == "anon"
    segment = user_segment_for_pk(1)
    assert segment.startswith("u") and len(segment) == 33
    assert user_segment_for_pk(1) != user_segment_for_pk(2)
    assert user_segment_for_pk(1) != user_segment_for_pk("1 ")


async def test_query_cannot_forge_another_users_key(backend, alice, bob, client: AsyncClient):
    """Whatever a client puts in the query lands in the digest segment, never in the user segment."""
    from adrf_caching import keys

    await Note.objects.acreate(owner=alice, text="alice only")
    await client.get("/notes/", headers=auth(alice))
    forged = f"?user={user_segment_for_pk(alice.pk)}&x=:{user_segment_for_pk(alice.pk)}:"
    body = json.loads((await client.get(f"/notes/{forged}", headers=auth(bob))).content)
    assert body == []
    assert keys.entry_key("p:{s0}", "anon", "view", "list", "d" * 32).count(":") == 6
