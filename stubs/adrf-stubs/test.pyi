from collections.abc import Coroutine
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.test.client import AsyncClient as DjangoAsyncClient
from django.test.client import AsyncClientHandler
from django.test.client import AsyncRequestFactory as DjangoAsyncRequestFactory
from django.test.client import _MonkeyPatchedASGIResponse
from django_stubs_ext import StrOrPromise
from rest_framework.authtoken.models import Token
from rest_framework.renderers import BaseRenderer
from rest_framework.test import _GetDataType
from typing_extensions import override

class AsyncForceAuthClientHandler(AsyncClientHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    @override
    def get_response(self, request: HttpRequest) -> HttpResponseBase: ...
    @override
    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase: ...

class AsyncAPIRequestFactory(DjangoAsyncRequestFactory):
    renderer_classes_list: list[type[BaseRenderer]]
    default_format: str
    enforce_csrf_checks: bool
    renderer_classes: dict[str, type[BaseRenderer]]
    def __init__(self, enforce_csrf_checks: bool = False, **defaults: Any) -> None: ...
    @override
    def get(self, path: StrOrPromise, data: _GetDataType = None, **extra: Any) -> ASGIRequest: ...  # type: ignore[override]
    @override
    def post(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> ASGIRequest: ...
    @override
    def put(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> ASGIRequest: ...
    @override
    def patch(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> ASGIRequest: ...
    @override
    def delete(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> ASGIRequest: ...
    @override
    def options(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> ASGIRequest: ...
    @override
    def generic(
        self,
        method: str,
        path: StrOrPromise,
        data: Any = "",
        content_type: str | None = "application/octet-stream",
        secure: bool = False,
        **extra: Any,
    ) -> ASGIRequest: ...
    @override
    def request(self, **kwargs: Any) -> ASGIRequest: ...

_Response = Coroutine[Any, Any, _MonkeyPatchedASGIResponse]

# Request methods are plain functions returning coroutines: `await client.get(...)`.
class AsyncAPIClient(DjangoAsyncClient, AsyncAPIRequestFactory):
    handler: AsyncForceAuthClientHandler
    def __init__(self, enforce_csrf_checks: bool = False, **defaults: Any) -> None: ...
    def credentials(self, **kwargs: Any) -> None: ...
    def force_authenticate(
        self, user: AnonymousUser | AbstractBaseUser | None = None, token: Token | None = None
    ) -> None: ...
    @override
    async def request(self, **kwargs: Any) -> _MonkeyPatchedASGIResponse: ...  # type: ignore[override]
    @override
    def get(self, path: StrOrPromise, data: _GetDataType = None, **extra: Any) -> _Response: ...  # type: ignore[override]
    @override
    def post(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> _Response: ...
    @override
    def put(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> _Response: ...
    @override
    def patch(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> _Response: ...
    @override
    def delete(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> _Response: ...
    @override
    def options(  # type: ignore[override]
        self, path: StrOrPromise, data: Any = None, format: str | None = None, content_type: str | None = None, **extra: Any
    ) -> _Response: ...
    # Inherited from AsyncAPIRequestFactory at runtime, but it goes through the async
    # `request()` above, so on the client it returns a coroutine too.
    @override
    def generic(  # type: ignore[override]
        self,
        method: str,
        path: StrOrPromise,
        data: Any = "",
        content_type: str | None = "application/octet-stream",
        secure: bool = False,
        **extra: Any,
    ) -> _Response: ...
    @override
    def logout(self) -> None: ...
