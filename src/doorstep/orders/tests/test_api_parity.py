"""What the web's order pages do, through the API: the provider marks a job done
with photos, and ops press the back office's order buttons. Each as the wrong
user, and with a token whose scopes do not allow it."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.queries import entries_for
from doorstep.orders.models import OrderPhoto
from doorstep.orders.services import transition_order
from doorstep.orders.states import OrderState
from doorstep.orders.tests.conftest import book_and_pay, booking, photo_upload
from tests.factories import make_ops, make_order, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(listing, customer, early_start_allowed):
    order = book_and_pay(**booking(listing, customer))
    provider = order.provider.user
    transition_order(order=order, name="accept", user=provider)
    return transition_order(
        order=order, name="start", user=provider, data={"start_code": order.start_code}
    )


def _deliver(client, order, headers, photos):
    return client.post(
        f"{API}/orders/{order.public_id}/deliver", {"photos": photos}, **headers
    )


def test_the_provider_delivers_with_photos(client, started):
    headers = bearer(started.provider.user)

    response = _deliver(
        client, started, headers, [photo_upload("before.jpg"), photo_upload()]
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == OrderState.DELIVERED
    assert len(response.json()["photos"]) == 2
    assert OrderPhoto.objects.filter(order=started).count() == 2


def test_delivery_by_anyone_else_changes_nothing(client, started):
    before = started.state
    for user in (make_user(email="eve@example.com"), started.customer):
        response = _deliver(client, started, bearer(user), [photo_upload()])
        assert response.status_code in (403, 404), response.content
    assert_problem(
        _deliver(client, started, bearer(make_user(email="x@example.com")), []),
        404,
        "order_not_found",
    )
    started.refresh_from_db()
    assert started.state == before
    assert not OrderPhoto.objects.exists()


def test_a_read_only_token_cannot_deliver(client, started):
    headers = bearer(started.provider.user, scopes=["read"])

    assert_problem(
        _deliver(client, started, headers, [photo_upload()]), 403, "insufficient_scope"
    )
    assert not OrderPhoto.objects.exists()


def _ops_post(client, order, name, headers, body=None):
    return client.post(
        f"{API}/ops/orders/{order.public_id}/transitions/{name}",
        body or {},
        content_type=JSON,
        **headers,
    )


def test_ops_cancel_an_order_through_the_api_and_it_is_audited():
    # Given an open order and ops holding a second-factor token
    from django.test import Client

    client = Client()
    order = make_order()
    ops = make_ops("Support")
    headers = ops_bearer(ops)
    seen = client.get(f"{API}/ops/orders/{order.public_id}", **headers)
    assert "cancel" in [t["name"] for t in seen.json()["ops_transitions"]]

    # When they cancel it with a reason
    response = _ops_post(
        client, order, "cancel", headers, {"reason": "Duplicate booking"}
    )

    # Then it is cancelled, and the trail says who and why
    assert response.status_code == 200, response.content
    assert response.json()["state"] == OrderState.CANCELLED
    entry = entries_for(order).get()
    assert entry.actor == ops
    assert entry.reason == "Duplicate booking"


def test_the_ops_order_endpoints_do_not_exist_for_anyone_else(client):
    order = make_order()
    stranger = make_user(email="eve@example.com")

    for user in (stranger, order.customer, order.provider.user):
        assert_problem(
            _ops_post(client, order, "cancel", bearer(user)), 404, "not_found"
        )
        assert_problem(
            client.get(f"{API}/ops/orders/{order.public_id}", **bearer(user)),
            404,
            "not_found",
        )
    order.refresh_from_db()
    assert order.state == OrderState.REQUESTED


def test_ops_need_the_second_factor_and_the_scopes(client):
    order = make_order()
    ops = make_ops("Support")

    assert_problem(
        _ops_post(client, order, "cancel", bearer(ops)), 403, "ops_mfa_required"
    )
    without_ops = bearer(ops, second_factor=True, scopes=["read", "write"])
    assert_problem(
        _ops_post(client, order, "cancel", without_ops), 403, "insufficient_scope"
    )
    read_only = bearer(ops, second_factor=True, scopes=["read", "ops"])
    assert_problem(
        _ops_post(client, order, "cancel", read_only), 403, "insufficient_scope"
    )
    assert (
        client.get(f"{API}/ops/orders/{order.public_id}", **read_only).status_code
        == 200
    )
    order.refresh_from_db()
    assert order.state == OrderState.REQUESTED
    assert not entries_for(order).exists()


def test_an_ops_transition_the_order_cannot_take_is_a_409(client):
    order = make_order()
    ops = make_ops("Support")

    response = _ops_post(client, order, "resolve_complete", ops_bearer(ops))

    assert_problem(response, 409)
    assert_problem(
        _ops_post(
            client, order, "cancel", ops_bearer(ops), {"expected_state": "started"}
        ),
        409,
        "state_changed",
    )
