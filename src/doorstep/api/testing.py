"""Helpers for API tests: people with credentials, and checks on problem bodies.

They build data through the real services, so tests exercise what production runs.
"""

from typing import Any

from allauth.account.models import EmailAddress
from django.http import HttpResponse

from doorstep.accounts import services
from doorstep.accounts.models import User
from doorstep.api.problems import PROBLEM_CONTENT_TYPE

API = "/api/v1"
PASSWORD = "plum-kettle-47-orbit"  # noqa: S105 - a test credential
JSON = "application/json"


def make_user(
    *,
    email: str = "ann@example.com",
    name: str = "Ann Lee",
    password: str = PASSWORD,
    verified: bool = True,
) -> User:
    """A customer signed up through ``sign_up``, with the e-mail confirmed unless
    ``verified`` is false."""
    user = services.sign_up(email=email, password=password, name=name)
    if verified:
        EmailAddress.objects.filter(user=user).update(verified=True)
    return user


def bearer(
    user: User,
    *,
    name: str = "tests",
    second_factor: bool = False,
    scopes: list[str] | None = None,
) -> dict[str, str]:
    """Request headers (as test-client keyword arguments) with a new token;
    ``second_factor`` as ``POST /auth/tokens`` mints it after a TOTP code (what
    ops tokens need); ``scopes`` as chosen there (left out: the defaults)."""
    _token, raw = services.create_api_token(
        user=user, name=name, second_factor=second_factor, scopes=scopes
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def ops_bearer(user: User) -> dict[str, str]:
    """Headers with a token minted after the second factor, as ops use."""
    return bearer(user, second_factor=True)


def assert_problem(
    response: HttpResponse, status: int, code: str | None = None
) -> dict[str, Any]:
    """Check that ``response`` is an RFC 9457 problem with ``status`` (and
    ``code``) and return its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert {"type", "title", "status", "code"} <= body.keys(), body
    assert body["status"] == status
    assert body["title"]
    if code is not None:
        assert body["code"] == code, body
    return body
