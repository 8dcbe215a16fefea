"""Row 9 (reference, not in the issue's list): the uncached sync DRF ``ModelViewSet`` row 7 wraps."""

from __future__ import annotations

from rest_framework import viewsets

from benchmarks.app.models import Post
from benchmarks.app.serializers import PostSerializer
from benchmarks.app.views._routes import viewset_routes


class PostViewSet(viewsets.ModelViewSet):
    queryset = Post.objects.select_related("author").order_by("id")
    serializer_class = PostSerializer


urlpatterns = viewset_routes(PostViewSet, is_async=False)
