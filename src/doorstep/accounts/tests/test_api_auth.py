"""The anonymous side of the accounts API: sign-up, tokens, phone sign-in, limits."""

import json
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from doorstep.accounts.models import ApiToken, PhoneCode, User
from doorstep.api.testing import (
    API,
    JSON,
    PASSWORD,
    assert_problem,
    bearer,
    make_user,
)

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"
SIGN_UP = {
    "email": "bo@example.com",
    "password": PASSWORD,
    "name": "Bo Chen",
    "accept_terms": True,
}


def _counts() -> tuple[int, int, int]:
    return (
        User.objects.count(),
        EmailAddress.objects.count(),
        ApiToken.objects.count(),
    )


def _post(client: Client, path: str, body: object, **extra: str):
    return client.post(API + path, body, content_type=JSON, **extra)


# --- Sign-up ----------------------------------------------------------------------


def test_sign_up_creates_an_unverified_account_and_mails_the_link(client, mailoutbox):
    # given nobody with this address
    # when
    response = _post(client, "/auth/signup", {**SIGN_UP, "language": "zh-hans"})

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(email="bo@example.com")
    assert body["id"] == user.public_id
    assert body["id"].startswith("usr_")
    assert body["email"] == "bo@example.com"
    assert body["name"] == "Bo Chen"
    assert body["language"] == "zh-hans"
    assert body["email_verified"] is False
    assert body["roles"] == ["customer"]
    assert "password" not in body
    assert re.search(r"[+-]\d\d:\d\d$|Z$", body["date_joined"])
    assert user.check_password(PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == (
        "bo@example.com",
        True,
        False,
    )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["bo@example.com"]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_sign_up_with_a_taken_address_is_a_conflict(client, mailoutbox):
    # given
    make_user(email="bo@example.com")
    before = _counts()

    # when the same address comes back in other capitals
    response = _post(client, "/auth/signup", {**SIGN_UP, "email": "BO@example.com"})

    # then
    body = assert_problem(response, 409, "email_taken")
    assert "email" in body["errors"]
    assert _counts() == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    "password", ["12345678", "password123", "bo@example.com"], ids=str
)
def test_sign_up_with_a_weak_password_breaks_a_rule_naming_the_field(
    client, mailoutbox, password
):
    # given a password long enough for the schema, but all digits, too common or
    # too like the e-mail address
    response = _post(
        client,
        "/auth/signup",
        {**SIGN_UP, "email": "bo@example.com", "password": password},
    )

    body = assert_problem(response, 422, "weak_password")
    assert body["errors"]["password"]
    assert _counts() == (0, 0, 0)
    assert mailoutbox == []


@pytest.mark.parametrize("password", ["short1!", " " * 12], ids=["short", "spaces"])
def test_sign_up_with_a_short_or_blank_password_is_bad_input(
    client, mailoutbox, password
):
    response = _post(client, "/auth/signup", {**SIGN_UP, "password": password})

    body = assert_problem(response, 400, "invalid_input")
    assert list(body["errors"]) == ["password"]
    assert _counts() == (0, 0, 0)
    assert mailoutbox == []


def test_the_sign_up_schema_states_the_password_length(client):
    schema = client.get(API + "/openapi.json").json()
    body = schema["paths"]["/api/v1/auth/signup"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    assert schema["components"]["schemas"][ref]["properties"]["password"][
        "minLength"
    ] == (8)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": None}, "email"),
        ({"password": None}, "password"),
        ({"name": None}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"name": "x" * 151}, "name"),
        ({"name": "   "}, "name"),
        ({"name": 42}, "name"),
        ({"password": ""}, "password"),
        ({"language": "fr"}, "language"),
        ({"is_staff": True}, "is_staff"),
    ],
    ids=[
        "no-email",
        "no-password",
        "no-name",
        "malformed-email",
        "over-long-email",
        "over-long-name",
        "blank-name",
        "name-not-text",
        "empty-password",
        "unknown-language",
        "unknown-field",
    ],
)
def test_bad_sign_up_input_is_refused_per_field_and_writes_nothing(
    client, mailoutbox, change, field
):
    # given a body with one field missing (None) or wrong
    body = {**SIGN_UP, **change}
    body = {key: value for key, value in body.items() if value is not None}

    # when
    response = _post(client, "/auth/signup", body)

    # then
    problem = assert_problem(response, 400, "invalid_input")
    assert list(problem["errors"]) == [field]
    assert all(isinstance(message, str) for message in problem["errors"][field])
    assert _counts() == (0, 0, 0)
    assert mailoutbox == []


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', ""])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(client, raw):
    response = client.post(API + "/auth/signup", raw, content_type=JSON)

    assert_problem(response, 400)
    assert _counts() == (0, 0, 0)


# --- Tokens -----------------------------------------------------------------------


def test_a_token_is_issued_once_and_works_as_a_bearer(client):
    # given
    user = make_user()

    # when
    response = _post(
        client,
        "/auth/tokens",
        {"email": "ann@example.com", "password": PASSWORD, "name": "My phone"},
    )

    # then the raw token is in this one answer, and only its digest is stored
    assert response.status_code == 201, response.content
    body = response.json()
    token = ApiToken.objects.get(user=user)
    assert body["id"] == token.public_id
    assert body["name"] == "My phone"
    assert body["token"].startswith("dst_")
    assert body["token"].startswith(body["prefix"])
    assert body["token"] not in (token.digest, token.prefix)
    assert token.digest == ApiToken.digest_of(body["token"])
    assert body["expires_at"] > body["created_at"]

    # and the token signs in
    me = client.get(API + "/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200
    assert me.json()["id"] == user.public_id


def test_a_token_request_without_a_client_address_is_answered(client):
    # given a server that passed no client address (a unix socket, a bare client)
    make_user()

    # when the right password is sent
    response = _post(
        client,
        "/auth/tokens",
        {"email": "ann@example.com", "password": PASSWORD},
        REMOTE_ADDR="",
    )

    # then the token is issued: the limits share one bucket instead of a 403
    assert response.status_code == 201, response.content


def test_the_email_address_is_matched_without_regard_to_capitals(client):
    make_user()

    response = _post(
        client, "/auth/tokens", {"email": "ANN@Example.com", "password": PASSWORD}
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("email", "password"),
    [("ann@example.com", "wrong-password-1"), ("nobody@example.com", PASSWORD)],
    ids=["wrong-password", "unknown-address"],
)
def test_wrong_credentials_are_refused_alike(client, email, password):
    make_user()

    response = _post(client, "/auth/tokens", {"email": email, "password": password})

    assert_problem(response, 401, "invalid_credentials")
    assert ApiToken.objects.count() == 0


def test_an_inactive_account_gets_no_token(client):
    user = make_user()
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = _post(
        client, "/auth/tokens", {"email": "ann@example.com", "password": PASSWORD}
    )

    assert_problem(response, 401, "invalid_credentials")
    assert ApiToken.objects.count() == 0


def test_an_account_with_two_factor_authentication_gets_no_token_by_password(
    client,
):
    # given Ann has an authenticator app set up
    user = make_user()
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )

    # when
    response = _post(
        client, "/auth/tokens", {"email": "ann@example.com", "password": PASSWORD}
    )

    # then
    assert_problem(response, 403, "mfa_required")
    assert ApiToken.objects.count() == 0


def test_an_unverified_address_gets_no_token_while_verification_is_mandatory(
    client, settings
):
    # given
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    make_user(verified=False)
    credentials = {"email": "ann@example.com", "password": PASSWORD}

    # when / then
    assert_problem(_post(client, "/auth/tokens", credentials), 403, "email_unverified")
    assert ApiToken.objects.count() == 0

    # and once verification is optional, the same person gets one
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    assert _post(client, "/auth/tokens", credentials).status_code == 201


def test_token_list_shows_the_callers_live_tokens_without_secrets(client):
    # given two tokens of the caller (one revoked) and one of someone else
    ann = make_user()
    headers = bearer(ann, name="laptop")
    revoked = bearer(ann, name="old")
    client.delete(
        API + "/auth/tokens/" + ApiToken.objects.get(name="old").public_id, **revoked
    )
    bearer(make_user(email="bo@example.com"), name="bo's")

    # when
    response = client.get(API + "/auth/tokens", **headers)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [item["name"] for item in body["items"]] == ["laptop"]
    assert "token" not in body["items"][0]
    assert "digest" not in body["items"][0]


def test_token_list_pages_with_an_opaque_cursor(client):
    # given seven tokens
    ann = make_user()
    headers = bearer(ann, name="token 0")
    for number in range(1, 7):
        bearer(ann, name=f"token {number}")

    # when we follow `next` three at a time
    seen: list[str] = []
    pages = 0
    url = API + "/auth/tokens?limit=3"
    while url:
        page = client.get(url, **headers).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        url = f"{API}/auth/tokens?limit=3&cursor={page['next']}" if page["next"] else ""

    # then every token comes exactly once, newest first
    assert pages == 3
    expected = ApiToken.objects.order_by("-created_at", "-public_id")
    assert seen == [token.public_id for token in expected]


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=101", "limit"), ("cursor=bm9wZQ", "cursor")],
)
def test_bad_paging_parameters_are_refused(client, query, field):
    headers = bearer(make_user())

    response = client.get(f"{API}/auth/tokens?{query}", **headers)

    assert field in assert_problem(response, 400)["errors"]


def test_a_revoked_token_stops_working(client):
    # given
    user = make_user()
    headers = bearer(user)
    token = ApiToken.objects.get(user=user)

    # when
    response = client.delete(f"{API}/auth/tokens/{token.public_id}", **headers)

    # then
    assert response.status_code == 204
    assert response.content == b""
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert_problem(client.get(API + "/me", **headers), 401, "not_authenticated")


def test_someone_elses_token_is_not_found_and_keeps_working(client):
    # given
    bo_headers = bearer(make_user(email="bo@example.com"))
    bo_token = ApiToken.objects.get(user__email="bo@example.com")
    ann_headers = bearer(make_user())

    # when Ann tries to revoke Bo's token
    response = client.delete(f"{API}/auth/tokens/{bo_token.public_id}", **ann_headers)

    # then
    assert_problem(response, 404, "token_not_found")
    bo_token.refresh_from_db()
    assert bo_token.revoked_at is None
    assert client.get(API + "/me", **bo_headers).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer ", "Bearer dst_not-a-real-token", "Basic YW5uOnB3", "dst_abc"],
)
def test_token_endpoints_need_a_valid_caller(client, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    assert_problem(client.get(API + "/auth/tokens", **headers), 401)
    assert_problem(client.delete(API + "/auth/tokens/tok_x", **headers), 401)


def test_an_expired_token_is_refused(client):
    user = make_user()
    headers = bearer(user)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert_problem(client.get(API + "/me", **headers), 401, "not_authenticated")


# --- Phone sign-in ----------------------------------------------------------------


def _request_code(client, django_capture_on_commit_callbacks, phone=PHONE):
    # The SMS leaves on commit; the test's transaction never commits on its own.
    with django_capture_on_commit_callbacks(execute=True):
        return _post(client, "/auth/phone/code", {"phone": phone})


def _code_in(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_phone_sign_in_through_the_api(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    # when a code is asked for a national-format number
    response = _request_code(
        client, django_capture_on_commit_callbacks, phone="+86 138 0013 8000"
    )

    # then it goes by SMS to the normalised number
    assert response.status_code == 202, response.content
    assert response.json()["phone"] == PHONE
    assert sms_outbox[-1].to == PHONE

    # when the code comes back
    verify = _post(
        client,
        "/auth/phone/verify",
        {"phone": PHONE, "code": _code_in(sms_outbox), "token_name": "Pixel"},
    )

    # then the account exists and the token signs in
    assert verify.status_code == 200, verify.content
    body = verify.json()
    assert body["name"] == "Pixel"
    user = User.objects.get(phone=PHONE)
    assert user.phone_verified
    me = client.get(API + "/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.json()["id"] == user.public_id
    assert me.json()["phone"] == PHONE


def test_a_wrong_phone_code_is_refused_and_counted(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    _request_code(client, django_capture_on_commit_callbacks)

    response = _post(
        client,
        "/auth/phone/verify",
        {"phone": PHONE, "code": _wrong(_code_in(sms_outbox))},
    )

    assert "code" in assert_problem(response, 401, "invalid_code")["errors"]
    assert PhoneCode.objects.get().failed_attempts == 1
    assert not User.objects.filter(phone=PHONE).exists()
    assert ApiToken.objects.count() == 0


def test_an_expired_phone_code_is_refused(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    _request_code(client, django_capture_on_commit_callbacks)
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = _post(
        client, "/auth/phone/verify", {"phone": PHONE, "code": _code_in(sms_outbox)}
    )

    assert_problem(response, 401, "code_expired")
    assert not User.objects.filter(phone=PHONE).exists()


def test_too_many_wrong_phone_codes_kill_even_the_right_one(
    client, sms_outbox, settings, django_capture_on_commit_callbacks
):
    # given the attempts are used up
    _request_code(client, django_capture_on_commit_callbacks)
    right = _code_in(sms_outbox)
    for _attempt in range(settings.PHONE_CODE_MAX_ATTEMPTS):
        wrong = _post(
            client, "/auth/phone/verify", {"phone": PHONE, "code": _wrong(right)}
        )
        assert_problem(wrong, 401, "invalid_code")

    # when the right code comes
    response = _post(client, "/auth/phone/verify", {"phone": PHONE, "code": right})

    # then
    assert_problem(response, 429, "too_many_attempts")
    assert not User.objects.filter(phone=PHONE).exists()


def test_ops_staff_cannot_get_a_token_by_phone_code(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    # given an ops person with this phone number
    User.objects.create_user(
        email="ops@example.com", password=PASSWORD, phone=PHONE, is_staff=True
    )
    _request_code(client, django_capture_on_commit_callbacks)

    # when the right code comes back
    response = _post(
        client, "/auth/phone/verify", {"phone": PHONE, "code": _code_in(sms_outbox)}
    )

    # then a stolen SIM is not enough to reach the back office
    assert_problem(response, 403, "ops_phone_sign_in")
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize(
    ("phone", "status", "code"),
    [
        ("12345", 422, "invalid_phone"),
        ("+86 123", 422, "invalid_phone"),
        ("+1 (555) 000-0000", 422, "invalid_phone"),
        ("not a number", 400, "invalid_input"),
        ("+86 138 0013 8000 ext. 5", 400, "invalid_input"),
    ],
)
def test_an_invalid_phone_number_is_refused_before_anything_is_sent(
    client, sms_outbox, django_capture_on_commit_callbacks, phone, status, code
):
    # Written with other characters than a phone number's, it is bad input (400);
    # written like one but no such number can exist, it breaks a rule (422).
    response = _request_code(client, django_capture_on_commit_callbacks, phone=phone)

    assert "phone" in assert_problem(response, status, code)["errors"]
    assert PhoneCode.objects.count() == 0
    assert sms_outbox == []


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        (" +886 2 2345 6789 ", "+886223456789"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("(415) 555-2671", "+14155552671"),  # national, in the default region (US)
    ],
)
def test_a_phone_number_as_people_write_it_is_accepted(
    client, sms_outbox, django_capture_on_commit_callbacks, phone, e164
):
    response = _request_code(client, django_capture_on_commit_callbacks, phone=phone)

    assert response.status_code == 202, response.content
    assert response.json()["phone"] == e164
    assert [message.to for message in sms_outbox] == [e164]


@pytest.mark.parametrize(
    "body",
    [{}, {"phone": PHONE}, {"code": "123456"}, {"phone": PHONE, "code": ""}],
    ids=["empty", "no-code", "no-phone", "blank-code"],
)
def test_phone_verify_needs_a_phone_and_a_code(client, body):
    problem = assert_problem(_post(client, "/auth/phone/verify", body), 400)
    assert problem["code"] == "invalid_input"
    assert set(problem["errors"]) <= {"phone", "code"}


# --- Rate limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "limit_name", "body"),
    [
        ("/auth/signup", "api_signup_per_ip", SIGN_UP),
        ("/auth/tokens", "api_token_per_ip", {"email": "a@b.co", "password": "x"}),
        ("/auth/phone/code", "phone_code_per_ip", {"phone": "12345"}),
        ("/auth/phone/verify", "phone_verify_per_ip", {"phone": PHONE, "code": "1"}),
    ],
)
def test_anonymous_auth_endpoints_are_limited_per_ip(
    client, settings, path, limit_name, body
):
    # given a limit of two a minute, used up
    settings.DOORSTEP_RATE_LIMITS = {**settings.DOORSTEP_RATE_LIMITS, limit_name: "2/m"}
    for _attempt in range(2):
        assert _post(client, path, body).status_code != 429

    # when a third request comes from the same address
    response = _post(client, path, body)

    # then it is refused, while another address still gets through
    assert_problem(response, 429, "rate_limited")
    other = _post(client, path, body, REMOTE_ADDR="198.51.100.7")
    assert other.status_code != 429


def test_rate_limits_can_be_switched_off(client, settings):
    settings.RATELIMIT_ENABLE = False
    settings.DOORSTEP_RATE_LIMITS = {
        **settings.DOORSTEP_RATE_LIMITS,
        "api_token_per_ip": "1/m",
    }
    body = {"email": "ann@example.com", "password": "wrong-1"}

    statuses = {_post(client, "/auth/tokens", body).status_code for _ in range(3)}

    assert statuses == {401}


# --- The API description ----------------------------------------------------------


def test_openapi_document_lists_every_accounts_endpoint(client):
    response = client.get(API + "/openapi.json")

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    expected = {
        "/api/v1/auth/signup": {"post"},
        "/api/v1/auth/tokens": {"get", "post"},
        "/api/v1/auth/tokens/{token_id}": {"delete"},
        "/api/v1/auth/phone/code": {"post"},
        "/api/v1/auth/phone/verify": {"post"},
        "/api/v1/me": {"get", "patch", "delete"},
        "/api/v1/me/provider": {"get", "post", "patch"},
        "/api/v1/me/addresses": {"get", "post"},
        "/api/v1/me/addresses/{address_id}": {"patch", "delete"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    schemes = document["components"]["securitySchemes"]
    assert {"BearerToken", "ActiveSession"} <= set(schemes)
    assert "security" not in paths["/api/v1/auth/signup"]["post"]


def test_api_docs_page_renders(client):
    response = client.get(API + "/docs")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


@pytest.mark.xfail(
    "ninja" not in django_settings.INSTALLED_APPS,
    reason=(
        "Without 'ninja' in INSTALLED_APPS the docs page loads Swagger UI from a "
        "CDN, which the Content-Security-Policy (script-src 'self') blocks."
    ),
    strict=True,
)
def test_api_docs_page_uses_only_our_own_scripts(client):
    response = client.get(API + "/docs")

    assert response.status_code == 200
    assert b"cdn.jsdelivr.net" not in response.content
    assert b'src="/static/ninja/swagger-ui-bundle.js"' in response.content


# --- Per-account lock-out, shared with the web sign-in ------------------------------


def test_password_guessing_locks_the_account_for_the_api(client):
    # Given an account, and 25 wrong passwords from 25 addresses (so no per-IP
    # limit helps)
    make_user(email="ann@example.com")
    for n in range(25):
        _post(
            client,
            "/auth/tokens",
            {"email": "ann@example.com", "password": f"guess-{n}"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    before = _counts()

    # When the right password comes
    response = _post(
        client,
        "/auth/tokens",
        {"email": "ann@example.com", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )

    # Then the account is locked: no token
    assert_problem(response, 429, "too_many_login_attempts")
    assert _counts() == before


def test_an_account_locked_on_the_web_gets_no_api_token(client):
    # Given an account locked out by wrong passwords on the web sign-in form
    make_user(email="ann@example.com")
    web = Client()
    for n in range(6):
        web.post(
            "/accounts/login/",
            {"login": "ann@example.com", "password": f"guess-{n}"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    before = _counts()

    # When the API is asked for a token with the right password
    response = _post(
        client, "/auth/tokens", {"email": "ann@example.com", "password": PASSWORD}
    )

    # Then it is refused too
    assert_problem(response, 429, "too_many_login_attempts")
    assert _counts() == before


def test_the_right_password_before_the_limit_still_gets_a_token(client):
    make_user(email="ann@example.com")
    for n in range(3):
        _post(client, "/auth/tokens", {"email": "ann@example.com", "password": f"x{n}"})

    response = _post(
        client, "/auth/tokens", {"email": "ann@example.com", "password": PASSWORD}
    )

    assert response.status_code == 201, response.content
