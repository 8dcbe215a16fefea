"""Memoised parts of the hit path: key parts (keys.py) and decoded entries (entries.py); same input, same answer."""

from __future__ import annotations

from datetime import datetime, timezone
from io import BytesIO

from django.contrib.auth.models import User

from adrf_caching import keys

JOINED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def user(**fields: object) -> User:
    return User(id=7, username="u7", date_joined=JOINED, **fields)


def test_fingerprint_is_a_function_of_the_values():
    assert keys.identity_fingerprint(user(), "token") == keys.identity_fingerprint(user(), "token")
    assert keys.identity_fingerprint(user(), "token") == keys.md5_hex(
        f"{keys._rendered(keys._memo_key(user()))}|{keys._rendered(keys._memo_key('token'))}"
    )[:16]


def test_fingerprint_changes_with_any_field_or_credential():
    base = keys.identity_fingerprint(user(), "token")
    assert keys.identity_fingerprint(user(is_staff=True), "token") != base
    assert keys.identity_fingerprint(user(last_login=JOINED), "token") != base
    assert keys.identity_fingerprint(user(first_name="A"), "token") != base
    assert keys.identity_fingerprint(user(), "other-token") != base
    assert keys.identity_fingerprint(user(), None) != base


def test_values_that_compare_equal_but_render_differently_stay_apart():
    assert keys._memo_key(0.0) != keys._memo_key(-0.0)
    assert keys._memo_key(user(first_name="1")) != keys._memo_key(user(first_name=1))


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
