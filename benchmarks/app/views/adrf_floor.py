"""Row 10, reference: an ADRF ``APIView`` that serves the pre-rendered bytes from memory.

Authentication, permissions and content negotiation run as for the cached rows (adrf runs
``initial()`` in a worker thread), but nothing is read from any cache: the ceiling of anything
built on an ADRF view, and so what bounds rows 4 and 5.
"""

from __future__ import annotations

from typing import Any

from adrf.views import APIView
from django.http import HttpResponse
from django.urls import path

from benchmarks.app import payloads
from benchmarks.app.views.floor import _respond


class PostList(APIView):
    async def get(self, request: Any) -> HttpResponse:
        page = request.query_params.get("page", "1")
        return _respond(payloads.list_key(int(page)) if page.isdigit() else "")


class PostDetail(APIView):
    async def get(self, request: Any, pk: int) -> HttpResponse:
        return _respond(payloads.detail_key(pk))


urlpatterns = [path("posts/", PostList.as_view()), path("posts/<int:pk>/", PostDetail.as_view())]
