"""Asking again: a signed-in person who has not accepted the material versions
in force is sent to accept them before anything else.

* On the website, ``AcceptTermsMiddleware`` redirects every page to the accept
  page — except signing out, the policies themselves, closing the account and
  downloading one's data (someone who does not agree must still be able to
  read, leave and take their data), static files and the API. Fragments htmx
  fetches with GET (the notification bell) pass; htmx writes are sent to the
  accept page.
* The API answers write operations with 403 ``terms_not_accepted`` until the
  client accepts through ``POST /api/v1/me/terms/accept``; reads keep working
  (``api.auth`` calls ``require_accepted_terms``).
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from doorstep.core.errors import PermissionDenied
from doorstep.legal.queries import pending_versions, required_versions

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Pages (``namespace:name`` or allauth's bare names) a person who has not
# accepted yet may still open.
EXEMPT_VIEWS = frozenset(
    {
        "account_logout",
        "accounts:delete",
        "set_language",
        "healthz",
        "readyz",
    }
)
EXEMPT_NAMESPACES = frozenset({"legal"})
# API operations (method, route below /api/v1/) that stay open: accepting,
# closing the account, revoking a token, and ops publishing the next version
# (as the web's legal pages: a fix right after a material version must not
# wait for its publisher to accept it).
EXEMPT_API_ROUTES = frozenset(
    {
        ("POST", "me/terms/accept"),
        ("DELETE", "me"),
        ("DELETE", "auth/tokens/<token_id>"),
        ("POST", "ops/legal/<document>/versions"),
    }
)
# Remembered in the session: the required version ids this session's person
# was found to have accepted, so a page costs one small query, not two.
SESSION_KEY = "doorstep_terms_ok"


def _exempt_path(path: str) -> bool:
    prefixes = ["/api/", "/" + settings.STATIC_URL.lstrip("/")]
    if settings.MEDIA_URL:
        prefixes.append("/" + settings.MEDIA_URL.lstrip("/"))
    return any(path.startswith(prefix) for prefix in prefixes)


class AcceptTermsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _exempt_path(request.path):
            return None
        match = request.resolver_match
        if match is not None and (
            match.view_name in EXEMPT_VIEWS or match.namespace in EXEMPT_NAMESPACES
        ):
            return None
        required = required_versions()
        if not required:
            return None
        ids = sorted(version.pk for version in required)
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) == ids:
            return None
        htmx = bool(getattr(request, "htmx", False))
        if htmx and request.method == "GET":
            # A fragment a page polls (the notification bell): the page itself
            # was already held at the gate, and the accept page polls too.
            return None
        if pending_versions(user, required=required):
            target = reverse("legal:accept")
            if htmx:
                return HttpResponseClientRedirect(target)
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        if session is not None:
            session[SESSION_KEY] = ids
        return None


def require_accepted_terms(request: HttpRequest, user) -> None:
    """For the API: raise 403 ``terms_not_accepted`` on a write operation while
    ``user`` has material versions to accept."""
    if request.method not in UNSAFE_METHODS:
        return
    match = request.resolver_match
    route = match.route if match is not None else ""
    prefix = "api/v1/"
    if route.startswith(prefix):
        route = route[len(prefix) :]
    if (request.method, route) in EXEMPT_API_ROUTES:
        return
    if pending_versions(user):
        raise PermissionDenied(
            "terms_not_accepted",
            _(
                "Our terms or privacy policy changed. Read them at %(url)s and "
                "accept them with POST /api/v1/me/terms/accept to continue."
            )
            % {"url": request.build_absolute_uri(reverse("legal:accept"))},
        )
