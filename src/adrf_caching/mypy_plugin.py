"""mypy plugin for adrf-caching: opt in with ``plugins = adrf_caching.mypy_plugin`` in mypy's config.

It makes ``Name = cached(View, ...)`` at module level a class that mypy knows: the cached
mixins ``cached()`` adds, then ``View``. This module only dispatches; the work is in
``adrf_caching._mypy.transform`` and the names it matches are in ``adrf_caching._mypy.names``.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.plugin import DynamicClassDefContext, Plugin

from adrf_caching._mypy import names, transform

__all__ = ["AdrfCachingPlugin", "plugin"]


class AdrfCachingPlugin(Plugin):
    def get_dynamic_class_hook(self, fullname: str) -> Callable[[DynamicClassDefContext], None] | None:
        if fullname in names.CACHED_FACTORY:
            return transform.create_cached_class
        return None


def plugin(version: str) -> type[Plugin]:
    return AdrfCachingPlugin
