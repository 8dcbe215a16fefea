from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from adrf_caching.viewsets import ModelViewSetCached
from example.blog.models import Post
from example.blog.serializers import PostSerializer


class PostViewSet(ModelViewSetCached[Post]):
    """List and retrieve are cached per user; every write outdates what it changed."""

    queryset = Post.objects.select_related("author")
    serializer_class = PostSerializer
    invalidate_fields = ["owner_id"]

    async def perform_acreate(self, serializer: Any) -> None:
        user = self.request.user
        await serializer.asave(owner=user if user.is_authenticated else None)
        await sync_to_async(getattr)(serializer.instance, "author")  # adrf reads nested data synchronously

    async def perform_aupdate(self, serializer: Any) -> None:
        await serializer.asave()
        await sync_to_async(getattr)(serializer.instance, "author")
