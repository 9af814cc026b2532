"""Who is calling: a browser session (with CSRF) or a personal bearer token."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from doorstep.accounts.models import User
from doorstep.accounts.services import authenticate_api_token
from doorstep.legal.gate import require_accepted_terms


class CsrfFailed(HttpError):
    """A signed-in browser session sent an unsafe request without a CSRF token."""

    def __init__(self) -> None:
        super().__init__(
            403, _("CSRF check failed. Send the X-CSRFToken header with the request.")
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
            if BearerToken().authenticate(request, token.strip()) is None:
                refused = HttpResponse(status=401)
                refused["WWW-Authenticate"] = "Bearer"
                return refused
            return view(request, *args, **kwargs)
        return login_required(view)(request, *args, **kwargs)

    return wrapped
