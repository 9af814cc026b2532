"""ASGI entry point: HTTP (Django) and WebSockets (Channels) in one application.

``doorstep serve`` runs this under uvicorn. WebSockets authenticate with the
session cookie and must come from an allowed host (the origin check stops another
site's page from opening a socket with a visitor's cookie).
"""

import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGI handler with the middleware chain built sync: the views and
    almost every middleware are sync, and a mixed chain crosses between the event
    loop and the sync thread several times a request (each crossing a queue and a
    thread switch). Here the request goes through the chain and its view in one
    crossing, as under WSGI. Measured in bench/request_path.py."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


# Django must be set up before anything imports models (the consumers do).
django.setup(set_prefix=False)
django_application = OneHopASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from doorstep.messaging.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
