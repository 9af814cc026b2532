"""RFC 9457 problem details: the only shape an API error takes.

Every error body has ``type``, ``title``, ``status``, a stable ``code`` for clients
to branch on and, for bad input, ``errors``: ``{field: [messages]}``.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from doorstep.api.auth import CsrfFailed
from doorstep.api.openapi import PROBLEM_CONTENT_TYPE, check_documented
from doorstep.core.error_codes import ErrorCode, default_code_for_status
from doorstep.core.errors import DomainError, InsufficientScope

PROBLEM_TYPE_BASE = "https://doorstep.dev/problems/"
ALL_FIELDS = "__all__"


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
    if getattr(settings, "DOORSTEP_CHECK_DOCUMENTED_ERRORS", False):
        check_documented(api, request, code)
    body: dict[str, Any] = {
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


def _field_path(location: tuple[Any, ...]) -> str:
    # ninja reports ("body", "payload", "languages", 0); clients want "languages.0".
    # The first part is where the value came from; for a body (or a schema of
    # query parameters) the second is the handler's parameter name.
    source, *rest = location or ("",)
    if rest and (source == "body" or len(rest) > 1):
        rest = rest[1:]
    return ".".join(str(part) for part in rest) or ALL_FIELDS


def _validation_message(error: dict[str, Any]) -> str:
    """A sentence a person can act on, in their language, for one pydantic error."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])  # our own validators' (translated) message
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return _("This field cannot be blank.")
    messages = {
        "missing": _("This field is required."),
        "extra_forbidden": _("Unknown field."),
        "string_type": _("Enter text."),
        "string_too_short": _("Enter at least %(min_length)s characters."),
        "string_too_long": _("Enter at most %(max_length)s characters."),
        "too_short": _("Enter at least %(min_length)s items."),
        "too_long": _("Enter at most %(max_length)s items."),
        "int_type": _("Enter a whole number."),
        "int_parsing": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "float_type": _("Enter a number."),
        "float_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "finite_number": _("Enter a finite number."),
        "greater_than": _("Enter a number greater than %(gt)s."),
        "greater_than_equal": _("Enter a number of at least %(ge)s."),
        "less_than": _("Enter a number less than %(lt)s."),
        "less_than_equal": _("Enter a number of at most %(le)s."),
        "decimal_max_places": _("Enter at most %(decimal_places)s decimal places."),
        "decimal_max_digits": _("Enter at most %(max_digits)s digits."),
        "bool_type": _("Enter true or false."),
        "bool_parsing": _("Enter true or false."),
        "list_type": _("Enter a list."),
        "dict_type": _("Send a JSON object."),
        "model_type": _("Send a JSON object."),
        "model_attributes_type": _("Send a JSON object."),
        "json_invalid": _("The request body is not valid JSON."),
    }
    message = messages.get(kind)
    if message is None:
        return str(error.get("msg") or _("Enter a valid value."))
    try:
        return message % {key: str(value) for key, value in ctx.items()}
    except (KeyError, TypeError, ValueError):
        return message


def install_problem_handlers(api: NinjaAPI) -> None:
    """Render every error the API can raise as problem+json."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return problem(
            api,
            request,
            status=exc.status,
            code=exc.code,
            title=exc.message,
            errors=exc.fields or None,
        )

    @api.exception_handler(InsufficientScope)
    def insufficient_scope(
        request: HttpRequest, exc: InsufficientScope
    ) -> HttpResponse:
        response = domain_error(request, exc)
        # RFC 6750 section 3: what the client must ask for next time.
        response["WWW-Authenticate"] = (
            f'Bearer error="insufficient_scope", scope="{" ".join(exc.scopes)}"'
        )
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(
        request: HttpRequest, exc: NinjaValidationError
    ) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            field = _field_path(tuple(error.get("loc", ())))
            errors.setdefault(field, []).append(_validation_message(error))
        return problem(
            api,
            request,
            status=400,
            code=ErrorCode.INVALID_INPUT,
            title=_("Some fields are not valid."),
            errors=errors,
        )

    @api.exception_handler(DjangoValidationError)
    def model_validation_error(
        request: HttpRequest, exc: DjangoValidationError
    ) -> HttpResponse:
        # Services turn these into DomainError; this is the net under that rule.
        errors = (
            exc.message_dict
            if hasattr(exc, "error_dict")
            else {ALL_FIELDS: exc.messages}
        )
        return problem(
            api,
            request,
            status=400,
            code=ErrorCode.INVALID_INPUT,
            title=_("Some fields are not valid."),
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            api,
            request,
            status=401,
            code=ErrorCode.NOT_AUTHENTICATED,
            title=_("Sign in, or send a valid bearer token."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(CsrfFailed)
    def csrf_failed(request: HttpRequest, exc: CsrfFailed) -> HttpResponse:
        return problem(
            api, request, status=403, code=ErrorCode.CSRF_FAILED, title=str(exc.message)
        )

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return problem(
            api,
            request,
            status=429,
            code=ErrorCode.RATE_LIMITED,
            title=_("Too many requests. Please wait a little and try again."),
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(
            api, request, status=404, code=ErrorCode.NOT_FOUND, title=_("Not found.")
        )

    @api.exception_handler(DjangoPermissionDenied)
    def permission_denied(
        request: HttpRequest, exc: DjangoPermissionDenied
    ) -> HttpResponse:
        return problem(
            api,
            request,
            status=403,
            code=ErrorCode.FORBIDDEN,
            title=_("You are not allowed to do this."),
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400:
            # ninja raises this when the body is not parseable JSON.
            title = _(
                "The request body could not be read. "
                "Send a JSON object with Content-Type: application/json."
            )
        else:
            title = str(exc.message)
        return problem(
            api,
            request,
            status=status,
            code=getattr(default_code_for_status(status), "value", f"http_{status}"),
            title=title,
        )
