"""Saved cards: saved from a confirmed payment (never from the browser's
word), listed, made default, removed at the gateway too; a repeat customer
pays in one click; and nobody reaches someone else's card."""

import pytest

from doorstep.api.testing import API, assert_problem, bearer
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.orders.states import OrderState
from doorstep.payments import flows, methods
from doorstep.payments.flows import PaymentError
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import Payment, SavedPaymentMethod
from doorstep.payments.tests.conftest import CARD_OK
from tests.factories import make_order, make_user

pytestmark = pytest.mark.django_db


CARD_TOKEN = "sbx_success_visa_4242"


def _save(user, token=CARD_TOKEN, **fields):
    return methods.save_method(
        user=user,
        gateway="sandbox",
        token=token,
        brand="visa",
        last4=token[-4:],
        **fields,
    )


def test_the_card_paid_with_is_saved_from_the_gateways_record(listing, customer):
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")
    sandbox.pay_with_sandbox_card(order, CARD_OK)
    payment = flows.order_payment(order)

    method = methods.save_from_payment(user=customer, payment=payment)

    assert (method.brand, method.last4, method.is_default) == ("visa", "4242", True)
    assert method.token == payment.payment_method
    assert "4242424242424242" not in method.token
    # saving again changes nothing
    assert methods.save_from_payment(user=customer, payment=payment) == method
    assert SavedPaymentMethod.objects.count() == 1


def test_an_unconfirmed_or_someone_elses_payment_saves_nothing(listing, customer):
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")
    flows.open_order_intent(order=order, return_url="https://example.com/back")
    payment = flows.order_payment(order)

    with pytest.raises(Conflict):
        methods.save_from_payment(user=customer, payment=payment)
    with pytest.raises(NotFound):
        methods.save_from_payment(user=make_user(), payment=payment)
    with pytest.raises(DomainError):
        _save(customer, token="4242424242424242")
    assert SavedPaymentMethod.objects.count() == 0


def test_default_and_removal(customer):
    first = _save(customer)
    second = _save(customer, token="sbx_success_mastercard_4444")
    assert [m.is_default for m in (first, second)] == [True, False]

    methods.make_default(user=customer, method_id=second.public_id)
    first.refresh_from_db()
    assert not first.is_default

    methods.remove_method(user=customer, method_id=second.public_id)
    first.refresh_from_db()
    assert first.is_default
    assert list(methods.methods_of(customer)) == [first]


def test_a_gateway_that_cannot_be_reached_keeps_the_card(customer):
    method = _save(customer)
    sandbox.inject_failure("detach_payment_method")

    with pytest.raises(PaymentError):
        methods.remove_method(user=customer, method_id=method.public_id)

    assert SavedPaymentMethod.objects.filter(pk=method.pk).exists()


def test_a_repeat_customer_pays_in_one_click(listing, customer):
    method = _save(customer)
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")

    order = methods.pay_order_with_saved_method(
        order=order, user=customer, method_id=method.public_id
    )

    assert order.state != OrderState.AWAITING_PAYMENT
    payment = Payment.objects.get(order=order)
    assert payment.status == "authorised"
    assert payment.payment_method == method.token


def test_one_click_refusals(listing, customer):
    declined = _save(customer, token="sbx_decline_visa_0002")
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")

    with pytest.raises(PaymentError):
        methods.pay_order_with_saved_method(
            order=order, user=customer, method_id=declined.public_id
        )
    order.refresh_from_db()
    assert order.state == OrderState.AWAITING_PAYMENT
    with pytest.raises(NotFound):
        methods.pay_order_with_saved_method(
            order=order, user=make_user(), method_id=declined.public_id
        )
    stranger = make_user()
    theirs = _save(stranger)
    with pytest.raises(NotFound):
        methods.pay_order_with_saved_method(
            order=order, user=customer, method_id=theirs.public_id
        )


def test_the_api_lists_and_removes_only_your_cards(client, customer):
    mine = _save(customer)
    stranger = make_user()
    theirs = _save(stranger)

    listed = client.get(API + "/me/payment-methods", **bearer(customer))
    assert [m["id"] for m in listed.json()] == [mine.public_id]
    assert listed.json()[0]["last4"] == "4242"
    assert "token" not in listed.json()[0]

    assert_problem(
        client.get(API + f"/me/payment-methods/{theirs.public_id}", **bearer(customer)),
        404,
        "payment_method_not_found",
    )
    assert_problem(
        client.delete(
            API + f"/me/payment-methods/{theirs.public_id}", **bearer(customer)
        ),
        404,
    )
    assert SavedPaymentMethod.objects.filter(pk=theirs.pk).exists()

    removed = client.delete(
        API + f"/me/payment-methods/{mine.public_id}", **bearer(customer)
    )
    assert removed.status_code == 204
    assert not SavedPaymentMethod.objects.filter(pk=mine.pk).exists()
    assert client.get(API + "/me/payment-methods").status_code == 401
