"""Answers that depend on the clock: observed from the SQL a miss ran, never stored (unless a view
allows it for ``cache_clock_ttl`` seconds), so a scheduled row appears when its time comes."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from adrf.views import APIView
from django.test import AsyncClient, AsyncRequestFactory
from django.utils import timezone as django_timezone
from rest_framework.fields import DateTimeField
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from adrf_caching import cached
from adrf_caching.clock import reads_now
from adrf_caching.observe import statement
from tests.testapp.models import Announcement
from tests.testapp.observed_views import Published
from tests.twins import HIT_HEADER, assert_same_as_uncached, headers_of, readers

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_current_time_is_recognised_in_every_form_drivers_get_it():
    now = datetime.now(timezone.utc)
    assert reads_now([now])
    assert reads_now([now.replace(tzinfo=None)])  # naive UTC (SQLite, MySQL)
    assert reads_now([datetime.now()])  # naive local time (USE_TZ = False)
    assert reads_now([now.isoformat(sep=" ")]) and reads_now([now.replace(tzinfo=None).isoformat(sep=" ")])
    assert reads_now({"since": now + timedelta(seconds=30)})
    assert reads_now([date.today()]) and reads_now([date.today().isoformat()])
    tomorrow_in_tokyo = datetime.now(timezone.utc).date() + timedelta(days=1)  # timezone.localdate() late at night
    assert reads_now([tomorrow_in_tokyo]) and reads_now([tomorrow_in_tokyo - timedelta(days=2)])
    assert reads_now(("x", 1, now))


def test_other_values_are_not_the_clock():
    now = datetime.now(timezone.utc)
    assert not reads_now(None) and not reads_now([]) and not reads_now("2026-01-01")
    far = now.date() - timedelta(days=2)
    assert not reads_now([now - timedelta(days=3), far, date(2001, 1, 1), "2001-01-01 00:00:00", "hello", 42, b"x"])
    assert not reads_now(["2026-13-45", "9999-99-99 99:99"])  # date-shaped, not dates


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT * FROM "a" WHERE "a"."at" <= NOW()',
        'SELECT * FROM "a" WHERE "a"."at" <= STATEMENT_TIMESTAMP()',
        "SELECT * FROM a WHERE at <= CURRENT_TIMESTAMP",
        "SELECT * FROM a WHERE day = current_date",
        "SELECT * FROM \"a\" WHERE \"a\".\"at\" <= STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')",  # SQLite's Now()
    ],
)
def test_the_database_clock_named_in_sql_is_recognised(sql: str):
    assert statement(sql).clock


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT "a"."current_date", "a"."now" FROM "a"',  # columns so named are not the clock
        'SELECT * FROM "a" WHERE "a"."at" <= %s',
        "UPDATE a SET at = CURRENT_TIMESTAMP",  # a write: it bumps, it is not an answer
    ],
)
def test_other_sql_is_not_the_clock(sql: str):
    assert not statement(sql).clock


@pytest.mark.parametrize("path", ["published/", "published-db/"])
async def test_a_scheduled_row_appears_when_its_time_comes_as_without_the_cache(hits, world, path: str):
    client = AsyncClient()
    now = django_timezone.now()
    await Announcement.objects.acreate(text="old", publish_at=now - timedelta(hours=1))
    await Announcement.objects.acreate(text="scheduled", publish_at=now + timedelta(seconds=1.5))
    users = readers(world)
    for user in users:  # first miss learns, the next would store and hit: nothing is stored
        for _ in range(3):
            await assert_same_as_uncached(client, f"/c/{path}", f"/u/{path}", [user])
        assert (await client.get(f"/c/{path}")).get(HIT_HEADER) != "hit"
    await asyncio.sleep(1.6)  # no write: only time passes
    bodies = await assert_same_as_uncached(client, f"/c/{path}", f"/u/{path}", users)
    assert all(body == {"texts": ["old", "scheduled"]} for body in bodies)


async def test_clock_ttl_caches_such_an_answer_for_at_most_that_long(hits, world, caplog):
    view = cached(Published, clock_ttl=1).as_view()
    factory = AsyncRequestFactory()
    now = django_timezone.now()
    await Announcement.objects.acreate(text="scheduled", publish_at=now + timedelta(seconds=2))

    async def read() -> tuple[Any, Any]:
        response = await view(factory.get("/clock-ttl/"))
        return response.get(HIT_HEADER), response.data if hasattr(response, "data") else response.content

    for _ in range(2):
        await read()
    assert (await read())[0] == "hit"  # stored, for one second only
    await asyncio.sleep(2.1)
    outcome, body = await read()
    assert outcome != "hit" and b"scheduled" in (body if isinstance(body, bytes) else repr(body).encode())


async def test_an_endpoint_that_reads_the_clock_is_logged_once(hits, world, caplog):
    client = AsyncClient()
    for _ in range(4):
        await client.get("/c/published/")
    notes = [r for r in caplog.records if "compared with the current time" in r.getMessage()]
    assert len(notes) == 1 and "cache_clock_ttl" in notes[0].getMessage()


class AnnouncementTimes(APIView):
    """Renders datetimes, which DRF does in the active time zone (a middleware may activate the user's)."""

    permission_classes = [AllowAny]

    async def get(self, request: Any) -> Response:
        rows = [a async for a in Announcement.objects.all()]
        return Response({"at": [DateTimeField().to_representation(a.publish_at) for a in rows]})


async def test_the_active_time_zone_selects_the_entry(hits, world):
    cached_view = cached(AnnouncementTimes).as_view()
    plain_view = AnnouncementTimes.as_view()
    factory = AsyncRequestFactory()
    await Announcement.objects.acreate(text="noon", publish_at=datetime(2026, 1, 1, 12, tzinfo=timezone.utc))
    for user in readers(world):  # the writer, another user, anonymous: each has entries of their own
        for zone in ("UTC", "Asia/Tokyo", "America/New_York", "UTC"):
            with django_timezone.override(zone):
                for _ in range(3):
                    got = await cached_view(factory.get("/times/", headers=headers_of(user)))
                expected = (await plain_view(factory.get("/times/", headers=headers_of(user)))).render()
            assert got.get(HIT_HEADER) == "hit" and got.content == expected.content, (zone, user)
