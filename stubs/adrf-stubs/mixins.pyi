from typing import Any, TypeVar

from django.db.models import Model
from rest_framework import mixins
from rest_framework.generics import UsesQuerySet
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer as DRFBaseSerializer

from adrf.serializers import BaseSerializer

_MT = TypeVar("_MT", bound=Model)

# Awaits `serializer.adata` for adrf serializers, falls back to `serializer.data`
# (in a thread) for plain DRF serializers.
async def get_data(serializer: DRFBaseSerializer[Any]) -> Any: ...

class CreateModelMixin(mixins.CreateModelMixin):
    async def acreate(self, request: Request, *args: Any, **kwargs: Any) -> Response: ...
    # Calls `serializer.asave()`, so it needs an adrf serializer.
    async def perform_acreate(self: UsesQuerySet[_MT], serializer: BaseSerializer[_MT]) -> None: ...

class ListModelMixin(mixins.ListModelMixin):
    # Unlike the other actions, adrf's `alist` has no named `request` parameter.
    async def alist(self, *args: Any, **kwargs: Any) -> Response: ...

class RetrieveModelMixin(mixins.RetrieveModelMixin):
    async def aretrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response: ...

class UpdateModelMixin(mixins.UpdateModelMixin):
    async def aupdate(self, request: Request, *args: Any, **kwargs: Any) -> Response: ...
    async def perform_aupdate(self: UsesQuerySet[_MT], serializer: BaseSerializer[_MT]) -> None: ...
    async def partial_aupdate(self, request: Request, *args: Any, **kwargs: Any) -> Response: ...

class DestroyModelMixin(mixins.DestroyModelMixin):
    async def adestroy(self, request: Request, *args: Any, **kwargs: Any) -> Response: ...
    async def perform_adestroy(self: UsesQuerySet[_MT], instance: _MT) -> None: ...
