"""Marks each request so the operator's settings are read once in it (see
``doorstep.marketplace.state``)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from doorstep.marketplace import state


class OneReadPerRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state.begin_request()
        try:
            return self.get_response(request)
        finally:
            state.end_request()
