"""Availability (when a provider is willing to work) and time claims (when they are
taken). Availability is in the provider's local time; claims are instants (UTC)."""

import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile, StaffMember
from doorstep.core.ids import PublicIdField


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class SchedulingPolicy(models.Model):
    """How a provider wants to be booked."""

    provider = models.OneToOneField(
        ProviderProfile, on_delete=models.CASCADE, related_name="scheduling_policy"
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before each job (minutes)"),
        default=0,
        validators=[MaxValueValidator(240)],
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("buffer after each job (minutes)"),
        default=30,
        validators=[MaxValueValidator(240)],
    )
    min_lead_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=120,
        validators=[MaxValueValidator(14 * 24 * 60)],
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        _("bookable up to (days ahead)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    max_jobs_per_day = models.PositiveSmallIntegerField(
        _("maximum jobs per day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("start times every (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    holidays_off = models.BooleanField(_("take public holidays off"), default=False)
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=2,
        blank=True,
        help_text=_("e.g. CN, TW, US"),
    )

    class Meta:
        verbose_name = _("scheduling policy")
        verbose_name_plural = _("scheduling policies")

    def __str__(self) -> str:
        return str(self.provider)


class AvailabilityRule(models.Model):
    """A weekly window of work, e.g. Mondays 09:00–17:00 (provider's local time)."""

    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="availability_rules"
    )
    staff = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="availability_rule_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time}–{self.end_time}"


class AvailabilityException(models.Model):
    """A date that differs from the weekly rules: a day (or hours) off, or extra
    hours. A day off without times means the whole day."""

    class Kind(models.TextChoices):
        OFF = "off", _("Time off")
        EXTRA = "extra", _("Extra hours")

    public_id = PublicIdField(prefix="avx")
    provider = models.ForeignKey(
        ProviderProfile,
        on_delete=models.CASCADE,
        related_name="availability_exceptions",
    )
    staff = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    date = models.DateField()
    kind = models.CharField(max_length=5, choices=Kind.choices)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["provider", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start_time__isnull=True) & Q(end_time__isnull=True))
                | Q(end_time__gt=F("start_time")),
                name="availability_exception_times_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="off") | Q(start_time__isnull=False),
                name="availability_extra_has_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class CalendarFeed(models.Model):
    """A provider's private calendar feed (iCal) of their upcoming jobs.

    The URL carries a random token; only its SHA-256 digest is stored, so the link
    is shown once, when it is made. A provider has at most one live feed: making a
    new one revokes the old, and a revoked feed answers 404.
    """

    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_feed_per_provider",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.prefix}…"

    @staticmethod
    def digest_of(raw_token: str) -> str:
        return hashlib.sha256(raw_token.encode()).hexdigest()


class TimeClaim(models.Model):
    """A span of a provider's (or a staff member's) time that is taken: by an order,
    or held for a few minutes while a customer pays.

    Two unreleased claims of the same resource never overlap. The database enforces
    it — an exclusion constraint on PostgreSQL, a trigger on SQLite (see the
    migration) — so no interleaving of concurrent requests can double-book.
    ``staff_key`` is the staff member's id, or 0 for the provider themself.
    """

    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="time_claims"
    )
    staff_key = models.PositiveBigIntegerField(default=0)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="time_claims",
    )
    hold_token = models.CharField(max_length=40, blank=True, default="")
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    # The customer a hold is for: only they can book with its token.
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["provider", "staff_key", "starts_at"],
                condition=Q(released_at__isnull=True),
                name="time_claim_active",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="time_claim_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}/{self.staff_key} {self.starts_at}–{self.ends_at}"
