"""Cached counterparts of ADRF's model mixins. Put them before the ADRF classes in the bases:

    class ProfileViewSet(ListModelMixin, RetrieveModelMixin, adrf.viewsets.GenericViewSet): ...

Reads go through ``CacheMixin.cache_read``; writes through ``cache_write``, which bumps the
versions the write touched once it has committed.
"""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase

from adrf_caching.base import CacheMixin

__all__ = [
    "CacheMixin",
    "CreateModelMixin",
    "DestroyModelMixin",
    "ListModelMixin",
    "RetrieveModelMixin",
    "UpdateModelMixin",
]


class ListModelMixin(CacheMixin):
    """List a queryset, from the cache when its entry is current."""

    async def alist(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return await self.cache_read("list", super().alist, *args, **kwargs)  # type: ignore[misc]


class RetrieveModelMixin(CacheMixin):
    """Retrieve a model instance, from the cache when its entry is current."""

    async def aretrieve(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return await self.cache_read("retrieve", super().aretrieve, request, *args, **kwargs)  # type: ignore[misc]


class CreateModelMixin(CacheMixin):
    """Create a model instance, then outdate the lists it changes and cache its detail entry."""

    async def acreate(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = await self.cache_write(super().acreate, request, *args, **kwargs)  # type: ignore[misc]
        await self.cache_write_through(response)
        return response


class UpdateModelMixin(CacheMixin):
    """Update a model instance, then outdate what it changes and cache its new detail entry."""

    async def aupdate(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = await self.cache_write(super().aupdate, request, *args, **kwargs)  # type: ignore[misc]
        await self.cache_write_through(response)
        return response


class DestroyModelMixin(CacheMixin):
    """Destroy a model instance, then outdate what it changes and drop its detail entry."""

    async def adestroy(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = await self.cache_write(super().adestroy, request, *args, **kwargs)  # type: ignore[misc]
        if response.status_code < 300:
            await self.cache_forget_object()
        return response
