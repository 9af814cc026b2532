"""The payments API: idempotency keys, and nobody sees or moves what is not theirs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.api.testing import API, assert_problem, bearer
from doorstep.payments import flows
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry, PayoutRequest
from doorstep.payments.tests.conftest import (
    CARD_OK,
    balance,
    onboard,
    set_state,
)
from tests.factories import make_ops, make_provider, make_user

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _post(client, url, payload, user, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    # Ops hold tokens minted with their second factor, as the token API mints them.
    auth = bearer(user, second_factor=user.is_staff)
    return client.post(API + url, payload, content_type=JSON, **auth, **extra)


def _paid_and_released(order):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)


def test_someone_elses_order_is_not_found(client, order):
    stranger = make_user()

    response = _post(client, f"/orders/{order.public_id}/payment", {}, stranger)

    assert_problem(response, 404)


def test_tip_with_a_repeated_key_charges_once(client, order, customer, provider):
    _paid_and_released(order)
    url = f"/orders/{order.public_id}/tips"

    _post(client, url, {"amount": 500}, customer, key="tip-1")
    response = _post(client, url, {"amount": 500}, customer, key="tip-1")

    assert response.status_code == 201
    assert balance(K.PROVIDER_PENDING, provider=provider) == 8_500 + 500


def test_extra_charge_proposed_by_provider_approved_by_customer(
    client, order, customer, provider
):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "in_service")

    proposed = _post(
        client,
        f"/orders/{order.public_id}/extra-charges",
        {"amount": 1_000, "description": "Washer"},
        provider.user,
    )
    assert proposed.status_code == 201, proposed.content
    charge_id = proposed.json()["id"]
    approve_url = f"/orders/{order.public_id}/extra-charges/{charge_id}/approve"
    assert_problem(_post(client, approve_url, {}, provider.user), 404)
    approved = _post(client, approve_url, {}, customer, key="a1")

    assert approved.json()["status"] == "captured"
    assert balance(K.ORDER_ESCROW, order=order) == 11_500


def test_both_sides_see_an_extra_charge_and_only_the_customer_declines_it(
    client, order, customer, provider
):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    set_state(order, "accepted")
    extra = flows.propose_extra_charge(order=order, amount=1_000, description="Tap")
    listing_url = f"{API}/orders/{order.public_id}/extra-charges"
    decline_url = f"/orders/{order.public_id}/extra-charges/{extra.public_id}/decline"

    seen = [
        client.get(listing_url, **bearer(user)).json()
        for user in (customer, provider.user)
    ]
    stranger = client.get(listing_url, **bearer(make_user()))
    by_provider = _post(client, decline_url, {}, provider.user)
    declined = _post(client, decline_url, {}, customer)
    again = _post(client, decline_url, {}, customer)

    assert seen[0] == seen[1]
    assert [(c["id"], c["status"]) for c in seen[0]] == [(extra.public_id, "proposed")]
    assert_problem(stranger, 404, "order_not_found")
    assert_problem(by_provider, 404)
    assert declined.json()["status"] == "declined"
    assert_problem(again, 409, "extra_answered")
    assert balance(K.ORDER_ESCROW, order=order) == 0


def test_the_customer_cannot_propose_an_extra_charge(client, order, customer):
    response = _post(
        client,
        f"/orders/{order.public_id}/extra-charges",
        {"amount": 1_000, "description": "x"},
        customer,
    )

    assert_problem(response, 404)


def test_wallet_and_statement_are_the_providers_own(client, order, provider):
    _paid_and_released(order)
    other = make_provider()

    mine = client.get(API + "/me/wallet", **bearer(provider.user)).json()
    theirs = client.get(API + "/me/wallet", **bearer(other.user)).json()
    statement = client.get(API + "/me/wallet/statement", **bearer(provider.user))
    other_statement = client.get(API + "/me/wallet/statement", **bearer(other.user))

    assert mine[0]["pending"] == 8_500
    assert mine[0]["withdrawable"] == mine[0]["available"] - mine[0]["requested"]
    assert theirs[0]["pending"] == 0
    assert statement.json()["items"][0]["balance"]["amount"] == 8_500
    assert other_statement.json()["items"] == []


def test_a_customer_has_no_wallet(client, customer):
    assert_problem(client.get(API + "/me/wallet", **bearer(customer)), 404)


def test_statement_as_csv_has_a_running_balance(client, order, provider):
    _paid_and_released(order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))

    response = client.get(
        API + "/me/wallet/statement?format=csv", **bearer(provider.user)
    )

    rows = response.content.decode().strip().splitlines()
    assert rows[0].startswith("date,entry,kind")
    assert [row.split(",")[-1] for row in rows[1:]] == ["8500", "0", "8500"]


def test_payout_request_and_ops_batch(client, order, provider):
    _paid_and_released(order)
    onboard(provider)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    ops = make_ops()

    requested = _post(client, "/me/payouts", {"amount": 5_000}, provider.user, key="p")
    assert requested.status_code == 201, requested.content
    payout_id = requested.json()["id"]
    refused = _post(
        client, "/ops/payouts/batches", {"payout_ids": [payout_id]}, provider.user
    )
    assert_problem(refused, 404)
    batch = _post(client, "/ops/payouts/batches", {"payout_ids": [payout_id]}, ops)

    assert batch.status_code == 201
    assert batch.json()["payouts"][0]["status"] == "in_transit"
    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == 3_500
    assert PayoutRequest.objects.get().status == PayoutRequest.Status.IN_TRANSIT


def test_payout_below_the_minimum_is_refused(client, order, provider):
    _paid_and_released(order)

    response = _post(client, "/me/payouts", {"amount": 10}, provider.user)

    assert_problem(response, 422, "below_minimum_payout")


def test_only_ops_refund_and_the_key_refunds_once(client, order, customer, provider):
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    ops = make_ops()
    url = f"/ops/orders/{order.public_id}/refunds"

    for someone in (customer, provider.user):
        assert_problem(_post(client, url, {"amount": 100}, someone, key="r"), 404)
    first = _post(client, url, {"amount": 3_000}, ops, key="r1")
    again = _post(client, url, {"amount": 3_000}, ops, key="r1")

    assert first.status_code == 201, first.content
    assert again.json() == first.json()
    assert JournalEntry.objects.filter(kind="refund").count() == 1
    assert balance(K.ORDER_ESCROW, order=order) == 7_500


def test_a_refund_needs_a_key(client, order):
    ops = make_ops()

    response = _post(
        client, f"/ops/orders/{order.public_id}/refunds", {"amount": 1}, ops
    )

    assert_problem(response, 400, "idempotency_key_required")


def test_a_payout_in_an_unknown_currency_is_bad_input(client, provider):
    response = _post(
        client,
        "/me/payouts",
        {"amount": 5_000, "currency": "000"},
        provider.user,
        key="unknown-currency",
    )

    assert_problem(response, 400, "invalid_input")
    assert not PayoutRequest.objects.exists()
