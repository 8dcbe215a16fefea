"""ASGI entry point every contender is served from: ``uvicorn benchmarks.app.asgi:application``.

Pooled contenders (rows 11-14) are served by ``adrf_caching.asgi`` instead of Django's handler.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.app.settings")

from benchmarks.app.contenders import BY_NAME

if BY_NAME[os.environ.get("BENCH_CONTENDER", "adrf-uncached")].pooled:
    from adrf_caching.asgi import get_asgi_application
else:
    from django.core.asgi import get_asgi_application

application = get_asgi_application()
