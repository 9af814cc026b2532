"""Standards enforcement: the penalty rules ops configure, the strikes and fines
they give, a provider's standing (warned, restricted, suspended) and appeals.

Imported by ``trust.models`` so Django finds the models; the services live in
``trust.standards``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.core.ids import PublicIdField


class PenaltyTrigger(models.TextChoices):
    """What a provider did that a penalty rule answers."""

    NO_SHOW = "no_show", _("Provider no-show")
    LATE_CANCELLATION = "late_cancellation", _("Provider late cancellation")
    QUALITY_COMPLAINT = "quality_complaint", _("Quality complaint upheld")


class PenaltyRule(models.Model):
    """What one trigger costs: a fine (a share of the order's price in basis
    points and/or a fixed amount per currency; the larger applies) and strikes.
    One rule per trigger; ops edit it (``ENFORCE_STANDARDS``, audited)."""

    trigger = models.CharField(
        max_length=24, choices=PenaltyTrigger.choices, unique=True
    )
    active = models.BooleanField(_("active"), default=True)
    fine_bps = models.PositiveIntegerField(
        _("fine (basis points of the order price)"), default=0
    )
    # {"CNY": 5000, "USD": 1000}: minor units per currency.
    fine_fixed = models.JSONField(_("fixed fine per currency"), default=dict)
    strikes = models.PositiveSmallIntegerField(_("strikes"), default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("penalty rule")
        verbose_name_plural = _("penalty rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(fine_bps__lte=10_000), name="penalty_fine_bps_at_most_all"
            )
        ]

    def __str__(self) -> str:
        return str(self.get_trigger_display())

    def fine_for(self, *, price: int, currency: str) -> int:
        """The fine on an order of ``price`` minor units in ``currency``."""
        share = price * self.fine_bps // 10_000
        return max(share, int(self.fine_fixed.get(currency, 0) or 0))


class StandingLevel(models.IntegerChoices):
    """How far enforcement has gone, in order: each level includes the last."""

    GOOD = 0, _("Good standing")
    WARNED = 1, _("Warned")
    RESTRICTED = 2, _("Restricted: no new orders")
    SUSPENDED = 3, _("Suspended")


class ReasonCode(models.TextChoices):
    """Why a standing changed, as ops and the provider read it."""

    STRIKES_WARNING = "strikes_warning", _("Strikes reached the warning threshold")
    STRIKES_RESTRICTION = (
        "strikes_restriction",
        _("Strikes reached the restriction threshold"),
    )
    STRIKES_SUSPENSION = (
        "strikes_suspension",
        _("Strikes reached the suspension threshold"),
    )
    STRIKES_EXPIRED = "strikes_expired", _("Strikes expired or were removed")
    SAFETY = "safety", _("Safety concern")
    FRAUD = "fraud", _("Fraud or off-platform payment")
    QUALITY = "quality", _("Repeated quality problems")
    CONDUCT = "conduct", _("Conduct towards customers")
    LIFTED = "lifted", _("Lifted by operations")
    OTHER = "other", _("Other (see the reason)")


# The reasons ops may give for a decision by hand.
MANUAL_REASON_CODES = (
    ReasonCode.SAFETY,
    ReasonCode.FRAUD,
    ReasonCode.QUALITY,
    ReasonCode.CONDUCT,
    ReasonCode.OTHER,
)


class ProviderStanding(models.Model):
    """A provider's current enforcement level. ``floor`` is the level ops set
    by hand (strikes may raise the level above it, never below it);
    ``counts_from`` is when ops last lifted: strikes before it stay on the
    record but no longer count towards the thresholds."""

    provider = models.OneToOneField(
        ProviderProfile, on_delete=models.CASCADE, related_name="standing"
    )
    level = models.PositiveSmallIntegerField(
        choices=StandingLevel.choices, default=StandingLevel.GOOD
    )
    floor = models.PositiveSmallIntegerField(
        choices=StandingLevel.choices, default=StandingLevel.GOOD
    )
    reason_code = models.CharField(
        max_length=24, choices=ReasonCode.choices, blank=True
    )
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    counts_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("provider standing")
        verbose_name_plural = _("provider standings")
        indexes = [models.Index(fields=["level"], name="standing_level")]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_level_display()}"


class Strike(models.Model):
    """One mark against a provider, for one trigger on one order (or given by
    ops). Counts towards the thresholds until ``expires_at`` or until removed
    (an appeal overturned it)."""

    public_id = PublicIdField(prefix="stk")
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="strikes"
    )
    trigger = models.CharField(max_length=24, choices=PenaltyTrigger.choices)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    points = models.PositiveSmallIntegerField(default=1)
    reason = models.TextField(blank=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("strike")
        verbose_name_plural = _("strikes")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # An event delivered twice gives one strike.
            models.UniqueConstraint(
                fields=["provider", "trigger", "order"],
                condition=Q(order__isnull=False),
                name="one_strike_per_trigger_and_order",
            )
        ]
        indexes = [models.Index(fields=["provider", "expires_at"], name="strike_live")]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.get_trigger_display()})"


class Fine(models.Model):
    """The money a strike cost, moved through the ledger (``payments.flows.
    charge_fine``); ``refunded_at`` when an appeal overturned it."""

    public_id = PublicIdField(prefix="fin")
    strike = models.OneToOneField(Strike, on_delete=models.PROTECT, related_name="fine")
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="fines"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="+"
    )
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    charged_at = models.DateTimeField()
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fine")
        verbose_name_plural = _("fines")
        ordering = ["-charged_at", "-pk"]

    def __str__(self) -> str:
        return self.public_id


class Appeal(models.Model):
    """A provider contests a strike (and its fine) once, in writing; ops with
    ``ENFORCE_STANDARDS`` uphold or overturn it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        UPHELD = "upheld", _("Upheld: the strike stands")
        OVERTURNED = "overturned", _("Overturned: the strike was removed")

    public_id = PublicIdField(prefix="apl")
    strike = models.OneToOneField(
        Strike, on_delete=models.CASCADE, related_name="appeal"
    )
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="appeals"
    )
    text = models.TextField(max_length=4000)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.OPEN
    )
    filed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["filed_at", "pk"]
        indexes = [models.Index(fields=["status", "filed_at"], name="appeal_open")]

    def __str__(self) -> str:
        return self.public_id
