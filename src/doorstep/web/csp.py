"""django-csp's middleware with each policy built once, not twice a response.

``csp.middleware.CSPMiddleware`` rebuilds the enforced and the report-only
policy from settings on every response (a dataclass ``asdict`` deep copy, the
directives sorted and joined): about 15 % of ``/healthz``'s CPU. The policy only
changes with settings or a view's ``@csp_update``/``@csp_replace``, so a
response without those gets the string built once for the settings object in
force (tests' ``override_settings`` swap the object, and with it the string).
Headers, exemptions, excluded prefixes and the nonce behave as in django-csp.
"""

import http.client as http_client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Stands in for the request's nonce in a cached policy; replaced per response.
_NONCE_MARK = "doorstep-csp-nonce-mark"

_POLICIES = (
    # header, setting, response attributes' suffix, report only
    (HEADER, "CONTENT_SECURITY_POLICY", "", False),
    (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_ro", True),
)


class CSPMiddleware(DjangoCSPMiddleware):
    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        # (setting's object, report only, with a nonce) -> policy
        self._built: dict[tuple[bool, bool], tuple[object, str]] = {}

    def _policy(
        self, request: HttpRequest, response: HttpResponseBase, suffix: str, ro: bool
    ) -> str:
        config = getattr(response, f"_csp_config{suffix}", None)
        update = getattr(response, f"_csp_update{suffix}", None)
        replace = getattr(response, f"_csp_replace{suffix}", None)
        nonce = getattr(request, "_csp_nonce", None)
        if config is not None or update is not None or replace is not None:
            return build_policy(config, update, replace, nonce, report_only=ro)
        source = getattr(settings, _POLICIES[ro][1], None)
        key = (ro, bool(nonce))
        built = self._built.get(key)
        if built is None or built[0] is not source:
            policy = build_policy(nonce=_NONCE_MARK if nonce else None, report_only=ro)
            built = self._built[key] = (source, policy)
        return built[1].replace(_NONCE_MARK, nonce) if nonce else built[1]

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        debug_codes = (http_client.INTERNAL_SERVER_ERROR, http_client.NOT_FOUND)
        if response.status_code in debug_codes and settings.DEBUG:
            return response
        for header, setting, suffix, ro in _POLICIES:
            policy = self._policy(request, response, suffix, ro)
            if not policy or header in response:
                continue
            if getattr(response, f"_csp_exempt{suffix}", False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get(
                "EXCLUDE_URL_PREFIXES"
            ) or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
