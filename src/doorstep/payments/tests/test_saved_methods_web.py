"""The account's Payment methods page and the checkout's card choices."""

import pytest

from doorstep.orders.states import OrderState
from doorstep.payments import methods
from doorstep.payments.gateways.sandbox import SandboxGateway
from doorstep.payments.models import SavedPaymentMethod
from doorstep.payments.tests.conftest import CARD_OK
from tests.factories import make_order, make_user

pytestmark = pytest.mark.django_db


def _save(user, token="sbx_success_visa_4242"):  # noqa: S107 - a sandbox card token
    return methods.save_method(
        user=user, gateway="sandbox", token=token, brand="visa", last4=token[-4:]
    )


def test_the_page_lists_defaults_and_removes_only_your_cards(client, customer):
    mine = _save(customer)
    other = _save(customer, "sbx_success_mastercard_4444")
    stranger = make_user()
    theirs = _save(stranger)
    client.force_login(customer)

    page = client.get("/account/payment-methods/").content.decode()
    assert "•••• 4242" in page
    assert theirs.public_id not in page

    client.post(f"/account/payment-methods/{other.public_id}/default/")
    other.refresh_from_db()
    assert other.is_default
    assert (
        client.post(f"/account/payment-methods/{theirs.public_id}/remove/").status_code
        == 404
    )
    client.post(f"/account/payment-methods/{mine.public_id}/remove/")
    assert set(SavedPaymentMethod.objects.values_list("pk", flat=True)) == {
        other.pk,
        theirs.pk,
    }


def test_pay_with_a_new_card_and_save_it(client, listing, customer):
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")
    client.force_login(customer)
    assert (
        "save this card for next time"
        in client.get(order.get_absolute_url()).content.decode()
    )

    # the customer ticks "save", types the card on the sandbox's page
    to_gateway = client.get(f"/orders/{order.public_id}/pay/new-card/?save=1")
    assert to_gateway.status_code == 302
    intent_id = to_gateway["Location"].split("/sandbox/pay/")[1].split("/")[0]
    SandboxGateway().confirm_intent(intent_id=intent_id, card=CARD_OK)

    # and comes back
    back = client.get(f"/orders/{order.public_id}/pay/card-saved/")

    assert back.status_code == 302
    saved = SavedPaymentMethod.objects.get(user=customer)
    assert (saved.brand, saved.last4) == ("visa", "4242")
    order.refresh_from_db()
    assert order.state != OrderState.AWAITING_PAYMENT


def test_one_click_with_a_saved_card(client, listing, customer):
    method = _save(customer)
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")
    client.force_login(customer)
    assert (
        "Pay with Visa •••• 4242"
        in client.get(order.get_absolute_url()).content.decode()
    )

    response = client.post(
        f"/orders/{order.public_id}/pay/saved-card/", {"method": method.public_id}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state != OrderState.AWAITING_PAYMENT


def test_nobody_pays_with_or_for_what_is_not_theirs(client, listing, customer):
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")
    stranger = make_user()
    theirs = _save(stranger)
    client.force_login(stranger)
    assert (
        client.post(
            f"/orders/{order.public_id}/pay/saved-card/", {"method": theirs.public_id}
        ).status_code
        == 404
    )
    client.force_login(customer)
    client.post(
        f"/orders/{order.public_id}/pay/saved-card/", {"method": theirs.public_id}
    )
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_PAYMENT
