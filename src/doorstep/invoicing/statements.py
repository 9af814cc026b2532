"""A provider's month in one currency, read from the ledger.

The provider's balance is what their pending and available accounts hold
together (credit-normal: a credit to them is money for the provider), less
what they owe the platform (``PROVIDER_RECEIVABLE``, debit-normal: a fee or
fine their balance could not cover). Each journal entry that touched them in
the period falls in one column by its kind; moves between pending, available
and owed (clearing, collecting a debt) leave the balance unchanged and are not
listed. Opening + the columns = closing, exactly. One currency at a time:
amounts of two currencies are never added.

Plan charges (``subscriptions``) are paid by card, off the balance: they are
listed apart, as what was charged to the provider's card in the month (paid
charges and refunds, by when the ledger recorded them), never in the balance.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Sum

from doorstep.accounts.models import ProviderProfile
from doorstep.payments import flows
from doorstep.payments.models import AccountKind, JournalEntry, Posting
from doorstep.subscriptions.models import SubscriptionCharge

# Summed as they are: a debit to the debt account lowers the balance as a
# debit to a credit-normal wallet account does.
WALLET_KINDS = (
    AccountKind.PROVIDER_PENDING,
    AccountKind.PROVIDER_AVAILABLE,
    AccountKind.PROVIDER_RECEIVABLE,
)

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


# The ledger entries of plan charges paid and refunded (``subscriptions.billing``).
CARD_CHARGE = "subscription_charge"
CARD_REFUND = "subscription_refund"
# A statement's lines and total of what was charged to the card.
CARD_SECTION = "card"
CHARGED_TO_CARD = "charged_to_card"


@dataclass(frozen=True)
class CardCharge:
    created_at: datetime
    charge: SubscriptionCharge
    amount: int  # charged (+) or refunded (−)

    @property
    def is_refund(self) -> bool:
        return self.amount < 0


@dataclass
class StatementFigures:
    currency: str
    opening: int
    columns: dict[str, int] = field(default_factory=dict)
    movements: list[Movement] = field(default_factory=list)
    fines_owed: int = 0
    card_charges: list[CardCharge] = field(default_factory=list)

    @property
    def closing(self) -> int:
        return self.opening + sum(self.columns.values())

    @property
    def charged_to_card(self) -> int:
        return sum(card.amount for card in self.card_charges)

    @property
    def is_empty(self) -> bool:
        return (
            not self.opening
            and not self.movements
            and not self.fines_owed
            and not self.card_charges
        )


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
    [start, end), by column, and what of it is still owed to the platform at ``end``."""
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
        if not amount:  # pending → available, a debt collected: no change
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
    figures.card_charges = card_charges(
        provider=provider, currency=currency, start=start, end=end
    )
    return figures


def card_charges(
    *, provider: ProviderProfile, currency: str, start: datetime, end: datetime
) -> list[CardCharge]:
    """The provider's plan charges paid and refunded in ``currency`` in
    [start, end), by when the ledger recorded them, oldest first."""
    charges = {
        charge.public_id: charge
        for charge in SubscriptionCharge.objects.filter(
            subscription__provider=provider, currency=currency
        ).select_related("plan")
    }
    if not charges:
        return []
    entries = JournalEntry.objects.filter(
        kind__in=(CARD_CHARGE, CARD_REFUND),
        description__in=charges,
        created_at__gte=start,
        created_at__lt=end,
    ).order_by("created_at", "pk")
    return [
        CardCharge(
            created_at=entry.created_at,
            charge=charges[entry.description],
            amount=(
                -charges[entry.description].amount
                if entry.kind == CARD_REFUND
                else charges[entry.description].amount
            ),
        )
        for entry in entries
    ]


def provider_currencies(provider: ProviderProfile) -> list[str]:
    """The currencies the provider has a balance account in or was charged
    for a plan in."""
    return sorted(
        set(
            provider.ledger_accounts.filter(kind__in=WALLET_KINDS).values_list(
                "currency", flat=True
            )
        )
        | set(
            SubscriptionCharge.objects.filter(
                subscription__provider=provider
            ).values_list("currency", flat=True)
        )
    )
