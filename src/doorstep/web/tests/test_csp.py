"""The CSP middleware builds its policy once and writes what django-csp would."""

from csp.constants import NONCE
from csp.decorators import csp_update
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from doorstep.web.csp import CSPMiddleware


def _respond(view=lambda request: HttpResponse("ok"), *, nonce: bool = False):
    middleware = CSPMiddleware(view)
    request = RequestFactory().get("/")

    def handler(request):
        if nonce:
            str(request.csp_nonce)
        return view(request)

    middleware.get_response = handler
    return request, middleware(request)


def test_the_header_is_django_csps_policy():
    _request, response = _respond()

    assert response["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in response


def test_a_changed_setting_changes_the_header():
    policy = {"DIRECTIVES": {"default-src": ["'none'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        _request, response = _respond()

    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_each_request_gets_its_own_nonce():
    policy = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        first, first_response = _respond(nonce=True)
        second, second_response = _respond(nonce=True)
        expected = [build_policy(nonce=r._csp_nonce) for r in (first, second)]

    assert first._csp_nonce != second._csp_nonce
    assert f"'nonce-{first._csp_nonce}'" in expected[0]
    assert first_response["Content-Security-Policy"] == expected[0]
    assert second_response["Content-Security-Policy"] == expected[1]


def test_a_views_update_is_applied():
    view = csp_update({"img-src": ["https://pay.example"]})(
        lambda request: HttpResponse("ok")
    )

    _request, response = _respond(view)

    assert "https://pay.example" in response["Content-Security-Policy"]
    _request, plain = _respond()
    assert "https://pay.example" not in plain["Content-Security-Policy"]
