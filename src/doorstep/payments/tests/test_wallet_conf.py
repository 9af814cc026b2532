"""The wallets' settings, read from the environment and checked at start-up
(``conf.from_environment``), and which gateways may speak to our webhooks."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from doorstep.payments.conf import from_environment
from doorstep.payments.gateways import enabled_gateways, get_gateway
from doorstep.payments.tests.wallet_keys import private_pem, public_pem
from doorstep.payments.webhooks import receive_webhook


def _alipay(**change):
    return {
        "DOORSTEP_WALLET_GATEWAYS": "alipay",
        "DOORSTEP_ALIPAY_APP_ID": "2021000123456789",
        # one environment line, as a deployment writes it
        "DOORSTEP_ALIPAY_PRIVATE_KEY": private_pem("app").replace("\n", "\\n"),
        # the bare base64 body, as Alipay's key tool prints it
        "DOORSTEP_ALIPAY_PUBLIC_KEY": "".join(public_pem("alipay").splitlines()[1:-1]),
        **change,
    }


def _wechat_pay(**change):
    return {
        "DOORSTEP_WALLET_GATEWAYS": "wechat_pay",
        "DOORSTEP_WECHAT_PAY_MCH_ID": "1230000109",
        "DOORSTEP_WECHAT_PAY_APP_ID": "wxd678efh567hg6787",
        "DOORSTEP_WECHAT_PAY_PRIVATE_KEY": private_pem("merchant"),
        "DOORSTEP_WECHAT_PAY_SERIAL_NO": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "DOORSTEP_WECHAT_PAY_API_V3_KEY": "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
        "DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY": public_pem("platform"),
        "DOORSTEP_WECHAT_PAY_PLATFORM_SERIAL": "PUB_KEY_ID_0112340000001234567890",
        **change,
    }


def test_no_wallet_by_default():
    assert from_environment({}, debug=True)["DOORSTEP_WALLET_GATEWAYS"] == ()


def test_wallets_and_their_keys_come_from_the_environment(settings):
    values = from_environment(
        {
            **_alipay(),
            **_wechat_pay(),
            "DOORSTEP_WALLET_GATEWAYS": "Alipay, wechat_pay",
        },
        debug=True,
    )
    for name, value in values.items():
        setattr(settings, name, value)

    assert values["DOORSTEP_WALLET_GATEWAYS"] == ("alipay", "wechat_pay")
    assert enabled_gateways() == ("sandbox", "alipay", "wechat_pay")
    assert get_gateway("alipay").app_id == "2021000123456789"
    assert get_gateway("wechat_pay").mch_id == "1230000109"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"DOORSTEP_WALLET_GATEWAYS": "alipay,paypal"}, "DOORSTEP_WALLET_GATEWAYS"),
        (_alipay(DOORSTEP_ALIPAY_APP_ID=""), "DOORSTEP_ALIPAY_APP_ID"),
        (
            _alipay(DOORSTEP_ALIPAY_PRIVATE_KEY="MIIEvQIBADANBgkqhkiG9w0B"),
            "DOORSTEP_ALIPAY_PRIVATE_KEY",
        ),
        (
            _wechat_pay(DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY=private_pem("x")),
            "DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY",
        ),
        (
            _wechat_pay(DOORSTEP_WECHAT_PAY_API_V3_KEY="too-short"),
            "DOORSTEP_WECHAT_PAY_API_V3_KEY",
        ),
        (
            _wechat_pay(DOORSTEP_WECHAT_PAY_SERIAL_NO=""),
            "DOORSTEP_WECHAT_PAY_SERIAL_NO",
        ),
        ({"DOORSTEP_ALIPAY_CHECKOUT": "app"}, "DOORSTEP_ALIPAY_CHECKOUT"),
    ],
)
def test_a_wallet_configured_wrong_stops_the_start_up(environ, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        from_environment(environ, debug=True)


def test_a_wallet_is_not_the_card_gateway():
    with pytest.raises(ImproperlyConfigured, match="DOORSTEP_PAYMENT_GATEWAY"):
        from_environment({"DOORSTEP_PAYMENT_GATEWAY": "alipay"}, debug=True)


@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["alipay", "wechat_pay", "stripe_connect", "nope"])
def test_a_gateway_neither_configured_nor_enabled_may_not_speak(settings, gateway):
    settings.DOORSTEP_WALLET_GATEWAYS = ()

    assert receive_webhook(gateway=gateway, body=b"{}", headers={}) == 404
