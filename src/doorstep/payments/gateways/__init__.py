"""Payment gateways: one interface (``base.PaymentGateway``), a sandbox that
behaves like a processor, and a Stripe Connect adapter. Configuration picks one."""

from django.utils.module_loading import import_string

from doorstep.payments.conf import setting
from doorstep.payments.gateways.base import PaymentGateway

GATEWAYS = {
    "sandbox": "doorstep.payments.gateways.sandbox.SandboxGateway",
    "stripe_connect": "doorstep.payments.gateways.stripe_connect.StripeConnectGateway",
}


def get_gateway(name: str | None = None) -> PaymentGateway:
    """The configured gateway (or the one called ``name``, for webhooks)."""
    name = name or setting("DOORSTEP_PAYMENT_GATEWAY")
    try:
        path = GATEWAYS[name]
    except KeyError:
        raise LookupError(f"unknown payment gateway {name!r}") from None
    return import_string(path)()
