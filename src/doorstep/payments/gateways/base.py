"""What every payment gateway does, in our words.

Amounts are integer minor units. Every call that moves money takes an
``idempotency_key``: a repeat with the same key returns the first result, so a
flow that crashed after the call can simply call again. Failures raise
:class:`GatewayError` with a stable ``code``.
"""

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class GatewayError(Exception):
    """The gateway refused or failed. ``retryable`` errors may succeed later with
    the same idempotency key (network trouble, ``retry_later``)."""

    CARD_DECLINED = "card_declined"
    # The card issuer's challenge (3-D Secure) was failed or abandoned.
    AUTHENTICATION_FAILED = "authentication_failed"
    RETRY_LATER = "retry_later"
    CAPTURE_FAILED = "capture_failed"
    ALREADY_VOIDED = "already_voided"
    REFUND_TOO_LARGE = "refund_too_large"
    PAYOUT_FAILED = "payout_failed"
    BAD_SIGNATURE = "bad_signature"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "gateway_unavailable"

    RETRYABLE = frozenset({RETRY_LATER, UNAVAILABLE})

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code

    @property
    def retryable(self) -> bool:
        return self.code in self.RETRYABLE


@dataclass(frozen=True)
class ChargeResult:
    """The gateway's view of one charge after a call."""

    charge_id: str
    status: str  # "authorised", "captured", "voided"
    amount: int
    currency: str
    captured_amount: int = 0
    refunded_amount: int = 0
    payment_method: str = ""
    card_brand: str = ""
    card_last4: str = ""
    # The refunds made on the charge, by the idempotency key we sent with each.
    refunds: tuple[tuple[str, int], ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IntentResult:
    """A payment intent: the server asks the gateway for one, the customer's
    browser confirms it on the gateway's own page or script (card numbers never
    reach us), and ``charge`` appears once the money is held.

    ``status`` uses Stripe's words: "requires_payment_method" (no card yet, or
    the last one was refused: ``failure_code``), "requires_action" (a challenge
    such as 3-D Secure), "processing", "requires_capture" (authorised),
    "succeeded" (captured), "canceled"."""

    intent_id: str
    client_secret: str
    status: str
    amount: int
    currency: str
    next_action_url: str = ""
    failure_code: str = ""
    charge: ChargeResult | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    AUTHORISED = frozenset({"requires_capture", "succeeded"})

    @property
    def authorised(self) -> bool:
        return self.status in self.AUTHORISED and self.charge is not None


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    charge_id: str
    amount: int
    status: str  # "succeeded", "pending"


@dataclass(frozen=True)
class PayoutResult:
    payout_id: str
    amount: int
    currency: str
    status: str  # "in_transit", "paid", "failed"


@dataclass(frozen=True)
class WebhookEvent:
    """A verified event: ``type`` is one of payment_intent.amount_capturable_updated,
    payment_intent.succeeded, payment_intent.payment_failed, charge.captured,
    charge.refunded, payout.paid, payout.failed, account.updated (others are
    acknowledged and ignored). For payment intents ``data`` holds ``intent`` (an
    ``IntentResult``); an ``account.updated`` event's data is a
    :class:`ConnectedAccount`'s fields, ``requirements_due`` as a list."""

    id: str
    type: str
    data: Mapping[str, Any] = field(default_factory=dict)
    created: int = 0


@dataclass(frozen=True)
class ConnectedAccount:
    """A provider's account at the gateway, as the gateway sees it now."""

    account_id: str
    details_submitted: bool = False
    charges_enabled: bool = False
    payouts_enabled: bool = False
    # What the gateway still needs before it pays out ("external_account", …).
    requirements_due: tuple[str, ...] = ()
    disabled_reason: str = ""


@runtime_checkable
class PaymentGateway(Protocol):
    name: str

    def authorise(
        self,
        *,
        amount: int,
        currency: str,
        payment_method: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> ChargeResult:
        """Hold ``amount`` on the card; nothing is taken yet."""

    def create_intent(
        self,
        *,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
        return_url: str,
    ) -> IntentResult:
        """Open a payment intent for ``amount`` (authorise only: captured later).
        The same key returns the same intent."""

    def retrieve_intent(self, *, intent_id: str) -> IntentResult:
        """The intent as the gateway knows it now (never trust the browser's
        word that a payment went through)."""

    def capture(
        self, *, charge_id: str, amount: int | None, idempotency_key: str
    ) -> ChargeResult:
        """Take ``amount`` (all when None) of an authorised charge."""

    def void(self, *, charge_id: str, idempotency_key: str) -> ChargeResult:
        """Release an authorisation that was not captured."""

    def refund(
        self,
        *,
        charge_id: str,
        amount: int,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> RefundResult:
        """Return part or all of a captured charge to the card."""

    def payout(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> PayoutResult:
        """Send money to a provider's account; ``payout.paid`` or ``payout.failed``
        follows as a webhook."""

    def verify_and_parse_webhook(
        self, *, body: bytes, headers: Mapping[str, str]
    ) -> WebhookEvent:
        """Check the signature and the timestamp; raise ``GatewayError``
        ``bad_signature`` when either is wrong."""

    def list_charges(self) -> list[ChargeResult]:
        """Every charge the gateway knows (for reconciliation)."""

    def list_payouts(self) -> list[PayoutResult]:
        """Every payout the gateway knows (for reconciliation)."""

    def detach_payment_method(self, *, payment_method: str) -> None:
        """Forget a saved payment method: the gateway will not charge it again.
        Detaching one already gone succeeds (a repeat after a lost answer)."""

    # --- Connected accounts (providers onboard to receive payouts) ----------------

    def create_connected_account(
        self, *, email: str, idempotency_key: str, metadata: Mapping[str, str]
    ) -> ConnectedAccount:
        """Open an account for a provider; it cannot receive payouts until they
        finish the gateway's onboarding."""

    def create_account_link(
        self, *, account_id: str, return_url: str, refresh_url: str
    ) -> str:
        """A short-lived URL of the gateway's onboarding for ``account_id``: the
        provider comes back to ``return_url`` (finished or not), or to
        ``refresh_url`` when the link expired and a new one is needed."""

    def retrieve_account(self, *, account_id: str) -> ConnectedAccount:
        """The account's current state."""


# --- Stripe-style signatures ("t=<unix time>,v1=<hex hmac>") ------------------------


def sign_payload(body: bytes, *, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    body: bytes, header: str, *, secret: str, tolerance: int, now: int | None = None
) -> None:
    """Raise ``GatewayError`` unless ``header`` signs ``body`` with ``secret`` within
    ``tolerance`` seconds of now (an old, replayed delivery fails)."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
        given = [
            value
            for key, value in (p.split("=", 1) for p in header.split(","))
            if key == "v1"
        ]
    except (KeyError, ValueError):
        raise GatewayError(GatewayError.BAD_SIGNATURE, "malformed signature") from None
    expected = sign_payload(body, secret=secret, timestamp=timestamp).split("v1=")[1]
    if not any(hmac.compare_digest(expected, candidate) for candidate in given):
        raise GatewayError(GatewayError.BAD_SIGNATURE, "signature does not match")
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > tolerance:
        raise GatewayError(GatewayError.BAD_SIGNATURE, "timestamp outside tolerance")
