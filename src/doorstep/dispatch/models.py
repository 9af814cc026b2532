"""Platform dispatch: who can be sent (workers), what the platform sells where
(services in cities), the promises it makes (SLA policies), the jobs it is
placing and the offers it makes for them.

The order itself, its states and its money are the orders' and payments' apps';
a ``DispatchJob`` is the dispatch side of one order of mode ``dispatch``.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile, StaffMember
from doorstep.catalog.models import CatalogueService, Category
from doorstep.core.geo import cell_of
from doorstep.core.ids import PublicIdField
from doorstep.core.money import Money
from doorstep.marketplace.models import City
from doorstep.orders.models import Order

# The most offers one job may have waiting at once (``Offer.slot``'s range).
MAX_OFFERS_AT_ONCE = 10


class Worker(models.Model):
    """Someone the platform can send to a job: an independent provider
    (``staff`` empty) or one of an agency's staff members (``provider`` is then
    the agency's provider profile, whose listings and money they work under).

    ``staff_key`` is the staff member's id or 0, as in ``scheduling.TimeClaim``:
    the pair (provider, staff_key) names the calendar a job's time is claimed on.
    Where the worker is comes from their shared location while on duty and
    fresh, else from their base.
    """

    public_id = PublicIdField(prefix="wkr")
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="dispatch_workers"
    )
    staff = models.OneToOneField(
        StaffMember,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dispatch_worker",
    )
    staff_key = models.PositiveBigIntegerField(default=0, editable=False)
    display_name = models.CharField(_("name"), max_length=150)
    # Takes platform jobs at all (an independent provider opts in; an agency
    # decides for its staff).
    accepts_dispatch = models.BooleanField(_("takes platform jobs"), default=True)
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="+",
        verbose_name=_("skills"),
        help_text=_("The categories this worker is trained for."),
    )
    base_latitude = models.FloatField(
        _("base latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    base_longitude = models.FloatField(
        _("base longitude"),
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    service_radius_km = models.DecimalField(
        _("service radius (km)"),
        max_digits=5,
        decimal_places=1,
        default=10,
        validators=[MinValueValidator(0.5), MaxValueValidator(200)],
    )
    is_on_duty = models.BooleanField(_("on duty"), default=False)
    on_duty_since = models.DateTimeField(null=True, blank=True)
    # Opt-in, and only ever while on duty: going off duty forgets the location.
    shares_location = models.BooleanField(_("shares location"), default=False)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    located_at = models.DateTimeField(null=True, blank=True)
    h3_cell = models.BigIntegerField(db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        indexes = [
            models.Index(
                fields=["is_on_duty", "h3_cell"],
                condition=Q(accepts_dispatch=True),
                name="worker_on_duty_cell",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "staff_key"], name="one_worker_per_calendar"
            ),
            models.CheckConstraint(
                condition=Q(is_on_duty=True) | Q(latitude__isnull=True),
                name="worker_location_only_on_duty",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        # Derived from the fields above, kept in step on every save (search by cell).
        self.staff_key = self.staff_id or 0
        self.h3_cell = cell_of(*self.position)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "h3_cell"}
        super().save(*args, **kwargs)

    @property
    def position(self) -> tuple[float, float]:
        """Where the worker is now as far as dispatch knows."""
        if self.latitude is not None and self.longitude is not None:
            return (self.latitude, self.longitude)
        return (self.base_latitude, self.base_longitude)


class ServiceInCity(models.Model):
    """A catalogue service on sale in one city, at a fixed price in the city's
    currency. What a customer there can buy "as soon as possible" or for a time."""

    service = models.ForeignKey(
        CatalogueService, on_delete=models.CASCADE, related_name="cities"
    )
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    price_amount = models.PositiveIntegerField(_("price"))
    currency = models.CharField(_("currency"), max_length=3)
    offers_asap = models.BooleanField(_("bookable as soon as possible"), default=True)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("service in a city")
        verbose_name_plural = _("services in cities")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "city"], name="one_price_per_service_and_city"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.city}"

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)


class SlaPolicy(models.Model):
    """The promise the platform makes for dispatched orders — "a worker within
    30 minutes, at the door within 2 hours" — for a city and category, either of
    which may be left open (the most specific policy applies)."""

    city = models.ForeignKey(
        City, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    respond_minutes = models.PositiveSmallIntegerField(
        _("a worker accepts within (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    arrive_minutes = models.PositiveSmallIntegerField(
        _("at the door within (minutes)"),
        default=120,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
        help_text=_("For orders as soon as possible, from payment."),
    )
    asap_offer_seconds = models.PositiveSmallIntegerField(
        _("time to answer an offer, as soon as possible (seconds)"),
        default=90,
        validators=[MinValueValidator(15), MaxValueValidator(3600)],
    )
    scheduled_offer_minutes = models.PositiveSmallIntegerField(
        _("time to answer an offer, booked for later (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    # A booked-ahead job is offered to this many of the best workers at once
    # (TIDY's tiers): the first to accept takes it, the others' offers are
    # withdrawn, and when the whole tier declines or lets it lapse the next
    # as many are asked. Answers to a booked job take minutes, so one worker
    # at a time lets a single decline eat the response promise.
    offers_at_once = models.PositiveSmallIntegerField(
        _("workers asked at once, booked for later"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_OFFERS_AT_ONCE)],
        help_text=_("The first to accept takes the job."),
    )
    # Paid by the platform to the customer when the arrival promise is broken,
    # a share of the price in basis points (1000 = 10%).
    compensation_bps = models.PositiveSmallIntegerField(
        _("compensation for a late arrival (basis points of the price)"),
        default=0,
        validators=[MaxValueValidator(10_000)],
    )
    redispatch_on_breach = models.BooleanField(
        _("offer the job to someone else when a promise is broken"), default=True
    )

    class Meta:
        verbose_name = _("service promise")
        verbose_name_plural = _("service promises")
        constraints = [
            models.UniqueConstraint(
                Coalesce("city", Value(0)),
                Coalesce("category", Value(0)),
                name="one_sla_policy_per_city_and_category",
            )
        ]

    def __str__(self) -> str:
        return f"{self.city or '*'} / {self.category or '*'}"


class DispatchJob(models.Model):
    """The dispatch side of one order of mode ``dispatch``: what was bought,
    where, the promise made, and the times that show whether it was kept."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="dispatch_job"
    )
    service = models.ForeignKey(
        CatalogueService, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(
        City, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_asap = models.BooleanField(_("as soon as possible"))
    h3_cell = models.BigIntegerField(db_index=True)
    # The promise, fixed when the job opens (from the SLA policy then in force).
    respond_by = models.DateTimeField(null=True, blank=True)
    arrive_by = models.DateTimeField(null=True, blank=True)
    give_up_at = models.DateTimeField(null=True, blank=True)
    offer_seconds = models.PositiveIntegerField(default=90)
    offers_at_once = models.PositiveSmallIntegerField(default=1)
    compensation_bps = models.PositiveSmallIntegerField(default=0)
    # What happened, and when.
    opened_at = models.DateTimeField(null=True, blank=True)
    first_offered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs"
    )
    offers_made = models.PositiveSmallIntegerField(default=0)
    # Nobody could be offered the job: ops were alerted and the customer told.
    escalated_at = models.DateTimeField(null=True, blank=True)
    response_breached_at = models.DateTimeField(null=True, blank=True)
    arrival_breached_at = models.DateTimeField(null=True, blank=True)
    compensated_amount = models.PositiveIntegerField(default=0)
    # By when a worker must have taken the job: ``respond_by`` when it opens,
    # a fresh window each time it goes back to dispatching (its worker handed
    # it back, ops took it from them, the arrival promise broke). The response
    # check and the give-up timer run from it.
    assignment_due_at = models.DateTimeField(null=True, blank=True)
    # When ops were told nobody could be found: once per job, however often
    # it is escalated again after going back to dispatching.
    ops_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch job")
        verbose_name_plural = _("dispatch jobs")
        indexes = [
            models.Index(fields=["is_asap", "opened_at"], name="dispatch_job_open"),
        ]

    def __str__(self) -> str:
        return str(self.order)


class Offer(models.Model):
    """The platform asks one worker to take one job, for a short while.

    The database keeps the dispatcher honest whatever runs at once: a job has
    at most one live offer per ``slot`` (a job "as soon as possible" uses slot
    0 only; a booked one up to ``DispatchJob.offers_at_once``, never more than
    ``MAX_OFFERS_AT_ONCE``), a worker has at most one live offer, and a job is
    never offered twice to the same worker (a decline or a lapse is final).
    Which of a tier's offers wins is decided under the job's row lock
    (``cascade.accept_offer``): the others are withdrawn in the same
    transaction, with ``decline_reason`` ``taken``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        LAPSED = "lapsed", _("No answer in time")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    public_id = PublicIdField(prefix="ofr")
    job = models.ForeignKey(
        DispatchJob, on_delete=models.CASCADE, related_name="offers"
    )
    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    # Why this worker (the assignment's cost and its parts), for ops and tuning.
    cost = models.FloatField(null=True, blank=True)
    travel_minutes = models.PositiveIntegerField(null=True, blank=True)
    batch = models.CharField(max_length=40, blank=True)
    # Its place among the job's offers made at once (0 when made alone).
    slot = models.PositiveSmallIntegerField(default=0)
    decline_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-offered_at", "-pk"]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(status="pending"),
                name="offer_pending_expiry",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "slot"],
                condition=Q(status="pending"),
                name="one_live_offer_per_job_slot",
            ),
            models.CheckConstraint(
                condition=Q(slot__lt=MAX_OFFERS_AT_ONCE),
                name="offer_slot_in_range",
            ),
            models.UniqueConstraint(
                fields=["worker"],
                condition=Q(status="pending"),
                name="one_live_offer_per_worker",
            ),
            models.UniqueConstraint(
                fields=["job", "worker"], name="job_offered_once_per_worker"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("offered_at")),
                name="offer_expires_after_it_is_made",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
