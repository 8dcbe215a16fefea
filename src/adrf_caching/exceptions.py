"""Exceptions the library raises into application code (only under opt-in policies)."""

from __future__ import annotations

from django.db import DatabaseError

__all__ = ["InvalidationUnavailable"]


class InvalidationUnavailable(DatabaseError):
    """``INVALIDATION_FAILURE = "refuse"``: the cache could not take this write's version bump, so the
    write statement was not run (the surrounding transaction rolls back). Retry once the cache is back.

    A ``DatabaseError``, so code that already handles failed writes (and ``atomic``) handles it too.
    """
