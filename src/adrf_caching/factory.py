"""``cached()``: the one composition rule behind every cached class.

The cached mixins a view gets follow from the async actions it has; the prebuilt
generics and viewsets are the same rule written out so that type checkers see them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from adrf import mixins as adrf_mixins
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

if TYPE_CHECKING:
    from adrf.views import APIView

__all__ = ["cache_mixins_for", "cached"]

_V = TypeVar("_V", bound="type[APIView]")

_RULE: tuple[tuple[type, type[CacheMixin]], ...] = (
    (adrf_mixins.ListModelMixin, ListModelMixin),
    (adrf_mixins.RetrieveModelMixin, RetrieveModelMixin),
    (adrf_mixins.CreateModelMixin, CreateModelMixin),
    (adrf_mixins.UpdateModelMixin, UpdateModelMixin),
    (adrf_mixins.DestroyModelMixin, DestroyModelMixin),
)


def cache_mixins_for(view_class: type) -> tuple[type[CacheMixin], ...]:
    """The cached mixins for ``view_class``: one per ADRF model mixin it has, else the bare base.

    Each cached mixin extends the ADRF mixin it wraps (``mixins.ListModelMixin`` extends
    ``adrf.mixins.ListModelMixin``). A view that writes ``alist`` & co. itself gets them wrapped
    in place instead (see ``CacheMixin.__init_subclass__``), so its own code is never shadowed.
    """
    return tuple(cached_mixin for adrf_mixin, cached_mixin in _RULE if issubclass(view_class, adrf_mixin)) or (
        CacheMixin,
    )


def cached(view_class: _V, /, **options: Unpack[CacheOptions]) -> _V:
    """A subclass of the ADRF view or viewset ``view_class`` that caches its reads.

    Type checkers see the result as ``view_class`` itself; with the ``adrf_caching.mypy_plugin``
    ``Name = cached(View, ...)`` at module level is a class with the cached mixins as well.

    Options: ``actions`` (default: list and retrieve), ``ttl`` (seconds or ``timedelta``),
    ``id_field``, ``scope`` ("user" or "shared"), ``depends_on`` (extra models),
    ``invalidate_fields`` (fields naming users whose entries a write also outdates), ``clock_ttl``
    (seconds an answer whose SQL compared with the current time may be served; default: not stored).
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
            f"cached({view_class.__qualname__}) got unknown options {unknown}; "
            f"known: {sorted(OPTION_ATTRIBUTES)}."
        )
    bases: tuple[type, ...] = (
        *(m for m in cache_mixins_for(view_class) if not issubclass(view_class, m)),
        view_class,
    )
    attributes: dict[str, Any] = {OPTION_ATTRIBUTES[name]: value for name, value in options.items()}
    attributes["__module__"] = view_class.__module__
    attributes["__qualname__"] = f"cached({view_class.__qualname__})"
    attributes["__doc__"] = view_class.__doc__
    return cast("_V", type(view_class.__name__, bases, attributes))
