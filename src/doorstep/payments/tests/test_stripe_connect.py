"""The Stripe Connect adapter against recorded Stripe responses, served by a fake
HTTP client plugged into the official ``stripe`` package (no network)."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

stripe = pytest.importorskip("stripe")

from doorstep.payments.gateways.base import GatewayError, sign_payload  # noqa: E402
from doorstep.payments.gateways.stripe_connect import (  # noqa: E402
    StripeConnectGateway,
)

INTENT = {
    "id": "pi_3Test",
    "object": "payment_intent",
    "amount": 10500,
    "amount_received": 0,
    "currency": "cny",
    "status": "requires_capture",
    "payment_method": "pm_card_visa",
    "metadata": {"payment": "pay_x", "order": "ord_x"},
    "latest_charge": {
        "id": "ch_3Test",
        "object": "charge",
        "payment_method_details": {"card": {"brand": "visa", "last4": "4242"}},
    },
}
CAPTURED = {**INTENT, "status": "succeeded", "amount_received": 10500}
CANCELED = {**INTENT, "status": "canceled"}
REFUND = {
    "id": "re_1",
    "object": "refund",
    "amount": 2000,
    "status": "succeeded",
    "payment_intent": "pi_3Test",
    "metadata": {"idempotency_key": "refund:ord_x:r1"},
}
DECLINE = {
    "error": {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": "generic_decline",
        "message": "Your card was declined.",
    }
}
TRANSFER = {"id": "tr_1", "object": "transfer", "amount": 5000, "currency": "cny"}
PAYOUT = {
    "id": "po_1",
    "object": "payout",
    "amount": 5000,
    "currency": "cny",
    "status": "pending",
}


def _list(items):
    return {"object": "list", "data": items, "has_more": False, "url": "/v1/x"}


class RecordedStripe(stripe.HTTPClient):
    """Answers each request with a recorded body; remembers what was sent."""

    name = "recorded"

    def __init__(self, routes):
        super().__init__()
        self.routes = routes
        self.sent = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path = urlsplit(url).path
        form = parse_qs(
            post_data.decode() if isinstance(post_data, bytes) else post_data or ""
        )
        self.sent.append((method, path, dict(headers or {}), form))
        status, body = self.routes[(method, path)]
        return json.dumps(body), status, {"request-id": "req_1"}

    def request_with_retries(self, method, url, headers, post_data=None, **kwargs):
        return self.request(method, url, headers, post_data)

    def close(self):
        pass


def _gateway(routes):
    client = RecordedStripe(routes)
    return StripeConnectGateway(api_key="sk_test_recorded", http_client=client), client


# A card confirmed once in the browser, kept on no Stripe Customer.
UNSAVED = ("get", "/v1/payment_methods/pm_card_visa")
UNSAVED_DECLINED = ("get", "/v1/payment_methods/pm_card_chargeDeclined")
UNSAVED_METHOD = {"id": "pm_card_visa", "object": "payment_method", "customer": None}


def test_authorise_creates_a_manual_capture_intent_with_our_key():
    gateway, http = _gateway(
        {
            ("post", "/v1/payment_intents"): (200, INTENT),
            UNSAVED: (200, UNSAVED_METHOD),
        }
    )

    result = gateway.authorise(
        amount=10500,
        currency="CNY",
        payment_method="pm_card_visa",
        idempotency_key="auth:ord_x:abc",
        metadata={"payment": "pay_x"},
    )

    assert (result.charge_id, result.status, result.card_last4) == (
        "pi_3Test",
        "authorised",
        "4242",
    )
    _method, _path, headers, form = http.sent[-1]
    assert form["capture_method"] == ["manual"]
    assert "off_session" not in form
    assert form["amount"] == ["10500"]
    assert headers["Idempotency-Key"] == "auth:ord_x:abc"


def test_a_declined_card_is_our_card_declined():
    gateway, _http = _gateway(
        {
            ("post", "/v1/payment_intents"): (402, DECLINE),
            UNSAVED_DECLINED: (200, UNSAVED_METHOD),
        }
    )

    with pytest.raises(GatewayError) as declined:
        gateway.authorise(
            amount=1,
            currency="CNY",
            payment_method="pm_card_chargeDeclined",
            idempotency_key="k",
            metadata={},
        )

    assert declined.value.code == GatewayError.CARD_DECLINED


def test_capture_void_and_refund():
    gateway, http = _gateway(
        {
            ("post", "/v1/payment_intents/pi_3Test/capture"): (200, CAPTURED),
            ("post", "/v1/payment_intents/pi_3Test/cancel"): (200, CANCELED),
            ("post", "/v1/refunds"): (200, REFUND),
        }
    )

    captured = gateway.capture(charge_id="pi_3Test", amount=None, idempotency_key="c")
    voided = gateway.void(charge_id="pi_3Test", idempotency_key="v")
    refund = gateway.refund(
        charge_id="pi_3Test",
        amount=2000,
        idempotency_key="refund:ord_x:r1",
        metadata={},
    )

    assert (captured.status, captured.captured_amount) == ("captured", 10500)
    assert voided.status == "voided"
    assert (refund.refund_id, refund.amount) == ("re_1", 2000)
    assert http.sent[2][3]["metadata[idempotency_key]"] == ["refund:ord_x:r1"]


def test_payout_transfers_then_pays_out_from_the_connected_account():
    gateway, http = _gateway(
        {
            ("post", "/v1/transfers"): (200, TRANSFER),
            ("post", "/v1/payouts"): (200, PAYOUT),
        }
    )

    result = gateway.payout(
        amount=5000,
        currency="CNY",
        destination="acct_123",
        idempotency_key="payout:pyo_1",
        metadata={"payout": "pyo_1"},
    )

    assert (result.payout_id, result.status) == ("po_1", "in_transit")
    assert http.sent[1][2]["Stripe-Account"] == "acct_123"


def test_list_charges_matches_refunds_by_our_key():
    gateway, _http = _gateway(
        {
            ("get", "/v1/payment_intents"): (200, _list([CAPTURED])),
            ("get", "/v1/refunds"): (200, _list([REFUND])),
        }
    )

    [charge] = gateway.list_charges()

    assert charge.refunds == (("refund:ord_x:r1", 2000),)
    assert charge.metadata["payment"] == "pay_x"


def _event(event_type, obj):
    return json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    ).encode()


def test_webhook_is_verified_and_normalised(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    gateway, _http = _gateway({})
    charge = {
        "id": "ch_3Test",
        "object": "charge",
        "payment_intent": "pi_3Test",
        "amount_captured": 10500,
        "refunds": _list([REFUND]),
        "metadata": {"payment": "pay_x"},
    }
    body = _event("charge.refunded", charge)

    event = gateway.verify_and_parse_webhook(
        body=body,
        headers={"Stripe-Signature": sign_payload(body, secret="whsec_test")},
    )

    assert event.type == "charge.refunded"
    assert event.data["id"] == "pi_3Test"
    assert event.data["refunds"] == [
        {"amount": 2000, "idempotency_key": "refund:ord_x:r1"}
    ]


@pytest.mark.parametrize(("secret", "age"), [("whsec_wrong", 0), ("whsec_test", 3600)])
def test_webhook_with_bad_signature_or_old_timestamp_is_refused(settings, secret, age):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    gateway, _http = _gateway({})
    body = _event("payout.paid", PAYOUT)
    header = sign_payload(body, secret=secret, timestamp=int(time.time()) - age)

    with pytest.raises(GatewayError) as refused:
        gateway.verify_and_parse_webhook(
            body=body, headers={"Stripe-Signature": header}
        )

    assert refused.value.code == GatewayError.BAD_SIGNATURE


OPEN_INTENT = {
    **INTENT,
    "status": "requires_payment_method",
    "payment_method": None,
    "latest_charge": None,
    "client_secret": "pi_3Test_secret_abc",
}


def test_create_intent_opens_a_manual_capture_intent_for_the_browser():
    gateway, http = _gateway({("post", "/v1/payment_intents"): (200, OPEN_INTENT)})

    intent = gateway.create_intent(
        amount=10500,
        currency="CNY",
        idempotency_key="intent:ord_x:10500",
        metadata={"payment": "pay_x", "order": "ord_x"},
        return_url="https://shop.example/orders/ord_x/payment-return/",
    )

    assert (intent.intent_id, intent.status, intent.client_secret) == (
        "pi_3Test",
        "requires_payment_method",
        "pi_3Test_secret_abc",
    )
    assert not intent.authorised
    _method, _path, headers, form = http.sent[-1]
    assert form["capture_method"] == ["manual"]
    assert "off_session" not in form
    assert form["amount"] == ["10500"]
    # the server neither confirms nor sends a card: the browser does, to Stripe
    assert "confirm" not in form
    assert "payment_method" not in form
    assert headers["Idempotency-Key"] == "intent:ord_x:10500"


def test_retrieve_intent_reads_the_hold_and_the_card():
    gateway, _http = _gateway({("get", "/v1/payment_intents/pi_3Test"): (200, INTENT)})

    intent = gateway.retrieve_intent(intent_id="pi_3Test")

    assert intent.authorised
    assert (intent.charge.charge_id, intent.charge.card_last4) == ("pi_3Test", "4242")


def test_a_declined_attempt_leaves_the_intent_open_with_the_reason():
    declined = {
        **OPEN_INTENT,
        "last_payment_error": {"code": "card_declined", "decline_code": None},
    }
    gateway, _http = _gateway(
        {("get", "/v1/payment_intents/pi_3Test"): (200, declined)}
    )

    intent = gateway.retrieve_intent(intent_id="pi_3Test")

    assert (intent.status, intent.failure_code) == (
        "requires_payment_method",
        "card_declined",
    )
    assert intent.charge is None


def test_an_intent_webhook_carries_the_intent(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    gateway, _http = _gateway({})
    body = _event("payment_intent.amount_capturable_updated", INTENT)

    event = gateway.verify_and_parse_webhook(
        body=body,
        headers={"Stripe-Signature": sign_payload(body, secret="whsec_test")},
    )

    assert event.data["id"] == "pi_3Test"
    assert event.data["intent"].authorised
    assert event.data["metadata"]["payment"] == "pay_x"


DETACHED = {
    "id": "pm_card_visa",
    "object": "payment_method",
    "type": "card",
    "customer": None,
    "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
}
MISSING = {
    "error": {
        "type": "invalid_request_error",
        "code": "resource_missing",
        "message": "No such PaymentMethod: 'pm_gone'",
    }
}


def test_detach_payment_method_posts_to_the_method():
    gateway, http = _gateway(
        {("post", "/v1/payment_methods/pm_card_visa/detach"): (200, DETACHED)}
    )

    gateway.detach_payment_method(payment_method="pm_card_visa")

    assert [(m, p) for m, p, _h, _f in http.sent] == [
        ("post", "/v1/payment_methods/pm_card_visa/detach")
    ]


def test_detaching_a_method_stripe_no_longer_has_succeeds():
    gateway, _http = _gateway(
        {("post", "/v1/payment_methods/pm_gone/detach"): (400, MISSING)}
    )

    gateway.detach_payment_method(payment_method="pm_gone")


def test_detach_fails_loudly_when_stripe_is_down():
    gateway, _http = _gateway(
        {
            ("post", "/v1/payment_methods/pm_card_visa/detach"): (
                500,
                {"error": {"type": "api_error", "message": "down"}},
            )
        }
    )

    with pytest.raises(GatewayError) as failed:
        gateway.detach_payment_method(payment_method="pm_card_visa")

    assert failed.value.code == GatewayError.UNAVAILABLE
