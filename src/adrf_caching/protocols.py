"""The contract between the library and what users plug in: key builders, the version store, the cache.

Each default is checked against its protocol statically: ``DefaultKeyBuilder`` where the
library builds keys (``base._key_builder``), Django's ``BaseCache`` where ``CacheStore``
takes its backend, ``CacheStore`` in the typing tests (``tests/typing/public_api.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from django.http import QueryDict
    from rest_framework.request import Request
    from rest_framework.views import APIView

__all__ = ["AsyncCache", "KeyBuilder", "VersionStore"]


@runtime_checkable
class KeyBuilder(Protocol):
    """Says what in a request changes the answer. The library adds the user and view segments itself.

    Set one with ``ADRF_CACHING_SETTINGS["KEY_BUILDER"]`` (a dotted path to a class taking no
    arguments) or per view with the ``cache_key_builder`` class attribute (an instance).
    """

    def vary_parts(
        self, request: Request, view: APIView, url_kwargs: Mapping[str, object], query: QueryDict
    ) -> Sequence[object]:
        """JSON-serialisable values that differ whenever the response body may differ."""
        ...

    def digest(self, parts: Sequence[object]) -> str:
        """A fixed-length digest of ``parts``: the last segment of the key."""
        ...


@runtime_checkable
class VersionStore(Protocol):
    """Reads the versions an entry depends on, stores entries, bumps versions; never raises."""

    @property
    def healthy(self) -> bool:
        """False while the store cannot be trusted (then reads skip it)."""
        ...

    async def get_many(self, keys: list[str]) -> dict[str, Any] | None:
        """The values found, or ``None`` when the store cannot be trusted right now."""
        ...

    async def versions(self, keys: list[str]) -> list[str] | None:
        """The current token of each version key, creating missing ones; ``None`` if unavailable."""
        ...

    async def complete_versions(self, keys: list[str], found: dict[str, Any]) -> list[str] | None:
        """The tokens of ``keys`` given what ``get_many`` found, creating the missing ones."""
        ...

    async def set(self, key: str, value: bytes, ttl: int) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def bump(self, keys: Iterable[str]) -> None:
        """Give every version key a fresh token in one call (outdating what was stamped with it)."""
        ...

    def bump_sync(self, keys: Iterable[str]) -> None:
        """``bump`` for sync code (signal receivers, management commands)."""
        ...


@runtime_checkable
class AsyncCache(Protocol):
    """The subset of Django's cache API the library calls (``django.core.cache.BaseCache`` conforms)."""

    async def aget_many(self, keys: Sequence[str], version: int | None = None) -> dict[str, Any]: ...

    async def aset(
        self, key: str, value: Any, timeout: float | None = ..., version: int | None = None
    ) -> None: ...

    async def aadd(
        self, key: str, value: Any, timeout: float | None = ..., version: int | None = None
    ) -> bool: ...

    async def aset_many(
        self, data: dict[str, Any], timeout: float | None = ..., version: int | None = None
    ) -> list[Any]: ...

    async def adelete(self, key: str, version: int | None = None) -> bool: ...

    async def adelete_many(self, keys: Sequence[str], version: int | None = None) -> None: ...

    def delete_many(self, keys: Sequence[str], version: int | None = None) -> None: ...

    def set_many(
        self, data: dict[str, Any], timeout: float | None = ..., version: int | None = None
    ) -> list[Any]: ...

    def close(self, **kwargs: Any) -> None: ...
