"""Payment gateways: one interface (``base.PaymentGateway``), a sandbox that
behaves like a processor, a Stripe Connect adapter, and the wallets customers
may pay with besides (Alipay, WeChat Pay). Configuration picks the card gateway
(``DOORSTEP_PAYMENT_GATEWAY``) and the wallets (``DOORSTEP_WALLET_GATEWAYS``);
a payment is always handled by the gateway it was made with
(``get_gateway(payment.gateway)``)."""

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from doorstep.payments.conf import setting
from doorstep.payments.gateways.base import PaymentGateway

GATEWAYS = {
    "sandbox": "doorstep.payments.gateways.sandbox.SandboxGateway",
    "stripe_connect": "doorstep.payments.gateways.stripe_connect.StripeConnectGateway",
    "alipay": "doorstep.payments.gateways.alipay.AlipayGateway",
    "wechat_pay": "doorstep.payments.gateways.wechat_pay.WeChatPayGateway",
}

# The wallets' names as customers know them.
WALLET_LABELS = {"alipay": _("Alipay"), "wechat_pay": _("WeChat Pay")}

# What a gateway expects in the body of our answer to a notification it
# delivered (Alipay retries until it reads "success"; the others want nothing).
WEBHOOK_ACKNOWLEDGEMENTS = {"alipay": b"success"}


def get_gateway(name: str | None = None) -> PaymentGateway:
    """The configured gateway (or the one called ``name``, for webhooks)."""
    name = name or setting("DOORSTEP_PAYMENT_GATEWAY")
    try:
        path = GATEWAYS[name]
    except KeyError:
        raise LookupError(f"unknown payment gateway {name!r}") from None
    return import_string(path)()


def enabled_gateways() -> tuple[str, ...]:
    """The gateways that may take payments (and speak to our webhooks): the
    card gateway first, then the enabled wallets."""
    card = setting("DOORSTEP_PAYMENT_GATEWAY")
    wallets = tuple(setting("DOORSTEP_WALLET_GATEWAYS") or ())
    return (card, *(name for name in wallets if name != card))


def enabled_wallets() -> list[tuple[str, str]]:
    """``(gateway, label)`` of each enabled wallet, for the checkout."""
    card = setting("DOORSTEP_PAYMENT_GATEWAY")
    return [
        (name, str(WALLET_LABELS.get(name, name)))
        for name in enabled_gateways()
        if name != card
    ]
