"""Rows 4 and 5: the core library's ``ModelViewSetCached``.  PLUG-IN POINT.

What the core must provide for these rows to run (nothing else here changes):
  * ``adrf_caching.viewsets.ModelViewSetCached``: an adrf ``ModelViewSet`` drop-in with the async
    actions ``alist``, ``aretrieve``, ``aupdate``, ``partial_aupdate`` (routes in _routes.py);
  * the setting ``ADRF_CACHING_SETTINGS = {"CACHE_ALIAS": "bench"}`` selecting the cache alias;
  * row 4: that alias on ``django.core.cache.backends.redis.RedisCache``;
  * row 5: ``adrf_caching.backends.redis.AsyncRedisCache`` taking ``LOCATION`` = a redis URL.
(settings.py builds both CACHES variants from BENCH_CONTENDER.)  Until the core lands the import
below fails with ImportError and the orchestrator skips rows 4 and 5 with that message.
"""

from __future__ import annotations

from adrf_caching.viewsets import ModelViewSetCached
from benchmarks.app.models import Post
from benchmarks.app.serializers import PostSerializer
from benchmarks.app.views._routes import viewset_routes


class PostViewSet(ModelViewSetCached):
    queryset = Post.objects.select_related("author").order_by("id")
    serializer_class = PostSerializer


urlpatterns = viewset_routes(PostViewSet)
