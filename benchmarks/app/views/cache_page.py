"""Row 6: Django's ``cache_page`` + ``vary_on_headers("Authorization")`` around the row-3 viewset."""

from __future__ import annotations

from typing import Any

from django.views.decorators.cache import cache_page
from django.views.decorators.vary import vary_on_headers

from benchmarks.app.views._routes import DETAIL_ACTIONS_ASYNC, LIST_ACTIONS_ASYNC, routes
from benchmarks.app.views.adrf_uncached import PostViewSet

TIMEOUT = 600


def _cached(view: Any) -> Any:
    return cache_page(TIMEOUT)(vary_on_headers("Authorization")(view))


urlpatterns = routes(
    _cached(PostViewSet.as_view(LIST_ACTIONS_ASYNC)),
    _cached(PostViewSet.as_view(DETAIL_ACTIONS_ASYNC)),
)
