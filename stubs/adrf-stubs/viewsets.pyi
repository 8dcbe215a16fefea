from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.db.models import Model
from django.http import HttpRequest
from rest_framework.decorators import ViewSetAction
from rest_framework.views import AsView, GenericView
from rest_framework.viewsets import ViewSetMixin as DRFViewSetMixin
from typing_extensions import override

from adrf import mixins
from adrf.generics import GenericAPIView
from adrf.requests import AsyncRequest
from adrf.views import APIView

_MT_co = TypeVar("_MT_co", bound=Model, covariant=True)

class ViewSetMixin(DRFViewSetMixin):
    # Returns an `async def` view function when `cls.view_is_async` is true; the declared
    # type follows DRF's (and Django's) `as_view`, which describe the sync view function.
    @classmethod
    @override
    def as_view(
        cls, actions: dict[str, str | ViewSetAction[Callable[..., Any]]] | None = None, **initkwargs: Any
    ) -> AsView[GenericView]: ...

class ViewSet(ViewSetMixin, APIView):
    _ASYNC_NON_DISPATCH_METHODS: ClassVar[list[str]]
    # A `django.utils.functional.classproperty` at runtime: true when any (non-dispatch)
    # method of the class is a coroutine function.
    view_is_async: bool
    # DRF's `ViewSetMixin.initialize_request` delegates to adrf's `APIView`, which builds an `AsyncRequest`.
    @override
    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> AsyncRequest: ...

class GenericViewSet(ViewSet, GenericAPIView[_MT_co]): ...
class ReadOnlyModelViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, GenericViewSet[_MT_co]): ...
class ModelViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    GenericViewSet[_MT_co],
): ...
