"""Memoised key parts (keys.py): the same values give the same digest, any change a new one."""

from __future__ import annotations

from datetime import datetime, timezone

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
