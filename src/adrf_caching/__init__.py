"""Typed, fully asynchronous, per-user versioned caching for ADRF views and viewsets."""

from typing import TYPE_CHECKING, Any

from adrf_caching.invalidation import (
    ainvalidate_all,
    ainvalidate_model,
    ainvalidate_user,
    ainvalidate_view,
    invalidate_all,
    invalidate_model,
    invalidate_user,
    invalidate_view,
)
from adrf_caching.options import CacheOptions, ExtraAction

__all__ = [
    "CacheOptions",
    "ExtraAction",
    "__version__",
    "ainvalidate_all",
    "ainvalidate_model",
    "ainvalidate_user",
    "ainvalidate_view",
    "cache_mixins_for",
    "cached",
    "invalidate_all",
    "invalidate_model",
    "invalidate_user",
    "invalidate_view",
]

__version__ = "1.0.0.dev0"

if TYPE_CHECKING:
    from adrf_caching.factory import cache_mixins_for, cached


def __getattr__(name: str) -> Any:
    # cached() needs ADRF's views, and importing those reads DRF's settings (authentication
    # classes and all). Django imports this package while it loads INSTALLED_APPS, when such
    # imports may fail: load the factory on first use instead.
    if name in ("cached", "cache_mixins_for"):
        from adrf_caching import factory

        return getattr(factory, name)
    raise AttributeError(f"module 'adrf_caching' has no attribute {name!r}")
