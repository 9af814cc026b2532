"""Gateway webhooks: verify, claim the event id once, then bring our books in
line with what the gateway says happened.

Deliveries are at least once and in any order, so every handler is written to be
run twice and early: a ``charge.refunded`` that overtakes ``charge.captured``
records the capture first; a capture we already posted is found by its key.
This is also how a capture whose posting was lost (the worker died after the
gateway call) is recovered.
"""

import logging
from collections.abc import Mapping

from django.db import IntegrityError, transaction

from doorstep.payments import flows
from doorstep.payments.gateways import enabled_gateways, get_gateway
from doorstep.payments.gateways.base import (
    ConnectedAccount,
    GatewayError,
    WebhookEvent,
)
from doorstep.payments.models import (
    Payment,
    PaymentStatus,
    PayoutRequest,
    ProcessedWebhook,
)
from doorstep.payments.payout_accounts import record_account_state

logger = logging.getLogger(__name__)


def receive_webhook(*, gateway: str, body: bytes, headers: Mapping[str, str]) -> int:
    """Handle one delivery; the HTTP status to answer (400 for a bad signature,
    with nothing written; 200 for a duplicate)."""
    if gateway not in enabled_gateways():
        # Only the configured gateway and the enabled wallets may speak: the
        # sandbox's secret has a public default, so its endpoint on a Stripe
        # site would let anyone "capture" a payment by a forged event.
        return 404
    try:
        implementation = get_gateway(gateway)
    except LookupError:
        return 404
    try:
        event = implementation.verify_and_parse_webhook(body=body, headers=headers)
    except GatewayError:
        return 400
    try:
        with transaction.atomic():
            ProcessedWebhook.objects.create(
                gateway=gateway, event_id=event.id, event_type=event.type
            )
            handle_event(gateway, event)
    except IntegrityError:
        if ProcessedWebhook.objects.filter(gateway=gateway, event_id=event.id).exists():
            return 200  # a duplicate delivery
        raise
    return 200


def _payment_for(gateway: str, data: Mapping) -> Payment | None:
    payment = Payment.objects.filter(
        gateway=gateway, gateway_charge_id=data["id"]
    ).first()
    if payment is None:
        # Our record of the authorisation may have been lost with the worker.
        public_id = (data.get("metadata") or {}).get("payment")
        payment = (
            Payment.objects.filter(public_id=public_id).first() if public_id else None
        )
    return payment


def _payout_for(gateway: str, data: Mapping) -> PayoutRequest | None:
    payout = PayoutRequest.objects.filter(
        gateway=gateway, gateway_payout_id=data["id"]
    ).first()
    if payout is None:
        public_id = (data.get("metadata") or {}).get("payout")
        payout = (
            PayoutRequest.objects.filter(public_id=public_id).first()
            if public_id
            else None
        )
    return payout


INTENT_EVENTS = frozenset(
    {
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
    }
)


def _record_intent(gateway: str, event: WebhookEvent) -> None:
    """The customer confirmed (or failed) a payment intent in their browser.
    The order moves on only through ``orders.services.confirm_order_payment``,
    which the return URL calls too: whichever comes first does it, once."""
    from doorstep.orders.services import confirm_order_payment

    payment = _payment_for(gateway, event.data)
    if payment is None:
        logger.warning("webhook %s: unknown intent %s", event.id, event.data["id"])
        return
    intent = event.data["intent"]
    payment = flows.record_intent(payment, intent)
    charge = intent.charge
    if (
        charge is not None
        and charge.status == "captured"
        and charge.captured_amount
        and payment.gateway_charge_id == intent.intent_id
        and payment.status in {PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED}
        and not flows._posted(flows.capture_key(payment))
    ):
        # Taken when the customer paid (wallets have no separate capture), or a
        # capture whose posting was lost: the money goes to escrow now.
        payment = flows.record_capture(payment, charge.captured_amount)
    confirm_order_payment(order_id=payment.order_id)


def handle_event(gateway: str, event: WebhookEvent) -> None:
    data = event.data
    if event.type in INTENT_EVENTS:
        _record_intent(gateway, event)
    elif event.type in {"charge.captured", "charge.refunded"}:
        payment = _payment_for(gateway, data)
        if payment is None:
            logger.warning("webhook %s: unknown charge %s", event.id, data.get("id"))
            return
        if payment.status in {Payment._meta.get_field("status").default, "failed"}:
            payment.gateway_charge_id = data["id"]
            payment.status = "authorised"
            payment.save(update_fields=["gateway_charge_id", "status", "updated_at"])
        captured = int(data.get("captured_amount") or 0)
        if captured and not flows._posted(flows.capture_key(payment)):
            flows.record_capture(payment, captured)
        for refund in data.get("refunds") or ():
            payment.refresh_from_db()
            flows.record_refund(
                payment, amount=int(refund["amount"]), key=refund["idempotency_key"]
            )
    elif event.type == "account.updated":
        state = ConnectedAccount(
            account_id=data["id"],
            details_submitted=bool(data.get("details_submitted")),
            charges_enabled=bool(data.get("charges_enabled")),
            payouts_enabled=bool(data.get("payouts_enabled")),
            requirements_due=tuple(data.get("requirements_due") or ()),
            disabled_reason=str(data.get("disabled_reason") or ""),
        )
        if record_account_state(gateway=gateway, state=state) is None:
            logger.warning("webhook %s: unknown account %s", event.id, data["id"])
    elif event.type in {"payout.paid", "payout.failed"}:
        payout = _payout_for(gateway, data)
        if payout is None:
            logger.warning("webhook %s: unknown payout %s", event.id, data.get("id"))
            return
        if event.type == "payout.paid":
            flows.mark_payout_paid(payout, gateway_payout_id=data["id"])
        else:
            flows.return_payout(
                payout, failure_code=str(data.get("failure_code") or "payout_failed")
            )
