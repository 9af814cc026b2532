"""Plan charges in the nightly reconciliation: the gateway charges billing
made (their metadata names the subscription) compared with the ledger, and a
charge or refund the gateway made but we never posted — the worker died
between the call and the posting — posted by ``--fix``, as the order flows
are. Registered with ``payments.reconciliation`` from the app's ``ready``."""

from django.db.models import Q
from django.utils import timezone

from doorstep.payments.gateways.base import ChargeResult
from doorstep.payments.reconciliation import Difference, gateway_total
from doorstep.subscriptions import billing
from doorstep.subscriptions.models import SubscriptionCharge


def _own_charge(charge: ChargeResult) -> SubscriptionCharge | None:
    """Billing's charge, named in the metadata; a first period paid on the
    gateway's page, by the intent it was paid through."""
    if charge.metadata.get("charge"):
        return SubscriptionCharge.objects.filter(
            public_id=charge.metadata["charge"]
        ).first()
    return SubscriptionCharge.objects.filter(
        Q(gateway_charge_id=charge.charge_id)
        | Q(idempotency_key=f"sub-intent:{charge.charge_id}")
    ).first()


def check_charge(charge: ChargeResult, fix: bool) -> list[Difference]:
    own = _own_charge(charge)
    if own is None:
        return [
            Difference(
                "unknown_gateway_charge",
                charge.charge_id,
                f"{charge.status} {charge.amount} {charge.currency}",
            )
        ]
    differences = []
    if charge.captured_amount:
        key = billing.ledger_key(own)
        posted = gateway_total(key)
        if not posted:
            differences.append(
                Difference(
                    "missing_posting",
                    key,
                    f"captured {charge.captured_amount} at the gateway",
                    fixable=True,
                )
            )
            if fix:
                billing.record_paid(
                    charge_id=own.pk,
                    gateway=own.gateway or charge_gateway(own),
                    gateway_charge_id=charge.charge_id,
                    now=timezone.now(),
                )
        elif posted != charge.captured_amount:
            differences.append(
                Difference(
                    "amount_mismatch",
                    key,
                    f"gateway {charge.captured_amount}, ledger {posted}",
                )
            )
    for refund_key, amount in charge.refunds:
        refund = SubscriptionCharge.objects.filter(idempotency_key=refund_key).first()
        if refund is None:
            differences.append(
                Difference("unknown_gateway_refund", refund_key, f"refunded {amount}")
            )
            continue
        key = billing.ledger_key(refund)
        posted = -gateway_total(key)
        if not posted:
            differences.append(
                Difference(
                    "missing_posting",
                    key,
                    f"refunded {amount} at the gateway",
                    fixable=True,
                )
            )
            if fix:
                billing.record_refunded(
                    refund.pk, own.gateway or charge_gateway(own), timezone.now()
                )
        elif posted != amount:
            differences.append(
                Difference("amount_mismatch", key, f"gateway {amount}, ledger {posted}")
            )
    return differences


def charge_gateway(charge: SubscriptionCharge) -> str:
    """The gateway of the card the charge was made with."""
    method = charge.subscription.payment_method
    return method.gateway if method else ""
