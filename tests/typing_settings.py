"""Minimal Django settings used only for static type checking (mypy's django plugin, stubtest).

Kept separate from tests/settings.py so typing checks do not depend on runtime test infrastructure.
"""

SECRET_KEY = "typing-only-not-secret"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "tests.typing_app",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
