"""Project-wide 404/500 handlers that answer API clients in problem+json.

Ninja renders errors raised inside its handlers; these cover what happens outside
them — an unknown path under ``/api/`` or a crash in middleware — so an API client
never has to parse an HTML error page.
"""

import json

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import defaults

from doorstep.api.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _problem(
    request: HttpRequest, *, status: int, code: str, title: str
) -> HttpResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "instance": request.path,
    }
    return HttpResponse(
        json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _problem(request, status=404, code="not_found", title=_("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _problem(
            request,
            status=500,
            code="server_error",
            title=_("Something went wrong on our side. Please try again."),
        )
    return defaults.server_error(request)
