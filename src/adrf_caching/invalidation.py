"""Invalidation: bumps for the tables every write statement wrote, and the by-hand API.

``adrf_caching.observe`` sees each write statement on every connection (``QuerySet.update()``,
bulk operations, raw SQL and many-to-many rows included) and reports the tables it wrote once
they are durable; this module turns tables into version keys and bumps them. Inside a cached
view's write they are collected and bumped in one call when the action returns.

The by-hand API is for writes no connection of this process makes (another service, a SQL
console): it bumps the tables of the given models, after the surrounding transaction commits.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models.signals import post_delete, post_save

from adrf_caching import keys, observe, versions
from adrf_caching.conf import caching_settings
from adrf_caching.store import get_store

logger = logging.getLogger("adrf_caching")

__all__ = [
    "ainvalidate_all",
    "ainvalidate_model",
    "ainvalidate_user",
    "ainvalidate_view",
    "invalidate_all",
    "invalidate_model",
    "invalidate_user",
    "invalidate_view",
    "table_keys",
]


# -- which version keys -------------------------------------------------------------------


def table_keys(tables: Iterable[str]) -> list[str]:
    conf = caching_settings()
    return versions.table_version_keys(conf.prefix, conf.shards, tables)


def _model_keys(models_or_instances: Iterable[Any]) -> list[str]:
    return table_keys(observe.tables_of_models(models_or_instances))


def _user_keys(users: Iterable[Any]) -> list[str]:
    conf = caching_settings()
    found = []
    for user in users:
        # A user object (of whatever model authenticated it), or a primary key of AUTH_USER_MODEL.
        segment = keys.user_segment(user) if hasattr(user, "_meta") else keys.user_segment_for_pk(user)
        found.append(versions.user_version_key(keys.shard_tag(conf.prefix, segment, conf.shards), segment))
    return found


def _view_keys(view_classes: Iterable[type]) -> list[str]:
    conf = caching_settings()
    return [
        key
        for view_class in view_classes
        for key in versions.view_version_keys(conf.prefix, conf.shards, keys.view_id(view_class))
    ]


def _all_keys() -> list[str]:
    conf = caching_settings()
    return versions.global_version_keys(conf.prefix, conf.shards)


# -- bumping ------------------------------------------------------------------------------


def _bump(version_keys: list[str]) -> None:
    # At once, even inside a cached view's write: the rows are committed now, and a reader must not
    # be served the old answer while the view goes on (a webhook, an email) or after it hands work
    # to a task of its own.
    get_store().bump_sync(version_keys)


def _tables_written(tables: frozenset[str]) -> None:
    try:
        enabled = caching_settings().enabled
    except ImproperlyConfigured:
        _log_settings_error()  # the write has happened: never turn it into an error (migrate, shell)
        return
    if enabled:
        _bump(table_keys(tables))


def _before_write(tables: frozenset[str]) -> None:
    try:
        enabled = caching_settings().enabled
    except ImproperlyConfigured:
        _log_settings_error()
        return
    if enabled:
        get_store().before_write_sync(table_keys(tables))


@functools.cache
def _log_settings_error() -> None:
    logger.error("adrf_caching: ADRF_CACHING_SETTINGS are invalid, writes bump nothing (run manage.py check)")


def _bump_after_commit(version_keys: list[str], using: str | None = None) -> None:
    """Bump once every open transaction of this thread (or of ``using``) has committed; at once if none."""
    if not version_keys or not caching_settings().enabled:
        return
    candidates = [connections[using]] if using is not None else connections.all(initialized_only=True)
    open_transactions = [c for c in candidates if c.in_atomic_block]
    if not open_transactions:
        _bump(version_keys)
    for connection in open_transactions:
        connection.on_commit(lambda: _bump(version_keys))


async def _abump_after_commit(version_keys: list[str]) -> None:
    # Async code can run inside a transaction opened by the sync code that called it (through
    # async_to_sync); Django keeps that connection in the thread-sensitive thread, so look there.
    await sync_to_async(_bump_after_commit)(version_keys)


# -- the by-hand API ----------------------------------------------------------------------


async def ainvalidate_model(*models_or_instances: type[models.Model] | models.Model) -> None:
    """Outdate every entry whose SQL read these models' tables (after writes made outside Django)."""
    await _abump_after_commit(_model_keys(models_or_instances))


async def ainvalidate_user(*users: Any) -> None:
    """Outdate every entry of these users (user objects or primary keys)."""
    await _abump_after_commit(_user_keys(users))


async def ainvalidate_view(*view_classes: type) -> None:
    """Outdate every entry of these cached view classes, for all users."""
    await _abump_after_commit(_view_keys(view_classes))


async def ainvalidate_all() -> None:
    """Outdate every entry under the configured key prefix."""
    await _abump_after_commit(_all_keys())


def invalidate_model(*models_or_instances: type[models.Model] | models.Model, using: str | None = None) -> None:
    """Sync ``ainvalidate_model``; inside ``transaction.atomic`` it waits for the commit."""
    _bump_after_commit(_model_keys(models_or_instances), using)


def invalidate_user(*users: Any, using: str | None = None) -> None:
    """Sync ``ainvalidate_user``; inside ``transaction.atomic`` it waits for the commit."""
    _bump_after_commit(_user_keys(users), using)


def invalidate_view(*view_classes: type, using: str | None = None) -> None:
    """Sync ``ainvalidate_view``; inside ``transaction.atomic`` it waits for the commit."""
    _bump_after_commit(_view_keys(view_classes), using)


def invalidate_all(using: str | None = None) -> None:
    """Sync ``ainvalidate_all``; inside ``transaction.atomic`` it waits for the commit."""
    _bump_after_commit(_all_keys(), using)


# -- what a cached write changed, for invalidate_fields and the write-through ----------------


def _note_instance(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    log = versions.collecting.get()
    if log is not None:
        log.instances.append(instance)


def connect() -> None:
    """Observe every connection's writes and note the objects a cached write saves or deletes."""
    observe.on_tables_written(_tables_written, _before_write)
    observe.install()
    post_save.connect(_note_instance, dispatch_uid="adrf_caching.saved")
    post_delete.connect(_note_instance, dispatch_uid="adrf_caching.deleted")
