"""Provider plans: ops define a ``Plan`` (perks, prices per currency and
interval); a provider's ``Subscription`` to it is billed each period off
session with their saved card; every billing attempt is a
``SubscriptionCharge`` (renewals, first charges, prorated changes, refunds).

Money is integer minor units with its currency; a subscription keeps the price
it was sold at (``amount``) so ops changing a plan's price never re-prices a
period already running.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import localized
from doorstep.core.ids import PublicIdField
from doorstep.payments.models import SavedPaymentMethod


class Interval(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class Plan(models.Model):
    """What a plan gives (perks) and, in ``prices``, what it costs."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Offered")
        # No new subscribers; the current ones keep it until they leave.
        ARCHIVED = "archived", _("Archived")

    public_id = PublicIdField(prefix="plan")
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh_hans = models.CharField(
        _("name (Simplified Chinese)"), max_length=80, blank=True
    )
    name_zh_hant = models.CharField(
        _("name (Traditional Chinese)"), max_length=80, blank=True
    )
    description_en = models.TextField(_("description (English)"), blank=True)
    description_zh_hans = models.TextField(
        _("description (Simplified Chinese)"), blank=True
    )
    description_zh_hant = models.TextField(
        _("description (Traditional Chinese)"), blank=True
    )
    # Perks (read by other apps through ``subscriptions.perks`` only).
    commission_discount_bps = models.PositiveIntegerField(default=0)
    extra_quote_leads = models.PositiveIntegerField(default=0)
    badge_en = models.CharField(_("badge (English)"), max_length=30, blank=True)
    badge_zh_hans = models.CharField(
        _("badge (Simplified Chinese)"), max_length=30, blank=True
    )
    badge_zh_hant = models.CharField(
        _("badge (Traditional Chinese)"), max_length=30, blank=True
    )
    extra_photos = models.PositiveIntegerField(default=0)
    # Days free before the first charge, for a provider's first plan only.
    trial_days = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_discount_bps__lte=10_000),
                name="plan_discount_at_most_all",
            ),
            models.CheckConstraint(
                condition=Q(trial_days__lte=90), name="plan_trial_at_most_90_days"
            ),
        ]

    def __str__(self) -> str:
        return self.name_en

    def localized(self, field: str, language: str | None = None) -> str:
        return localized(self, field, language)

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def description(self) -> str:
        return self.localized("description")

    @property
    def badge(self) -> str:
        return self.localized("badge")

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class PlanPrice(models.Model):
    """The price of a plan per ``interval`` in one currency."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3)
    interval = models.CharField(max_length=5, choices=Interval)
    amount = models.PositiveIntegerField()

    class Meta:
        ordering = ["currency", "interval"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "currency", "interval"], name="one_plan_price"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="plan_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.amount} {self.currency}/{self.interval}"


class SubscriptionStatus(models.TextChoices):
    TRIALING = "trialing", _("Free trial")
    ACTIVE = "active", _("Active")
    # A renewal failed: retried on a schedule, perks kept for a grace period.
    PAST_DUE = "past_due", _("Payment failed")
    # Ended by the provider (at once, or at the end of the period).
    CANCELLED = "cancelled", _("Cancelled")
    # Ended because the renewal could not be paid within the grace period.
    EXPIRED = "expired", _("Expired")


# The states in which a subscription gives its perks and is billed.
LIVE_STATUSES = (
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
)


class Subscription(models.Model):
    public_id = PublicIdField(prefix="sub")
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.PROTECT, related_name="subscriptions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    interval = models.CharField(max_length=5, choices=Interval)
    currency = models.CharField(max_length=3)
    # The price per interval it was sold at.
    amount = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=SubscriptionStatus)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    cancel_at_period_end = models.BooleanField(default=False)
    # The card charged; when removed, the provider's default card is used.
    payment_method = models.ForeignKey(
        SavedPaymentMethod,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    past_due_since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Counts plan changes, so each change's charge has its own key.
    plan_changes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(status__in=["trialing", "active", "past_due"]),
                name="one_live_subscription_per_provider",
            ),
            models.CheckConstraint(
                condition=Q(current_period_end__gt=models.F("current_period_start")),
                name="subscription_period_forward",
            ),
        ]
        indexes = [models.Index(fields=["status", "current_period_end"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.plan}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class SubscriptionCharge(models.Model):
    """One billing attempt series for one reason and period: retried (a new
    gateway key per declined attempt) until it succeeds or dunning gives up."""

    class Reason(models.TextChoices):
        FIRST = "first", _("First period")
        RENEWAL = "renewal", _("Renewal")
        CHANGE = "change", _("Plan change (prorated)")
        REFUND = "refund", _("Refund of unused time")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being charged")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        # Dunning gave up, or the subscription ended first.
        ABANDONED = "abandoned", _("Not collected")

    public_id = PublicIdField(prefix="sch")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="charges"
    )
    reason = models.CharField(max_length=10, choices=Reason)
    # The plan, interval and price per interval the subscription runs on once
    # this is paid (a change takes effect with its charge).
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    interval = models.CharField(max_length=5, choices=Interval)
    plan_amount = models.PositiveIntegerField()
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    # Plan changes: the unused part of the old plan, set against the new one.
    credit = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    idempotency_key = models.CharField(max_length=120, unique=True)
    gateway = models.CharField(max_length=30, blank=True, default="")
    gateway_charge_id = models.CharField(max_length=100, blank=True, default="")
    # Refunds: the charge the money goes back to.
    refund_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    refunded_amount = models.PositiveIntegerField(default=0)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=40, blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")),
                name="subscription_refund_within_charge",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_retry_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.reason} {self.amount} {self.currency}"
