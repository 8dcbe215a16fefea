"""The soak's ASGI application: the test app, served by uvicorn with two workers."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.soak.settings")

from django.core.asgi import get_asgi_application

application = get_asgi_application()
