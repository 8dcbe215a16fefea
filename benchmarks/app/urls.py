"""Root URL conf: the contender's own ``urlpatterns`` (``/posts/`` and ``/posts/<pk>/``)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

urlpatterns = import_module(f"benchmarks.app.views.{settings.CONTENDER.views_module}").urlpatterns
