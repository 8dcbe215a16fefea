"""``cached()``: the one composition rule behind every cached class.

The cached mixins a view gets follow from the async actions it has; the prebuilt
generics and viewsets are the same rule written out so that type checkers see them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from typing_extensions import Unpack

from adrf_caching.base import CacheMixin
from adrf_caching.mixins import (
    CreateModelMixin,
    DestroyModelMixin,
    ListModelMixin,
    RetrieveModelMixin,
    UpdateModelMixin,
)
from adrf_caching.options import OPTION_ATTRIBUTES, CacheOptions

__all__ = ["cache_mixins_for", "cached"]

_V = TypeVar("_V", bound=type)

_RULE: tuple[tuple[str, type[CacheMixin]], ...] = (
    ("alist", ListModelMixin),
    ("aretrieve", RetrieveModelMixin),
    ("acreate", CreateModelMixin),
    ("aupdate", UpdateModelMixin),
    ("adestroy", DestroyModelMixin),
)


def cache_mixins_for(view_class: type) -> tuple[type[CacheMixin], ...]:
    """The cached mixins for ``view_class``: one per async model action it has, else the bare base."""
    return tuple(mixin for action, mixin in _RULE if hasattr(view_class, action)) or (CacheMixin,)


def cached(view_class: _V, /, **options: Unpack[CacheOptions]) -> _V:
    """A subclass of the ADRF view or viewset ``view_class`` that caches its reads.

    Options: ``actions`` (default: list and retrieve), ``ttl`` (seconds or ``timedelta``),
    ``id_field``, ``scope`` ("user" or "shared"), ``depends_on`` (extra models),
    ``invalidate_fields`` (fields naming users whose entries a write also outdates).
    """
    from adrf.views import APIView

    if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
        raise ImproperlyConfigured(
            f"cached() takes an ADRF view class (a subclass of adrf.views.APIView), got {view_class!r}. "
            "For a DRF view, base it on the adrf equivalent (adrf.viewsets.ModelViewSet, adrf.generics...)."
        )
    unknown = sorted(set(options) - set(OPTION_ATTRIBUTES))
    if unknown:
        raise ImproperlyConfigured(
            f"cached({view_class.__qualname__}) got unknown options {unknown}; known: {sorted(OPTION_ATTRIBUTES)}."
        )
    bases = (*(m for m in cache_mixins_for(view_class) if not issubclass(view_class, m)), view_class)
    attributes: dict[str, Any] = {OPTION_ATTRIBUTES[name]: value for name, value in options.items()}
    attributes["__module__"] = view_class.__module__
    attributes["__qualname__"] = f"cached({view_class.__qualname__})"
    attributes["__doc__"] = view_class.__doc__
    return type(view_class.__name__, bases, attributes)  # type: ignore[return-value]
