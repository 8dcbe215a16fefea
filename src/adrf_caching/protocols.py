"""The contract between the library and what users plug in: key builders and the cache."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from django.http import QueryDict
    from rest_framework.request import Request
    from rest_framework.views import APIView

__all__ = ["AsyncCache", "KeyBuilder"]


@runtime_checkable
class KeyBuilder(Protocol):
    """Says what in a request changes the answer. The library adds the user and view segments itself."""

    def vary_parts(
        self, request: Request, view: APIView, url_kwargs: Mapping[str, object], query: QueryDict
    ) -> Sequence[object]:
        """JSON-serialisable values that differ whenever the response body may differ."""
        ...

    def digest(self, parts: Sequence[object]) -> str:
        """A fixed-length digest of ``parts``: the last segment of the key."""
        ...


@runtime_checkable
class AsyncCache(Protocol):
    """The subset of Django's cache API the library calls."""

    async def aget_many(self, keys: Sequence[str], version: int | None = None) -> dict[str, Any]: ...

    async def aset(self, key: str, value: Any, timeout: float | None = ..., version: int | None = None) -> None: ...

    async def aadd(self, key: str, value: Any, timeout: float | None = ..., version: int | None = None) -> bool: ...

    async def aset_many(
        self, data: Mapping[str, Any], timeout: float | None = ..., version: int | None = None
    ) -> list[str]: ...

    async def adelete(self, key: str, version: int | None = None) -> bool: ...

    def set_many(self, data: Mapping[str, Any], timeout: float | None = ..., version: int | None = None) -> list[str]: ...
