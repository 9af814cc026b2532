"""The Alipay adapter against recorded Alipay answers (``recordings/alipay_*``),
signed at test time with a test "Alipay" key so that every verification is
really made, and served by a fake transport (no network)."""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from doorstep.payments import flows
from doorstep.payments.gateways import alipay
from doorstep.payments.gateways.alipay import AlipayGateway, signing_content
from doorstep.payments.gateways.base import GatewayError
from doorstep.payments.gateways.wallet import (
    load_private_key,
    load_public_key,
    rsa_sign,
    rsa_verify,
)
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry, Payment, ProcessedWebhook
from doorstep.payments.tests.conftest import balance
from doorstep.payments.tests.wallet_keys import private_pem, public_pem, recording

APP_ID = "2021000123456789"
TRADE = "intent_ord_x_10500_2c5ff85ac5"  # the recordings' out_trade_no
NOW = datetime(2026, 12, 3, 13, 4, 58, tzinfo=UTC)  # 21:04:58 in Beijing
NOTIFY_URL = "https://shop.example/payments/webhooks/alipay/"


def answer(method: str, node: str, *, signer: str = "alipay") -> str:
    """An Alipay answer: the response node as recorded, signed beside it."""
    name = method.replace(".", "_") + "_response"
    sign = rsa_sign(load_private_key(private_pem(signer)), node.encode())
    return f'{{"{name}":{node},"sign":"{sign}"}}'


class RecordedAlipay:
    """Answers each method with a recorded node (the recorded trade number
    replaced by the one asked about); remembers the forms sent."""

    def __init__(self, routes, *, signer="alipay"):
        self.routes = {
            method: list(value) if isinstance(value, list) else [value]
            for method, value in routes.items()
        }
        self.signer = signer
        self.sent = []

    def __call__(self, method, url, headers, body):
        form = dict(parse_qsl(body.decode()))
        form["biz"] = json.loads(form["biz_content"])
        self.sent.append(form)
        queue = self.routes[form["method"]]
        status, name = queue.pop(0) if len(queue) > 1 else queue[0]
        node = recording(name).replace(TRADE, form["biz"].get("out_trade_no", TRADE))
        return status, {}, answer(form["method"], node, signer=self.signer).encode()

    def methods(self):
        return [form["method"] for form in self.sent]


def _gateway(routes=None, **kwargs):
    http = RecordedAlipay(routes or {}, **kwargs)
    gateway = AlipayGateway(
        app_id=APP_ID,
        private_key=private_pem("app"),
        alipay_public_key=public_pem("alipay"),
        gateway_url="https://openapi.alipay.com/gateway.do",
        http=http,
        now=lambda: NOW,
    )
    return gateway, http


@pytest.fixture(autouse=True)
def _alipay(settings):
    settings.DOORSTEP_ALIPAY_APP_ID = APP_ID
    settings.DOORSTEP_ALIPAY_PRIVATE_KEY = private_pem("app")
    settings.DOORSTEP_ALIPAY_PUBLIC_KEY = public_pem("alipay")
    settings.DOORSTEP_ALIPAY_NOTIFY_URL = NOTIFY_URL
    settings.DOORSTEP_ALIPAY_CHECKOUT = "qr"
    settings.DOORSTEP_PAYMENT_WINDOW_MINUTES = 15


def _open(gateway, key="intent:ord_x:10500"):
    return gateway.create_intent(
        amount=10500,
        currency="CNY",
        idempotency_key=key,
        metadata={"payment": "pay_x", "order": "ord_x"},
        return_url="https://shop.example/orders/ord_x/payment-return/",
    )


# --- Requests ---------------------------------------------------------------------


def test_a_request_is_signed_rsa2_over_the_sorted_parameters():
    gateway, http = _gateway({"alipay.trade.precreate": (200, "alipay_precreate.json")})

    _open(gateway)

    [form] = http.sent
    sent = {key: value for key, value in form.items() if key != "biz"}
    content = signing_content(sent)
    assert content == recording("alipay_precreate_request.txt")
    rsa_verify(load_public_key(public_pem("app")), content.encode(), sent["sign"])
    # SHA256withRSA (PKCS#1 v1.5) is deterministic: the same request, the same bytes
    assert sent["sign"] == rsa_sign(
        load_private_key(private_pem("app")), content.encode()
    )


def test_create_intent_precreates_a_qr_code_for_the_customer():
    gateway, http = _gateway({"alipay.trade.precreate": (200, "alipay_precreate.json")})

    intent = _open(gateway)

    assert (intent.intent_id, intent.status, intent.amount) == (
        TRADE,
        "requires_action",
        10500,
    )
    assert intent.next_action_url == "https://qr.alipay.com/bax03431ljhokirwl38f00a7"
    assert not intent.authorised
    biz = http.sent[0]["biz"]
    assert biz["total_amount"] == "105.00"
    assert biz["timeout_express"] == "15m"
    assert http.sent[0]["notify_url"] == NOTIFY_URL


def test_page_checkout_is_a_signed_redirect_back_to_our_return_url(settings):
    settings.DOORSTEP_ALIPAY_CHECKOUT = "page"
    gateway, http = _gateway()

    intent = _open(gateway)

    assert http.sent == []  # the browser takes the signed request to Alipay
    url = urlsplit(intent.next_action_url)
    params = dict(parse_qsl(url.query))
    assert url.netloc == "openapi.alipay.com"
    assert params["method"] == "alipay.trade.page.pay"
    assert params["return_url"] == "https://shop.example/orders/ord_x/payment-return/"
    assert json.loads(params["biz_content"])["product_code"] == "FAST_INSTANT_TRADE_PAY"
    rsa_verify(
        load_public_key(public_pem("app")),
        signing_content(params).encode(),
        params["sign"],
    )


def test_opening_a_trade_already_paid_answers_the_paid_trade():
    gateway, _http = _gateway(
        {
            "alipay.trade.precreate": (200, "alipay_error_trade_has_success.json"),
            "alipay.trade.query": (200, "alipay_query_paid.json"),
        }
    )

    intent = _open(gateway)

    assert intent.authorised
    assert (intent.charge.status, intent.charge.captured_amount) == ("captured", 10500)


def test_only_yuan_is_taken():
    gateway, http = _gateway()

    with pytest.raises(GatewayError) as refused:
        gateway.create_intent(
            amount=100,
            currency="EUR",
            idempotency_key="k",
            metadata={},
            return_url="https://shop.example/",
        )

    assert refused.value.code == GatewayError.CARD_DECLINED
    assert http.sent == []


# --- Query, capture, void, refund -------------------------------------------------


def test_a_paid_trade_is_an_intent_captured_in_full():
    gateway, _http = _gateway({"alipay.trade.query": (200, "alipay_query_paid.json")})

    intent = gateway.retrieve_intent(intent_id=TRADE)

    assert (intent.status, intent.amount) == ("succeeded", 10500)
    assert intent.charge.charge_id == TRADE
    assert (intent.charge.status, intent.charge.captured_amount) == ("captured", 10500)
    assert intent.charge.payment_method == "alipay"


@pytest.mark.parametrize(
    "recorded", ["alipay_query_waiting.json", "alipay_query_not_exist.json"]
)
def test_a_trade_not_paid_yet_waits_for_the_customer(recorded):
    gateway, _http = _gateway({"alipay.trade.query": (200, recorded)})

    intent = gateway.retrieve_intent(intent_id=TRADE)

    assert intent.status == "requires_action"
    assert not intent.authorised


def test_capture_confirms_the_payment_and_takes_no_less_than_the_trade():
    gateway, http = _gateway({"alipay.trade.query": (200, "alipay_query_paid.json")})

    charge = gateway.capture(charge_id=TRADE, amount=2000, idempotency_key="c")

    assert (charge.status, charge.captured_amount) == ("captured", 10500)
    assert http.methods() == ["alipay.trade.query"]


def test_capture_of_an_unpaid_trade_fails():
    gateway, _http = _gateway(
        {"alipay.trade.query": (200, "alipay_query_waiting.json")}
    )

    with pytest.raises(GatewayError) as failed:
        gateway.capture(charge_id=TRADE, amount=None, idempotency_key="c")

    assert failed.value.code == GatewayError.CAPTURE_FAILED


def test_void_closes_an_unpaid_trade():
    gateway, http = _gateway({"alipay.trade.close": (200, "alipay_close.json")})

    charge = gateway.void(charge_id=TRADE, idempotency_key="void:ord_x")

    assert charge.status == "voided"
    assert http.sent[0]["biz"] == {"out_trade_no": TRADE}


def test_void_of_a_paid_trade_answers_it_captured_for_the_flow_to_refund():
    gateway, http = _gateway(
        {
            "alipay.trade.close": (200, "alipay_close_paid.json"),
            "alipay.trade.query": (200, "alipay_query_paid.json"),
        }
    )

    charge = gateway.void(charge_id=TRADE, idempotency_key="void:ord_x")

    assert (charge.status, charge.captured_amount) == ("captured", 10500)
    assert http.methods() == ["alipay.trade.close", "alipay.trade.query"]


def test_refund_sends_our_key_as_the_refund_request_number():
    gateway, http = _gateway({"alipay.trade.refund": (200, "alipay_refund.json")})

    refund = gateway.refund(
        charge_id=TRADE, amount=2000, idempotency_key="refund:ord_x:r1", metadata={}
    )

    assert (refund.amount, refund.status) == (2000, "succeeded")
    assert http.sent[0]["biz"] == {
        "out_trade_no": TRADE,
        "refund_amount": "20.00",
        "out_request_no": "refund|ord_x|r1",
    }


@pytest.mark.parametrize(
    ("method", "recorded", "code", "retryable"),
    [
        ("alipay.trade.query", "alipay_error_system.json", "retry_later", True),
        (
            "alipay.trade.query",
            "alipay_error_unavailable.json",
            "gateway_unavailable",
            True,
        ),
        (
            "alipay.trade.refund",
            "alipay_error_trade_has_success.json",
            "capture_failed",
            False,
        ),
        (
            "alipay.trade.refund",
            "alipay_error_refund_too_large.json",
            "refund_too_large",
            False,
        ),
        ("alipay.trade.refund", "alipay_query_not_exist.json", "not_found", False),
    ],
)
def test_alipay_errors_are_our_gateway_errors(method, recorded, code, retryable):
    gateway, _http = _gateway({method: (200, recorded)})

    call = (
        (lambda: gateway.capture(charge_id=TRADE, amount=None, idempotency_key="c"))
        if method == "alipay.trade.query"
        else (
            lambda: gateway.refund(
                charge_id=TRADE, amount=2000, idempotency_key="r", metadata={}
            )
        )
    )

    with pytest.raises(GatewayError) as failed:
        call()

    assert (failed.value.code, failed.value.retryable) == (code, retryable)


def test_a_server_error_is_retryable():
    gateway, _http = _gateway({"alipay.trade.query": (502, "alipay_query_paid.json")})

    with pytest.raises(GatewayError) as failed:
        gateway.retrieve_intent(intent_id=TRADE)

    assert failed.value.retryable


def test_an_answer_not_signed_by_alipay_is_refused():
    gateway, _http = _gateway(
        {"alipay.trade.query": (200, "alipay_query_paid.json")}, signer="impostor"
    )

    with pytest.raises(GatewayError) as refused:
        gateway.retrieve_intent(intent_id=TRADE)

    assert refused.value.code == GatewayError.BAD_SIGNATURE


def test_an_unsigned_success_is_refused():
    gateway, _http = _gateway()
    node = recording("alipay_query_paid.json")
    gateway.http = lambda *args: (
        200,
        {},
        f'{{"alipay_trade_query_response":{node}}}'.encode(),
    )

    with pytest.raises(GatewayError) as refused:
        gateway.retrieve_intent(intent_id=TRADE)

    assert refused.value.code == GatewayError.BAD_SIGNATURE


# --- Notifications ----------------------------------------------------------------


def notification(
    name="alipay_notify_paid.txt", *, signer="alipay", trade=TRADE, **change
):
    """A recorded notification, signed (``sign``, ``sign_type``) like Alipay does:
    every field but those two, sorted."""
    fields = dict(parse_qsl(recording(name)))
    fields["out_trade_no"] = trade
    fields.update(change)
    fields["sign"] = rsa_sign(
        load_private_key(private_pem(signer)), signing_content(fields).encode()
    )
    fields["sign_type"] = "RSA2"
    return fields


def test_a_payment_notification_is_a_captured_intent():
    gateway, _http = _gateway()

    event = gateway.verify_and_parse_webhook(
        body=urlencode(notification()).encode(), headers={}
    )

    assert (event.id, event.type) == (
        "2026120300222210517011561405711111",
        "payment_intent.succeeded",
    )
    assert event.data["id"] == TRADE
    intent = event.data["intent"]
    assert intent.authorised
    assert (intent.charge.status, intent.charge.captured_amount) == ("captured", 10500)


def test_a_refund_notification_reads_the_refund_it_announces():
    gateway, http = _gateway(
        {"alipay.trade.fastpay.refund.query": (200, "alipay_refund_query.json")}
    )

    event = gateway.verify_and_parse_webhook(
        body=urlencode(notification("alipay_notify_refund.txt")).encode(), headers={}
    )

    assert event.type == "charge.refunded"
    assert event.data["captured_amount"] == 10500
    assert event.data["refunds"] == [
        {"amount": 2000, "idempotency_key": "refund:ord_x:r1"}
    ]
    assert http.sent[0]["biz"] == {
        "out_trade_no": TRADE,
        "out_request_no": "refund|ord_x|r1",
    }


def test_a_closed_trade_notification_is_a_canceled_intent():
    gateway, _http = _gateway()

    event = gateway.verify_and_parse_webhook(
        body=urlencode(notification(trade_status="TRADE_CLOSED")).encode(), headers={}
    )

    assert event.type == "payment_intent.canceled"


def _forgeries():
    genuine = notification()
    tampered = {**genuine, "total_amount": "1.05"}
    unsigned = {key: value for key, value in genuine.items() if key != "sign"}
    rsa1 = {**genuine, "sign_type": "RSA"}
    garbage = {**genuine, "sign": "bm90IGEgc2lnbmF0dXJl"}
    return {
        "signed by another key": notification(signer="impostor"),
        "tampered amount": tampered,
        "unsigned": unsigned,
        "old RSA signature type": rsa1,
        "garbage signature": garbage,
        "another app": notification(app_id="2021000999999999"),
    }


@pytest.mark.parametrize("forgery", list(_forgeries()))
def test_a_forged_notification_is_refused(forgery):
    gateway, _http = _gateway()

    with pytest.raises(GatewayError) as refused:
        gateway.verify_and_parse_webhook(
            body=urlencode(_forgeries()[forgery]).encode(), headers={}
        )

    assert refused.value.code == GatewayError.BAD_SIGNATURE


# --- Through our webhook, a wallet beside the card gateway ---------------------------


@pytest.fixture
def alipay_order(settings, order, monkeypatch):
    """An order whose customer chose Alipay: the sandbox stays the card
    gateway, Alipay is an enabled wallet, the payment was opened with it."""
    settings.DOORSTEP_WALLET_GATEWAYS = ("alipay",)
    http = RecordedAlipay(
        {
            "alipay.trade.precreate": (200, "alipay_precreate.json"),
            "alipay.trade.refund": (200, "alipay_refund.json"),
            "alipay.trade.close": (200, "alipay_close_paid.json"),
            "alipay.trade.query": (200, "alipay_query_paid.json"),
        }
    )
    monkeypatch.setattr(alipay, "urllib_transport", http)
    type(order).objects.filter(pk=order.pk).update(state="awaiting_payment")
    settings.DOORSTEP_PAYMENT_GATEWAY = "alipay"
    flows.open_order_intent(order=order, return_url="https://shop.example/return/")
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    order.refresh_from_db()
    return order, http


def _deliver(client, fields):
    return client.post(
        "/payments/webhooks/alipay/",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )


@pytest.mark.django_db
def test_the_payment_notification_captures_into_escrow_once(client, alipay_order):
    order, _http = alipay_order
    payment = Payment.objects.get(order=order)
    fields = notification(trade=payment.gateway_charge_id)

    first = _deliver(client, fields)
    again = _deliver(client, fields)

    assert (first.status_code, first.content) == (200, b"success")
    assert (again.status_code, again.content) == (200, b"success")
    payment.refresh_from_db()
    assert (payment.gateway, payment.status, payment.captured_amount) == (
        "alipay",
        "captured",
        10500,
    )
    assert balance(K.ORDER_ESCROW, order=order) == 10500
    assert JournalEntry.objects.filter(kind="capture").count() == 1
    assert ProcessedWebhook.objects.filter(gateway="alipay").count() == 1
    order.refresh_from_db()
    assert order.state != "awaiting_payment"


@pytest.mark.django_db
@pytest.mark.parametrize("forgery", ["signed by another key", "tampered amount"])
def test_a_forged_notification_is_400_and_writes_nothing(client, alipay_order, forgery):
    order, _http = alipay_order
    payment = Payment.objects.get(order=order)
    fields = {**_forgeries()[forgery], "out_trade_no": payment.gateway_charge_id}

    response = _deliver(client, fields)

    assert response.status_code == 400
    assert not ProcessedWebhook.objects.exists()
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert balance(K.ORDER_ESCROW, order=order) == 0


@pytest.mark.django_db
def test_alipay_may_not_speak_unless_enabled(client, alipay_order, settings):
    order, _http = alipay_order
    settings.DOORSTEP_WALLET_GATEWAYS = ()
    payment = Payment.objects.get(order=order)

    response = _deliver(client, notification(trade=payment.gateway_charge_id))

    assert response.status_code == 404
    assert not ProcessedWebhook.objects.exists()


@pytest.mark.django_db
def test_a_refund_of_an_alipay_payment_goes_to_alipay(client, alipay_order):
    order, http = alipay_order
    payment = Payment.objects.get(order=order)
    _deliver(client, notification(trade=payment.gateway_charge_id))

    flows.refund_order(order=order, amount=2000, reference="r1")

    refund = http.sent[-1]
    assert refund["method"] == "alipay.trade.refund"
    assert refund["biz"]["out_trade_no"] == payment.gateway_charge_id
    assert refund["biz"]["out_request_no"] == f"refund|{order.public_id}|r1"
    assert balance(K.ORDER_ESCROW, order=order) == 8500


@pytest.mark.django_db
def test_voiding_a_paid_alipay_payment_refunds_it_at_alipay(alipay_order):
    order, http = alipay_order
    payment = Payment.objects.get(order=order)
    # the return URL saw the trade paid before the notification came
    flows.refresh_order_payment(order=order)
    assert Payment.objects.get(pk=payment.pk).status == "authorised"

    flows.void_order(order=order)

    assert http.methods()[-3:] == [
        "alipay.trade.close",
        "alipay.trade.query",
        "alipay.trade.refund",
    ]
    payment.refresh_from_db()
    assert payment.refunded_amount == 10500
    assert balance(K.ORDER_ESCROW, order=order) == 0


@pytest.mark.django_db
def test_reconciliation_queries_our_trades_and_recovers_a_lost_notification(
    alipay_order,
):
    from doorstep.payments.reconciliation import reconcile

    order, http = alipay_order
    payment = Payment.objects.get(order=order)

    differences = reconcile(gateway_name="alipay", fix=True)

    assert [d.kind for d in differences if d.fixable] == ["missing_posting"]
    assert http.sent[-1]["biz"] == {"out_trade_no": payment.gateway_charge_id}
    assert balance(K.ORDER_ESCROW, order=order) == 10500
    assert not [d for d in reconcile(gateway_name="alipay") if d.fixable]
