"""The webhooks API: CRUD, the secret shown once, rotation, tests, deliveries and
replays; problem+json refusals; someone else's endpoint is 404 everywhere."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, make_user
from doorstep.webhooks import services
from doorstep.webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user(email="owner@example.com")


@pytest.fixture
def stranger():
    return make_user(email="stranger@example.com")


@pytest.fixture
def endpoint(owner, receiver, django_capture_on_commit_callbacks):
    endpoint, _secret = services.create_endpoint(owner=owner, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test_message(user=owner, endpoint_id=endpoint.public_id)
    return endpoint


def test_the_catalogue_lists_order_review_quote_and_payout_types(client, owner):
    response = client.get(f"{API}/webhooks/event-types", **bearer(owner))
    names = {item["name"] for item in response.json()}
    assert {"order.created", "order.accept", "review.revealed", "quote.hired"} <= names
    assert {"payout.paid", "order.cancel"} <= names
    assert "review.reported" not in names


def test_registering_shows_the_secret_once(client, owner, receiver):
    response = client.post(
        f"{API}/webhooks/endpoints",
        {"url": receiver.url, "event_types": ["order.*", "review.revealed"]},
        content_type=JSON,
        **bearer(owner),
    )
    assert response.status_code == 201
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["order.*", "review.revealed"]
    shown = client.get(
        f"{API}/webhooks/endpoints/{created['id']}", **bearer(owner)
    ).json()
    assert "secret" not in shown
    listed = client.get(f"{API}/webhooks/endpoints", **bearer(owner)).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]


def test_an_unknown_event_type_is_a_422_beside_the_field(client, owner, receiver):
    response = client.post(
        f"{API}/webhooks/endpoints",
        {"url": receiver.url, "event_types": ["order.teleported"]},
        content_type=JSON,
        **bearer(owner),
    )
    body = assert_problem(response, 422, "unknown_event_type")
    assert "event_types" in body["errors"]
    assert not Endpoint.objects.exists()


def test_a_private_address_is_a_422_beside_the_field(client, owner, settings):
    settings.DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = False
    response = client.post(
        f"{API}/webhooks/endpoints",
        {"url": "http://169.254.169.254/"},
        content_type=JSON,
        **bearer(owner),
    )
    body = assert_problem(response, 422, "webhook_url_refused")
    assert "url" in body["errors"]


def test_only_ops_register_marketplace_endpoints(client, owner, receiver):
    response = client.post(
        f"{API}/webhooks/endpoints",
        {"url": receiver.url, "scope": "marketplace"},
        content_type=JSON,
        **bearer(owner),
    )
    assert_problem(response, 403, "ops_permission_required")
    assert not Endpoint.objects.exists()


def test_the_owner_edits_rotates_tests_lists_and_replays(
    client, owner, endpoint, receiver, django_capture_on_commit_callbacks
):
    base = f"{API}/webhooks/endpoints/{endpoint.public_id}"
    headers = bearer(owner)
    patched = client.patch(
        base, {"description": "CRM", "enabled": False}, content_type=JSON, **headers
    )
    assert patched.json()["enabled"] is False
    assert_problem(
        client.post(f"{base}/test", **headers), 409, "webhook_endpoint_disabled"
    )
    client.patch(base, {"enabled": True}, content_type=JSON, **headers)

    rotated = client.post(f"{base}/rotate-secret", **headers).json()
    assert rotated["secret"] != endpoint.secret
    assert rotated["previous_secret_expires_at"]

    deliveries = client.get(f"{base}/deliveries", **headers).json()["items"]
    assert [item["event_type"] for item in deliveries] == ["webhook.test"]
    delivery_id = deliveries[0]["id"]
    detail = client.get(f"{base}/deliveries/{delivery_id}", **headers).json()
    assert detail["attempt_log"][0]["status_code"] == 200

    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(f"{base}/deliveries/{delivery_id}/replay", **headers)
    assert replayed.status_code == 202
    assert len(receiver.requests) == 2
    with django_capture_on_commit_callbacks(execute=True):
        tested = client.post(f"{base}/test", **headers)
    assert tested.status_code == 202
    assert len(receiver.requests) == 3

    assert client.delete(base, **headers).status_code == 204
    assert not Endpoint.objects.exists()


def test_someone_elses_endpoint_is_not_found_everywhere(
    client, stranger, endpoint, receiver
):
    delivery = Delivery.objects.get(endpoint=endpoint)
    base = f"{API}/webhooks/endpoints/{endpoint.public_id}"
    headers = bearer(stranger)
    calls = [
        client.get(base, **headers),
        client.patch(base, {"description": "x"}, content_type=JSON, **headers),
        client.delete(base, **headers),
        client.post(f"{base}/rotate-secret", **headers),
        client.post(f"{base}/test", **headers),
        client.get(f"{base}/deliveries", **headers),
        client.get(f"{base}/deliveries/{delivery.public_id}", **headers),
        client.post(f"{base}/deliveries/{delivery.public_id}/replay", **headers),
    ]
    for response in calls:
        assert_problem(response, 404, "not_found")
    endpoint.refresh_from_db()
    assert endpoint.description == ""
    assert len(receiver.requests) == 1
    listed = client.get(f"{API}/webhooks/endpoints", **headers).json()
    assert listed["items"] == []


def test_webhooks_need_a_signed_in_caller(client):
    assert_problem(client.get(f"{API}/webhooks/endpoints"), 401)
