"""Paying for an order with a saved card through the API, as the checkout's
one-click button does: the same ``pay_order_with_saved_method``."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.orders.states import OrderState
from doorstep.payments import methods
from tests.factories import make_order, make_user

pytestmark = pytest.mark.django_db


def _save(user, token="sbx_success_visa_4242"):  # noqa: S107 - a sandbox card token
    return methods.save_method(
        user=user, gateway="sandbox", token=token, brand="visa", last4=token[-4:]
    )


def _pay(client, order, method_id, headers):
    return client.post(
        f"{API}/orders/{order.public_id}/payment/saved-method",
        {"payment_method": method_id},
        content_type=JSON,
        **headers,
    )


def test_one_click_with_a_saved_card(client, listing, customer):
    method = _save(customer)
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")

    response = _pay(client, order, method.public_id, bearer(customer))

    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.state != OrderState.AWAITING_PAYMENT
    assert response.json()["state"] == order.state
    assert_problem(
        _pay(client, order, method.public_id, bearer(customer)),
        409,
        "order_not_payable",
    )


def test_nobody_pays_with_or_for_what_is_not_theirs(client, listing, customer):
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")
    stranger = make_user()
    theirs = _save(stranger)
    mine = _save(customer)

    assert_problem(_pay(client, order, theirs.public_id, bearer(stranger)), 404)
    assert_problem(_pay(client, order, theirs.public_id, bearer(customer)), 404)
    assert_problem(
        _pay(client, order, mine.public_id, bearer(customer, scopes=["read"])),
        403,
        "insufficient_scope",
    )
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_PAYMENT
