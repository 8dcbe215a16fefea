"""``Cache-Control`` and ``Vary`` of cached responses, set once on the entry so hit and miss agree.

Per-user entries are ``private``: no shared cache (proxy, CDN) may store them. They are also
``no-cache`` unless ``CLIENT_MAX_AGE`` is set: the server invalidates on every write, a client
cannot be told, so it must revalidate (a cheap 304 thanks to the ETag) before reusing a copy.
``Vary`` names the request headers that select the entry besides the URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.cache import patch_vary_headers

if TYPE_CHECKING:
    from django.http import HttpResponse

    from adrf_caching.conf import CachingSettings

__all__ = ["apply", "cache_control"]


def cache_control(conf: CachingSettings, shared: bool) -> str:
    """The ``Cache-Control`` value for an entry of this scope."""
    visibility = "public" if shared and conf.shared_public else "private"
    freshness = "no-cache" if conf.client_max_age is None else f"max-age={conf.client_max_age}"
    return f"{visibility}, {freshness}"


def apply(response: HttpResponse, conf: CachingSettings, etag: str, shared: bool) -> None:
    """Add the ETag, ``Cache-Control`` (unless the view set its own) and ``Vary`` to ``response``."""
    if etag:
        response["ETag"] = etag
    if conf.cache_control and not response.has_header("Cache-Control"):
        response["Cache-Control"] = cache_control(conf, shared)
    if conf.vary:
        patch_vary_headers(response, conf.vary)
