"""Row 3, the baseline: an uncached ADRF ``ModelViewSet``."""

from __future__ import annotations

from adrf.viewsets import ModelViewSet

from benchmarks.app.models import Post
from benchmarks.app.serializers import PostSerializer
from benchmarks.app.views._routes import viewset_routes


class PostViewSet(ModelViewSet):
    queryset = Post.objects.select_related("author").order_by("id")
    serializer_class = PostSerializer


urlpatterns = viewset_routes(PostViewSet)
