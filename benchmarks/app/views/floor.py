"""Row 1, the floor: a Django async view returning the pre-rendered bytes from memory."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.urls import path

from benchmarks.app import payloads

_PAYLOADS = payloads.load()


def _respond(key: str) -> HttpResponse:
    body = _PAYLOADS.get(key)
    if body is None:
        return HttpResponseNotFound()
    return HttpResponse(body, content_type="application/json")


async def post_list(request: HttpRequest) -> HttpResponse:
    page = request.GET.get("page", "1")
    return _respond(payloads.list_key(int(page)) if page.isdigit() else "")


async def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _respond(payloads.detail_key(pk))


urlpatterns = [path("posts/", post_list), path("posts/<int:pk>/", post_detail)]
