"""Payment settings, each with its default, read when used (never at import).

``settings.py`` fills them from the environment with :func:`from_environment`,
which checks every value at start-up: a process that starts is one whose payment
configuration makes sense (a gateway it knows, its keys, numbers in range), and a
bad value stops it with a message that names the variable.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GATEWAY_NAMES = ("sandbox", "stripe_connect")
# Wallets customers may pay with besides the card gateway (never payouts).
WALLET_GATEWAY_NAMES = ("alipay", "wechat_pay")
CAPTURE_MOMENTS = ("booking", "acceptance", "after_service")

DEFAULTS: dict[str, Any] = {
    # Which gateway moves the money: "sandbox" or "stripe_connect".
    "DOORSTEP_PAYMENT_GATEWAY": "sandbox",
    # With DEBUG off, the sandbox runs only when this says so (a demo or staging
    # site); every page then says that no real money moves.
    "DOORSTEP_ALLOW_SANDBOX": False,
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
    # The Connect endpoint's secret (events of the providers' connected accounts).
    "STRIPE_CONNECT_WEBHOOK_SECRET": "",
    # Country of the Express accounts created for providers (ISO 3166-1 alpha-2;
    # empty: Stripe uses the platform's country).
    "STRIPE_CONNECT_COUNTRY": "",
    # Wallets enabled beside the card gateway, e.g. ("alipay", "wechat_pay")
    # (in the environment: "alipay,wechat_pay").
    "DOORSTEP_WALLET_GATEWAYS": (),
    # Alipay (Open Platform): the app's id and RSA2 private key, Alipay's public
    # key (PEM, one line with \n, or the bare base64 Alipay's tool prints).
    "DOORSTEP_ALIPAY_APP_ID": "",
    "DOORSTEP_ALIPAY_PRIVATE_KEY": "",
    "DOORSTEP_ALIPAY_PUBLIC_KEY": "",
    "DOORSTEP_ALIPAY_GATEWAY_URL": "https://openapi.alipay.com/gateway.do",
    # Where Alipay posts notifications (empty: our webhook under DOORSTEP_BASE_URL).
    "DOORSTEP_ALIPAY_NOTIFY_URL": "",
    # "qr": a QR code to scan (alipay.trade.precreate); "page": Alipay's cashier
    # page, then back to us (alipay.trade.page.pay).
    "DOORSTEP_ALIPAY_CHECKOUT": "qr",
    # WeChat Pay (API v3): merchant id, the app id the merchant is bound to, the
    # merchant's API private key and its certificate serial number, the APIv3
    # key (32 characters, decrypts notifications), and the platform's public key
    # or certificate (PEM) with its serial (or public key id).
    "DOORSTEP_WECHAT_PAY_MCH_ID": "",
    "DOORSTEP_WECHAT_PAY_APP_ID": "",
    "DOORSTEP_WECHAT_PAY_PRIVATE_KEY": "",
    "DOORSTEP_WECHAT_PAY_SERIAL_NO": "",
    "DOORSTEP_WECHAT_PAY_API_V3_KEY": "",
    "DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY": "",
    "DOORSTEP_WECHAT_PAY_PLATFORM_SERIAL": "",
    "DOORSTEP_WECHAT_PAY_BASE_URL": "https://api.mch.weixin.qq.com",
    "DOORSTEP_WECHAT_PAY_NOTIFY_URL": "",
}

# What each enabled wallet needs before the process starts.
WALLET_KEYS = {
    "alipay": (
        "DOORSTEP_ALIPAY_APP_ID",
        "DOORSTEP_ALIPAY_PRIVATE_KEY",
        "DOORSTEP_ALIPAY_PUBLIC_KEY",
    ),
    "wechat_pay": (
        "DOORSTEP_WECHAT_PAY_MCH_ID",
        "DOORSTEP_WECHAT_PAY_APP_ID",
        "DOORSTEP_WECHAT_PAY_PRIVATE_KEY",
        "DOORSTEP_WECHAT_PAY_SERIAL_NO",
        "DOORSTEP_WECHAT_PAY_API_V3_KEY",
        "DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY",
        "DOORSTEP_WECHAT_PAY_PLATFORM_SERIAL",
    ),
}

# What each Stripe key must start with: a test key pasted as a webhook secret
# (or a publishable key as the secret key) fails here, not at the first payment.
STRIPE_KEYS = {
    "STRIPE_SECRET_KEY": ("sk_", "rk_"),
    "STRIPE_PUBLISHABLE_KEY": ("pk_",),
    "STRIPE_WEBHOOK_SECRET": ("whsec_",),
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


# --- Reading the environment -------------------------------------------------------


def _error(name: str, raw: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={raw!r} is not valid: expected {expected}.")


def _integer(low: int, high: int | None = None) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        expected = (
            f"a whole number from {low} to {high}"
            if high is not None
            else f"a whole number of at least {low}"
        )
        try:
            value = int(raw.strip())
        except ValueError:
            raise _error(name, raw, expected) from None
        if value < low or (high is not None and value > high):
            raise _error(name, raw, expected)
        return value

    return parse


def _choice(*choices: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise _error(name, raw, "one of " + ", ".join(choices))
        return value

    return parse


def _boolean(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise _error(name, raw, "true or false")


def _text(name: str, raw: str) -> str:
    return raw.strip()


def _wallets(name: str, raw: str) -> tuple[str, ...]:
    values = tuple(
        dict.fromkeys(part.strip().lower() for part in raw.split(",") if part.strip())
    )
    for value in values:
        if value not in WALLET_GATEWAY_NAMES:
            raise _error(
                name,
                raw,
                "a comma-separated list of " + ", ".join(WALLET_GATEWAY_NAMES),
            )
    return values


PARSERS: dict[str, Callable[[str, str], Any]] = {
    "DOORSTEP_PAYMENT_GATEWAY": _choice(*GATEWAY_NAMES),
    "DOORSTEP_ALLOW_SANDBOX": _boolean,
    "DOORSTEP_CAPTURE_AT": _choice(*CAPTURE_MOMENTS),
    "DOORSTEP_PAYMENT_WINDOW_MINUTES": _integer(1, 24 * 60),
    "DOORSTEP_SERVICE_FEE_BPS": _integer(0, 10_000),
    "DOORSTEP_CLEARING_DAYS": _integer(0, 365),
    "DOORSTEP_MIN_PAYOUT": _integer(1),
    "DOORSTEP_CANCELLATION_PROVIDER_SHARE_BPS": _integer(0, 10_000),
    "DOORSTEP_REFUND_AFTER_RELEASE_FROM": _choice("provider", "platform"),
    "DOORSTEP_SANDBOX_WEBHOOK_SECRET": _text,
    "DOORSTEP_SANDBOX_WEBHOOK_DELAY_SECONDS": _integer(0, 3600),
    "DOORSTEP_SANDBOX_AUTO_DELIVER": _boolean,
    "DOORSTEP_SANDBOX_CHAOS": _boolean,
    "DOORSTEP_SANDBOX_FAILING_ACCOUNT": _text,
    "DOORSTEP_WEBHOOK_TOLERANCE_SECONDS": _integer(1, 86_400),
    "STRIPE_SECRET_KEY": _text,
    "STRIPE_PUBLISHABLE_KEY": _text,
    "STRIPE_WEBHOOK_SECRET": _text,
    "STRIPE_CONNECT_WEBHOOK_SECRET": _text,
    "STRIPE_CONNECT_COUNTRY": _text,
    "DOORSTEP_WALLET_GATEWAYS": _wallets,
    "DOORSTEP_ALIPAY_APP_ID": _text,
    "DOORSTEP_ALIPAY_PRIVATE_KEY": _text,
    "DOORSTEP_ALIPAY_PUBLIC_KEY": _text,
    "DOORSTEP_ALIPAY_GATEWAY_URL": _text,
    "DOORSTEP_ALIPAY_NOTIFY_URL": _text,
    "DOORSTEP_ALIPAY_CHECKOUT": _choice("qr", "page"),
    "DOORSTEP_WECHAT_PAY_MCH_ID": _text,
    "DOORSTEP_WECHAT_PAY_APP_ID": _text,
    "DOORSTEP_WECHAT_PAY_PRIVATE_KEY": _text,
    "DOORSTEP_WECHAT_PAY_SERIAL_NO": _text,
    "DOORSTEP_WECHAT_PAY_API_V3_KEY": _text,
    "DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY": _text,
    "DOORSTEP_WECHAT_PAY_PLATFORM_SERIAL": _text,
    "DOORSTEP_WECHAT_PAY_BASE_URL": _text,
    "DOORSTEP_WECHAT_PAY_NOTIFY_URL": _text,
}


def from_environment(environ: Mapping[str, str], *, debug: bool) -> dict[str, Any]:
    """Every payment setting, from ``environ`` or its default, checked together.

    Raises ``ImproperlyConfigured`` naming the variable when a value is malformed,
    when the Stripe gateway lacks a key, or when the sandbox would take the place
    of a real gateway in production (``debug`` off) without
    ``DOORSTEP_ALLOW_SANDBOX``.
    """
    values = {
        name: PARSERS[name](name, environ[name]) if name in environ else default
        for name, default in DEFAULTS.items()
    }
    gateway = values["DOORSTEP_PAYMENT_GATEWAY"]
    if gateway == "stripe_connect":
        for name, prefixes in STRIPE_KEYS.items():
            if not values[name]:
                raise ImproperlyConfigured(
                    f"{name} is required with DOORSTEP_PAYMENT_GATEWAY=stripe_connect."
                )
            if not values[name].startswith(prefixes):
                raise ImproperlyConfigured(
                    f"{name} does not look like one: it should start with "
                    + " or ".join(prefixes)
                    + "."
                )
    connect_secret = values["STRIPE_CONNECT_WEBHOOK_SECRET"]
    if connect_secret and not connect_secret.startswith("whsec_"):
        raise ImproperlyConfigured(
            "STRIPE_CONNECT_WEBHOOK_SECRET does not look like one: it should start "
            "with whsec_."
        )
    for wallet in values["DOORSTEP_WALLET_GATEWAYS"]:
        for name in WALLET_KEYS[wallet]:
            if not values[name]:
                raise ImproperlyConfigured(
                    f"{name} is required with {wallet} in DOORSTEP_WALLET_GATEWAYS."
                )
        _check_wallet_keys(values, wallet)
    v3_key = values["DOORSTEP_WECHAT_PAY_API_V3_KEY"]
    if v3_key and len(v3_key.encode()) != 32:
        raise ImproperlyConfigured(
            "DOORSTEP_WECHAT_PAY_API_V3_KEY is not valid: expected the 32 characters "
            "set in the WeChat Pay merchant platform."
        )
    if gateway == "sandbox" and not debug and not values["DOORSTEP_ALLOW_SANDBOX"]:
        raise ImproperlyConfigured(
            "DOORSTEP_PAYMENT_GATEWAY is the sandbox (no real money moves) and DEBUG "
            "is off: set DOORSTEP_PAYMENT_GATEWAY=stripe_connect and its keys, or "
            "DOORSTEP_ALLOW_SANDBOX=true for a demo or staging site."
        )
    return values


# The wallets' keys, read as their adapters will (a PEM pasted with a line cut off
# stops the start-up, not the first payment).
WALLET_PEMS = {
    "DOORSTEP_ALIPAY_PRIVATE_KEY": "private",
    "DOORSTEP_ALIPAY_PUBLIC_KEY": "public",
    "DOORSTEP_WECHAT_PAY_PRIVATE_KEY": "private",
    "DOORSTEP_WECHAT_PAY_PLATFORM_PUBLIC_KEY": "public",
}


def _check_wallet_keys(values: Mapping[str, Any], wallet: str) -> None:
    from doorstep.payments.gateways.wallet import load_private_key, load_public_key

    for name in WALLET_KEYS[wallet]:
        if name not in WALLET_PEMS:
            continue
        load = load_private_key if WALLET_PEMS[name] == "private" else load_public_key
        try:
            load(values[name])
        except (ValueError, TypeError) as error:
            raise ImproperlyConfigured(
                f"{name} is not a readable RSA {WALLET_PEMS[name]} key (PEM, or the "
                f"bare base64 body): {error}"
            ) from None


def in_test_mode() -> bool:
    """No real money moves: the sandbox is the gateway."""
    return setting("DOORSTEP_PAYMENT_GATEWAY") == "sandbox"
