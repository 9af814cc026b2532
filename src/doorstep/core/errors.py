"""The one error type that services raise.

A service that refuses an action raises :class:`DomainError` with a stable ``code``
(for clients to branch on), a translatable ``message`` (for people), an HTTP-like
``status`` the API renders as problem+json, and optional per-field messages that
web forms show beside the field.
"""

from collections.abc import Mapping


class DomainError(Exception):
    status: int = 422

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        fields: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.fields = dict(fields or {})


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class RateLimited(DomainError):
    status = 429
