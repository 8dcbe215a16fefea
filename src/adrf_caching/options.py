"""The caching options of a view, validated once when the class is created."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, NewType

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from typing_extensions import TypedDict

from adrf_caching.conf import seconds

if TYPE_CHECKING:
    from adrf_caching.protocols import KeyBuilder

__all__ = [
    "ASYNC_ACTIONS",
    "READ_ACTIONS",
    "ActionName",
    "CacheOptions",
    "ExtraAction",
    "Scope",
    "StandardReadAction",
    "ViewCacheConfig",
    "drf_action_name",
    "view_cache_config",
]

Scope = Literal["user", "shared"]
StandardReadAction = Literal["list", "retrieve"]

ExtraAction = NewType("ExtraAction", str)
ExtraAction.__doc__ = """The name of a custom GET ``@action`` to cache: ``ExtraAction("titles")``.

Only a marker for type checkers (at runtime it returns the string unchanged): it keeps
a misspelled standard action such as ``"lsit"`` a type error while naming your own.
"""

# What ``actions=`` / ``cache_actions`` accept: "list" and "retrieve" (model views and viewsets),
# "get" (a plain APIView), or the name of a custom GET @action wrapped in ``ExtraAction``.
# At runtime plain strings are accepted for all of them and checked when the class is created.
ActionName = Literal["list", "retrieve", "get"] | ExtraAction

READ_ACTIONS: dict[str, str] = {"list": "alist", "retrieve": "aretrieve"}
WRITE_ACTIONS: dict[str, str] = {
    "create": "acreate",
    "update": "aupdate",
    "partial_update": "partial_aupdate",
    "destroy": "adestroy",
}
ASYNC_ACTIONS: dict[str, str] = {**READ_ACTIONS, **WRITE_ACTIONS}
_DRF_NAMES = {async_name: name for name, async_name in ASYNC_ACTIONS.items()}


def drf_action_name(name: str) -> str:
    """``alist`` -> ``list``: users name actions the DRF way whatever the router dispatched."""
    return _DRF_NAMES.get(name, name)


class CacheOptions(TypedDict, total=False):
    """Keyword options of :func:`adrf_caching.cached`; each mirrors a ``cache_*`` class attribute."""

    actions: Sequence[ActionName]
    ttl: int | timedelta
    id_field: str
    scope: Scope
    depends_on: Sequence[type[models.Model]]
    invalidate_fields: Sequence[str]
    key_builder: KeyBuilder
    clock_ttl: int | timedelta


OPTION_ATTRIBUTES: dict[str, str] = {
    "actions": "cache_actions",
    "ttl": "cache_ttl",
    "id_field": "cache_id_field",
    "scope": "cache_scope",
    "depends_on": "cache_depends_on",
    "invalidate_fields": "invalidate_fields",
    "key_builder": "cache_key_builder",
    "clock_ttl": "cache_clock_ttl",
}


@dataclass(frozen=True)
class ViewCacheConfig:
    actions: frozenset[str]
    detail_actions: frozenset[str]
    ttl: int | None
    id_field: str | None
    scope: Scope
    depends_on: tuple[type[models.Model], ...]
    invalidate_fields: tuple[str, ...]
    clock_ttl: int = 0  # how long an answer that read the clock may be served (0: never stored)

    @functools.cached_property
    def depends_on_tables(self) -> frozenset[str]:
        """The tables ``depends_on`` names: what every entry is stamped with before any miss ran."""
        from adrf_caching.observe import tables_of_models

        return frozenset(tables_of_models(self.depends_on))


def _read_actions_of(view_class: type) -> list[str]:
    return [name for name, async_name in READ_ACTIONS.items() if hasattr(view_class, async_name)]


def _strings(value: Any, what: str, name: str) -> tuple[str, ...]:
    strings = isinstance(value, Sequence) and all(isinstance(v, str) for v in value)
    if isinstance(value, str) or not strings:
        raise ImproperlyConfigured(f"{name}.{what} must be a list or tuple of strings, got {value!r}.")
    return tuple(value)


def _check_id_field(view_class: type, field: str, name: str) -> None:
    """``id_field`` names an attribute of the queryset's model or a field of the serializer.

    Checked on the class attributes alone (no request, no database): a view that builds its
    queryset and serializer in ``get_queryset()``/``get_serializer_class()`` is not checked.
    """
    model = getattr(getattr(view_class, "queryset", None), "model", None)
    serializer = getattr(view_class, "serializer_class", None)
    meta = getattr(serializer, "Meta", None)
    models_ = [m for m in (model, getattr(meta, "model", None)) if isinstance(m, type)]
    if not models_ and serializer is None:
        return
    if any(hasattr(m, field) for m in models_):
        return
    meta_fields = getattr(meta, "fields", ())
    if field in getattr(serializer, "_declared_fields", {}) or (
        isinstance(meta_fields, (list, tuple)) and field in meta_fields
    ):
        return
    where = " or ".join(
        [*(m.__name__ for m in models_), *([serializer.__name__] if isinstance(serializer, type) else [])]
    )
    raise ImproperlyConfigured(
        f"{name}.cache_id_field is {field!r}, which is neither a field of {where}: name the attribute whose "
        f"value is the detail URL's lookup (the view's lookup_field is "
        f"{getattr(view_class, 'lookup_field', 'pk')!r})."
    )


def _checks_objects(view_class: type) -> bool:
    """Whether a permission class of the view has its own ``has_object_permission``."""
    from rest_framework.permissions import BasePermission

    for permission in getattr(view_class, "permission_classes", ()) or ():
        method = getattr(permission, "has_object_permission", None)
        if not isinstance(permission, type) or not issubclass(permission, BasePermission):
            return True  # composed (IsA & IsB) or foreign: cannot tell, assume it does
        if method is not BasePermission.has_object_permission:
            return True
    return False


def view_cache_config(view_class: type) -> ViewCacheConfig:
    """Validate the ``cache_*`` attributes of ``view_class``; raise ``ImproperlyConfigured`` on misuse."""
    name = view_class.__qualname__
    given = getattr(view_class, "cache_actions", None)
    available = _read_actions_of(view_class)
    if given is None:
        actions: tuple[str, ...] = tuple(available) or (("get",) if hasattr(view_class, "get") else ())
    else:
        actions = tuple(drf_action_name(a) for a in _strings(given, "cache_actions", name))
    detail: set[str] = set()
    for action in actions:
        if action in READ_ACTIONS:
            if action not in available:
                raise ImproperlyConfigured(
                    f"{name} caches the action {action!r} but has no {READ_ACTIONS[action]}(); "
                    f"remove it from the cached actions (available: {available})."
                )
            if action == "retrieve":
                detail.add(action)
            continue
        handler = getattr(view_class, action, None)
        if action in WRITE_ACTIONS or action.startswith("_") or not callable(handler):
            raise ImproperlyConfigured(
                f"{name} cannot cache the action {action!r}: name 'list', 'retrieve', a GET @action of the "
                f"view or, on a plain APIView, 'get'."
            )
        mapping = getattr(handler, "mapping", None)
        if mapping is not None and "get" not in mapping:
            raise ImproperlyConfigured(f"{name}.{action} does not answer GET, so it cannot be cached.")
        if getattr(handler, "detail", False):
            detail.add(action)
    ttl = getattr(view_class, "cache_ttl", None)
    scope: Scope = getattr(view_class, "cache_scope", "user")
    if scope not in ("user", "shared"):
        raise ImproperlyConfigured(f"{name}.cache_scope must be 'user' or 'shared', got {scope!r}.")
    if scope == "shared" and detail and _checks_objects(view_class):
        raise ImproperlyConfigured(
            f"{name} shares entries between users (cache_scope='shared') but its permission classes check "
            f"objects (has_object_permission), which a shared entry would skip for every user but the first; "
            f"use cache_scope='user' or do not cache {sorted(detail)}."
        )
    depends_on = tuple(getattr(view_class, "cache_depends_on", ()) or ())
    for model in depends_on:
        if not (isinstance(model, type) and issubclass(model, models.Model)):
            raise ImproperlyConfigured(f"{name}.cache_depends_on must list model classes, got {model!r}.")
    id_field = getattr(view_class, "cache_id_field", None)
    if id_field is not None and (not isinstance(id_field, str) or not id_field):
        raise ImproperlyConfigured(f"{name}.cache_id_field must be a field name, got {id_field!r}.")
    if id_field is not None:
        _check_id_field(view_class, id_field, name)
    return ViewCacheConfig(
        actions=frozenset(actions),
        detail_actions=frozenset(detail),
        ttl=None if ttl is None else seconds(ttl, f"{name}.cache_ttl"),
        id_field=id_field,
        scope=scope,
        depends_on=depends_on,
        invalidate_fields=_strings(getattr(view_class, "invalidate_fields", ()), "invalidate_fields", name),
        clock_ttl=seconds(getattr(view_class, "cache_clock_ttl", 0) or 0, f"{name}.cache_clock_ttl"),
    )
