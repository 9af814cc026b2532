import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from doorstep.accounts.models import User

pytestmark = pytest.mark.django_db
ADMIN = "/ops/admin/"


@pytest.fixture
def ops_user() -> User:
    return User.objects.create_user(
        email="ops@example.com",
        password="a-long-ops-password",
        is_staff=True,
        is_superuser=True,
    )


def _sign_in_with(client, user, *methods: str) -> None:
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": m, "at": 0} for m in methods
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def test_anonymous_is_sent_to_the_real_sign_in(client):
    response = client.get(ADMIN)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    follow = client.get(response.url)
    assert follow.status_code == 302
    assert follow.url.startswith(reverse("account_login"))


def test_customer_is_refused(client):
    customer = User.objects.create_user(email="c@example.com", password="x" * 12)
    _sign_in_with(client, customer, "password", "mfa")

    assert client.get(ADMIN).status_code == 302


def test_ops_without_an_authenticator_is_sent_to_set_one_up(client, ops_user):
    _sign_in_with(client, ops_user, "password")

    response = client.get(ADMIN, follow=False)
    login_redirect = client.get(response.url)

    assert login_redirect.url == reverse("mfa_index")


def test_ops_with_mfa_but_password_only_session_is_refused(client, ops_user):
    Authenticator.objects.create(user=ops_user, type=Authenticator.Type.TOTP, data={})
    _sign_in_with(client, ops_user, "password")

    assert client.get(ADMIN).status_code == 302


def test_ops_who_passed_mfa_gets_in(client, ops_user):
    Authenticator.objects.create(user=ops_user, type=Authenticator.Type.TOTP, data={})
    _sign_in_with(client, ops_user, "password", "mfa")

    response = client.get(ADMIN)

    assert response.status_code == 200
    assert b"Doorstep operations" in response.content


def test_the_real_flow_password_then_totp_opens_the_admin(client, ops_user):
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    EmailAddress.objects.create(
        user=ops_user, email=ops_user.email, verified=True, primary=True
    )
    secret = generate_totp_secret()
    TOTP.activate(ops_user, secret)

    after_password = client.post(
        reverse("account_login"),
        {"login": ops_user.email, "password": "a-long-ops-password"},
    )
    assert after_password.status_code == 302
    assert after_password.url == reverse("mfa_authenticate")
    assert client.get(ADMIN).status_code == 302  # not yet: no second factor

    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    client.post(reverse("mfa_authenticate"), {"code": code})

    assert client.get(ADMIN).status_code == 200
