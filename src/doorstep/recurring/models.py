"""Recurring bookings: a series (who, what, where, how often, at what price)
and its visits, one per occurrence of the cadence, each an ordinary order.

A visit row exists for every occurrence the horizon job has looked at; the
unique ``(series, occurrence)`` makes at most one visit (and so at most one
live order) per occurrence, whatever runs concurrently.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile, StaffMember
from doorstep.catalog.models import Listing
from doorstep.core.ids import PublicIdField
from doorstep.core.money import Money
from doorstep.orders.models import Order
from doorstep.payments.models import SavedPaymentMethod


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    EVERY_2_WEEKS = "every_2_weeks", _("Every two weeks")
    EVERY_4_WEEKS = "every_4_weeks", _("Every four weeks")
    WEEKDAYS = "weekdays", _("On chosen weekdays")


class SeriesStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class SeriesAcceptance(models.TextChoices):
    """The provider's word on a series of a request-to-book listing.

    Accepting the series once is a standing acceptance (as Handy and
    CleanWhale do with a regular cleaner): the visits booked under it are
    accepted for the provider. Withdrawn, each visit booked from then on is a
    request again, to accept or decline one by one."""

    # An instant-book listing: every visit is booked without asking.
    NOT_NEEDED = "not_needed", _("Booked instantly")
    PENDING = "pending", _("Waiting for the provider to accept the series")
    STANDING = "standing", _("Accepted by the provider")
    WITHDRAWN = "withdrawn", _("Each visit waits for the provider")
    DECLINED = "declined", _("Declined by the provider")


class Series(models.Model):
    """A customer's standing booking of one listing (and staff member).

    ``start_time`` is a wall-clock time in ``time_zone`` (the provider's, where
    the job happens); each occurrence's instant is computed on its own date, so
    a daylight-saving change keeps the visit at the same local time.
    ``price_amount`` is the provider's price per visit, computed once by
    ``orders.pricing.price_booking`` and changed only when both sides agree
    (``PriceChange``)."""

    public_id = PublicIdField(prefix="ser")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="series"
    )
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.PROTECT, related_name="series"
    )
    listing = models.ForeignKey(
        Listing, on_delete=models.PROTECT, related_name="series"
    )
    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=255)
    latitude = models.FloatField()
    longitude = models.FloatField()
    notes = models.TextField(_("notes for the provider"), blank=True, max_length=2000)
    cadence = models.CharField(_("how often"), max_length=16, choices=Cadence.choices)
    # Weekday numbers (Monday 0 … Sunday 6) for ``Cadence.WEEKDAYS``, e.g. "14".
    weekdays = models.CharField(_("weekdays"), max_length=7, blank=True, default="")
    start_time = models.TimeField(_("start time"))
    time_zone = models.CharField(max_length=64)
    start_date = models.DateField(_("first visit"))
    end_date = models.DateField(_("last day"), null=True, blank=True)
    visit_count = models.PositiveSmallIntegerField(
        _("number of visits"), null=True, blank=True
    )
    hours = models.PositiveSmallIntegerField(null=True, blank=True)
    price_amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    payment_method = models.ForeignKey(
        SavedPaymentMethod,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=8, choices=SeriesStatus.choices, default=SeriesStatus.ACTIVE
    )
    acceptance = models.CharField(
        max_length=10,
        choices=SeriesAcceptance.choices,
        default=SeriesAcceptance.NOT_NEEDED,
    )
    acceptance_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "series"
        indexes = [models.Index(fields=["status"], name="series_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=False) | Q(visit_count__isnull=False),
                name="series_has_an_end",
            ),
            models.CheckConstraint(
                condition=~Q(cadence="weekdays") | ~Q(weekdays=""),
                name="series_weekdays_chosen",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.listing_id} {self.cadence}"

    def get_absolute_url(self) -> str:
        return reverse("recurring:detail", args=[self.public_id])

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    @property
    def weekday_numbers(self) -> list[int]:
        return sorted({int(day) for day in self.weekdays})

    @property
    def is_active(self) -> bool:
        return self.status == SeriesStatus.ACTIVE

    def can_change(self) -> bool:
        return self.status != SeriesStatus.ENDED

    @property
    def awaits_acceptance(self) -> bool:
        """The provider has yet to accept or decline the series."""
        return (
            self.status != SeriesStatus.ENDED
            and self.acceptance == SeriesAcceptance.PENDING
        )

    @property
    def has_standing_acceptance(self) -> bool:
        return self.acceptance == SeriesAcceptance.STANDING


class VisitStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    SKIPPED = "skipped", _("Skipped")
    # The usual time was not free: the customer is offered another time or
    # another provider, and accepts or declines.
    PROPOSED = "proposed", _("Waiting for your answer")
    # Declined, or nothing free to propose: this occurrence is not served.
    NOT_SERVED = "not_served", _("Not served")


class Visit(models.Model):
    """One occurrence of a series: its order once booked.

    Charging (``charging_since`` → ``charged_at``) is claimed on this row under
    its lock, and skipping refuses a visit being or already charged, so a
    skipped visit is never charged."""

    public_id = PublicIdField(prefix="vis")
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="visits")
    occurrence = models.DateField()
    planned_starts_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=VisitStatus.choices)
    order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="series_visit",
    )
    # Bookings tried for this occurrence: a visit the provider declined (or
    # let expire) is offered again, its next order keyed by the next attempt.
    attempt = models.PositiveSmallIntegerField(default=1)
    skip_reason = models.CharField(max_length=16, blank=True, default="")
    # The alternative offered when the usual time was not free.
    proposed_listing = models.ForeignKey(
        Listing, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_starts_at = models.DateTimeField(null=True, blank=True)
    problem = models.CharField(max_length=40, blank=True, default="")
    charging_since = models.DateTimeField(null=True, blank=True)
    charged_at = models.DateTimeField(null=True, blank=True)
    charge_attempts = models.PositiveSmallIntegerField(default=0)
    last_charge_attempt_at = models.DateTimeField(null=True, blank=True)
    charge_error = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["occurrence"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence"], name="one_visit_per_occurrence"
            ),
            models.CheckConstraint(
                condition=~Q(status="skipped") | Q(charged_at__isnull=True),
                name="skipped_visit_never_charged",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "planned_starts_at"], name="visit_status_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.occurrence}"

    @property
    def starts_at(self) -> datetime:
        if self.order is not None:
            return self.order.starts_at
        return self.planned_starts_at

    def can_skip(self) -> bool:
        return (
            self.status in (VisitStatus.BOOKED, VisitStatus.PROPOSED)
            and self.charging_since is None
            and self.charged_at is None
        )


class PriceChange(models.Model):
    """The provider's proposal of a new price per visit; the customer accepts
    (visits booked from then on cost it) or declines (nothing changes)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the customer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    public_id = PublicIdField(prefix="spc")
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="price_changes"
    )
    price_amount = models.PositiveIntegerField()
    previous_amount = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series"],
                condition=Q(status="pending"),
                name="one_pending_price_change_per_series",
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.price_amount}"
