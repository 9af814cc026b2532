"""Choosing a language in the header while signed in saves it on the profile, so
notifications and e-mails (written in the saved language) follow the choice
instead of staying in English."""

import pytest
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_signed_in_choice_is_saved_on_the_profile(client):
    user = make_user(language="en")
    client.force_login(user)

    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/"}
    )

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "zh-hans"
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_an_unknown_language_changes_nothing(client):
    user = make_user(language="en")
    client.force_login(user)

    client.post(reverse("set_language"), {"language": "xx", "next": "/"})

    user.refresh_from_db()
    assert user.language == "en"


def test_a_visitor_still_switches_by_cookie(client):
    response = client.post(
        reverse("set_language"), {"language": "zh-hant", "next": "/"}
    )

    assert response.cookies["django_language"].value == "zh-hant"
