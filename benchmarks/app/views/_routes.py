"""The same two routes for every viewset contender (rows 3-8)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

LIST_ACTIONS_ASYNC = {"get": "alist"}
DETAIL_ACTIONS_ASYNC = {"get": "aretrieve", "put": "aupdate", "patch": "partial_aupdate"}
LIST_ACTIONS_SYNC = {"get": "list"}
DETAIL_ACTIONS_SYNC = {"get": "retrieve", "put": "update", "patch": "partial_update"}


def routes(list_view: Any, detail_view: Any) -> list[URLPattern]:
    return [
        path("posts/", list_view, name="post-list"),
        path("posts/<int:pk>/", detail_view, name="post-detail"),
    ]


def viewset_routes(viewset: Any, *, is_async: bool = True) -> list[URLPattern]:
    if is_async:
        return routes(viewset.as_view(LIST_ACTIONS_ASYNC), viewset.as_view(DETAIL_ACTIONS_ASYNC))
    return routes(viewset.as_view(LIST_ACTIONS_SYNC), viewset.as_view(DETAIL_ACTIONS_SYNC))
