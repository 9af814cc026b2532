"""ASGI entry point: HTTP (Django) and WebSockets (Channels) in one application.

``doorstep serve`` runs this under uvicorn. WebSockets authenticate with the
session cookie and must come from an allowed host (the origin check stops another
site's page from opening a socket with a visitor's cookie).
"""

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import IO, Any

import django
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")


@cache
def _request_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.DOORSTEP_REQUEST_THREADS,
        thread_name_prefix="doorstep-request",
    )


def _in_request_thread(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    return sync_to_async(function, thread_sensitive=False, executor=_request_threads())


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGI handler with the middleware chain built sync and one
    crossing into a sync thread per request: the views and almost every
    middleware are sync, and a mixed chain crosses between the event loop and
    the sync thread several times a request (each crossing a queue and a thread
    switch). Here the ``request_started`` signal, the chain and its view, and
    (for a response whose body is in memory) closing the response with its
    ``request_finished`` signal all run in that one crossing, as under WSGI;
    the bytes are then sent from the event loop. A streaming response (a file,
    an export) is closed after it is sent, as Django does. Django's watch for a
    client disconnect is left out: it cannot stop a sync view, which runs to the
    end in its thread either way.

    The crossing goes to a fixed pool of long-lived threads
    (``DOORSTEP_REQUEST_THREADS``), not, as Django's handler does, to a new
    thread per request: database connections are per thread, so a thread per
    request opened a new connection for every request (for SQLite also parsing
    the schema again; for PostgreSQL a new server session), whatever
    ``CONN_MAX_AGE`` said. Pool threads keep theirs as a threaded WSGI server
    does. Measured in bench/request_path.py."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await _in_request_thread(self.get_response)(request)

    async def handle(self, scope, receive, send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await _in_request_thread(self._respond)(scope, body_file)
            # The client may go away while the response is sent.
            with contextlib.suppress(asyncio.CancelledError):
                await self.send_response(response, send)
            if response.streaming:
                await _in_request_thread(response.close)()
        finally:
            body_file.close()

    def _respond(self, scope: dict, body_file: IO[bytes]) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            response = error_response
        else:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            # The body is in memory: nothing sent later needs the request's
            # resources (this sends request_finished, which closes connections).
            response.close()
        return response


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
