"""Bearer-token authentication that never queries the database (see tokens.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from benchmarks.app.tokens import verify

if TYPE_CHECKING:
    from django.contrib.auth.models import User


_JOINED = datetime(2026, 1, 1, tzinfo=timezone.utc)


class BearerTokenAuthentication(BaseAuthentication):
    # Stateless (no database, no cache): adrf-caching may run it on the event loop (issue 11).
    adrf_caching_loop_safe = True

    def authenticate(self, request: Request) -> tuple[User, str] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            return None
        user_id = verify(token)
        if user_id is None:
            raise AuthenticationFailed("bad token")
        # Imported here: this module is imported with DRF's settings, which apps may do while Django
        # is still loading models (the core's app config does).
        from django.contrib.auth.models import User

        # An unsaved instance with the seeded id: the same identity as the row in auth_user. Every
        # field is fixed (``date_joined`` would default to now): adrf-caching fingerprints the user's
        # fields, and a user that changed on every request would never be served a hit.
        return User(id=user_id, username=f"user{user_id}", date_joined=_JOINED), token

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"
