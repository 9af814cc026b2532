"""Payment settings, each with its default, read when used (never at import).

A deployment overrides any of them in settings (from the environment there).
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Which gateway moves the money: "sandbox" or "stripe_connect".
    "DOORSTEP_PAYMENT_GATEWAY": "sandbox",
    # When the order's payment is captured: "booking", "acceptance" or
    # "after_service" (the source documents' "pay after the service").
    "DOORSTEP_CAPTURE_AT": "acceptance",
    # Minutes a new order holds the provider's time while the customer pays;
    # unpaid after that, it lapses and the time is free again.
    "DOORSTEP_PAYMENT_WINDOW_MINUTES": 15,
    # The customer's service fee on top of the price: 500 = 5%.
    "DOORSTEP_SERVICE_FEE_BPS": 500,
    # Days a provider's earnings stay pending before they can be paid out.
    "DOORSTEP_CLEARING_DAYS": 7,
    # The smallest payout a provider may request, in minor units.
    "DOORSTEP_MIN_PAYOUT": 5000,
    # The provider's share of a cancellation fee (the platform keeps the rest).
    "DOORSTEP_CANCELLATION_PROVIDER_SHARE_BPS": 8000,
    # After release, a refund is taken back from the provider ("provider") or
    # paid by the platform ("platform").
    "DOORSTEP_REFUND_AFTER_RELEASE_FROM": "provider",
    # The sandbox gateway.
    "DOORSTEP_SANDBOX_WEBHOOK_SECRET": "whsec_sandbox_dev_only",
    "DOORSTEP_SANDBOX_WEBHOOK_DELAY_SECONDS": 2,
    # Deliver the sandbox's webhooks by task (off in tests that deliver by hand).
    "DOORSTEP_SANDBOX_AUTO_DELIVER": True,
    # Duplicate and reorder deliveries (deterministic per event id).
    "DOORSTEP_SANDBOX_CHAOS": True,
    # A payout to this destination fails, asynchronously.
    "DOORSTEP_SANDBOX_FAILING_ACCOUNT": "acct_fail",
    # Webhooks signed longer ago than this are refused (replays).
    "DOORSTEP_WEBHOOK_TOLERANCE_SECONDS": 300,
    # Stripe Connect.
    "STRIPE_SECRET_KEY": "",
    # Stripe.js confirms payments in the browser with this key.
    "STRIPE_PUBLISHABLE_KEY": "",
    "STRIPE_WEBHOOK_SECRET": "",
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
