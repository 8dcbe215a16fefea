"""Cached counterparts of ADRF's model mixins. Put them before the ADRF classes in the bases:

    class ProfileViewSet(ListModelMixin, RetrieveModelMixin, adrf.viewsets.GenericViewSet[Profile]): ...

Each extends ADRF's mixin of the same name, so it brings the uncached action it wraps.
Reads go through ``CacheMixin.cache_read``; writes through ``cache_write``, which bumps the
versions the write touched once it has committed.

The cached actions return ``HttpResponseBase``, not ADRF's ``Response``: a hit is a plain
``HttpResponse`` holding the stored bytes. That widening is the ``# type: ignore[override]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from adrf import mixins
from django.http.response import HttpResponseBase
from rest_framework.request import Request

from adrf_caching import serialization
from adrf_caching.base import CacheMixin
from adrf_caching.utils import CacheUtils, cache, lib_settings  # 0.2 names, kept for old imports

__all__ = [
    "CacheInvalidationMixin",
    "CacheMixin",
    "CacheUtils",
    "CreateModelMixin",
    "DestroyModelMixin",
    "ListModelMixin",
    "RetrieveModelMixin",
    "UpdateModelMixin",
    "cache",
    "lib_settings",
]


class CacheInvalidationMixin:
    """adrf-caching 0.2's way to name the fields holding users whose entries a write outdates.

    Every cached class reads ``invalidate_fields`` itself now; this mixin only declares it.
    """

    invalidate_fields: ClassVar[Sequence[str]] = ()


class ListModelMixin(mixins.ListModelMixin, CacheMixin):
    """List a queryset, from the cache when its entry is current."""

    async def alist(self, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        return await self.cache_read("list", serialization.alist(self, super().alist), *args, **kwargs)


class RetrieveModelMixin(mixins.RetrieveModelMixin, CacheMixin):
    """Retrieve a model instance, from the cache when its entry is current."""

    async def aretrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        uncached = serialization.aretrieve(self, super().aretrieve)
        return await self.cache_read("retrieve", uncached, request, *args, **kwargs)


class CreateModelMixin(mixins.CreateModelMixin, CacheMixin):
    """Create a model instance; what it writes is outdated as it commits."""

    async def acreate(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        return await self.cache_write(super().acreate, request, *args, **kwargs)


class UpdateModelMixin(mixins.UpdateModelMixin, CacheMixin):
    """Update a model instance; what it writes is outdated as it commits."""

    async def aupdate(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        return await self.cache_write(super().aupdate, request, *args, **kwargs)


class DestroyModelMixin(mixins.DestroyModelMixin, CacheMixin):
    """Destroy a model instance, then outdate what it changes and drop its detail entry."""

    async def adestroy(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        response = await self.cache_write(super().adestroy, request, *args, **kwargs)
        if response.status_code < 300:
            await self.cache_forget_object()
        return response
