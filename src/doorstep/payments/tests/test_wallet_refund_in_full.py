"""Refunding in full an order paid with a wallet (Alipay, WeChat Pay) whose
payment was never captured on our side: a trade still open for the customer to
pay is closed at the wallet (not refunded, nothing posted), so it cannot be
paid after the order is over; a trade the customer paid before we heard of it
is posted and refunded, never left paid at the wallet. On recorded answers."""

import pytest

from doorstep.payments import flows
from doorstep.payments.gateways import alipay, wechat_pay
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry, Payment
from doorstep.payments.tests import test_alipay, test_wechat_pay
from doorstep.payments.tests.conftest import balance
from doorstep.payments.tests.test_alipay import RecordedAlipay
from doorstep.payments.tests.test_wechat_pay import NATIVE, RecordedWeChatPay
from doorstep.payments.tests.wallet_keys import private_pem, public_pem

pytestmark = pytest.mark.django_db


def _open_with(settings, order, gateway: str) -> Payment:
    """The customer chose ``gateway`` and was shown its code to pay."""
    type(order).objects.filter(pk=order.pk).update(state="awaiting_payment")
    settings.DOORSTEP_PAYMENT_GATEWAY = gateway
    flows.open_order_intent(order=order, return_url="https://shop.example/return/")
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    payment = Payment.objects.get(order=order)
    assert payment.status == "pending"
    return payment


@pytest.fixture
def alipay_http(settings, monkeypatch):
    settings.DOORSTEP_WALLET_GATEWAYS = ("alipay", "wechat_pay")
    settings.DOORSTEP_ALIPAY_APP_ID = test_alipay.APP_ID
    settings.DOORSTEP_ALIPAY_PRIVATE_KEY = private_pem("app")
    settings.DOORSTEP_ALIPAY_PUBLIC_KEY = public_pem("alipay")
    settings.DOORSTEP_ALIPAY_NOTIFY_URL = test_alipay.NOTIFY_URL
    settings.DOORSTEP_ALIPAY_CHECKOUT = "qr"
    http = RecordedAlipay(
        {
            "alipay.trade.precreate": (200, "alipay_precreate.json"),
            "alipay.trade.close": (200, "alipay_close.json"),
            "alipay.trade.query": (200, "alipay_query_paid.json"),
            "alipay.trade.refund": (200, "alipay_refund.json"),
        }
    )
    monkeypatch.setattr(alipay, "urllib_transport", http)
    return http


def test_an_unpaid_alipay_trade_is_closed_not_refunded(settings, order, alipay_http):
    # Given an order whose customer opened an Alipay code and never paid
    payment = _open_with(settings, order, "alipay")
    entries = JournalEntry.objects.count()

    # When the order is refunded in full (cancelled, resolved for the customer)
    refunded = flows.refund_in_full(order=order, reference="cancel")

    # Then the trade is closed at Alipay, nothing is refunded or posted
    assert refunded == 0
    assert alipay_http.methods()[-1] == "alipay.trade.close"
    assert alipay_http.sent[-1]["biz"] == {"out_trade_no": payment.gateway_charge_id}
    assert "alipay.trade.refund" not in alipay_http.methods()
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("voided", 0)
    assert JournalEntry.objects.count() == entries

    # And a repeat asks nothing more of Alipay
    sent = len(alipay_http.sent)
    flows.refund_in_full(order=order, reference="cancel")
    assert len(alipay_http.sent) == sent


def test_a_trade_paid_before_its_notification_is_posted_and_refunded(
    settings, order, alipay_http
):
    # Given a customer who paid the Alipay code, the notification not yet here
    payment = _open_with(settings, order, "alipay")
    alipay_http.routes["alipay.trade.close"] = [(200, "alipay_close_paid.json")]

    # When the order is refunded in full
    refunded = flows.refund_in_full(order=order, reference="cancel")

    # Then Alipay refuses to close a paid trade, so the payment is posted and
    # refunded in full at Alipay: the customer has their money, escrow is zero
    assert alipay_http.methods()[-3:] == [
        "alipay.trade.close",
        "alipay.trade.query",
        "alipay.trade.refund",
    ]
    assert refunded == payment.amount
    payment.refresh_from_db()
    assert (payment.captured_amount, payment.refunded_amount) == (
        payment.amount,
        payment.amount,
    )
    assert balance(K.ORDER_ESCROW, order=order) == 0


def test_an_authorised_paid_trade_is_refunded_not_marked_voided(
    settings, order, alipay_http
):
    # Given the return URL saw the trade paid (authorised on our side)
    payment = _open_with(settings, order, "alipay")
    flows.refresh_order_payment(order=order)
    assert Payment.objects.get(pk=payment.pk).status == "authorised"
    alipay_http.routes["alipay.trade.close"] = [(200, "alipay_close_paid.json")]

    # When the order is refunded in full
    flows.refund_in_full(order=order, reference="resolve")

    # Then the money goes back through Alipay (not a "voided" payment whose
    # money stayed with the platform)
    assert alipay_http.methods()[-1] == "alipay.trade.refund"
    payment.refresh_from_db()
    assert payment.refunded_amount == payment.amount
    assert balance(K.ORDER_ESCROW, order=order) == 0


def test_an_unpaid_wechat_pay_order_is_closed_not_refunded(
    settings, order, monkeypatch
):
    w = test_wechat_pay
    settings.DOORSTEP_WECHAT_PAY_MCH_ID = w.MCH_ID
    settings.DOORSTEP_WECHAT_PAY_APP_ID = w.APP_ID
    settings.DOORSTEP_WECHAT_PAY_PRIVATE_KEY = private_pem("merchant")
    settings.DOORSTEP_WECHAT_PAY_SERIAL_NO = w.SERIAL
    settings.DOORSTEP_WECHAT_PAY_API_V3_KEY = w.API_V3_KEY
    settings.DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY = public_pem("platform")
    settings.DOORSTEP_WECHAT_PAY_PLATFORM_SERIAL = w.PLATFORM_SERIAL
    settings.DOORSTEP_WECHAT_PAY_NOTIFY_URL = w.NOTIFY_URL
    settings.DOORSTEP_WALLET_GATEWAYS = ("alipay", "wechat_pay")
    http = RecordedWeChatPay({NATIVE: (200, "wechat_pay_native.json")})
    monkeypatch.setattr(wechat_pay, "urllib_transport", http)
    payment = _open_with(settings, order, "wechat_pay")
    close = (
        "POST",
        f"/v3/pay/transactions/out-trade-no/{payment.gateway_charge_id}/close",
    )
    http.routes[close] = (204, "")

    flows.refund_in_full(order=order, reference="cancel")

    assert http.paths()[-1] == close
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("voided", 0)
    assert balance(K.GATEWAY_FUNDS) == 0
