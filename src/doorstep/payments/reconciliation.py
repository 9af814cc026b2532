"""Compare the ledger with the gateway's own records and (optionally) repair.

Every difference is reported: a capture or refund at the gateway with no posting
(a worker died after the call), amounts that disagree, a charge we know nothing
about, payouts whose outcome we missed. ``fix`` posts what is missing through the
same functions the flows and webhooks use — their idempotency keys make a repair
post once, however often it runs.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Sum

from doorstep.payments import flows
from doorstep.payments.gateways import get_gateway
from doorstep.payments.gateways.base import ChargeResult, GatewayError
from doorstep.payments.ledger import recomputed_balance
from doorstep.payments.models import (
    AccountKind,
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentStatus,
    PayoutRequest,
    Posting,
)

# Charges other apps make through the gateway for themselves (a provider's
# plan), by the metadata key that names them. Each owner registers, from its
# app's ``ready``, a check that compares one such gateway charge with its own
# postings: payments knows nothing of those apps.
ChargeCheck = Callable[[ChargeResult, bool], list["Difference"]]
CHARGE_OWNERS: dict[str, ChargeCheck] = {}


def register_charge_owner(metadata_key: str, check: ChargeCheck) -> None:
    """Let ``check(charge, fix)`` reconcile the gateway charges whose metadata
    has ``metadata_key``."""
    CHARGE_OWNERS[metadata_key] = check


def _owner_check(charge: ChargeResult) -> ChargeCheck | None:
    for key, check in CHARGE_OWNERS.items():
        if charge.metadata.get(key):
            return check
    return None


@dataclass(frozen=True)
class Difference:
    kind: str  # missing_posting, amount_mismatch, unknown_gateway_charge, …
    subject: str
    detail: str
    fixable: bool = False

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.detail}"


def gateway_total(key: str) -> int:
    return (
        Posting.objects.filter(
            entry__idempotency_key=key, account__kind=AccountKind.GATEWAY_FUNDS
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )


def reconcile(
    *, gateway_name: str | None = None, fix: bool = False
) -> list[Difference]:
    gateway = get_gateway(gateway_name)
    differences: list[Difference] = []
    payments = {
        p.gateway_charge_id: p
        for p in Payment.objects.filter(gateway=gateway.name).exclude(
            gateway_charge_id=""
        )
    }
    for charge in gateway.list_charges():
        payment = payments.get(charge.charge_id)
        if payment is None and (check := _owner_check(charge)) is not None:
            differences.extend(check(charge, fix))
            continue
        if payment is None:
            public_id = charge.metadata.get("payment", "")
            payment = Payment.objects.filter(public_id=public_id).first()
            if payment is None:
                differences.append(
                    Difference(
                        "unknown_gateway_charge",
                        charge.charge_id,
                        f"{charge.status} {charge.amount} {charge.currency}",
                    )
                )
                continue
            differences.append(
                Difference(
                    "missing_authorisation",
                    payment.public_id,
                    f"gateway charge {charge.charge_id} is {charge.status}",
                    fixable=True,
                )
            )
            if fix:
                payment = flows.record_authorisation(payment, charge)
        if charge.captured_amount:
            key = flows.capture_key(payment)
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
                    payment = flows.record_capture(payment, charge.captured_amount)
            elif posted != charge.captured_amount:
                differences.append(
                    Difference(
                        "amount_mismatch",
                        key,
                        f"gateway {charge.captured_amount}, ledger {posted}",
                    )
                )
        elif payment.status == PaymentStatus.CAPTURED:
            differences.append(
                Difference(
                    "status_mismatch",
                    payment.public_id,
                    f"captured here, {charge.status} at the gateway",
                )
            )
        for key, amount in charge.refunds:
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
                    payment.refresh_from_db()
                    flows.record_refund(payment, amount=amount, key=key)
            elif posted != amount:
                differences.append(
                    Difference(
                        "amount_mismatch", key, f"gateway {amount}, ledger {posted}"
                    )
                )
    known = {charge.charge_id for charge in gateway.list_charges()}
    for charge_id, payment in payments.items():
        if charge_id not in known:
            differences.append(
                Difference(
                    "missing_gateway_charge",
                    payment.public_id,
                    f"{charge_id} is not known to the gateway",
                )
            )
    differences += _reconcile_payouts(gateway, fix=fix)
    differences += _reconcile_staff_accounts()
    return differences


def _reconcile_staff_accounts() -> list[Difference]:
    """An agency's staff are owed what their postings say: each staff balance
    matches its postings and is not negative."""
    differences = []
    for account in LedgerAccount.objects.filter(
        kind__in=(AccountKind.STAFF_PENDING, AccountKind.STAFF_AVAILABLE)
    ):
        posted = recomputed_balance(account)
        if posted != account.balance or posted < 0:
            differences.append(
                Difference(
                    "balance_mismatch",
                    account.public_id,
                    f"balance {account.balance}, postings {posted}",
                )
            )
    return differences


def _reconcile_payouts(gateway, *, fix: bool) -> list[Difference]:
    differences = []
    by_id = {p.payout_id: p for p in gateway.list_payouts()}
    for payout in PayoutRequest.objects.filter(gateway=gateway.name):
        key = f"payout:{payout.public_id}"
        if (
            payout.status == PayoutRequest.Status.APPROVED
            and not payout.gateway_payout_id
        ):
            differences.append(
                Difference(
                    "payout_not_sent", payout.public_id, "approved", fixable=True
                )
            )
            if fix:
                with contextlib.suppress(flows.PaymentError, GatewayError):
                    flows.send_payout(payout)
                payout.refresh_from_db()
                if payout.gateway_payout_id and payout.gateway_payout_id not in by_id:
                    # Sent just now: its outcome may be known already, and a
                    # second reconciliation must not find it missed.
                    by_id = {p.payout_id: p for p in gateway.list_payouts()}
        if (
            payout.status != PayoutRequest.Status.REQUESTED
            and not JournalEntry.objects.filter(idempotency_key=key).exists()
            and payout.failure_code != "insufficient_funds"
        ):
            differences.append(
                Difference("missing_posting", key, f"payout {payout.amount}")
            )
        remote = by_id.get(payout.gateway_payout_id)
        if remote is None:
            continue
        if remote.amount != payout.amount:
            differences.append(
                Difference(
                    "amount_mismatch",
                    payout.public_id,
                    f"gateway {remote.amount}, ours {payout.amount}",
                )
            )
        if remote.status == "paid" and payout.status != PayoutRequest.Status.PAID:
            differences.append(
                Difference(
                    "payout_outcome_missed", payout.public_id, "paid", fixable=True
                )
            )
            if fix:
                flows.mark_payout_paid(payout, gateway_payout_id=remote.payout_id)
        if remote.status == "failed" and payout.status != PayoutRequest.Status.FAILED:
            differences.append(
                Difference(
                    "payout_outcome_missed", payout.public_id, "failed", fixable=True
                )
            )
            if fix:
                flows.return_payout(payout, failure_code="payout_failed")
    return differences
