"""Memoised parts of the hit path: key parts (keys.py) and decoded entries (entries.py); same input, same answer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from io import BytesIO

from django.contrib.auth.models import User

from adrf_caching import identity, keys

JOINED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def user(**fields: object) -> User:
    return User(id=7, username="u7", date_joined=JOINED, **fields)


def test_fingerprint_is_a_function_of_the_values():
    assert identity.fingerprint(user(), "token") == identity.fingerprint(user(), "token")
    user_key, auth_key = identity._key(user(), identity.DEPTH), identity._key("token", identity.DEPTH)
    assert identity.fingerprint(user(), "token") == keys.md5_hex(
        f"{identity.rendered(user_key)}|{identity.rendered(auth_key)}"
    )[:16]


def test_fingerprint_changes_with_any_field_or_credential():
    base = identity.fingerprint(user(), "token")
    assert identity.fingerprint(user(is_staff=True), "token") != base
    assert identity.fingerprint(user(last_login=JOINED), "token") != base
    assert identity.fingerprint(user(first_name="A"), "token") != base
    assert identity.fingerprint(user(password="!unusable"), "token") != base  # has_usable_password()
    assert identity.fingerprint(user(), "other-token") != base
    assert identity.fingerprint(user(), None) != base


def test_values_that_compare_equal_but_render_differently_stay_apart():
    assert identity._key(0.0, 1) != identity._key(-0.0, 1)
    assert identity._key(user(first_name="1"), 1) != identity._key(user(first_name=1), 1)


def test_what_code_set_on_the_user_counts_but_callables_and_the_requests_own_clock_do_not():
    base = identity.fingerprint(user(), None)
    verified = user()
    verified.otp_device = "totp/1"  # a middleware's mark
    assert identity.fingerprint(verified, None) != base
    began = datetime.now(timezone.utc)
    marked = user()
    marked.is_verified = lambda: True  # derived from the data beside it
    marked.seen_at = datetime.now(timezone.utc)  # taken while the request was authenticated: never repeats
    assert identity.fingerprint(marked, None, began) == base
    issued = user()
    issued.token_issued_at = began - timedelta(seconds=10)  # a short-lived token's own time: data
    assert identity.fingerprint(issued, None, began) != base
    assert identity.fingerprint(issued, None, began) != identity.fingerprint(marked_with(began), None, began)


def marked_with(began: datetime) -> User:
    other = user()
    other.token_issued_at = began - timedelta(seconds=20)
    return other


def test_credentials_that_are_not_rows_count_by_their_contents():
    class Client:
        def __init__(self, name: str, scopes: list[str]) -> None:
            self.name, self.scopes = name, scopes

        def __str__(self) -> str:
            return self.name

    reader, writer = Client("web", ["read"]), Client("web", ["read", "write"])
    assert str(reader) == str(writer)
    assert identity.fingerprint(user(), reader) != identity.fingerprint(user(), writer)
    assert identity.fingerprint(user(), {"scopes": ["read"]}) != identity.fingerprint(user(), {"scopes": []})
    assert identity.fingerprint(user(), Client("web", ["read"])) == identity.fingerprint(user(), reader)


def test_an_anonymous_user_with_credentials_has_a_fingerprint():
    from django.contrib.auth.models import AnonymousUser

    assert identity.fingerprint(AnonymousUser(), None) == ""
    assert identity.fingerprint(AnonymousUser(), "key-1") != identity.fingerprint(AnonymousUser(), "key-2")


def test_user_segment_memo_keeps_pk_types_apart():
    assert keys.user_segment_for_pk(1) == keys.user_segment_for_pk(1)
    assert keys.user_segment_for_pk(1) == "u" + keys.md5_hex("auth.user:1")
    assert keys.user_segment_for_pk(1, "app.account") != keys.user_segment_for_pk(1)
    assert keys.user_segment_for_pk([1]) == "u" + keys.md5_hex("auth.user:[1]")  # unhashable: not memoised


def test_a_hit_with_the_bytes_decoded_last_time_reuses_that_entry_and_nothing_else_does():
    from adrf_caching.entries import Entry, decode, encode

    entry = Entry(stamp="s1", status=200, headers=(("Content-Type", "application/json"),), body=b'{"a":1}')
    raw = encode(entry)
    first = decode(raw, "k")
    assert first == entry and decode(bytes(raw), "k") is first  # equal bytes: no parse, no checksum
    damaged = raw[:-1] + b"2"  # same length, body changed: the checksum catches it
    assert decode(damaged, "k") is None
    newer = encode(Entry(stamp="s2", status=200, headers=entry.headers, body=b'{"a":2}'))
    assert decode(newer, "k").stamp == "s2"


def test_query_parameters_of_a_hit_are_parsed_once_per_query_string_as_django_parses_them():
    from django.core.handlers.asgi import ASGIRequest

    def asgi(query: bytes) -> ASGIRequest:
        scope = {"type": "http", "method": "GET", "path": "/", "query_string": query, "headers": []}
        return ASGIRequest(scope, BytesIO())

    first, second = asgi(b"b=2&a=1&a=3&e=%C3%A9"), asgi(b"b=2&a=1&a=3&e=%C3%A9")
    shared = keys.query_of(first)
    assert keys.query_of(second) is shared and shared == first.GET  # what the view would parse
    assert not shared._mutable
    other = asgi(b"a=1")
    other.GET = other.GET.copy()
    other.GET["a"] = "changed by a middleware"
    assert keys.query_of(other)["a"] == "changed by a middleware"


def test_rows_loaded_with_the_user_count():
    """select_related / a foreign key already read: a view may render them with no query of its own."""
    plain = identity.fingerprint(user(), None)
    with_manager, renamed_manager = user(), user()
    with_manager._state.fields_cache["manager"] = user(first_name="Ann")
    renamed_manager._state.fields_cache["manager"] = user(first_name="Anne")
    assert identity.fingerprint(with_manager, None) != plain
    assert identity.fingerprint(with_manager, None) != identity.fingerprint(renamed_manager, None)


def test_a_request_attribute_holding_the_current_time_is_not_a_key():
    """``request.start_time = now()``: an answer that reads it changes with every request."""
    import pytest

    assert identity.describe(JOINED) == identity.describe(JOINED)
    with pytest.raises(ValueError):
        identity.describe(datetime.now(timezone.utc))
