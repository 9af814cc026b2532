"""Every page must work under the Content-Security-Policy (scripts and styles from
files only): no inline <script>, no <style> blocks, no style="" or on*="" attributes.
The test renders each page and greps its HTML."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.urls import reverse

from doorstep.accounts.models import User
from doorstep.accounts.views import PHONE_LOGIN_SESSION_KEY

pytestmark = pytest.mark.django_db
PASSWORD = "x-Long-password-1"

# Data blocks (JSON-LD for search engines) are never executed, so CSP allows them.
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>", re.I
)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)

ANONYMOUS_PAGES = [
    ("web:home", {}),
    ("web:search", {"q": "cleaning", "location": "Shanghai"}),
    ("account_login", {}),
    ("account_signup", {}),
    ("account_reset_password", {}),
    ("account_reset_password_done", {}),
    ("account_email_verification_sent", {}),
    ("accounts:phone_login", {}),
]
SIGNED_IN_PAGES = [
    "web:home",
    "accounts:profile",
    "accounts:provider",
    "accounts:delete",
    "account_email",
    "account_change_password",
    "account_logout",
    "mfa_index",
]


def assert_no_inline_code(html: str) -> None:
    assert html.startswith("<!doctype html>")
    for pattern in (INLINE_SCRIPT, STYLE_BLOCK, STYLE_ATTRIBUTE, EVENT_ATTRIBUTE):
        found = pattern.search(html)
        assert found is None, f"inline code: {found.group(0)!r}"


@pytest.fixture
def customer() -> User:
    user = User.objects.create_user(
        email="ana@example.com", password=PASSWORD, name="Ana"
    )
    EmailAddress.objects.create(
        user=user, email=user.email, primary=True, verified=True
    )
    return user


@pytest.mark.parametrize(("name", "query"), ANONYMOUS_PAGES)
def test_anonymous_pages(client, name, query):
    response = client.get(reverse(name), query)

    assert response.status_code == 200
    assert_no_inline_code(response.content.decode())


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_pages(client, customer, name):
    client.force_login(customer)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert_no_inline_code(response.content.decode())


def test_form_errors_and_messages(client, customer):
    client.force_login(customer)

    response = client.post(reverse("accounts:provider"), {"latitude": "999"})

    assert 'class="errorlist"' in response.content.decode()
    assert_no_inline_code(response.content.decode())


def test_phone_code_page(client):
    session = client.session
    session[PHONE_LOGIN_SESSION_KEY] = {"phone": "+8613800138000", "next": None}
    session.save()

    response = client.get(reverse("accounts:phone_verify"))

    assert response.status_code == 200
    assert_no_inline_code(response.content.decode())


def test_two_factor_page(client, customer):
    Authenticator.objects.create(
        user=customer, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    response = client.post(
        reverse("account_login"), {"login": customer.email, "password": PASSWORD}
    )
    assert response.url == reverse("mfa_authenticate")

    response = client.get(response.url)

    assert response.status_code == 200
    assert_no_inline_code(response.content.decode())


@pytest.mark.parametrize("path", ["/no-such-page/", "/accounts/confirm-email/bad-key/"])
def test_error_and_invalid_link_pages(client, path):
    response = client.get(path)

    assert_no_inline_code(response.content.decode())
