"""The caching options of a view, validated once when the class is created."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from typing_extensions import TypedDict

from adrf_caching.conf import seconds

__all__ = [
    "ASYNC_ACTIONS",
    "READ_ACTIONS",
    "CacheOptions",
    "Scope",
    "StandardReadAction",
    "ViewCacheConfig",
    "drf_action_name",
    "view_cache_config",
]

Scope = Literal["user", "shared"]
StandardReadAction = Literal["list", "retrieve"]

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

    actions: Sequence[str]
    ttl: int | timedelta
    id_field: str
    scope: Scope
    depends_on: Sequence[type[models.Model]]
    invalidate_fields: Sequence[str]


OPTION_ATTRIBUTES: dict[str, str] = {
    "actions": "cache_actions",
    "ttl": "cache_ttl",
    "id_field": "cache_id_field",
    "scope": "cache_scope",
    "depends_on": "cache_depends_on",
    "invalidate_fields": "invalidate_fields",
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


def _read_actions_of(view_class: type) -> list[str]:
    return [name for name, async_name in READ_ACTIONS.items() if hasattr(view_class, async_name)]


def _strings(value: Any, what: str, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise ImproperlyConfigured(f"{name}.{what} must be a list or tuple of strings, got {value!r}.")
    return tuple(value)


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
    scope = getattr(view_class, "cache_scope", "user")
    if scope not in ("user", "shared"):
        raise ImproperlyConfigured(f"{name}.cache_scope must be 'user' or 'shared', got {scope!r}.")
    depends_on = tuple(getattr(view_class, "cache_depends_on", ()) or ())
    for model in depends_on:
        if not (isinstance(model, type) and issubclass(model, models.Model)):
            raise ImproperlyConfigured(f"{name}.cache_depends_on must list model classes, got {model!r}.")
    id_field = getattr(view_class, "cache_id_field", None)
    if id_field is not None and (not isinstance(id_field, str) or not id_field):
        raise ImproperlyConfigured(f"{name}.cache_id_field must be a field name, got {id_field!r}.")
    return ViewCacheConfig(
        actions=frozenset(actions),
        detail_actions=frozenset(detail),
        ttl=None if ttl is None else seconds(ttl, f"{name}.cache_ttl"),
        id_field=id_field,
        scope=scope,
        depends_on=depends_on,
        invalidate_fields=_strings(getattr(view_class, "invalidate_fields", ()), "invalidate_fields", name),
    )
