"""Row 8: the existing ``adrf-caching`` 0.2.4 from PyPI (served from benchmarks/.venv-old).

0.2.4 installs the import name ``adrf_caching`` (the same as the core library), reads
``ADRF_CACHING_SETTINGS`` (TTL_OBJECT, TTL_LIST, TTL_USER_VER, PREFIX) and always uses the
"default" cache alias.
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
