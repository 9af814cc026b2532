"""Phone sign-in pages: number → SMS code → signed in (through allauth's stages)."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from doorstep.accounts.models import PhoneCode, User
from doorstep.accounts.views import PHONE_LOGIN_SESSION_KEY

pytestmark = pytest.mark.django_db
PHONE = "+8613800138000"


@pytest.fixture
def request_code(client, sms_outbox, django_capture_on_commit_callbacks):
    """Ask for a code through the page; return the code the SMS carried."""

    def request_code(phone: str = PHONE) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:phone_login"), {"phone": phone})
        assert response.status_code == 302, response.content.decode()
        assert response.url == reverse("accounts:phone_verify")
        return re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)

    return request_code


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _field_error(html: str, field: str) -> str:
    match = re.search(
        rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S
    )
    return match.group(1) if match else ""


def test_phone_page_renders(client):
    response = client.get(reverse("accounts:phone_login"))

    assert response.status_code == 200
    assert 'type="tel"' in response.content.decode()


def test_right_code_signs_in(client, request_code, sms_outbox):
    code = request_code()
    assert sms_outbox[-1].to == PHONE
    assert client.session[PHONE_LOGIN_SESSION_KEY]["phone"] == PHONE

    response = client.post(reverse("accounts:phone_verify"), {"code": code})

    assert response.status_code == 302
    assert response.url == reverse("web:home")
    user = User.objects.get(phone=PHONE)
    assert client.session[SESSION_KEY] == str(user.pk)
    assert PHONE_LOGIN_SESSION_KEY not in client.session


def test_next_is_kept_through_both_steps(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:phone_login") + "?next=/accounts/profile/",
            {"phone": PHONE, "next": "/accounts/profile/"},
        )
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)

    response = client.post(reverse("accounts:phone_verify"), {"code": code})

    assert response.url == "/accounts/profile/"


def test_next_to_another_site_is_ignored(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:phone_login"),
            {"phone": PHONE, "next": "https://evil.example/"},
        )
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)

    response = client.post(reverse("accounts:phone_verify"), {"code": code})

    assert response.url == reverse("web:home")


def test_invalid_number_shows_the_error_beside_the_field(client, sms_outbox):
    response = client.post(reverse("accounts:phone_login"), {"phone": "12"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid phone number" in _field_error(html, "phone")
    assert 'aria-invalid="true"' in html
    assert sms_outbox == []


def test_wrong_code_shows_the_error_beside_the_field(client, request_code):
    code = request_code()

    response = client.post(reverse("accounts:phone_verify"), {"code": _wrong(code)})

    assert response.status_code == 200
    assert "That code is not right" in _field_error(response.content.decode(), "code")
    assert SESSION_KEY not in client.session
    assert PhoneCode.objects.get().failed_attempts == 1


def test_expired_code_shows_the_error_beside_the_field(client, request_code):
    code = request_code()
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post(reverse("accounts:phone_verify"), {"code": code})

    assert "This code has expired" in _field_error(response.content.decode(), "code")
    assert SESSION_KEY not in client.session


def test_code_that_is_not_six_digits_is_refused_by_the_form(client, request_code):
    request_code()

    response = client.post(reverse("accounts:phone_verify"), {"code": "12ab56"})

    assert "The code is 6 digits." in _field_error(response.content.decode(), "code")
    assert PhoneCode.objects.get().failed_attempts == 0


def test_verify_page_without_a_pending_number_goes_back_to_step_one(client):
    response = client.get(reverse("accounts:phone_verify"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:phone_login")


def test_ops_staff_cannot_sign_in_by_phone_code(client, request_code):
    User.objects.create_user(
        email="ops@example.com",
        password="x-Long-password-1",
        phone=PHONE,
        is_staff=True,
    )
    code = request_code()

    response = client.post(reverse("accounts:phone_verify"), {"code": code})

    assert SESSION_KEY not in client.session
    assert response.status_code == 200
    assert (
        "Operations staff cannot sign in with a phone code" in response.content.decode()
    )


def test_two_factor_authentication_still_applies(client, request_code):
    user = User.objects.create_user(phone=PHONE, phone_verified=True, name="Mei")
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "not-used-here"}
    )
    code = request_code()

    response = client.post(reverse("accounts:phone_verify"), {"code": code})

    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session

    page = client.get(response.url)
    assert page.status_code == 200
    assert '<main id="main"' in page.content.decode()


def test_too_many_code_requests_from_one_address_get_the_429_page(client, settings):
    settings.DOORSTEP_RATE_LIMITS = {
        **settings.DOORSTEP_RATE_LIMITS,
        "phone_code_per_ip": "2/h",
    }
    for number in ("+8613800138001", "+8613800138002"):
        client.post(reverse("accounts:phone_login"), {"phone": number})

    response = client.post(reverse("accounts:phone_login"), {"phone": "+8613800138003"})

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many requests" in html
    assert '<main id="main"' in html


def test_signed_in_user_is_sent_home(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(email="a@example.com"))

    response = client.get(reverse("accounts:phone_login"))

    assert response.status_code == 302
    assert response.url == reverse("web:home")


def test_sign_in_page_offers_phone_sign_in_and_password_reset(client):
    html = client.get(reverse("account_login")).content.decode()

    assert reverse("accounts:phone_login") in html
    assert reverse("account_reset_password") in html
    assert reverse("account_signup") in html
    assert 'class="providers"' not in html  # no social providers configured


def test_signed_in_by_phone_sees_a_welcome(client, request_code):
    code = request_code()

    response = client.post(
        reverse("accounts:phone_verify"), {"code": code}, follow=True
    )

    assert response.status_code == 200
    assert response.context["user"].phone == PHONE
    assert PHONE in response.content.decode()  # header menu and allauth's message
