from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Concatenate, Protocol, TypeVar, type_check_only

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from rest_framework.request import Request
from rest_framework.views import APIView
from typing_extensions import ParamSpec

_P = ParamSpec("_P")
_RESP = TypeVar("_RESP", bound=HttpResponseBase | Awaitable[HttpResponseBase])
_View = TypeVar("_View", bound=Callable[..., HttpResponseBase | Awaitable[HttpResponseBase]])

# Like DRF's `rest_framework.views.AsView`, but also allows async view functions.
@type_check_only
class _AsView(Protocol[_View]):
    cls: type[APIView]
    view_class: type[APIView]
    view_initkwargs: Mapping[str, Any]
    csrf_exempt: bool
    __call__: _View

# Like DRF's `api_view`, but builds an `adrf.views.APIView`, so `async def` function
# views are supported (the resulting view function is then async too).
def api_view(
    http_method_names: Sequence[str] | None = None,
) -> Callable[[Callable[Concatenate[Request, _P], _RESP]], _AsView[Callable[Concatenate[HttpRequest, _P], _RESP]]]: ...
