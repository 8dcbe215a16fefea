"""ASGI entry point every contender is served from: ``uvicorn benchmarks.app.asgi:application``."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.app.settings")
application = get_asgi_application()
