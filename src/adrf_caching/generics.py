"""Cached counterparts, same names, of ADRF's concrete generic views (``cache_mixins_for`` written out)."""

from __future__ import annotations

from typing import Any

from adrf import generics
from adrf.generics import GenericAPIView as GenericAPIView  # a 0.2 name, re-exported
from django.db.models import Model
from typing_extensions import TypeVar

from adrf_caching import mixins as mixins  # a 0.2 name, re-exported
from adrf_caching.mixins import (
    CreateModelMixin,
    DestroyModelMixin,
    ListModelMixin,
    RetrieveModelMixin,
    UpdateModelMixin,
)

__all__ = [
    "CreateAPIView",
    "DestroyAPIView",
    "ListAPIView",
    "ListCreateAPIView",
    "RetrieveAPIView",
    "RetrieveDestroyAPIView",
    "RetrieveUpdateAPIView",
    "RetrieveUpdateDestroyAPIView",
    "UpdateAPIView",
]

# The default lets ``class V(ModelViewSetCached): ...`` type-check unparameterized, as in 0.2.
_MT_co = TypeVar("_MT_co", bound=Model, covariant=True, default=Any)


class CreateAPIView(CreateModelMixin, generics.CreateAPIView[_MT_co]):
    """Create; outdates the lists the new object belongs to."""


class ListAPIView(ListModelMixin, generics.ListAPIView[_MT_co]):
    """List, cached per user."""


class RetrieveAPIView(RetrieveModelMixin, generics.RetrieveAPIView[_MT_co]):
    """Retrieve, cached per user."""


class DestroyAPIView(DestroyModelMixin, generics.DestroyAPIView[_MT_co]):
    """Destroy; outdates what the object was part of."""


class UpdateAPIView(UpdateModelMixin, generics.UpdateAPIView[_MT_co]):
    """Update; outdates what the object was part of."""


class ListCreateAPIView(ListModelMixin, CreateModelMixin, generics.ListCreateAPIView[_MT_co]):
    """List (cached) and create."""


class RetrieveUpdateAPIView(RetrieveModelMixin, UpdateModelMixin, generics.RetrieveUpdateAPIView[_MT_co]):
    """Retrieve (cached) and update."""


class RetrieveDestroyAPIView(RetrieveModelMixin, DestroyModelMixin, generics.RetrieveDestroyAPIView[_MT_co]):
    """Retrieve (cached) and destroy."""


class RetrieveUpdateDestroyAPIView(
    RetrieveModelMixin, UpdateModelMixin, DestroyModelMixin, generics.RetrieveUpdateDestroyAPIView[_MT_co]
):
    """Retrieve (cached), update and destroy."""
