"""Agreeing at sign-up, and being asked again when a material version comes
out: on the website before any other page, in the API before any write."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from doorstep.accounts.models import User
from doorstep.legal.models import PolicyAcceptance
from doorstep.legal.tests.conftest import publish
from doorstep.notifications.models import Kind, Notification
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-Very-long-passphrase-42"
API = "/api/v1"
JSON = "application/json"


def _web_signup(client, **changes):
    data = {
        "email": "mei@example.com",
        "password1": PASSWORD,
        "name": "Mei Chen",
        "accept_terms": "on",
    }
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(
        reverse("account_signup"),
        data,
        HTTP_ACCEPT_LANGUAGE="en",
        REMOTE_ADDR="10.1.2.3",
    )


def _api_signup(client, **changes):
    body = {
        "email": "bo@example.com",
        "password": PASSWORD,
        "name": "Bo Chen",
        "accept_terms": True,
    }
    body.update(changes)
    body = {key: value for key, value in body.items() if value is not None}
    return client.post(
        f"{API}/auth/signup",
        json.dumps(body),
        content_type=JSON,
        REMOTE_ADDR="10.9.9.9",
    )


# --- At sign-up ---------------------------------------------------------------------


def test_web_sign_up_records_the_versions_agreed_to_with_a_hashed_address(
    client, policies
):
    response = _web_signup(client)

    assert response.status_code == 302
    user = User.objects.get(email="mei@example.com")
    accepted = PolicyAcceptance.objects.filter(user=user)
    assert {a.version for a in accepted} == set(policies.values())
    acceptance = accepted.first()
    assert acceptance.source == "signup"
    assert len(acceptance.ip_hash) == 64
    assert "10.1.2.3" not in acceptance.ip_hash


def test_web_sign_up_without_the_box_shows_the_error_beside_it_and_creates_nothing(
    client, policies
):
    response = _web_signup(client, accept_terms=None)

    assert response.status_code == 200
    assert 'id="id_accept_terms_error"' in response.text
    assert "Tick the box to agree" in response.text
    assert not User.objects.filter(email="mei@example.com").exists()
    assert not PolicyAcceptance.objects.exists()


def test_the_sign_up_form_links_both_documents(client):
    html = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="en").text

    assert "I agree to the terms of service and privacy policy" in html
    assert f'href="{reverse("legal:terms")}"' in html
    assert f'href="{reverse("legal:privacy")}"' in html


def test_api_sign_up_records_the_acceptance(client, policies):
    response = _api_signup(client)

    assert response.status_code == 201, response.content
    user = User.objects.get(email="bo@example.com")
    assert PolicyAcceptance.objects.filter(user=user, source="signup").count() == 2


@pytest.mark.parametrize("value", [False, None])
def test_api_sign_up_without_agreeing_is_a_400_naming_the_field(
    client, policies, value
):
    response = _api_signup(client, accept_terms=value)

    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert list(problem["errors"]) == ["accept_terms"]
    assert not User.objects.filter(email="bo@example.com").exists()
    assert not EmailAddress.objects.exists()


def test_signing_up_before_anything_is_published_records_nothing_yet(client):
    response = _web_signup(client)

    assert response.status_code == 302
    assert not PolicyAcceptance.objects.exists()


# --- Asked again on the website -----------------------------------------------------


def test_without_any_version_nobody_is_asked_anything(client):
    client.force_login(make_user())

    assert client.get(reverse("accounts:profile")).status_code == 200


def test_people_who_joined_before_the_first_version_must_accept_it(client, policies):
    client.force_login(make_user())

    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("legal:accept"))
    assert "next=%2Faccounts%2Fprofile%2F" in response["Location"]


def test_accepting_on_the_page_lets_the_person_carry_on(client, policies):
    user = make_user()
    client.force_login(user)

    page = client.get(reverse("legal:accept"))
    response = client.post(
        reverse("legal:accept"), {"agree": "on", "next": "/accounts/profile/"}
    )

    assert page.status_code == 200
    assert "First version." in page.text
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert PolicyAcceptance.objects.filter(user=user, source="web").count() == 2
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_the_accept_page_refuses_without_the_box_and_records_nothing(client, policies):
    user = make_user()
    client.force_login(user)

    response = client.post(reverse("legal:accept"), {"next": "/"})

    assert response.status_code == 400
    assert 'id="id_agree_error"' in response.text
    assert not PolicyAcceptance.objects.filter(user=user).exists()


def test_the_accept_page_never_redirects_to_another_site(client, policies):
    client.force_login(make_user())

    response = client.post(
        reverse("legal:accept"), {"agree": "on", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_a_material_version_asks_again_but_an_editorial_fix_does_not(
    client, policies, ops_admin
):
    user = make_user()
    client.force_login(user)
    client.post(reverse("legal:accept"), {"agree": "on"})

    publish("terms", material=False, actor=ops_admin, summary_en="Typo fixed.")
    assert client.get(reverse("accounts:profile")).status_code == 200

    publish("privacy", material=True, actor=ops_admin, summary_en="New processor.")
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    accept_page = client.get(reverse("legal:accept"))
    assert "New processor." in accept_page.text
    assert "Typo fixed." not in accept_page.text


def test_some_pages_stay_open_before_accepting(client, policies):
    client.force_login(make_user())

    for name in ("legal:terms", "legal:privacy", "legal:export", "accounts:delete"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.post(reverse("account_logout")).status_code == 302
    assert not client.session.get("_auth_user_id")


def test_an_htmx_write_is_told_to_go_to_the_accept_page(client, policies):
    client.force_login(make_user())

    response = client.post(reverse("accounts:profile"), HTTP_HX_REQUEST="true")
    polled = client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == reverse("legal:accept")
    assert polled.status_code == 200


# --- Asked again in the API ---------------------------------------------------------


def _token(user) -> str:
    from doorstep.accounts.services import create_api_token

    _token_row, raw = create_api_token(user=user, name="test")
    return raw


def test_api_writes_are_refused_until_the_client_accepts(client, policies):
    user = make_user()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(user)}"}

    read = client.get(f"{API}/me", **auth)
    write = client.patch(
        f"{API}/me", json.dumps({"name": "New"}), content_type=JSON, **auth
    )
    status = client.get(f"{API}/me/terms", **auth)

    assert read.status_code == 200
    assert write.status_code == 403
    problem = write.json()
    assert problem["code"] == "terms_not_accepted"
    assert "/legal/accept/" in problem["title"]
    assert "POST /api/v1/me/terms/accept" in problem["title"]
    user.refresh_from_db()
    assert user.name != "New"
    assert [p["document"] for p in status.json()["pending"]] == ["terms", "privacy"]

    accepted = client.post(f"{API}/me/terms/accept", **auth)
    assert accepted.status_code == 200
    assert accepted.json()["pending"] == []
    assert len(accepted.json()["accepted"]) == 2
    assert PolicyAcceptance.objects.filter(user=user, source="api").count() == 2
    again = client.patch(
        f"{API}/me", json.dumps({"name": "New"}), content_type=JSON, **auth
    )
    assert again.status_code == 200


def test_a_browser_session_on_the_api_is_refused_too(client, policies):
    user = make_user()
    client.force_login(user)

    response = client.post(
        f"{API}/me/addresses",
        json.dumps(
            {"label": "Home", "address": "1 Road", "latitude": 1, "longitude": 2}
        ),
        content_type=JSON,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "terms_not_accepted"
    assert not user.addresses.exists()


def test_a_client_that_does_not_agree_can_still_close_the_account(client, policies):
    user = make_user(password="pw-" + "x" * 10)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(user)}"}

    response = client.delete(
        f"{API}/me",
        json.dumps({"password": "pw-" + "x" * 10}),
        content_type=JSON,
        **auth,
    )

    assert response.status_code == 204
    user.refresh_from_db()
    assert user.deleted_at is not None


def test_accepting_twice_records_one_row_per_version(client, policies):
    user = make_user()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {_token(user)}"}

    client.post(f"{API}/me/terms/accept", **auth)
    client.post(f"{API}/me/terms/accept", **auth)

    assert PolicyAcceptance.objects.filter(user=user).count() == 2


def test_the_accept_endpoint_needs_a_signed_in_caller(client, policies):
    response = client.post(f"{API}/me/terms/accept")

    assert response.status_code == 401
    assert not PolicyAcceptance.objects.exists()


def test_the_openapi_document_lists_terms_not_accepted_on_writes(client):
    document = client.get(f"{API}/openapi.json").json()
    patch_me = document["paths"][f"{API}/me"]["patch"]["responses"]["403"]
    get_me = document["paths"][f"{API}/me"]["get"]["responses"]

    assert "terms_not_accepted" in json.dumps(patch_me)
    assert "terms_not_accepted" not in json.dumps(get_me)


# --- Told about a new version -------------------------------------------------------


def test_a_material_version_notifies_every_active_account(
    ops_admin, django_capture_on_commit_callbacks
):
    people = [make_user(), make_user(language="zh-hans")]
    closed = make_user(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        version = publish("terms", actor=ops_admin)

    notices = Notification.objects.filter(kind=Kind.POLICY)
    recipients = set(notices.values_list("recipient", flat=True))
    assert {p.pk for p in people} <= recipients
    assert closed.pk not in recipients
    chinese = notices.get(recipient=people[1])
    assert "服务条款" in chinese.title
    assert chinese.url == reverse("legal:accept")
    before = notices.count()
    with django_capture_on_commit_callbacks(execute=True):
        publish("terms", material=False, actor=ops_admin, summary_en="Typo.")
    assert Notification.objects.filter(kind=Kind.POLICY).count() == before
    assert version.number == 1
