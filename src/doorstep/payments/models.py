"""The ledger: accounts, journal entries and postings, in integer minor units.

Every movement of money is a journal entry whose postings sum to zero in each
currency. A posting's ``amount`` is signed: positive debits the account, negative
credits it. An account's ``balance`` is kept in its *natural* direction (debits for
assets such as money held at the gateway, credits for what the platform owes or has
earned), so "must not go negative" is one check constraint for every account kind
that may not be overdrawn.

The database enforces the rules the code relies on (see migration 0002): an entry is
sealed only if it balances, sealed entries and their postings can never change or
disappear, and restricted balances never go below zero.
"""

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.core.ids import PublicIdField
from doorstep.orders.models import Order


class AccountKind(models.TextChoices):
    # Assets (debit-normal)
    GATEWAY_FUNDS = "gateway_funds", _("Customer funds at the gateway")
    PAYOUTS_IN_TRANSIT = "payouts_in_transit", _("Payouts in transit")
    # Liabilities (credit-normal)
    ORDER_ESCROW = "order_escrow", _("Order escrow")
    PROVIDER_PENDING = "provider_pending", _("Provider balance (pending)")
    PROVIDER_AVAILABLE = "provider_available", _("Provider balance (available)")
    TAX_PAYABLE = "tax_payable", _("Tax payable")
    # Revenue (credit-normal) and expenses (debit-normal)
    COMMISSION_REVENUE = "commission_revenue", _("Commission revenue")
    SERVICE_FEE_REVENUE = "service_fee_revenue", _("Service fee revenue")
    CANCELLATION_FEE_REVENUE = "cancellation_fee_revenue", _("Cancellation fee revenue")
    PROMOTIONS_EXPENSE = "promotions_expense", _("Discounts funded by the platform")
    # The outside world: money that left to customers or providers (debit-normal)
    REFUNDS_PAID = "refunds_paid", _("Refunds paid")
    PAYOUTS_PAID = "payouts_paid", _("Payouts paid")


DEBIT_NORMAL = {
    AccountKind.GATEWAY_FUNDS,
    AccountKind.PAYOUTS_IN_TRANSIT,
    AccountKind.PROMOTIONS_EXPENSE,
    AccountKind.REFUNDS_PAID,
    AccountKind.PAYOUTS_PAID,
}
# Balances that are claims of real parties on real money: never below zero.
NON_NEGATIVE = {
    AccountKind.GATEWAY_FUNDS,
    AccountKind.PAYOUTS_IN_TRANSIT,
    AccountKind.ORDER_ESCROW,
    AccountKind.PROVIDER_PENDING,
    AccountKind.PROVIDER_AVAILABLE,
}


class LedgerAccount(models.Model):
    """One balance: a kind, a currency, and (for per-party kinds) whose it is."""

    public_id = PublicIdField(prefix="acc")
    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    provider = models.ForeignKey(
        ProviderProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    debit_normal = models.BooleanField(editable=False)
    may_go_negative = models.BooleanField(editable=False)
    balance = models.BigIntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            # NULL-safe uniqueness that both databases index the same way.
            models.UniqueConstraint(
                "kind",
                "currency",
                Coalesce("provider", Value(0)),
                Coalesce("order", Value(0)),
                name="one_ledger_account_per_kind_party",
            ),
            models.CheckConstraint(
                condition=Q(may_go_negative=True) | Q(balance__gte=0),
                name="restricted_balance_never_negative",
            ),
        ]

    def __str__(self) -> str:
        owner = self.order_id or self.provider_id or "platform"
        return f"{self.kind}:{owner}:{self.currency}"


class JournalEntry(models.Model):
    """One money movement, written whole or not at all. Append-only."""

    public_id = PublicIdField(prefix="jnl")
    kind = models.CharField(max_length=40)
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_entries",
    )
    idempotency_key = models.CharField(
        max_length=120, unique=True, null=True, blank=True
    )
    description = models.CharField(max_length=255, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    sealed = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "journal entries"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind}"


class Posting(models.Model):
    """One side of an entry: a signed amount (debit > 0, credit < 0) on an account."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="postings"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["account", "entry"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="posting_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d} {self.currency}"
