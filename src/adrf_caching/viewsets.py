"""Cached counterparts of ADRF's model viewsets (``cache_mixins_for`` written out)."""

from __future__ import annotations

from typing import TypeVar

from adrf import viewsets
from django.db.models import Model

from adrf_caching.mixins import (
    CreateModelMixin,
    DestroyModelMixin,
    ListModelMixin,
    RetrieveModelMixin,
    UpdateModelMixin,
)

__all__ = ["ModelViewSetCached", "ReadOnlyModelViewSetCached"]

_MT_co = TypeVar("_MT_co", bound=Model, covariant=True)


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
