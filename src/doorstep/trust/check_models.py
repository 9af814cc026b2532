"""Trust data of the badges work: the "Top provider" rules ops set, background
checks with the candidate's consent, and what the background-check sandbox
holds. Imported by ``trust.models`` (so Django finds the models); kept in its
own module so that onboarding's documents live beside it without overlap."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.core.ids import PublicIdField

# --- Top provider -------------------------------------------------------------------


class TopProviderRules(models.Model):
    """What earns the "Top provider" badge. Ops edit it from the console; an edit
    saves a new row and retires the old one, so the rules a badge was granted
    under stay readable. Exactly one row is active."""

    min_rating = models.DecimalField(
        _("minimum rating"), max_digits=3, decimal_places=2, default=Decimal("4.70")
    )
    min_reviews = models.PositiveIntegerField(_("minimum reviews"), default=5)
    min_completed_jobs = models.PositiveIntegerField(
        _("minimum completed jobs"), default=20
    )
    # Null: response time is not a condition.
    max_median_response_minutes = models.PositiveIntegerField(
        _("longest median response time (minutes)"), null=True, blank=True, default=120
    )
    # Basis points of the window's booked jobs cancelled by the provider or
    # missed by them: 500 = 5%.
    max_cancellation_bps = models.PositiveIntegerField(
        _("highest cancellation rate (basis points)"), default=500
    )
    window_days = models.PositiveIntegerField(
        _("cancellation window (days)"), default=180
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("top provider rules")
        verbose_name_plural = _("top provider rules")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="one_active_top_provider_rules",
            ),
            models.CheckConstraint(
                condition=Q(min_rating__gte=0, min_rating__lte=5),
                name="top_provider_rating_in_range",
            ),
            models.CheckConstraint(
                condition=Q(max_cancellation_bps__lte=10000),
                name="top_provider_cancellation_rate_in_range",
            ),
            models.CheckConstraint(
                condition=Q(window_days__gte=1), name="top_provider_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"top provider rules #{self.pk}"

    def as_dict(self) -> dict[str, object]:
        """The rules as JSON-able values (for the audit trail and the badge)."""
        return {
            "min_rating": f"{Decimal(str(self.min_rating)):.2f}",
            "min_reviews": self.min_reviews,
            "min_completed_jobs": self.min_completed_jobs,
            "max_median_response_minutes": self.max_median_response_minutes,
            "max_cancellation_bps": self.max_cancellation_bps,
            "window_days": self.window_days,
        }


# --- Background checks ------------------------------------------------------------


class BackgroundCheckConsent(models.Model):
    """A provider agreed to be checked: when, to which text, from where. A check
    may start only with one of these, and it is never edited or deleted with the
    check (the law asks for the proof)."""

    public_id = PublicIdField(prefix="bcc")
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="check_consents"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField()
    text_version = models.CharField(max_length=20)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The candidate's legal name as they typed it for the check.
    legal_name = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("background check consent")
        verbose_name_plural = _("background check consents")
        indexes = [models.Index(fields=["provider", "-given_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.text_version})"


class BackgroundCheck(models.Model):
    """One check of one provider at a vendor ("sandbox", "checkr")."""

    class Status(models.TextChoices):
        # Started at the vendor; waiting for the result.
        PENDING = "pending", _("In progress")
        # The vendor waits for something from the candidate.
        SUSPENDED = "suspended", _("Waiting for the candidate")
        CLEAR = "clear", _("Clear")
        # Something was found: ops decide.
        CONSIDER = "consider", _("Needs review")
        APPROVED = "approved", _("Approved after review")
        REJECTED = "rejected", _("Not approved")
        FAILED = "failed", _("Could not be completed")

    # Still waiting for the vendor: a provider has at most one of these.
    OPEN_STATUSES = (Status.PENDING, Status.SUSPENDED)
    # The check earned the badge.
    PASSED_STATUSES = (Status.CLEAR, Status.APPROVED)

    public_id = PublicIdField(prefix="bgc")
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="background_checks"
    )
    consent = models.ForeignKey(
        BackgroundCheckConsent, on_delete=models.PROTECT, related_name="checks"
    )
    vendor = models.CharField(max_length=20)
    candidate_id = models.CharField(max_length=64)
    # The vendor's report (or invitation, until the report exists).
    external_id = models.CharField(max_length=64, blank=True)
    # Where the candidate completes the vendor's own form, if it has one.
    candidate_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING
    )
    # The vendor's words for the outcome ("clear", "consider", …), for ops.
    vendor_result = models.CharField(max_length=40, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("background check")
        verbose_name_plural = _("background checks")
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(status__in=["pending", "suspended"]),
                name="one_open_background_check_per_provider",
            ),
            models.UniqueConstraint(
                fields=["vendor", "candidate_id"], name="one_check_per_candidate"
            ),
        ]
        indexes = [models.Index(fields=["status", "completed_at"])]

    def __str__(self) -> str:
        return self.public_id


class ProcessedCheckEvent(models.Model):
    """A vendor event already handled: a repeated delivery changes nothing."""

    vendor = models.CharField(max_length=20)
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=60)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("processed check event")
        verbose_name_plural = _("processed check events")
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "event_id"], name="one_processed_check_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor}:{self.event_id}"


class SandboxCheckEvent(models.Model):
    """An event the background-check sandbox will send to our webhook endpoint,
    once ``deliver_after`` has passed (the vendor's side of the sandbox)."""

    event_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    deliver_after = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sandbox check event")
        verbose_name_plural = _("sandbox check events")

    def __str__(self) -> str:
        return self.event_id
