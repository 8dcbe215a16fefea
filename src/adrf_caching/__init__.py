"""Typed, fully asynchronous, per-user versioned caching for ADRF views and viewsets."""

from adrf_caching.factory import cache_mixins_for, cached
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
from adrf_caching.options import CacheOptions

__all__ = [
    "CacheOptions",
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
