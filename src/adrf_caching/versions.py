"""Versions: tokens that an entry is stamped with and that writes replace.

A bump writes a fresh random token instead of incrementing a counter. A plain ``set``
is atomic on every backend (no lost bump, unlike ``BaseCache.aincr``), and a version
key that was evicted and recreated never repeats a token an old entry was stamped with.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import models

from adrf_caching.keys import shard_tag

__all__ = [
    "GLOBAL",
    "WriteLog",
    "collecting",
    "new_token",
    "table_version_keys",
    "user_version_key",
    "view_version_key",
]

GLOBAL = "all"



@dataclass
class WriteLog:
    """What a cached view's write touched, observed while its action ran."""

    touched: set[str] = field(default_factory=set)  # version keys to bump
    instances: list[models.Model] = field(default_factory=list)  # saved or deleted objects


# While a cached view writes, observed writes record into its log instead of bumping one by one;
# the view bumps everything in one call once the action returned (and the write has committed).
collecting: ContextVar[WriteLog | None] = ContextVar("adrf_caching_collecting", default=None)


def new_token() -> str:
    """A token that no earlier bump produced: microseconds plus 32 random bits, in hex."""
    return f"{time.time_ns() // 1000:x}{secrets.randbits(32):08x}"


def _all_tags(prefix: str, shards: int) -> list[str]:
    if shards == 1:
        return [shard_tag(prefix, "", 1)]
    return [f"{prefix}:{{s{n}}}" for n in range(shards)]


def table_version_key(tag: str, table: str) -> str:
    return f"{tag}:v:t:{table}"


def table_version_keys(prefix: str, shards: int, tables: Iterable[str]) -> list[str]:
    """A table's version is copied into every shard so that each shard's reads stay in one slot."""
    return [table_version_key(tag, table) for tag in _all_tags(prefix, shards) for table in sorted(tables)]


def view_version_keys(prefix: str, shards: int, view_key: str) -> list[str]:
    return [f"{tag}:v:w:{view_key}" for tag in _all_tags(prefix, shards)]


def global_version_keys(prefix: str, shards: int) -> list[str]:
    return [f"{tag}:v:{GLOBAL}" for tag in _all_tags(prefix, shards)]


def user_version_key(tag: str, segment: str) -> str:
    return f"{tag}:v:u:{segment}"


def view_version_key(tag: str, view_key: str) -> str:
    return f"{tag}:v:w:{view_key}"
