"""Developers → Webhooks and the back office's list of endpoints."""

import pytest
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.webhooks import services
from doorstep.webhooks.models import DisabledReason, Endpoint
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user()


def test_creating_shows_the_secret_once(client, owner, receiver):
    client.force_login(owner)
    response = client.post(
        reverse("webhooks:create"),
        {"url": receiver.url, "description": "CRM", "event_types": ["order.*"]},
    )
    endpoint = Endpoint.objects.get()
    assert response.url == reverse("webhooks:endpoint", args=[endpoint.public_id])
    first = client.get(response.url)
    assert endpoint.secret in first.content.decode()
    again = client.get(response.url)
    assert endpoint.secret not in again.content.decode()


def test_a_refused_address_shows_beside_the_field(client, owner, settings):
    settings.DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(owner)
    response = client.post(reverse("webhooks:create"), {"url": "https://10.0.0.1/"})
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert not Endpoint.objects.exists()


def test_someone_elses_endpoint_is_not_found(client, owner, receiver):
    endpoint, _secret = services.create_endpoint(owner=owner, url=receiver.url)
    client.force_login(make_user())
    pages = ["endpoint", "edit"]
    actions = ["toggle", "rotate", "test", "delete"]
    for name in pages:
        url = reverse(f"webhooks:{name}", args=[endpoint.public_id])
        assert client.get(url).status_code == 404
    for name in actions:
        url = reverse(f"webhooks:{name}", args=[endpoint.public_id])
        assert client.post(url).status_code == 404
    replay = reverse("webhooks:replay", args=[endpoint.public_id, "msg_nope"])
    assert client.post(replay).status_code == 404
    assert Endpoint.objects.get().enabled


def test_ops_see_every_endpoint_and_turn_one_off_with_a_reason(
    client, owner, receiver, django_capture_on_commit_callbacks
):
    endpoint, _secret = services.create_endpoint(owner=owner, url=receiver.url)
    ops = make_ops()
    sign_in_ops(client, ops)
    listed = client.get(reverse("webhooks:ops_endpoints"))
    assert endpoint.url in listed.content.decode()

    url = reverse("webhooks:ops_disable", args=[endpoint.public_id])
    assert client.post(url, {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "floods a third party"})
    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == DisabledReason.OPS
    entry = AuditEntry.objects.get(action="webhooks.disable_endpoint")
    assert entry.actor == ops
    assert entry.reason == "floods a third party"
    assert owner.notifications.exists()


def test_the_ops_list_is_hidden_from_others(client, owner):
    client.force_login(owner)
    assert client.get(reverse("webhooks:ops_endpoints")).status_code == 404


def test_the_delivery_log_shows_attempts_and_replays(
    client, owner, receiver, django_capture_on_commit_callbacks
):
    endpoint, _secret = services.create_endpoint(owner=owner, url=receiver.url)
    receiver.answer(500)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_test_message(
            user=owner, endpoint_id=endpoint.public_id
        )
    client.force_login(owner)
    page = client.get(reverse("webhooks:endpoint", args=[endpoint.public_id]))
    html = page.content.decode()
    assert "HTTP 500" in html
    replay = reverse("webhooks:replay", args=[endpoint.public_id, delivery.public_id])
    assert replay in html

    with django_capture_on_commit_callbacks(execute=True):
        client.post(replay)
    assert len(receiver.requests) == 2
    delivery.refresh_from_db()
    assert delivery.status == delivery.Status.DELIVERED
    edit = client.get(reverse("webhooks:edit", args=[endpoint.public_id]))
    assert edit.status_code == 200
    listed = client.get(reverse("webhooks:endpoints"))
    assert endpoint.url in listed.content.decode()
