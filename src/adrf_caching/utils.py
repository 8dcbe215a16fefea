"""adrf-caching 0.2's ``utils`` module, kept so that code written for 0.2 imports and runs unchanged.

New code has no use for it: the cached classes do all of this, and invalidation is
``adrf_caching.invalidate_model`` / ``invalidate_user``. Each helper maps 0.2's meaning onto
the versions of this release.
"""

from __future__ import annotations

import warnings
from hashlib import md5
from json import dumps
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from adrf_caching import keys
from adrf_caching.conf import caching_settings
from adrf_caching.invalidation import ainvalidate_model, ainvalidate_user

__all__ = ["DEFAULTS", "CacheUtils", "LibSettings", "cache", "lib_settings"]

# 0.2's settings keys and this release's defaults for them (TTL_USER_VER no longer has any effect).
DEFAULTS: dict[str, Any] = {"TTL_OBJECT": 300, "TTL_LIST": 300, "TTL_USER_VER": 86400, "PREFIX": "adrf"}


class LibSettings:
    """``lib_settings.TTL_LIST`` and friends, read from the validated ``ADRF_CACHING_SETTINGS``."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"'{name}' does not exist in ADRF_CACHING_SETTINGS.")
        conf = caching_settings()
        if name == "TTL_USER_VER":
            from django.conf import settings

            return (getattr(settings, "ADRF_CACHING_SETTINGS", None) or {}).get(name, DEFAULTS[name])
        return {"TTL_OBJECT": conf.ttl_object, "TTL_LIST": conf.ttl_list, "PREFIX": conf.prefix}[name]


lib_settings = LibSettings()


def _deprecated(what: str, instead: str) -> None:
    warnings.warn(f"CacheUtils.{what} is adrf-caching 0.2 API; use {instead}.", DeprecationWarning, stacklevel=3)


class CacheUtils:
    """0.2's helpers. The cached views no longer need them; they remain for code that calls them."""

    @staticmethod
    async def get_model_hash(view: Any) -> str:
        """A hash of the serializer's model name, as in 0.2."""
        model_name = view.get_serializer_class().Meta.model.__name__.lower()
        return md5(f"{lib_settings.PREFIX}:{model_name}".encode(), usedforsecurity=False).hexdigest()

    @staticmethod
    async def get_user_version(user_id: Any) -> str | None:
        """The current token of the user's version (0.2 returned a counter); ``None`` if the cache is down."""
        from adrf_caching import versions
        from adrf_caching.store import get_store

        conf = caching_settings()
        segment = keys.user_segment_for_pk(user_id)
        key = versions.user_version_key(keys.shard_tag(conf.prefix, segment, conf.shards), segment)
        tokens = await get_store().versions([key])
        return None if tokens is None else tokens[0]

    @staticmethod
    async def incr_user_version(user_id: Any) -> None:
        """Outdate every entry of the user."""
        _deprecated("incr_user_version", "adrf_caching.ainvalidate_user")
        await ainvalidate_user(user_id)

    @classmethod
    async def generate_list_key(cls, request: Any, view: Any = None) -> str:
        """A stable per-user key for a list request, as in 0.2 (the cache itself builds its own keys)."""
        view = view or getattr(request, "parser_context", {}).get("view")
        if not view:
            raise AttributeError("Could not determine 'view' from request: pass 'view' explicitly.")
        model_hash = await cls.get_model_hash(view)
        params = getattr(request, "query_params", request.GET)
        params_hash = md5(dumps(sorted(params.items())).encode(), usedforsecurity=False).hexdigest()
        return f"list:{model_hash}:{keys.user_segment(getattr(request, 'user', None))}:{params_hash}"

    @staticmethod
    async def invalidate_list_cache(request: Any, view: Any, instance: Any = None) -> None:
        """Outdate the lists of the request's user, of the users ``invalidate_fields`` name, and of the model."""
        _deprecated("invalidate_list_cache", "adrf_caching.ainvalidate_user / ainvalidate_model")
        users: list[Any] = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            users.append(user)
        fields = (getattr(view, "invalidate_fields", None) or ()) if instance is not None else ()
        for field in fields:
            if not hasattr(instance, field):
                raise ImproperlyConfigured(
                    f"Field {field!r} not found in {type(instance).__name__}: check the view's invalidate_fields."
                )
            owner = getattr(instance, field)
            if owner:
                users.append(owner)  # a user object or a primary key: ainvalidate_user takes both
        if users:
            await ainvalidate_user(*users)
        if instance is not None:
            await ainvalidate_model(type(instance))
