"""Cached counterparts of ADRF's model viewsets (``cache_mixins_for`` written out)."""

from __future__ import annotations

from typing import Any

from adrf import viewsets
from adrf.viewsets import GenericViewSet
from django.db.models import Model
from typing_extensions import TypeVar

from adrf_caching.mixins import (  # 0.2 re-exported every mixin name here: so does this module
    CacheInvalidationMixin,
    CacheUtils,
    CreateModelMixin,
    DestroyModelMixin,
    ListModelMixin,
    RetrieveModelMixin,
    UpdateModelMixin,
    cache,
    lib_settings,
)

__all__ = [
    "CacheInvalidationMixin",
    "CacheUtils",
    "CreateModelMixin",
    "DestroyModelMixin",
    "GenericViewSet",
    "ListModelMixin",
    "ModelViewSetCached",
    "ReadOnlyModelViewSetCached",
    "RetrieveModelMixin",
    "UpdateModelMixin",
    "cache",
    "lib_settings",
]

# The default lets ``class V(ModelViewSetCached): ...`` type-check unparameterized, as in 0.2.
_MT_co = TypeVar("_MT_co", bound=Model, covariant=True, default=Any)


class ModelViewSetCached(
    ListModelMixin,
    RetrieveModelMixin,
    CreateModelMixin,
    UpdateModelMixin,
    DestroyModelMixin,
    viewsets.ModelViewSet[_MT_co],
):
    """Full CRUD; list and retrieve cached per user, every write outdates what it changed."""


class ReadOnlyModelViewSetCached(ListModelMixin, RetrieveModelMixin, viewsets.ReadOnlyModelViewSet[_MT_co]):
    """List and retrieve, cached per user."""
