import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from doorstep.accounts.models import User

pytestmark = pytest.mark.django_db


def test_signing_in_switches_the_site_to_the_saved_language(client):
    user = User.objects.create_user(
        email="mei@example.com", password="a-long-password-1", language="zh-hant"
    )
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )

    response = client.post(
        reverse("account_login"),
        {"login": "mei@example.com", "password": "a-long-password-1"},
    )

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"
    assert 'lang="zh-hant"' in client.get("/").content.decode()
