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

from doorstep.accounts.models import ProviderProfile, StaffMember
from doorstep.core.ids import PublicIdField
from doorstep.orders.models import Order


class AccountKind(models.TextChoices):
    # Assets (debit-normal)
    GATEWAY_FUNDS = "gateway_funds", _("Customer funds at the gateway")
    # A liability (credit-normal), listed here to keep the choices' order: approved
    # payouts the gateway has not paid yet, which the platform owes in transfer.
    PAYOUTS_IN_TRANSIT = "payouts_in_transit", _("Payouts in transit")
    # Liabilities (credit-normal)
    ORDER_ESCROW = "order_escrow", _("Order escrow")
    PROVIDER_PENDING = "provider_pending", _("Provider balance (pending)")
    PROVIDER_AVAILABLE = "provider_available", _("Provider balance (available)")
    # Tax collected for the tax authorities (``taxes``): on the service price,
    # and on the platform's fees (commission and the customer's service fee);
    # two kinds so the tax report reads each from the ledger.
    TAX_LIABILITY = "tax_liability", _("Tax owed on services")
    FEE_TAX_LIABILITY = "fee_tax_liability", _("Tax owed on the platform's fees")
    # Revenue (credit-normal) and expenses (debit-normal)
    COMMISSION_REVENUE = "commission_revenue", _("Commission revenue")
    SERVICE_FEE_REVENUE = "service_fee_revenue", _("Service fee revenue")
    CANCELLATION_FEE_REVENUE = "cancellation_fee_revenue", _("Cancellation fee revenue")
    PROMOTIONS_EXPENSE = "promotions_expense", _("Discounts funded by the platform")
    # Standards enforcement: fines for no-shows and late cancellations are the
    # platform's revenue; what a provider could not pay is owed (an asset,
    # debit-normal), netted from their later earnings.
    PENALTY_REVENUE = "penalty_revenue", _("Fines revenue")
    PROVIDER_RECEIVABLE = "provider_receivable", _("Fines owed by the provider")
    # Requests for quotes: what providers pay per quote sent (from what they
    # hold on the platform, the rest owed as fines are).
    LEAD_FEE_REVENUE = "lead_fee_revenue", _("Lead fees revenue")
    # Paid promotion: what providers pay to have a listing promoted in search,
    # taken like a lead fee.
    PROMOTION_REVENUE = "promotion_revenue", _("Promotion revenue")
    # Provider plans: what providers pay for a subscription (``subscriptions``).
    SUBSCRIPTION_REVENUE = "subscription_revenue", _("Subscription revenue")
    # Dispatch: what the platform paid customers when it broke a promise (a
    # worker at the door too late), from its own funds (debit-normal).
    SLA_COMPENSATION_EXPENSE = (
        "sla_compensation_expense",
        _("Compensation for broken promises"),
    )
    # An agency's staff member's part of the orders they did (liabilities,
    # credit-normal), cleared like a provider's.
    STAFF_PENDING = "staff_pending", _("Staff earnings (pending)")
    STAFF_AVAILABLE = "staff_available", _("Staff earnings (available)")
    # The platform guarantee: money finance sets aside (a reserve, credit-normal,
    # never below zero) to pay customers' damage claims, and what was put in
    # (the platform's expense, debit-normal).
    GUARANTEE_FUND = "guarantee_fund", _("Guarantee fund")
    GUARANTEE_FUNDING = "guarantee_funding", _("Guarantee fund contributions")
    # Growth: what the platform owes people in points and credit (liabilities,
    # credit-normal; each person's share is in ``growth.RewardLot``), and what
    # rewards cost it (points, referral rewards, code owners' shares).
    POINTS_LIABILITY = "points_liability", _("Points owed to customers")
    CREDIT_LIABILITY = "credit_liability", _("Credit owed to customers")
    REWARDS_EXPENSE = "rewards_expense", _("Rewards (points, referrals, partners)")
    # The outside world: money that left to customers or providers (debit-normal)
    REFUNDS_PAID = "refunds_paid", _("Refunds paid")
    PAYOUTS_PAID = "payouts_paid", _("Payouts paid")


DEBIT_NORMAL = {
    AccountKind.GATEWAY_FUNDS,
    AccountKind.PROMOTIONS_EXPENSE,
    AccountKind.REFUNDS_PAID,
    AccountKind.PAYOUTS_PAID,
    AccountKind.PROVIDER_RECEIVABLE,
    AccountKind.SLA_COMPENSATION_EXPENSE,
    AccountKind.GUARANTEE_FUNDING,
    AccountKind.REWARDS_EXPENSE,
}
# Balances that are claims of real parties on real money: never below zero.
NON_NEGATIVE = {
    AccountKind.GATEWAY_FUNDS,
    AccountKind.PAYOUTS_IN_TRANSIT,
    AccountKind.ORDER_ESCROW,
    AccountKind.PROVIDER_PENDING,
    AccountKind.PROVIDER_AVAILABLE,
    AccountKind.PROVIDER_RECEIVABLE,
    AccountKind.STAFF_PENDING,
    AccountKind.STAFF_AVAILABLE,
    AccountKind.GUARANTEE_FUND,
    AccountKind.POINTS_LIABILITY,
    AccountKind.CREDIT_LIABILITY,
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
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
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
                Coalesce("staff", Value(0)),
                name="one_ledger_account_per_kind_party",
            ),
            models.CheckConstraint(
                condition=Q(may_go_negative=True) | Q(balance__gte=0),
                name="restricted_balance_never_negative",
            ),
        ]

    def __str__(self) -> str:
        owner = self.order_id or self.provider_id or self.staff_id or "platform"
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


# --- Payments: what the customer was charged, and for what -------------------------


class PaymentKind(models.TextChoices):
    ORDER = "order", _("Order")
    TIP = "tip", _("Tip")
    EXTRA = "extra", _("Extra charge")
    LATE_FEE = "late_fee", _("Late change fee")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the card")  # the gateway was not reached yet
    AUTHORISED = "authorised", _("Authorised")
    CAPTURED = "captured", _("Captured")
    VOIDED = "voided", _("Released")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


class Payment(models.Model):
    """One charge on the customer's card: an order's price plus the service fee,
    a tip, or an approved extra charge. Mirrors the gateway's record; the ledger
    is the truth about where the money is."""

    public_id = PublicIdField(prefix="pay")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=8, choices=PaymentKind.choices)
    status = models.CharField(
        max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    currency = models.CharField(max_length=3)
    base_amount = models.PositiveIntegerField()  # what the provider's work costs
    service_fee_amount = models.PositiveIntegerField(default=0)
    discount_amount = models.PositiveIntegerField(default=0)  # funded by the platform
    amount = models.PositiveIntegerField()  # charged: base + fee - discount
    captured_amount = models.PositiveIntegerField(default=0)
    refunded_amount = models.PositiveIntegerField(default=0)
    gateway = models.CharField(max_length=20)
    gateway_charge_id = models.CharField(max_length=100, blank=True, default="")
    payment_method = models.CharField(max_length=100, blank=True, default="")
    card_brand = models.CharField(max_length=20, blank=True, default="")
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    failure_code = models.CharField(max_length=40, blank=True, default="")
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind="order"),
                name="one_order_payment_per_order",
            ),
            models.CheckConstraint(
                condition=Q(
                    amount=models.F("base_amount")
                    + models.F("service_fee_amount")
                    - models.F("discount_amount")
                ),
                name="payment_amount_is_base_plus_fee_minus_discount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind} {self.amount} {self.currency}"


class PlatformDiscount(models.Model):
    """A discount the platform pays for (coupons and points plug in here): the
    customer is charged less and ``PROMOTIONS_EXPENSE`` funds the difference."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField()
    reference = models.CharField(max_length=80)  # e.g. "coupon:SPRING"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "reference"], name="one_discount_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} -{self.amount}"


class ExtraCharge(models.Model):
    """A tip from the customer, materials / extra hours the provider proposes
    and the customer approves before anything is charged, or the policy's fee
    for a late change the customer asked for (agreed when they proposed it)."""

    class Kind(models.TextChoices):
        TIP = "tip", _("Tip")
        EXTRA = "extra", _("Extra charge")
        LATE_FEE = "late_fee", _("Late change fee")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the customer")
        APPROVED = "approved", _("Approved")
        CAPTURED = "captured", _("Paid")
        DECLINED = "declined", _("Declined")
        FAILED = "failed", _("Payment failed")

    public_id = PublicIdField(prefix="xch")
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="extra_charges"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    description = models.CharField(max_length=200)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="extra"
    )
    # What caused a charge the platform raises itself (``reschedule:rsc_…``): at
    # most one charge per cause, however often its flow runs.
    reference = models.CharField(max_length=80, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "reference"],
                condition=~Q(reference=""),
                name="one_extra_charge_per_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind} {self.amount}"


# --- Payouts -------------------------------------------------------------------------


class PayoutBatch(models.Model):
    public_id = PublicIdField(prefix="pob")
    approved_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.public_id


class PayoutRequest(models.Model):
    """requested → approved (in a batch; money left the available balance) →
    in_transit (the gateway accepted it) → paid, or failed (money returned)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        IN_TRANSIT = "in_transit", _("On its way")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    public_id = PublicIdField(prefix="pyo")
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.PROTECT, related_name="payout_requests"
    )
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    batch = models.ForeignKey(
        PayoutBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    destination = models.CharField(max_length=100, blank=True, default="")
    gateway = models.CharField(max_length=20, blank=True, default="")
    gateway_payout_id = models.CharField(max_length=100, blank=True, default="")
    failure_code = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_positive")
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.amount} {self.currency} ({self.status})"


class PayoutAccount(models.Model):
    """Where a provider's payouts go: their connected account at the gateway
    (a Stripe Connect Express account, or the sandbox's), created once when they
    first set up payouts, and the state the gateway last reported for it (on
    their return from onboarding, and by ``account.updated`` webhooks)."""

    public_id = PublicIdField(prefix="pac")
    provider = models.OneToOneField(
        ProviderProfile, on_delete=models.PROTECT, related_name="payout_account"
    )
    gateway = models.CharField(max_length=20)
    account_id = models.CharField(max_length=100)
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    # The gateway's names of what is still needed ("external_account", …).
    requirements_due = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "account_id"], name="one_payout_account_per_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.account_id}"

    def can_receive_payouts(self) -> bool:
        return self.payouts_enabled and not self.disabled_reason


# --- Idempotency and webhooks -------------------------------------------------------


class IdempotencyRecord(models.Model):
    """The first answer to an ``Idempotency-Key``: repeats get it back; the same key
    with other parameters is refused. The unique key makes a concurrent duplicate
    fail to insert instead of running twice."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="one_idempotency_record_per_user_key"
            )
        ]

    def __str__(self) -> str:
        return self.key


class ProcessedWebhook(models.Model):
    """A gateway event we handled: deliveries are at least once, so the event id
    is claimed here, in the handler's transaction, before anything else."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=60)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "event_id"], name="one_processed_webhook_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.event_id}"


# --- The sandbox gateway's own books (what a real processor would keep) ------------


class PendingMoneyFlow(models.Model):
    """A money flow an order's transition decided on, written in the transition's
    own transaction so it cannot be forgotten: its task runs it after commit, and
    the ``retry_money_flows`` periodic job runs it again, with backoff, while the
    gateway answers "later" or the task was lost. Flows are idempotent, so a
    second run posts nothing twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    flow = models.CharField(max_length=40)  # a function of payments.flows
    arguments = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # While a task or the sweep runs it: no other may (the claim).
    claimed_until = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="moneyflow_due",
            ),
            # The ops queue of flows that need a person, oldest first.
            models.Index(
                fields=["status", "created_at"], name="moneyflow_status_since"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flow} {self.order_id} {self.status}"


class SandboxCharge(models.Model):
    charge_id = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    card_last4 = models.CharField(max_length=4)
    behaviour = models.CharField(max_length=20)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)  # authorised, captured, voided
    captured_amount = models.PositiveIntegerField(default=0)
    refunded_amount = models.PositiveIntegerField(default=0)
    refunds = models.JSONField(default=dict)  # idempotency key -> {id, amount}
    metadata = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.charge_id


class SandboxAttempt(models.Model):
    """Cards that ask for a retry the first time remember they were tried."""

    idempotency_key = models.CharField(max_length=120, unique=True)

    def __str__(self) -> str:
        return self.idempotency_key


class SandboxPayout(models.Model):
    payout_id = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    destination = models.CharField(max_length=100)
    status = models.CharField(max_length=20)  # in_transit, paid, failed
    metadata = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.payout_id


class SandboxWebhook(models.Model):
    event_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    deliver_after = models.DateTimeField()
    deliveries = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.event_type}"


class SandboxAccount(models.Model):
    """A connected account at the sandbox: incomplete until its owner finishes
    the sandbox's onboarding page."""

    account_id = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    email = models.CharField(max_length=254, blank=True, default="")
    details_submitted = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.account_id


class SavedPaymentMethod(models.Model):
    """A card the gateway keeps for a user, by the gateway's token: we store
    what identifies it to a person (brand, last four digits, expiry), never the
    card number. Saved at checkout when the payer asked for it, charged later
    on or off session (``payments.methods``)."""

    public_id = PublicIdField(prefix="pm")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="payment_methods"
    )
    gateway = models.CharField(max_length=30)
    token = models.CharField(max_length=120)
    brand = models.CharField(max_length=20, blank=True, default="")
    last4 = models.CharField(max_length=4, blank=True, default="")
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "gateway", "token"], name="saved_method_once"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default=True),
                name="one_default_saved_method",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"
