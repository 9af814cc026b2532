"""The one error type that services raise.

A service that refuses an action raises :class:`DomainError` with a stable ``code``
(for clients to branch on), a translatable ``message`` (for people) and optional
per-field messages that web forms show beside the field. The code must be one of
:class:`~doorstep.core.error_codes.ErrorCode`, which also gives the HTTP status
the API renders it with as problem+json.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from doorstep.core.error_codes import ErrorCode


class UnregisteredErrorCode(ValueError):
    """A programming error: the code is missing from ``ErrorCode``, or is raised
    with a status other than the one registered there."""


class DomainError(Exception):
    # The status a subclass stands for; a code raised through it must agree.
    expected_status: int | None = None

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        fields: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        try:
            registered = ErrorCode(code)
        except ValueError:
            raise UnregisteredErrorCode(
                f"Error code {code!r} is not in doorstep.core.error_codes.ErrorCode."
            ) from None
        claimed = status or self.expected_status
        if claimed is not None and claimed != registered.status:
            raise UnregisteredErrorCode(
                f"Error code {code!r} is registered with status "
                f"{registered.status}, raised with {claimed}."
            )
        self.code = registered.value
        self.message = message
        self.status = registered.status
        self.fields = dict(fields or {})


class NotFound(DomainError):
    expected_status = 404


class PermissionDenied(DomainError):
    expected_status = 403


class Conflict(DomainError):
    expected_status = 409


class RateLimited(DomainError):
    expected_status = 429


RAISES_ATTRIBUTE = "_doorstep_raises"


def raises(*sources: str | Callable[..., Any]) -> Callable:
    """Name errors a function can raise that reading its calls does not show:
    codes, or functions it runs indirectly (through a table, a gateway object),
    whose calls are then read as its own. The API's OpenAPI document reads this
    (see ``doorstep.api.openapi``); a code is checked against the registry here,
    at import."""
    for source in sources:
        if not callable(source):
            ErrorCode(source)

    def mark(function: Callable) -> Callable:
        marked = (*getattr(function, RAISES_ATTRIBUTE, ()), *sources)
        setattr(function, RAISES_ATTRIBUTE, marked)
        return function

    return mark


@raises(ErrorCode.INSUFFICIENT_SCOPE.value)
class InsufficientScope(PermissionDenied):
    """A bearer token without a scope the operation needs (RFC 6750
    ``insufficient_scope``); ``scopes`` are the ones it needs, for the
    ``WWW-Authenticate`` header."""

    def __init__(self, scopes: Sequence[str], message: str) -> None:
        super().__init__(ErrorCode.INSUFFICIENT_SCOPE.value, message)
        self.scopes = tuple(scopes)
