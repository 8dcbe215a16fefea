"""Invalidation: ORM signals, changes to who a user is, and the by-hand API.

Writes that bypass the cached views (admin, shell, other code) reach the cache through
``post_save``/``post_delete``/``m2m_changed``. Bumps wait for the write's transaction to
commit: a bump before the commit would let a concurrent miss store the old rows as fresh.
``QuerySet.update()``, ``bulk_create`` and raw SQL send no signal: call ``invalidate_model``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from adrf_caching import keys, versions
from adrf_caching.conf import caching_settings
from adrf_caching.store import get_store

__all__ = [
    "ainvalidate_all",
    "ainvalidate_model",
    "ainvalidate_user",
    "ainvalidate_view",
    "invalidate_all",
    "invalidate_model",
    "invalidate_user",
    "invalidate_view",
]

# Tables whose writes never change an API answer worth a bump.
IGNORED_LABELS = frozenset({"sessions.session", "admin.logentry", "contenttypes.contenttype", "migrations.migration"})
# Fields of the user model that change what the user may read.
_IDENTITY_FIELDS = frozenset({"is_active", "is_staff", "is_superuser"})


# -- which version keys -------------------------------------------------------------------


def _model_keys(models_or_instances: Iterable[Any]) -> list[str]:
    conf = caching_settings()
    labels: set[str] = set()
    for item in models_or_instances:
        model = item if isinstance(item, type) else type(item)
        labels |= versions.model_labels(model)
    return versions.model_version_keys(conf.prefix, conf.shards, labels - IGNORED_LABELS)


def _user_keys(users: Iterable[Any]) -> list[str]:
    conf = caching_settings()
    found = []
    for user in users:
        pk = getattr(user, "pk", user)
        segment = keys.user_segment_for_pk(pk)
        found.append(versions.user_version_key(keys.shard_tag(conf.prefix, segment, conf.shards), segment))
    return found


def _view_keys(view_class: type) -> list[str]:
    conf = caching_settings()
    return versions.view_version_keys(conf.prefix, conf.shards, keys.view_id(view_class))


def _all_keys() -> list[str]:
    conf = caching_settings()
    return versions.global_version_keys(conf.prefix, conf.shards)


# -- the by-hand API ----------------------------------------------------------------------


async def ainvalidate_model(*models_or_instances: type[models.Model] | models.Model) -> None:
    """Outdate every entry built from these models (after ``QuerySet.update()``, raw SQL, ...)."""
    await get_store().bump(_model_keys(models_or_instances))


async def ainvalidate_user(*users: Any) -> None:
    """Outdate every entry of these users (user objects or primary keys)."""
    await get_store().bump(_user_keys(users))


async def ainvalidate_view(*view_classes: type) -> None:
    """Outdate every entry of these cached view classes, for all users."""
    await get_store().bump(key for view_class in view_classes for key in _view_keys(view_class))


async def ainvalidate_all() -> None:
    """Outdate every entry under the configured key prefix."""
    await get_store().bump(_all_keys())


def _bump_on_commit(version_keys: list[str], using: str | None = None) -> None:
    if version_keys and caching_settings().enabled:
        transaction.on_commit(lambda: _record_or_bump(version_keys), using=using)


def _record_or_bump(version_keys: list[str]) -> None:
    log = versions.collecting.get()
    if log is not None:
        log.touched.update(version_keys)  # a cached view is writing: it bumps everything at once
    else:
        get_store().bump_sync(version_keys)


def _note_instance(instance: models.Model) -> None:
    log = versions.collecting.get()
    if log is not None:
        log.instances.append(instance)


def invalidate_model(*models_or_instances: type[models.Model] | models.Model, using: str | None = None) -> None:
    """Sync ``ainvalidate_model``; inside ``transaction.atomic`` it waits for the commit."""
    _bump_on_commit(_model_keys(models_or_instances), using)


def invalidate_user(*users: Any, using: str | None = None) -> None:
    """Sync ``ainvalidate_user``; inside ``transaction.atomic`` it waits for the commit."""
    _bump_on_commit(_user_keys(users), using)


def invalidate_view(*view_classes: type, using: str | None = None) -> None:
    """Sync ``ainvalidate_view``; inside ``transaction.atomic`` it waits for the commit."""
    _bump_on_commit([key for view_class in view_classes for key in _view_keys(view_class)], using)


def invalidate_all(using: str | None = None) -> None:
    """Sync ``ainvalidate_all``; inside ``transaction.atomic`` it waits for the commit."""
    _bump_on_commit(_all_keys(), using)


# -- signal receivers ---------------------------------------------------------------------


def _is_user_model(model: Any) -> bool:
    return isinstance(model, type) and model._meta.label_lower == settings.AUTH_USER_MODEL.lower()


def _saved(sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any) -> None:
    _note_instance(instance)
    changed = _model_keys([sender])
    if _is_user_model(sender):
        fields = kwargs.get("update_fields")
        if fields is None or _IDENTITY_FIELDS & set(fields):
            changed += _user_keys([instance])
    _bump_on_commit(changed, using)


def _deleted(sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any) -> None:
    _note_instance(instance)
    changed = _model_keys([sender])
    if _is_user_model(sender):
        changed += _user_keys([instance])
    _bump_on_commit(changed, using)


def _m2m_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    model: type[models.Model],
    pk_set: set[Any] | None,
    using: str,
    reverse: bool,
    **kwargs: Any,
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    changed = _model_keys([sender, type(instance), model])
    changed += _user_keys(_users_affected(instance, model, pk_set, reverse))
    _bump_on_commit(changed, using)


def _users_affected(instance: Any, model: Any, pk_set: set[Any] | None, reverse: bool) -> list[Any]:
    """Users whose groups or permissions a many-to-many change touched."""
    from django.contrib.auth.models import Group, Permission

    if _is_user_model(type(instance)) and model in (Group, Permission):
        return [instance]
    if _is_user_model(model) and pk_set:
        return list(pk_set)
    if isinstance(instance, Group) and model is Permission:
        return list(instance.user_set.values_list("pk", flat=True))
    return []


def connect_signals() -> None:
    post_save.connect(_saved, dispatch_uid="adrf_caching.saved")
    post_delete.connect(_deleted, dispatch_uid="adrf_caching.deleted")
    m2m_changed.connect(_m2m_changed, dispatch_uid="adrf_caching.m2m_changed")


connect_signals()
