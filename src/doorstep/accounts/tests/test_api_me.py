"""The caller's own account through the API: read, change, close; sessions and CSRF."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.test import Client

from doorstep.accounts.models import ApiToken, SavedAddress, User
from doorstep.accounts.services import add_address, become_provider
from doorstep.api.testing import (
    API,
    JSON,
    PASSWORD,
    assert_problem,
    bearer,
    make_user,
)

pytestmark = pytest.mark.django_db

CSRF_SECRET = "k" * 32  # a well-formed secret: Django accepts it unmasked


def _session_client(user: User, *, enforce_csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


def _with_csrf(client: Client) -> dict[str, str]:
    client.cookies[django_settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return {"HTTP_X_CSRFTOKEN": CSRF_SECRET}


# --- Reading ----------------------------------------------------------------------


def test_me_by_bearer_token(client):
    user = make_user()

    response = client.get(API + "/me", **bearer(user))

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": user.public_id,
        "email": "ann@example.com",
        "email_verified": True,
        "phone": None,
        "phone_verified": False,
        "name": "Ann Lee",
        "language": "en",
        "time_zone": "UTC",
        "roles": ["customer"],
        "date_joined": body["date_joined"],
    }


def test_me_by_session():
    user = make_user()

    response = _session_client(user, enforce_csrf=True).get(API + "/me")

    assert response.status_code == 200
    assert response.json()["id"] == user.public_id


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("patch", {"name": "X"}), ("delete", {"password": PASSWORD})],
)
def test_me_needs_a_signed_in_caller(client, method, body):
    user = make_user()
    kwargs = {"data": body, "content_type": JSON} if body else {}

    response = getattr(client, method)(API + "/me", **kwargs)

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")
    user.refresh_from_db()
    assert (user.name, user.is_active) == ("Ann Lee", True)


def test_an_inactive_users_session_is_not_signed_in():
    user = make_user()
    client = _session_client(user, enforce_csrf=False)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert_problem(client.get(API + "/me"), 401, "not_authenticated")


# --- Changing ---------------------------------------------------------------------


def test_patch_me_changes_only_the_fields_sent(client):
    user = make_user()

    response = client.patch(
        API + "/me",
        {"language": "zh-hant", "time_zone": "Asia/Taipei"},
        content_type=JSON,
        **bearer(user),
    )

    assert response.status_code == 200, response.content
    assert response.json()["language"] == "zh-hant"
    user.refresh_from_db()
    assert (user.name, user.language, user.time_zone) == (
        "Ann Lee",
        "zh-hant",
        "Asia/Taipei",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "klingon"}, "language"),
        ({"language": "EN"}, "language"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"name": "x" * 151}, "name"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"language": 7}, "language"),
        ({"email": "new@example.com"}, "email"),
        ({"name": "Fine Name", "time_zone": "Nowhere/Town"}, "time_zone"),
    ],
    ids=[
        "unknown-language",
        "language-wrong-case",
        "unknown-zone",
        "zone-path",
        "empty-zone",
        "over-long-name",
        "blank-name",
        "null-name",
        "language-not-text",
        "read-only-field",
        "one-good-one-bad",
    ],
)
def test_bad_patch_me_is_refused_per_field_and_writes_nothing(client, body, field):
    # given
    user = make_user()
    headers = bearer(user)

    # when
    response = client.patch(API + "/me", body, content_type=JSON, **headers)

    # then
    assert list(assert_problem(response, 400, "invalid_input")["errors"]) == [field]
    user.refresh_from_db()
    assert (user.name, user.language, user.time_zone, user.email) == (
        "Ann Lee",
        "en",
        "UTC",
        "ann@example.com",
    )


# --- CSRF -------------------------------------------------------------------------


def test_a_session_write_without_csrf_token_is_forbidden():
    # given a signed-in browser session that sends no CSRF token
    user = make_user()
    client = _session_client(user, enforce_csrf=True)

    # when
    response = client.patch(API + "/me", {"name": "Evil"}, content_type=JSON)
    post = client.post(
        API + "/me/addresses",
        {"label": "Home", "address": "1 Road", "latitude": 1, "longitude": 2},
        content_type=JSON,
    )

    # then
    assert_problem(response, 403, "csrf_failed")
    assert_problem(post, 403, "csrf_failed")
    user.refresh_from_db()
    assert user.name == "Ann Lee"
    assert SavedAddress.objects.count() == 0


def test_a_session_write_with_the_csrf_token_goes_through():
    user = make_user()
    client = _session_client(user, enforce_csrf=True)

    response = client.patch(
        API + "/me", {"name": "Ann L."}, content_type=JSON, **_with_csrf(client)
    )

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.name == "Ann L."


def test_a_bearer_token_needs_no_csrf_token():
    user = make_user()
    client = Client(enforce_csrf_checks=True)

    response = client.patch(
        API + "/me", {"name": "Ann L."}, content_type=JSON, **bearer(user)
    )

    assert response.status_code == 200, response.content


def test_an_anonymous_write_is_unauthenticated_not_a_csrf_failure():
    response = Client(enforce_csrf_checks=True).patch(
        API + "/me", {"name": "X"}, content_type=JSON
    )

    assert_problem(response, 401, "not_authenticated")


# --- Closing the account ----------------------------------------------------------


def test_closing_the_account_erases_personal_data_and_every_token(client):
    # given an account with tokens, an address and a provider side
    user = make_user()
    headers = bearer(user)
    bearer(user, name="second")
    add_address(
        user=user, label="Home", address="1 Road", latitude=31.2, longitude=121.5
    )
    become_provider(user=user, display_name="Ann", latitude=31.2, longitude=121.5)

    # when
    response = client.delete(
        API + "/me", {"password": PASSWORD}, content_type=JSON, **headers
    )

    # then
    assert response.status_code == 204, response.content
    user.refresh_from_db()
    assert not user.is_active
    assert user.email is None
    assert user.name == ""
    assert user.deleted_at is not None
    assert not user.has_usable_password()
    assert ApiToken.objects.filter(user=user).count() == 0
    assert SavedAddress.objects.filter(user=user).count() == 0
    assert EmailAddress.objects.filter(user=user).count() == 0
    assert_problem(client.get(API + "/me", **headers), 401)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (None, 422, "password_required"),
        ({}, 422, "password_required"),
        ({"password": ""}, 422, "password_required"),
        ({"password": "not-my-password"}, 403, "password_incorrect"),
    ],
    ids=["no-body", "empty-body", "blank", "wrong"],
)
def test_closing_the_account_needs_the_password(client, body, status, code):
    user = make_user()
    headers = bearer(user)
    kwargs = {"data": body, "content_type": JSON} if body is not None else {}

    response = client.delete(API + "/me", **kwargs, **headers)

    assert "password" in assert_problem(response, status, code)["errors"]
    user.refresh_from_db()
    assert user.is_active
    assert user.email == "ann@example.com"
    assert ApiToken.objects.filter(user=user).count() == 1


def test_an_account_without_a_password_closes_without_one(client):
    # given someone who signed in by phone only
    user = User.objects.create_user(phone="+8613800138000")
    headers = bearer(user)

    response = client.delete(API + "/me", **headers)

    assert response.status_code == 204, response.content
    user.refresh_from_db()
    assert not user.is_active
    assert user.phone is None


def test_closing_the_account_by_session_signs_the_browser_out():
    user = make_user()
    client = _session_client(user, enforce_csrf=True)

    response = client.delete(
        API + "/me",
        {"password": PASSWORD},
        content_type=JSON,
        **_with_csrf(client),
    )

    assert response.status_code == 204, response.content
    assert "_auth_user_id" not in client.session
    assert_problem(client.get(API + "/me"), 401)
