"""Row 7: drf-extensions ``cache_response`` on the equivalent sync DRF ``ModelViewSet``.

The key is per user (UserKeyBit) plus query parameters and URL kwargs, like the other contenders.
"""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework_extensions.cache.decorators import cache_response
from rest_framework_extensions.key_constructor.bits import (
    KwargsKeyBit,
    QueryParamsKeyBit,
    UniqueMethodIdKeyBit,
    UserKeyBit,
)
from rest_framework_extensions.key_constructor.constructors import KeyConstructor

from benchmarks.app.models import Post
from benchmarks.app.serializers import PostSerializer
from benchmarks.app.views._routes import viewset_routes

TIMEOUT = 600


class PerUserKey(KeyConstructor):
    unique_method_id = UniqueMethodIdKeyBit()
    user = UserKeyBit()
    query_params = QueryParamsKeyBit()
    kwargs = KwargsKeyBit()


class PostViewSet(viewsets.ModelViewSet):
    queryset = Post.objects.select_related("author").order_by("id")
    serializer_class = PostSerializer

    @cache_response(TIMEOUT, key_func=PerUserKey())
    def list(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().list(request, *args, **kwargs)

    @cache_response(TIMEOUT, key_func=PerUserKey())
    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().retrieve(request, *args, **kwargs)


urlpatterns = viewset_routes(PostViewSet, is_async=False)
