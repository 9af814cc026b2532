"""Bearer tokens carry scopes, checked in one place (``api.auth``): safe methods
need ``read``, unsafe ones ``write``, the back office ``ops`` on top. A refusal
is 403 ``insufficient_scope`` with RFC 6750's ``WWW-Authenticate`` and changes
nothing; a browser session is not affected."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as global_apps

from doorstep.accounts import services
from doorstep.accounts.models import ApiToken, SavedAddress
from doorstep.api.site import api
from doorstep.api.testing import (
    API,
    JSON,
    PASSWORD,
    assert_problem,
    bearer,
    make_user,
)
from tests.factories import make_ops, totp_code

pytestmark = pytest.mark.django_db
ADDRESS = {
    "label": "Home",
    "address": "1 Plum Road",
    "latitude": 31.2,
    "longitude": 121.4,
}
OPS_READ = API + "/ops/support/queues"


def _add_address(client, headers):
    return client.post(API + "/me/addresses", ADDRESS, content_type=JSON, **headers)


def test_a_read_only_token_reads_but_cannot_write(client):
    # Given a token with only the read scope
    user = make_user()
    headers = bearer(user, scopes=["read"])

    # When it reads, then it may
    assert client.get(API + "/me", **headers).status_code == 200
    # When it writes
    response = _add_address(client, headers)
    # Then it is refused, saying which scope it lacks, and nothing is saved
    assert_problem(response, 403, "insufficient_scope")
    assert (
        response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", '
        'scope="write"'
    )
    assert not SavedAddress.objects.filter(user=user).exists()


def test_a_write_only_token_writes_but_cannot_read(client):
    user = make_user()
    headers = bearer(user, scopes=["write"])

    assert _add_address(client, headers).status_code == 201
    response = client.get(API + "/me/addresses", **headers)

    assert_problem(response, 403, "insufficient_scope")
    assert 'scope="read"' in response["WWW-Authenticate"]


def test_a_session_has_no_scopes_to_check(client):
    user = make_user()
    client.force_login(user)

    assert client.get(API + "/me").status_code == 200
    assert _add_address(client, {}).status_code == 201


def test_the_default_token_reads_and_writes(client):
    user = make_user()

    response = client.post(
        API + "/auth/tokens",
        {"email": user.email, "password": PASSWORD},
        content_type=JSON,
    )

    assert response.status_code == 201
    assert response.json()["scopes"] == ["read", "write"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
    assert _add_address(client, headers).status_code == 201


def test_a_chosen_scope_list_is_kept_in_order(client):
    user = make_user()

    response = client.post(
        API + "/auth/tokens",
        {"email": user.email, "password": PASSWORD, "scopes": ["write", "read"]},
        content_type=JSON,
    )

    assert response.json()["scopes"] == ["read", "write"]
    listed = client.get(
        API + "/auth/tokens",
        HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}",
    )
    assert listed.json()["items"][0]["scopes"] == ["read", "write"]


def test_a_customer_cannot_ask_for_ops(client):
    user = make_user()

    response = client.post(
        API + "/auth/tokens",
        {"email": user.email, "password": PASSWORD, "scopes": ["read", "ops"]},
        content_type=JSON,
    )

    body = assert_problem(response, 422, "ops_scope_not_allowed")
    assert "scopes" in body["errors"]
    assert not ApiToken.objects.filter(user=user).exists()


def test_an_empty_or_unknown_scope_is_bad_input(client):
    user = make_user()

    for scopes in ([], ["admin"]):
        response = client.post(
            API + "/auth/tokens",
            {"email": user.email, "password": PASSWORD, "scopes": scopes},
            content_type=JSON,
        )
        assert_problem(response, 400, "invalid_input")
    assert not ApiToken.objects.filter(user=user).exists()


def test_ops_with_their_code_may_ask_for_ops_and_use_it(client):
    ops = make_ops(password="a-long-ops-password")
    EmailAddress.objects.create(user=ops, email=ops.email, verified=True, primary=True)

    response = client.post(
        API + "/auth/tokens",
        {
            "email": ops.email,
            "password": "a-long-ops-password",
            "code": totp_code(ops),
            "scopes": ["read", "ops"],
        },
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    assert response.json()["scopes"] == ["read", "ops"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}
    assert client.get(OPS_READ, **headers).status_code == 200


def test_an_ops_token_without_the_ops_scope_is_refused_the_back_office(client):
    # Given ops holding a second-factor token they chose without ops
    ops = make_ops()
    headers = bearer(ops, second_factor=True, scopes=["read", "write"])

    # When they call an ops endpoint
    response = client.get(OPS_READ, **headers)

    # Then the token's scope refuses it, and their own endpoints still work
    assert_problem(response, 403, "insufficient_scope")
    assert response["WWW-Authenticate"].endswith('scope="ops"')
    assert client.get(API + "/me", **headers).status_code == 200


def test_the_ops_scope_alone_does_not_stand_in_for_read(client):
    ops = make_ops()
    headers = bearer(ops, second_factor=True, scopes=["ops"])

    assert_problem(client.get(OPS_READ, **headers), 403, "insufficient_scope")


def test_staff_tokens_with_a_second_factor_default_to_ops():
    ops = make_ops()

    token, _raw = services.create_api_token(user=ops, name="t", second_factor=True)
    plain, _raw = services.create_api_token(user=ops, name="t")

    assert token.scopes == ["read", "write", "ops"]
    assert plain.scopes == ["read", "write"]


def test_every_bearer_operation_documents_insufficient_scope():
    schema = api.get_openapi_schema()

    for path, methods in schema["paths"].items():
        for method, details in methods.items():
            if not details.get("security"):
                continue
            forbidden = details["responses"].get(403) or details["responses"].get("403")
            assert forbidden, (method, path)
            assert "insufficient_scope" in str(forbidden), (method, path)
            assert details["x-token-scopes"], (method, path)
    ops = schema["paths"]["/api/v1/ops/support/queues"]["get"]
    assert ops["x-token-scopes"] == ["read", "ops"]


def test_existing_tokens_keep_what_they_could_do():
    # Given tokens as they were before scopes: a customer's, and ops' with and
    # without the second factor
    customer = make_user()
    ops = make_ops()
    plain, _ = services.create_api_token(user=customer, name="a")
    ops_token, _ = services.create_api_token(user=ops, name="b", second_factor=True)
    ApiToken.objects.update(scopes=[])

    # When the data migration runs
    migration = importlib.import_module(
        "doorstep.accounts.migrations.0009_apitoken_scopes"
    )
    migration.grant_existing(global_apps, None)

    # Then they read and write, and ops keep ops
    plain.refresh_from_db()
    ops_token.refresh_from_db()
    assert plain.scopes == ["read", "write"]
    assert ops_token.scopes == ["read", "write", "ops"]


def test_a_private_file_needs_read_too(client, settings, tmp_path):
    # Given a ticket attachment its requester fetches with a bearer token
    from doorstep.support.tests.ticket_helpers import pdf, ticket_for

    settings.MEDIA_ROOT = tmp_path
    requester = make_user()
    ticket = ticket_for(requester)
    uploaded = client.post(
        f"{API}/support/tickets/{ticket.public_id}/attachments",
        {"file": pdf()},
        **bearer(requester),
    )
    download = uploaded.json()["url"]

    # When a token without read fetches it, then it is refused as RFC 6750 says
    refused = client.get(download, **bearer(requester, scopes=["write"]))
    assert refused.status_code == 403
    assert refused["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="read"'
    )
    assert client.get(download, **bearer(requester, scopes=["read"])).status_code == 200
