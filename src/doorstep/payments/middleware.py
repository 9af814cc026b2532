"""Tell API clients, as well as people, when no real money moves."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from doorstep.payments.conf import in_test_mode

TEST_MODE_HEADER = "Doorstep-Test-Mode"


class TestModeHeaderMiddleware:
    """Adds ``Doorstep-Test-Mode: true`` to every response while the sandbox is
    the gateway, so an app can show its own "test mode" notice."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if in_test_mode():
            response[TEST_MODE_HEADER] = "true"
        return response
