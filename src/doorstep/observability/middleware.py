"""One middleware, first in ``MIDDLEWARE``: the request id, the request metrics
and ``/metrics``.

Hand-written rather than a library: ``django-log-request-id`` keeps the id in
a thread local (wrong under ASGI, where one thread serves many requests),
``asgi-correlation-id`` brings Starlette along, and ``django-guid`` would still
need our own task propagation; what is needed is twenty lines on a contextvar.
It runs natively in both modes (sync and async), so it adds no thread hop.
Cost per request: a contextvar set/reset, one counter and one histogram update
(a few microseconds; see docs/deploy.md, Monitoring).
"""

import time
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse

from doorstep.observability import metrics
from doorstep.observability.context import accept_or_make_request_id, request_id_var

HEADER = "X-Request-ID"
METRICS_PATH = "/metrics"


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class ObservabilityMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(
        self, get_response: Callable[[HttpRequest], HttpResponse | Awaitable]
    ) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self.is_async:
            return self.__acall__(request)
        request_id = accept_or_make_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            if request.path == METRICS_PATH:
                response = metrics.metrics_view(request)
            else:
                started = time.perf_counter()
                response = self.get_response(request)
                metrics.observe_request(
                    method=request.method,
                    route=_route(request),
                    status=response.status_code,
                    seconds=time.perf_counter() - started,
                )
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_or_make_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            if request.path == METRICS_PATH:
                response = await sync_to_async(metrics.metrics_view)(request)
            else:
                started = time.perf_counter()
                response = await self.get_response(request)
                metrics.observe_request(
                    method=request.method,
                    route=_route(request),
                    status=response.status_code,
                    seconds=time.perf_counter() - started,
                )
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response
