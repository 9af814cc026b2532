"""The WeChat Pay (API v3) adapter against recorded WeChat Pay answers
(``recordings/wechat_pay_*``), signed at test time with a test "platform" key
and, for notifications, encrypted with a test APIv3 key, so that every
verification and decryption is really made; a fake transport (no network)."""

import base64
import json
import time
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from doorstep.payments import flows
from doorstep.payments.gateways import wechat_pay
from doorstep.payments.gateways.base import GatewayError
from doorstep.payments.gateways.wallet import (
    load_private_key,
    load_public_key,
    rsa_sign,
    rsa_verify,
)
from doorstep.payments.gateways.wechat_pay import WeChatPayGateway, signed_message
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry, Payment, ProcessedWebhook
from doorstep.payments.tests.conftest import balance
from doorstep.payments.tests.wallet_keys import private_pem, public_pem, recording

MCH_ID = "1230000109"
APP_ID = "wxd678efh567hg6787"
SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PLATFORM_SERIAL = "PUB_KEY_ID_0112340000001234567890"
API_V3_KEY = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
NONCE = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
NOW = 1796303098  # 2026-12-03 21:04:58 in Beijing
TRADE = "intent_ord_x_10500_2c5ff85ac5"  # the recordings' out_trade_no
NOTIFY_URL = "https://shop.example/payments/webhooks/wechat_pay/"


def platform_headers(body: str, *, timestamp=NOW, signer="platform", serial=None):
    nonce = "593BEC0C930BF1AFEB40B4A08C8FB242"
    signature = rsa_sign(
        load_private_key(private_pem(signer)),
        signed_message(str(timestamp), nonce, body),
    )
    return {
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": serial or PLATFORM_SERIAL,
        "Request-ID": "08F78BB5AF0610D302100B189F9E0D4D00",
    }


class RecordedWeChatPay:
    """Answers each (method, path) with a recorded body (the recorded order
    number replaced by the one asked about), signed by the platform key."""

    def __init__(self, routes, *, signer="platform", timestamp=None):
        self.routes = routes
        self.signer = signer
        self.timestamp = timestamp
        self.sent = []

    def __call__(self, method, url, headers, body):
        parts = urlsplit(url)
        payload = json.loads(body) if body else {}
        self.sent.append((method, parts.path, parts.query, dict(headers), payload))
        status, name = self.routes[(method, parts.path)]
        trade = payload.get("out_trade_no") or parts.path.split("/")[5:6]
        trade = trade if isinstance(trade, str) else (trade[0] if trade else TRADE)
        text = recording(name).replace(TRADE, trade) if name else ""
        timestamp = self.timestamp or int(time.time())
        return (
            status,
            platform_headers(text, timestamp=timestamp, signer=self.signer),
            text.encode(),
        )

    def paths(self):
        return [(method, path) for method, path, *_rest in self.sent]


def _gateway(routes=None, **kwargs):
    http = RecordedWeChatPay(routes or {}, timestamp=NOW, **kwargs)
    gateway = WeChatPayGateway(
        mch_id=MCH_ID,
        app_id=APP_ID,
        private_key=private_pem("merchant"),
        serial_no=SERIAL,
        api_v3_key=API_V3_KEY,
        platform_public_key=public_pem("platform"),
        platform_serial=PLATFORM_SERIAL,
        base_url="https://api.mch.weixin.qq.com",
        http=http,
        clock=lambda: NOW,
        nonce=lambda: NONCE,
    )
    return gateway, http


@pytest.fixture(autouse=True)
def _wechat_pay(settings):
    settings.DOORSTEP_WECHAT_PAY_MCH_ID = MCH_ID
    settings.DOORSTEP_WECHAT_PAY_APP_ID = APP_ID
    settings.DOORSTEP_WECHAT_PAY_PRIVATE_KEY = private_pem("merchant")
    settings.DOORSTEP_WECHAT_PAY_SERIAL_NO = SERIAL
    settings.DOORSTEP_WECHAT_PAY_API_V3_KEY = API_V3_KEY
    settings.DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY = public_pem("platform")
    settings.DOORSTEP_WECHAT_PAY_PLATFORM_SERIAL = PLATFORM_SERIAL
    settings.DOORSTEP_WECHAT_PAY_NOTIFY_URL = NOTIFY_URL
    settings.DOORSTEP_PAYMENT_WINDOW_MINUTES = 15
    settings.DOORSTEP_WEBHOOK_TOLERANCE_SECONDS = 300


NATIVE = ("POST", "/v3/pay/transactions/native")
QUERY = ("GET", f"/v3/pay/transactions/out-trade-no/{TRADE}")
CLOSE = ("POST", f"/v3/pay/transactions/out-trade-no/{TRADE}/close")
REFUND = ("POST", "/v3/refund/domestic/refunds")


def _open(gateway):
    return gateway.create_intent(
        amount=10500,
        currency="CNY",
        idempotency_key="intent:ord_x:10500",
        metadata={"payment": "pay_x", "order": "ord_x"},
        return_url="https://shop.example/orders/ord_x/payment-return/",
    )


# --- Requests ---------------------------------------------------------------------


def test_a_request_is_signed_wechatpay2_sha256_rsa2048():
    gateway, http = _gateway({NATIVE: (200, "wechat_pay_native.json")})

    _open(gateway)

    method, path, _query, headers, payload = http.sent[0]
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    message = signed_message(method, path, str(NOW), NONCE, body)
    assert message.decode() == recording("wechat_pay_native_request.txt") + "\n"
    signature = rsa_sign(load_private_key(private_pem("merchant")), message)
    assert headers["Authorization"] == (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{MCH_ID}",nonce_str="{NONCE}",'
        f'signature="{signature}",timestamp="{NOW}",serial_no="{SERIAL}"'
    )
    rsa_verify(load_public_key(public_pem("merchant")), message, signature)


def test_create_intent_opens_a_native_order_with_its_qr_code():
    gateway, http = _gateway({NATIVE: (200, "wechat_pay_native.json")})

    intent = _open(gateway)

    assert (intent.intent_id, intent.status, intent.amount) == (
        TRADE,
        "requires_action",
        10500,
    )
    assert intent.next_action_url == "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"
    payload = http.sent[0][4]
    assert payload["amount"] == {"total": 10500, "currency": "CNY"}
    assert payload["notify_url"] == NOTIFY_URL


def test_opening_an_order_already_paid_answers_the_paid_order():
    gateway, _http = _gateway(
        {
            NATIVE: (400, "wechat_pay_error_orderpaid.json"),
            QUERY: (200, "wechat_pay_query_paid.json"),
        }
    )

    intent = _open(gateway)

    assert intent.authorised
    assert intent.charge.captured_amount == 10500


# --- Query, capture, void, refund -------------------------------------------------


def test_a_paid_order_is_an_intent_captured_in_full():
    gateway, http = _gateway({QUERY: (200, "wechat_pay_query_paid.json")})

    intent = gateway.retrieve_intent(intent_id=TRADE)

    assert (intent.status, intent.amount) == ("succeeded", 10500)
    assert (intent.charge.status, intent.charge.captured_amount) == ("captured", 10500)
    assert http.sent[0][2] == f"mchid={MCH_ID}"


def test_an_unpaid_order_waits_for_the_customer_and_cannot_be_captured():
    gateway, _http = _gateway({QUERY: (200, "wechat_pay_query_notpay.json")})

    intent = gateway.retrieve_intent(intent_id=TRADE)
    with pytest.raises(GatewayError) as failed:
        gateway.capture(charge_id=TRADE, amount=None, idempotency_key="c")

    assert (intent.status, intent.authorised) == ("requires_action", False)
    assert failed.value.code == GatewayError.CAPTURE_FAILED


def test_void_closes_an_unpaid_order():
    gateway, http = _gateway({CLOSE: (204, "")})

    charge = gateway.void(charge_id=TRADE, idempotency_key="void:ord_x")

    assert charge.status == "voided"
    assert http.sent[0][4] == {"mchid": MCH_ID}


def test_voiding_a_closed_order_again_is_fine():
    gateway, _http = _gateway({CLOSE: (400, "wechat_pay_error_order_closed.json")})

    assert gateway.void(charge_id=TRADE, idempotency_key="v").status == "voided"


def test_void_of_a_paid_order_answers_it_captured_for_the_flow_to_refund():
    gateway, http = _gateway(
        {
            CLOSE: (400, "wechat_pay_error_orderpaid.json"),
            QUERY: (200, "wechat_pay_query_paid.json"),
        }
    )

    charge = gateway.void(charge_id=TRADE, idempotency_key="v")

    assert (charge.status, charge.captured_amount) == ("captured", 10500)
    assert http.paths() == [CLOSE, QUERY]


def test_refund_sends_our_key_as_the_refund_number_with_the_order_total():
    gateway, http = _gateway(
        {
            QUERY: (200, "wechat_pay_query_paid.json"),
            REFUND: (200, "wechat_pay_refund.json"),
        }
    )

    refund = gateway.refund(
        charge_id=TRADE, amount=2000, idempotency_key="refund:ord_x:r1", metadata={}
    )

    assert (refund.refund_id, refund.amount, refund.status) == (
        "50000000382019052709732678859",
        2000,
        "pending",
    )
    payload = http.sent[1][4]
    assert payload["out_refund_no"] == "refund|ord_x|r1"
    assert payload["amount"] == {"refund": 2000, "total": 10500, "currency": "CNY"}


@pytest.mark.parametrize(
    ("status", "recorded", "code", "retryable"),
    [
        (500, "wechat_pay_error_system.json", "retry_later", True),
        (400, "wechat_pay_error_order_closed.json", "already_voided", False),
        (404, "wechat_pay_error_order_not_exist.json", "not_found", False),
        (502, "wechat_pay_native.json", "gateway_unavailable", True),
    ],
)
def test_wechat_pay_errors_are_our_gateway_errors(status, recorded, code, retryable):
    gateway, _http = _gateway({QUERY: (status, recorded)})

    with pytest.raises(GatewayError) as failed:
        gateway.capture(charge_id=TRADE, amount=None, idempotency_key="c")

    assert (failed.value.code, failed.value.retryable) == (code, retryable)


@pytest.mark.parametrize("forgery", [{"signer": "impostor"}, {"timestamp": NOW - 3600}])
def test_an_answer_not_signed_by_the_platform_or_stale_is_refused(forgery):
    gateway, http = _gateway({QUERY: (200, "wechat_pay_query_paid.json")})
    http.signer = forgery.get("signer", "platform")
    http.timestamp = forgery.get("timestamp", NOW)

    with pytest.raises(GatewayError) as refused:
        gateway.retrieve_intent(intent_id=TRADE)

    assert refused.value.code == GatewayError.BAD_SIGNATURE


# --- Notifications ----------------------------------------------------------------


def encrypted(envelope_name, resource_text, *, key=API_V3_KEY, trade=TRADE):
    """A recorded notification with its recorded resource encrypted as WeChat
    Pay does (AEAD_AES_256_GCM with the APIv3 key)."""
    envelope = json.loads(recording(envelope_name))
    resource = envelope["resource"]
    ciphertext = AESGCM(key.encode()).encrypt(
        resource["nonce"].encode(),
        resource_text.replace(TRADE, trade).encode(),
        resource["associated_data"].encode(),
    )
    resource["ciphertext"] = base64.b64encode(ciphertext).decode()
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def paid_notification(**kwargs):
    return encrypted(
        "wechat_pay_notify_transaction.json",
        recording("wechat_pay_query_paid.json"),
        **kwargs,
    )


def test_a_payment_notification_is_a_captured_intent():
    gateway, _http = _gateway()
    body = paid_notification()

    event = gateway.verify_and_parse_webhook(
        body=body.encode(), headers=platform_headers(body)
    )

    assert (event.id, event.type) == (
        "EV-2018022511223320873",
        "payment_intent.succeeded",
    )
    assert event.data["id"] == TRADE
    assert event.data["intent"].charge.captured_amount == 10500


def test_a_refund_notification_names_the_refund_by_our_key():
    gateway, _http = _gateway()
    body = encrypted(
        "wechat_pay_notify_refund.json",
        recording("wechat_pay_notify_refund_resource.json"),
    )

    event = gateway.verify_and_parse_webhook(
        body=body.encode(), headers=platform_headers(body)
    )

    assert event.type == "charge.refunded"
    assert event.data["refunds"] == [
        {"amount": 2000, "idempotency_key": "refund:ord_x:r1"}
    ]


def _tampered_amount():
    """The genuine notification's resource re-encrypted with the amount
    changed (as by someone holding the APIv3 key but not the platform key)."""
    paid = json.loads(recording("wechat_pay_query_paid.json"))
    paid["amount"]["total"] = paid["amount"]["payer_total"] = 1
    return encrypted(
        "wechat_pay_notify_transaction.json",
        json.dumps(paid, ensure_ascii=False, separators=(",", ":")),
    )


def _bad_tag():
    envelope = json.loads(paid_notification())
    raw = bytearray(base64.b64decode(envelope["resource"]["ciphertext"]))
    raw[-1] ^= 1
    envelope["resource"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def forgery(kind, *, now=NOW):
    """(body, headers) of a forged or replayed payment notification."""
    genuine = paid_notification()
    if kind == "bad signature":
        return genuine, {
            **platform_headers(genuine, timestamp=now),
            "Wechatpay-Signature": base64.b64encode(b"x" * 256).decode(),
        }
    if kind == "signed by another key":
        return genuine, platform_headers(genuine, timestamp=now, signer="impostor")
    if kind == "tampered amount":
        return _tampered_amount(), platform_headers(genuine, timestamp=now)
    if kind == "stale timestamp":
        return genuine, platform_headers(genuine, timestamp=now - 3600)
    if kind == "unknown platform serial":
        return genuine, platform_headers(genuine, timestamp=now, serial="OTHER")
    if kind == "bad GCM tag":
        body = _bad_tag()
        return body, platform_headers(body, timestamp=now)
    if kind == "encrypted with another APIv3 key":
        body = paid_notification(key="b" * 32)
        return body, platform_headers(body, timestamp=now)
    raise AssertionError(kind)


FORGERIES = [
    "bad signature",
    "signed by another key",
    "tampered amount",
    "stale timestamp",
    "unknown platform serial",
    "bad GCM tag",
    "encrypted with another APIv3 key",
]


@pytest.mark.parametrize("kind", FORGERIES)
def test_a_forged_notification_is_refused(kind):
    gateway, _http = _gateway()
    body, headers = forgery(kind)

    with pytest.raises(GatewayError) as refused:
        gateway.verify_and_parse_webhook(body=body.encode(), headers=headers)

    assert refused.value.code == GatewayError.BAD_SIGNATURE


# --- Through our webhook, a wallet beside the card gateway ---------------------------


@pytest.fixture
def wechat_order(settings, order, monkeypatch):
    """An order whose customer chose WeChat Pay: the sandbox stays the card
    gateway, WeChat Pay is an enabled wallet, the payment was opened with it."""
    settings.DOORSTEP_WALLET_GATEWAYS = ("alipay", "wechat_pay")
    http = RecordedWeChatPay(
        {
            NATIVE: (200, "wechat_pay_native.json"),
            REFUND: (200, "wechat_pay_refund.json"),
        }
    )
    monkeypatch.setattr(wechat_pay, "urllib_transport", http)
    type(order).objects.filter(pk=order.pk).update(state="awaiting_payment")
    settings.DOORSTEP_PAYMENT_GATEWAY = "wechat_pay"
    flows.open_order_intent(order=order, return_url="https://shop.example/return/")
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    order.refresh_from_db()
    trade = Payment.objects.get(order=order).gateway_charge_id
    http.routes[("GET", f"/v3/pay/transactions/out-trade-no/{trade}")] = (
        200,
        "wechat_pay_query_paid.json",
    )
    return order, http


def _deliver(client, body, headers):
    return client.post(
        "/payments/webhooks/wechat_pay/",
        body.encode(),
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.django_db
def test_the_payment_notification_captures_into_escrow_once(client, wechat_order):
    order, _http = wechat_order
    payment = Payment.objects.get(order=order)
    body = paid_notification(trade=payment.gateway_charge_id)
    headers = platform_headers(body, timestamp=int(time.time()))

    first = _deliver(client, body, headers)
    again = _deliver(client, body, headers)

    assert (first.status_code, again.status_code) == (200, 200)
    payment.refresh_from_db()
    assert (payment.gateway, payment.status, payment.captured_amount) == (
        "wechat_pay",
        "captured",
        10500,
    )
    assert balance(K.ORDER_ESCROW, order=order) == 10500
    assert JournalEntry.objects.filter(kind="capture").count() == 1
    assert ProcessedWebhook.objects.filter(gateway="wechat_pay").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kind", FORGERIES)
def test_a_forged_notification_is_400_and_writes_nothing(client, wechat_order, kind):
    order, _http = wechat_order
    body, headers = forgery(kind, now=int(time.time()))

    response = _deliver(client, body, headers)

    assert response.status_code == 400
    assert not ProcessedWebhook.objects.exists()
    assert Payment.objects.get(order=order).status == "pending"
    assert balance(K.ORDER_ESCROW, order=order) == 0


@pytest.mark.django_db
def test_a_refund_of_a_wechat_payment_goes_to_wechat_pay(client, wechat_order):
    order, http = wechat_order
    payment = Payment.objects.get(order=order)
    body = paid_notification(trade=payment.gateway_charge_id)
    _deliver(client, body, platform_headers(body, timestamp=int(time.time())))

    flows.refund_order(order=order, amount=2000, reference="r1")

    method, path, _query, _headers, payload = http.sent[-1]
    assert (method, path) == REFUND
    assert payload["out_trade_no"] == payment.gateway_charge_id
    assert payload["out_refund_no"] == f"refund|{order.public_id}|r1"
    assert balance(K.ORDER_ESCROW, order=order) == 8500


@pytest.mark.django_db
def test_the_refund_notification_of_a_refund_we_made_posts_nothing_again(
    client, wechat_order
):
    order, _http = wechat_order
    payment = Payment.objects.get(order=order)
    body = paid_notification(trade=payment.gateway_charge_id)
    _deliver(client, body, platform_headers(body, timestamp=int(time.time())))
    flows.refund_order(order=order, amount=2000, reference="r1")
    resource = recording("wechat_pay_notify_refund_resource.json").replace(
        "refund|ord_x|r1", f"refund|{order.public_id}|r1"
    )
    notice = encrypted(
        "wechat_pay_notify_refund.json", resource, trade=payment.gateway_charge_id
    )
    headers = platform_headers(notice, timestamp=int(time.time()))

    assert _deliver(client, notice, headers).status_code == 200
    assert _deliver(client, notice, headers).status_code == 200

    payment.refresh_from_db()
    assert payment.refunded_amount == 2000
    assert balance(K.ORDER_ESCROW, order=order) == 8500
    assert JournalEntry.objects.filter(kind="refund").count() == 1
