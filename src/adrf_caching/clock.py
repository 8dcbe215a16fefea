"""Answers that depend on the clock: a miss whose SQL compared with the current time.

``Post.objects.filter(publish_at__lte=timezone.now())`` answers differently a minute later with no
write in between, so no version bump can outdate it. The library does not guess which views do this;
it observes the parameters each traced statement ran with: a datetime within ``WINDOW`` of now, or a
date within a day of today (today in some time zone), is the clock read by the view (Django passes
them as objects to PostgreSQL and as ISO text to SQLite and MySQL). SQL naming the database's own
clock is caught in ``observe``.

A time shifted far from now (``now() - timedelta(days=7)``) is not recognisable as the clock; the
README says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

__all__ = ["WINDOW", "reads_now"]

WINDOW = timedelta(minutes=2)

_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def reads_now(params: Any) -> bool:
    """True if one of a statement's parameters is the current time or today's date."""
    if not params:
        return False
    values: Iterable[Any] = params.values() if isinstance(params, Mapping) else params
    if isinstance(values, (str, bytes)):
        return False
    try:
        return any(_is_now(value) for value in values)
    except TypeError:  # not iterable: a driver-specific parameter object
        return False


def _is_now(value: Any) -> bool:
    if isinstance(value, str):
        value = _parsed(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return abs(value - datetime.now(timezone.utc)) <= WINDOW
        # Naive: local time (USE_TZ = False) or UTC (SQLite and MySQL get UTC as naive text).
        return any(abs(value - now) <= WINDOW for now in _naive_nows())
    if isinstance(value, date):
        # Today somewhere: the project's or a user's time zone may be a day off from UTC.
        return abs(value - datetime.now(timezone.utc).date()) <= timedelta(days=1)
    return False


def _naive_nows() -> tuple[datetime, datetime]:
    return datetime.now(), datetime.now(timezone.utc).replace(tzinfo=None)


def _parsed(text: str) -> datetime | date | None:
    try:
        if _ISO_DATETIME.fullmatch(text):
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None
