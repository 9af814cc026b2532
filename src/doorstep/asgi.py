"""ASGI entry point: HTTP now, WebSockets (Channels) when messaging arrives."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

application = get_asgi_application()
