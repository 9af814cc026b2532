"""Who is calling: a browser session (with CSRF) or a personal bearer token.

A bearer token carries scopes (``accounts.models.ApiScope``), checked here and
nowhere else for every operation: safe methods need ``read``, unsafe ones
``write``, unless the handler says otherwise with :func:`requires_scopes`. The
back office adds ``ops`` on top, in its one gate
(``backoffice.access.require_back_office``), so an ops handler needs no mark.
A browser session has no scopes: it may do whatever its user may.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from doorstep.accounts.models import ApiScope, ApiToken, User
from doorstep.accounts.services import authenticate_api_token
from doorstep.core.errors import InsufficientScope
from doorstep.legal.gate import require_accepted_terms


class CsrfFailed(HttpError):
    """A signed-in browser session sent an unsafe request without a CSRF token."""

    def __init__(self) -> None:
        super().__init__(
            403, _("CSRF check failed. Send the X-CSRFToken header with the request.")
        )


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SCOPES_ATTRIBUTE = "_doorstep_scopes"


def requires_scopes(*scopes: ApiScope) -> Callable:
    """Mark a handler whose scopes are not the ones its method implies (e.g. a
    POST that only computes an answer and changes nothing needs ``read``)."""

    def mark(handler: Callable) -> Callable:
        setattr(handler, SCOPES_ATTRIBUTE, tuple(ApiScope(scope) for scope in scopes))
        return handler

    return mark


def scopes_for(method: str, handler: Callable | None) -> tuple[ApiScope, ...]:
    """The scopes a bearer token needs for ``method`` on ``handler``."""
    marked = getattr(handler, SCOPES_ATTRIBUTE, None)
    if marked is not None:
        return marked
    return (ApiScope.READ,) if method.upper() in SAFE_METHODS else (ApiScope.WRITE,)


def _handler_of(request: HttpRequest) -> Callable | None:
    # The ninja operation the URL resolved to; imported late because the API
    # object is built from this module's schemes.
    from doorstep.api.site import api

    match = request.resolver_match
    if match is None:
        return None
    return api.handler_for(request.method or "", match.route)


def require_scopes(token: ApiToken, scopes: tuple[str, ...]) -> None:
    """Raise ``InsufficientScope`` unless ``token`` has every one of ``scopes``."""
    missing = [scope for scope in scopes if not token.has_scope(scope)]
    if missing:
        raise InsufficientScope(
            scopes,
            _(
                "This token may not do this: it needs the %(scopes)s scope. "
                "Get a token with it from POST /api/v1/auth/tokens."
            )
            % {"scopes": ", ".join(missing)},
        )


class BearerToken(HttpBearer):
    """``Authorization: Bearer dst_…``. Needs no CSRF token: a browser never adds
    this header on its own, so a cross-site request cannot carry it."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = authenticate_api_token(token)
        if api_token is None:
            return None
        request.user = api_token.user
        # ``backoffice.access`` reads it: only a token minted with a second
        # factor may act as ops.
        request.api_token = api_token
        require_scopes(
            api_token, scopes_for(request.method or "", _handler_of(request))
        )
        require_accepted_terms(request, api_token.user)
        return api_token.user


class ActiveSession(SessionAuth):
    """The browser session of an active user, with Django's CSRF check for
    unsafe methods."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Check CSRF only when the session is signed in. A request with no
        # session is simply not signed in (401); ninja would otherwise answer
        # 403 "CSRF" to every anonymous POST, which tells clients the wrong thing.
        if not request.user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            raise CsrfFailed
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or not user.is_active:
            return None
        require_accepted_terms(request, user)
        return user


signed_in = [BearerToken(), ActiveSession()]


def session_or_token(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a private file the API links to (a ticket's attachment, a photo of
    evidence or of a claim): the browser's session, or the API's bearer token,
    so an app can fetch what its answers point at. A bearer token that does not
    authenticate answers 401; without one, a visitor is sent to sign in. The
    view still checks who may see the file."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            try:
                user = BearerToken().authenticate(request, token.strip())
            except InsufficientScope as error:
                refused = HttpResponse(status=403)
                scopes = " ".join(error.scopes)
                refused["WWW-Authenticate"] = (
                    f'Bearer error="insufficient_scope", scope="{scopes}"'
                )
                return refused
            if user is None:
                refused = HttpResponse(status=401)
                refused["WWW-Authenticate"] = "Bearer"
                return refused
            return view(request, *args, **kwargs)
        return login_required(view)(request, *args, **kwargs)

    return wrapped
