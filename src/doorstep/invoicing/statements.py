"""A provider's month in one currency, read from the ledger.

The provider's balance is what their pending and available accounts hold
together (credit-normal: a credit to them is money for the provider). Each
journal entry that touched them in the period falls in one column by its
kind; moves between pending and available (clearing) leave the balance
unchanged and are not listed. Opening + the columns = closing, exactly.
One currency at a time: amounts of two currencies are never added.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Sum

from doorstep.accounts.models import ProviderProfile
from doorstep.payments import flows
from doorstep.payments.models import AccountKind, Posting

WALLET_KINDS = (AccountKind.PROVIDER_PENDING, AccountKind.PROVIDER_AVAILABLE)

EARNINGS = "earnings"
FEES = "fees"
REFUNDS = "refunds"
FINES = "fines"
PAYOUTS = "payouts"
OTHER = "other"
COLUMNS = (EARNINGS, FEES, REFUNDS, FINES, PAYOUTS, OTHER)

COLUMN_OF_KIND = {
    flows.RELEASE: EARNINGS,
    flows.CAPTURE: EARNINGS,  # tips and extras paid after the job
    flows.CANCELLATION_FEE: EARNINGS,
    flows.LEAD_FEE: FEES,
    flows.LEAD_FEE_REFUND: FEES,
    flows.PROMOTION: FEES,
    flows.REFUND: REFUNDS,
    flows.DISPUTE_DEBT: REFUNDS,
    flows.FINE: FINES,
    flows.FINE_REFUND: FINES,
    flows.FINE_DEBT_COLLECTED: FINES,
    flows.PAYOUT: PAYOUTS,
    flows.PAYOUT_RETURNED: PAYOUTS,
}


def column_of(entry_kind: str) -> str:
    """The column of an entry kind; a reversal goes where what it reverses went."""
    return COLUMN_OF_KIND.get(entry_kind.removeprefix("reversal:"), OTHER)


@dataclass(frozen=True)
class Movement:
    created_at: datetime
    entry_kind: str
    order: str
    amount: int  # to the provider (+) or from them (−)


@dataclass
class StatementFigures:
    currency: str
    opening: int
    columns: dict[str, int] = field(default_factory=dict)
    movements: list[Movement] = field(default_factory=list)
    fines_owed: int = 0

    @property
    def closing(self) -> int:
        return self.opening + sum(self.columns.values())

    @property
    def is_empty(self) -> bool:
        return not self.opening and not self.movements and not self.fines_owed


def _wallet_postings(provider: ProviderProfile, currency: str):
    return Posting.objects.filter(
        account__provider=provider,
        account__kind__in=WALLET_KINDS,
        currency=currency,
    )


def statement_figures(
    *, provider: ProviderProfile, currency: str, start: datetime, end: datetime
) -> StatementFigures:
    """The provider's balance in ``currency`` at ``start``, what moved it in
    [start, end), by column, and the fines still owed at ``end``."""
    postings = _wallet_postings(provider, currency)
    before = postings.filter(entry__created_at__lt=start).aggregate(
        total=Sum("amount")
    )["total"]
    figures = StatementFigures(currency=currency, opening=-(before or 0))
    per_entry: dict[int, int] = defaultdict(int)
    entries = {}
    for posting in (
        postings.filter(entry__created_at__gte=start, entry__created_at__lt=end)
        .select_related("entry", "entry__order")
        .order_by("entry__created_at", "entry_id", "pk")
    ):
        per_entry[posting.entry_id] -= posting.amount
        entries[posting.entry_id] = posting.entry
    columns = dict.fromkeys(COLUMNS, 0)
    for entry_id, amount in per_entry.items():
        if not amount:  # pending → available: the balance did not change
            continue
        entry = entries[entry_id]
        columns[column_of(entry.kind)] += amount
        figures.movements.append(
            Movement(
                created_at=entry.created_at,
                entry_kind=entry.kind,
                order=entry.order.public_id if entry.order else "",
                amount=amount,
            )
        )
    figures.columns = columns
    owed = Posting.objects.filter(
        account__provider=provider,
        account__kind=AccountKind.PROVIDER_RECEIVABLE,
        currency=currency,
        entry__created_at__lt=end,
    ).aggregate(total=Sum("amount"))["total"]
    figures.fines_owed = owed or 0  # debit-normal: what they owe
    return figures


def provider_currencies(provider: ProviderProfile) -> list[str]:
    """The currencies the provider has a balance account in."""
    return sorted(
        set(
            provider.ledger_accounts.filter(
                kind__in=(*WALLET_KINDS, AccountKind.PROVIDER_RECEIVABLE)
            ).values_list("currency", flat=True)
        )
    )
