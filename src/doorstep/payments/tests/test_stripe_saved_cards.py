"""Saved cards with Stripe, on recorded responses (shapes from Stripe's API
reference): a customer who asks to keep their card pays on an intent made on
their Stripe Customer (found again, or created once) with
``setup_future_usage=off_session``; a saved card is charged off session on its
Customer; a bank that asks for the cardholder, or declines, is our
``card_declined`` — what pay-after-service's fallback and plan dunning act on."""

import json

import pytest

stripe = pytest.importorskip("stripe")

from doorstep.payments.gateways.base import GatewayError  # noqa: E402
from doorstep.payments.tests.test_stripe_connect import _gateway  # noqa: E402
from doorstep.payments.tests.wallet_keys import recording  # noqa: E402

CUSTOMER = "cus_RsTQ4mXc8aLh2E"
SAVED = "pm_1QsavedVisa4242"
SEARCH = ("get", "/v1/customers/search")
CREATE_CUSTOMER = ("post", "/v1/customers")
INTENTS = ("post", "/v1/payment_intents")
SAVED_METHOD = ("get", f"/v1/payment_methods/{SAVED}")


def _recorded(name: str) -> dict:
    return json.loads(recording(name))


def _open_to_save(gateway):
    return gateway.create_intent(
        amount=10500,
        currency="CNY",
        idempotency_key="intent:ord_x:10500:save",
        metadata={
            "payment": "pay_x",
            "order": "ord_x",
            "save_card": "off_session",
            "customer": "usr_recorded",
        },
        return_url="https://shop.example/payment-methods/ord_x/saved/",
    )


def _charge_saved(gateway, key: str = "sub:sub_x:renewal:1:try1:auth"):
    return gateway.authorise(
        amount=3000,
        currency="CNY",
        payment_method=SAVED,
        idempotency_key=key,
        metadata={"subscription": "sub_x", "charge": "sch_x"},
    )


def test_keeping_the_card_makes_the_intent_on_a_new_customer_for_later_use():
    # Given a user with no Stripe Customer yet
    gateway, http = _gateway(
        {
            SEARCH: (200, _recorded("stripe_customer_search_empty.json")),
            CREATE_CUSTOMER: (200, _recorded("stripe_customer.json")),
            INTENTS: (200, _recorded("stripe_payment_intent_save_card.json")),
        }
    )

    # When they open a payment asking to keep their card
    intent = _open_to_save(gateway)

    # Then a Customer naming them is created once (keyed by the user), and
    # the intent is on it, set up for charges without them present
    assert intent.client_secret == "pi_3QsaveCard0001_secret_Xq8wPz"
    assert [(method, path) for method, path, *_rest in http.sent] == [
        SEARCH,
        CREATE_CUSTOMER,
        INTENTS,
    ]
    _m, _p, headers, form = http.sent[1]
    assert form["metadata[doorstep_user]"] == ["usr_recorded"]
    assert headers["Idempotency-Key"] == "customer:usr_recorded"
    _m, _p, headers, form = http.sent[2]
    assert form["customer"] == [CUSTOMER]
    assert form["setup_future_usage"] == ["off_session"]
    assert form["capture_method"] == ["manual"]
    assert headers["Idempotency-Key"] == "intent:ord_x:10500:save"


def test_a_returning_customer_is_found_not_created_again():
    gateway, http = _gateway(
        {
            SEARCH: (200, _recorded("stripe_customer_search_found.json")),
            INTENTS: (200, _recorded("stripe_payment_intent_save_card.json")),
        }
    )

    _open_to_save(gateway)

    assert CREATE_CUSTOMER not in [(m, p) for m, p, *_rest in http.sent]
    query = http.sent[0][1]
    assert query == "/v1/customers/search"
    assert http.sent[-1][3]["customer"] == [CUSTOMER]


def test_a_payment_without_keeping_the_card_makes_no_customer():
    gateway, http = _gateway(
        {INTENTS: (200, _recorded("stripe_payment_intent_save_card.json"))}
    )

    gateway.create_intent(
        amount=10500,
        currency="CNY",
        idempotency_key="intent:ord_x:10500",
        metadata={"payment": "pay_x", "order": "ord_x"},
        return_url="https://shop.example/return/",
    )

    assert [(m, p) for m, p, *_rest in http.sent] == [INTENTS]
    form = http.sent[0][3]
    assert "customer" not in form
    assert "setup_future_usage" not in form


def test_a_saved_card_is_charged_off_session_on_its_customer():
    gateway, http = _gateway(
        {
            SAVED_METHOD: (200, _recorded("stripe_payment_method_saved.json")),
            INTENTS: (200, _recorded("stripe_payment_intent_off_session.json")),
        }
    )

    charge = _charge_saved(gateway)

    assert (charge.charge_id, charge.status, charge.card_last4) == (
        "pi_3QoffSession0001",
        "authorised",
        "4242",
    )
    _m, _p, headers, form = http.sent[-1]
    assert form["customer"] == [CUSTOMER]
    assert form["payment_method"] == [SAVED]
    assert form["off_session"] == ["true"]
    assert form["confirm"] == ["true"]
    assert headers["Idempotency-Key"] == "sub:sub_x:renewal:1:try1:auth"


@pytest.mark.parametrize(
    "recorded",
    [
        "stripe_error_authentication_required.json",
        "stripe_error_card_declined_off_session.json",
    ],
)
def test_a_bank_asking_for_the_cardholder_or_declining_is_a_final_decline(recorded):
    gateway, _http = _gateway(
        {
            SAVED_METHOD: (200, _recorded("stripe_payment_method_saved.json")),
            INTENTS: (402, _recorded(recorded)),
        }
    )

    with pytest.raises(GatewayError) as declined:
        _charge_saved(gateway)

    # Not retried with the same key: the fallback asks the customer, dunning
    # tries again later with a new attempt.
    assert declined.value.code == GatewayError.CARD_DECLINED
    assert not declined.value.retryable
