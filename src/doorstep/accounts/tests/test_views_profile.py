"""Profile, provider profile and account deletion pages."""

import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from doorstep.accounts.models import ProviderProfile, User

pytestmark = pytest.mark.django_db
PASSWORD = "x-Long-password-1"


@pytest.fixture
def customer() -> User:
    user = User.objects.create_user(
        email="ana@example.com", password=PASSWORD, name="Ana Lima", time_zone="UTC"
    )
    EmailAddress.objects.create(
        user=user, email=user.email, primary=True, verified=True
    )
    return user


@pytest.fixture
def signed_in(client, customer):
    client.force_login(customer)
    return client


def _field_error(html: str, field: str) -> str:
    match = re.search(
        rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S
    )
    return match.group(1) if match else ""


PROVIDER_FORM = {
    "display_name": "Ana's Cleaning",
    "bio": "Ten years of spotless homes.",
    "languages": ["en", "zh-hans"],
    "address": "1 Nanjing Road",
    "latitude": "31.2304",
    "longitude": "121.4737",
    "service_radius_km": "12.5",
    "years_experience": "10",
    "time_zone": "Asia/Shanghai",
}


@pytest.mark.parametrize(
    "name", ["accounts:profile", "accounts:provider", "accounts:delete"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={reverse(name)}"


# --- Profile ------------------------------------------------------------------------


def test_profile_page_shows_the_form_and_security_links(signed_in):
    html = signed_in.get(reverse("accounts:profile")).content.decode()

    assert 'value="Ana Lima"' in html
    for name in (
        "account_change_password",
        "account_email",
        "mfa_index",
        "accounts:delete",
    ):
        assert reverse(name) in html


def test_profile_saves_and_switches_the_interface_language(signed_in, customer):
    response = signed_in.post(
        reverse("accounts:profile"),
        {"name": "Ana Maria Lima", "language": "zh-hant", "time_zone": "Asia/Taipei"},
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.language, customer.time_zone) == (
        "Ana Maria Lima",
        "zh-hant",
        "Asia/Taipei",
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"


def test_profile_accepts_a_valid_zone_that_is_not_in_the_short_list(
    signed_in, customer
):
    response = signed_in.post(
        reverse("accounts:profile"),
        {"name": "Ana", "language": "en", "time_zone": "America/Argentina/Cordoba"},
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.time_zone == "America/Argentina/Cordoba"


def test_bad_time_zone_shows_an_error_beside_the_field_and_saves_nothing(
    signed_in, customer
):
    response = signed_in.post(
        reverse("accounts:profile"),
        {
            "name": "Someone Else",
            "language": "zh-hans",
            "time_zone": "Mars/Olympus_Mons",
        },
    )

    assert response.status_code == 200
    assert "is not a time zone we know" in _field_error(
        response.content.decode(), "time_zone"
    )
    customer.refresh_from_db()
    assert (customer.name, customer.language, customer.time_zone) == (
        "Ana Lima",
        "en",
        "UTC",
    )


def test_empty_name_is_refused(signed_in, customer):
    response = signed_in.post(
        reverse("accounts:profile"), {"name": "", "language": "en", "time_zone": "UTC"}
    )

    assert _field_error(response.content.decode(), "name")
    customer.refresh_from_db()
    assert customer.name == "Ana Lima"


# --- Provider profile ---------------------------------------------------------------


def test_become_provider_page_is_prefilled_from_the_account(signed_in):
    html = signed_in.get(reverse("accounts:provider")).content.decode()

    assert "Become a provider" in html
    assert 'value="Ana Lima"' in html
    assert 'type="checkbox" name="languages" value="en"' in html


def test_becoming_a_provider_creates_the_profile(signed_in, customer):
    response = signed_in.post(reverse("accounts:provider"), PROVIDER_FORM)

    assert response.status_code == 302
    profile = ProviderProfile.objects.get(user=customer)
    assert profile.display_name == "Ana's Cleaning"
    assert profile.languages == ["en", "zh-hans"]
    assert profile.latitude == pytest.approx(31.2304)
    assert profile.service_radius_km == Decimal("12.5")
    assert profile.years_experience == 10
    assert profile.time_zone == "Asia/Shanghai"
    assert profile.h3_cell != 0

    page = signed_in.get(response.url).content.decode()
    assert "Provider profile" in page


@pytest.mark.parametrize("latitude", ["123", "not-a-number", ""])
def test_bad_latitude_shows_an_error_beside_the_field_and_writes_nothing(
    signed_in, latitude
):
    response = signed_in.post(
        reverse("accounts:provider"), {**PROVIDER_FORM, "latitude": latitude}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert _field_error(html, "latitude")
    assert 'id="id_latitude" aria-describedby' in html or 'aria-invalid="true"' in html
    assert not ProviderProfile.objects.exists()


def test_provider_edits_the_existing_profile(signed_in, customer):
    signed_in.post(reverse("accounts:provider"), PROVIDER_FORM)

    response = signed_in.post(
        reverse("accounts:provider"),
        {**PROVIDER_FORM, "display_name": "Ana Cleans", "longitude": "121.5"},
    )

    assert response.status_code == 302
    profile = ProviderProfile.objects.get(user=customer)
    assert profile.display_name == "Ana Cleans"
    assert profile.longitude == pytest.approx(121.5)
    assert ProviderProfile.objects.count() == 1
    html = signed_in.get(reverse("accounts:provider")).content.decode()
    assert 'value="Ana Cleans"' in html


def test_bad_value_on_edit_changes_nothing(signed_in, customer):
    signed_in.post(reverse("accounts:provider"), PROVIDER_FORM)

    response = signed_in.post(
        reverse("accounts:provider"), {**PROVIDER_FORM, "service_radius_km": "500"}
    )

    assert _field_error(response.content.decode(), "service_radius_km")
    assert ProviderProfile.objects.get(user=customer).service_radius_km == Decimal(
        "12.5"
    )


# --- Deleting the account -----------------------------------------------------------


def test_delete_page_asks_for_the_password(signed_in):
    html = signed_in.get(reverse("accounts:delete")).content.decode()

    assert 'type="password"' in html


def test_wrong_password_does_not_delete(signed_in, customer):
    response = signed_in.post(reverse("accounts:delete"), {"password": "wrong"})

    assert response.status_code == 200
    assert "That is not your password." in _field_error(
        response.content.decode(), "password"
    )
    customer.refresh_from_db()
    assert customer.is_active
    assert signed_in.session[SESSION_KEY] == str(customer.pk)


def test_right_password_deletes_and_signs_out(signed_in, customer):
    response = signed_in.post(
        reverse("accounts:delete"), {"password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("web:home")
    customer.refresh_from_db()
    assert not customer.is_active
    assert customer.email is None
    assert customer.name == ""
    assert SESSION_KEY not in signed_in.session
    assert "Your account is deleted." in response.content.decode()


def test_phone_only_account_is_deleted_without_a_password(client):
    user = User.objects.create_user(phone="+8613800138000", phone_verified=True)
    client.force_login(user)
    assert (
        'type="password"' not in client.get(reverse("accounts:delete")).content.decode()
    )

    client.post(reverse("accounts:delete"), {})

    user.refresh_from_db()
    assert not user.is_active
