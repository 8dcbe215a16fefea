"""Fully qualified names the mypy plugin matches or looks up."""

from __future__ import annotations

# ``cached()``, as defined and as re-exported by the package.
CACHED_FACTORY = frozenset({"adrf_caching.factory.cached", "adrf_caching.cached"})

CACHE_MIXIN = "adrf_caching.base.CacheMixin"

# ``adrf_caching.factory._RULE`` written out: an async action of the view -> the cached mixin it gets.
ACTION_MIXINS = (
    ("alist", "adrf_caching.mixins.ListModelMixin"),
    ("aretrieve", "adrf_caching.mixins.RetrieveModelMixin"),
    ("acreate", "adrf_caching.mixins.CreateModelMixin"),
    ("aupdate", "adrf_caching.mixins.UpdateModelMixin"),
    ("adestroy", "adrf_caching.mixins.DestroyModelMixin"),
)

ADRF_API_VIEW = "adrf.views.APIView"
