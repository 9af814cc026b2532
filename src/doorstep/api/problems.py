"""RFC 9457 problem details: the only shape an API error takes."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from doorstep.core.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://doorstep.dev/problems/"


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    return response


def _field_path(location: tuple) -> str:
    # ninja reports ("body", "payload", "email"); clients want "email".
    parts = [str(part) for part in location if part not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "__all__"


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return problem(
            api, request, status=exc.status, code=exc.code, title=exc.message,
            errors=exc.fields or None,
        )

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_field_path(tuple(error.get("loc", ()))), []).append(
                str(error.get("msg", _("Invalid value.")))
            )
        return problem(
            api, request, status=400, code="invalid_input",
            title=_("Some fields are not valid."), errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def not_signed_in(request, exc):
        return problem(
            api, request, status=401, code="not_authenticated",
            title=_("Sign in, or send a valid bearer token."),
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem(
            api, request, status=exc.status_code, code=f"http_{exc.status_code}",
            title=str(exc.message),
        )
