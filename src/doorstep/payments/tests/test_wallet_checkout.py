"""Paying with a wallet beside the card gateway, as a customer does: the
order page offers the enabled wallets; choosing Alipay opens the payment with
Alipay and shows its code to scan; the API does the same for an app; a
wallet that is not enabled is refused and changes nothing; no one else may
start the customer's payment."""

import pytest

from doorstep.payments.gateways import alipay
from doorstep.payments.models import Payment
from doorstep.payments.tests.test_alipay import RecordedAlipay
from doorstep.payments.tests.wallet_keys import private_pem, public_pem
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(settings, order, monkeypatch):
    settings.DOORSTEP_WALLET_GATEWAYS = ("alipay",)
    settings.DOORSTEP_ALIPAY_APP_ID = "2021000123456789"
    settings.DOORSTEP_ALIPAY_PRIVATE_KEY = private_pem("app")
    settings.DOORSTEP_ALIPAY_PUBLIC_KEY = public_pem("alipay")
    settings.DOORSTEP_ALIPAY_NOTIFY_URL = (
        "https://shop.example/payments/webhooks/alipay/"
    )
    settings.DOORSTEP_ALIPAY_CHECKOUT = "qr"
    http = RecordedAlipay({"alipay.trade.precreate": (200, "alipay_precreate.json")})
    monkeypatch.setattr(alipay, "urllib_transport", http)
    type(order).objects.filter(pk=order.pk).update(state="awaiting_payment")
    order.refresh_from_db()
    return order


def test_the_order_page_offers_the_enabled_wallets(client, waiting):
    client.force_login(waiting.customer)

    html = client.get(waiting.get_absolute_url()).content.decode()

    assert 'data-wallet="alipay"' in html
    assert 'data-wallet="wechat_pay"' not in html


def test_choosing_alipay_opens_an_alipay_payment_and_shows_its_code(client, waiting):
    client.force_login(waiting.customer)

    response = client.get(f"/orders/{waiting.public_id}/pay/?with=alipay")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert "pay-wallet__qr" in html
    assert 'href="https://qr.alipay.com/bax03431ljhokirwl38f00a7"' in html
    payment = Payment.objects.get(order=waiting)
    assert (payment.gateway, payment.status) == ("alipay", "pending")
    assert payment.gateway_charge_id.startswith("intent_")


def test_a_wallet_not_offered_is_refused_and_opens_nothing(client, waiting):
    client.force_login(waiting.customer)

    response = client.get(f"/orders/{waiting.public_id}/pay/?with=wechat_pay")

    assert response.status_code == 302
    assert not Payment.objects.filter(order=waiting).exists()


def test_an_app_pays_with_alipay_through_the_api(client, waiting):
    client.force_login(waiting.customer)

    response = client.post(f"/api/v1/orders/{waiting.public_id}/payment?gateway=alipay")

    assert response.status_code == 200
    assert response.json()["next_action_url"].startswith("https://qr.alipay.com/")
    refused = client.post(
        f"/api/v1/orders/{waiting.public_id}/payment?gateway=wechat_pay"
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "payment_gateway_unavailable"
    assert refused["Content-Type"].startswith("application/problem+json")


def test_no_one_else_can_start_the_customers_wallet_payment(client, waiting):
    client.force_login(make_user())

    assert (
        client.get(f"/orders/{waiting.public_id}/pay/?with=alipay").status_code == 404
    )
    api = client.post(f"/api/v1/orders/{waiting.public_id}/payment?gateway=alipay")
    assert api.status_code == 404
    assert not Payment.objects.filter(order=waiting).exists()
