"""Every account e-mail (allauth's verification and password reset included)
speaks the recipient's saved language and names the site by its name — never
"Hello from 127.0.0.1" or the host the request came through."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from doorstep.api.testing import API, JSON
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-Very-long-passphrase-42"


@pytest.fixture(autouse=True)
def _site_name(settings):
    settings.DOORSTEP_SITE_NAME = "Doorstep Test Site"
    settings.DOORSTEP_BASE_URL = "https://doorstep.example"


def _signup_api(client, language: str):
    body = {
        "email": "bo@example.com",
        "password": PASSWORD,
        "name": "Bo Chen",
        "language": language,
        "accept_terms": True,
    }
    return client.post(f"{API}/auth/signup", data=json.dumps(body), content_type=JSON)


def _assert_no_host_names(message) -> None:
    # Links point where the person came from; the words name the site.
    words = [line for line in message.body.splitlines() if "://" not in line]
    text = message.subject + "\n".join(words)
    for host in ("127.0.0.1", "testserver", "localhost"):
        assert host not in text, host


def test_the_verification_email_speaks_the_new_users_language(client, mailoutbox):
    # Given a person signing up in Simplified Chinese through the API
    response = _signup_api(client, "zh-hans")

    # Then the verification e-mail is in Chinese and names the site
    assert response.status_code == 201, response.content
    (message,) = mailoutbox
    assert "Doorstep Test Site" in message.subject
    assert "Doorstep Test Site" in message.body
    assert "确认" in message.subject
    assert "Hello" not in message.body
    assert "/accounts/confirm-email/" in message.body
    _assert_no_host_names(message)


def test_the_web_signup_email_names_the_site(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "cora@example.com",
            "password1": PASSWORD,
            "name": "Cora",
            "accept_terms": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302, response.content
    (message,) = mailoutbox
    assert message.subject.startswith("[Doorstep Test Site]")
    assert "Doorstep Test Site" in message.body
    _assert_no_host_names(message)


def test_a_password_reset_speaks_the_saved_language_not_the_browsers(
    client, mailoutbox
):
    # Given a person whose saved language is Traditional Chinese
    user = make_user(email="mei@example.com", password=PASSWORD, language="zh-hant")
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )

    # When a reset is asked for from an English browser
    client.post(
        reverse("account_reset_password"),
        {"email": "mei@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    # Then the e-mail is in Traditional Chinese, with the site's name
    (message,) = mailoutbox
    assert "密碼" in message.subject
    assert "Doorstep Test Site" in message.body
    assert "/accounts/password/reset/key/" in message.body
    _assert_no_host_names(message)
