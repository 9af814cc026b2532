"""Posting to the ledger: the only code that writes journal entries.

Written here rather than taken from a library because the ledger is the product's
core: its rules (per-currency balance, append-only, idempotency keys, restricted
balances) are enforced both here and by the database, and every money feature
(escrow, commission, refunds, payouts) is a small function on top of ``post_entry``.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, StaffMember
from doorstep.core.errors import Conflict, DomainError
from doorstep.orders.models import Order
from doorstep.payments.models import (
    DEBIT_NORMAL,
    NON_NEGATIVE,
    AccountKind,
    JournalEntry,
    LedgerAccount,
    Posting,
)


@dataclass(frozen=True)
class Leg:
    """One side of a movement: ``amount`` > 0 debits the account, < 0 credits it."""

    account: LedgerAccount
    amount: int


def ledger_account(
    *,
    kind: AccountKind,
    currency: str,
    provider: ProviderProfile | None = None,
    order: Order | None = None,
    staff: StaffMember | None = None,
) -> LedgerAccount:
    """The account of that kind, currency and party, created on first use."""
    lookup = {
        "kind": kind,
        "currency": currency,
        "provider": provider,
        "order": order,
        "staff": staff,
    }
    account = LedgerAccount.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(
                **lookup,
                debit_normal=kind in DEBIT_NORMAL,
                may_go_negative=kind not in NON_NEGATIVE,
            )
    except IntegrityError:  # created concurrently
        return LedgerAccount.objects.get(**lookup)


def _signature(legs: Sequence[Leg]) -> list[tuple[int, int]]:
    return sorted((leg.account.pk, leg.amount) for leg in legs)


def _check_balanced(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise ValueError("a journal entry needs at least two postings")
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount, int) or leg.amount == 0:
            raise ValueError("posting amounts are non-zero integers of minor units")
        totals[leg.account.currency] += leg.amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise ValueError(f"journal entry does not balance: {unbalanced}")


def post_entry(
    *,
    kind: str,
    legs: Sequence[Leg],
    order: Order | None = None,
    idempotency_key: str | None = None,
    description: str = "",
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Write one balanced journal entry and update the accounts' balances.

    With an ``idempotency_key``, a repeat with the same postings returns the first
    entry and writes nothing; with different postings it raises ``DomainError``
    ``idempotency_mismatch``. Raises ``Conflict`` ``insufficient_funds`` when a
    restricted balance would go negative. Locks the touched accounts in id order
    (no deadlocks between concurrent entries).
    """
    _check_balanced(legs)
    if idempotency_key:
        existing = _existing(idempotency_key, legs)
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            account_ids = sorted({leg.account.pk for leg in legs})
            list(
                LedgerAccount.objects.select_for_update()
                .filter(pk__in=account_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            entry = JournalEntry.objects.create(
                kind=kind,
                order=order,
                idempotency_key=idempotency_key or None,
                description=description[:255],
                reverses=reverses,
            )
            Posting.objects.bulk_create(
                Posting(
                    entry=entry,
                    account=leg.account,
                    amount=leg.amount,
                    currency=leg.account.currency,
                )
                for leg in legs
            )
            for leg in legs:
                natural = leg.amount if leg.account.debit_normal else -leg.amount
                LedgerAccount.objects.filter(pk=leg.account.pk).update(
                    balance=F("balance") + natural
                )
            JournalEntry.objects.filter(pk=entry.pk).update(sealed=True)
            entry.sealed = True
            return entry
    except IntegrityError as error:
        if idempotency_key:
            existing = _existing(idempotency_key, legs)
            if existing is not None:  # a concurrent duplicate committed first
                return existing
        raise Conflict(
            "insufficient_funds",
            _("This would overdraw a balance that cannot go below zero."),
        ) from error


def _existing(idempotency_key: str, legs: Sequence[Leg]) -> JournalEntry | None:
    entry = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
    if entry is None:
        return None
    recorded = sorted(entry.postings.values_list("account_id", "amount"))
    if recorded != _signature(legs):
        raise DomainError(
            "idempotency_mismatch",
            _("This idempotency key was already used for a different operation."),
        )
    return entry


def reverse_entry(
    *, entry: JournalEntry, idempotency_key: str | None = None
) -> JournalEntry:
    """Cancel an entry with its mirror image (entries are never edited)."""
    legs = [
        Leg(posting.account, -posting.amount)
        for posting in entry.postings.select_related("account")
    ]
    return post_entry(
        kind=f"reversal:{entry.kind}",
        legs=legs,
        order=entry.order,
        idempotency_key=idempotency_key,
        description=f"Reverses {entry.public_id}",
        reverses=entry,
    )


def recomputed_balance(account: LedgerAccount) -> int:
    """The account's balance from its postings (to verify the cached one)."""
    total = account.postings.aggregate(total=Sum("amount"))["total"] or 0
    return total if account.debit_normal else -total
