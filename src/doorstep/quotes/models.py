"""Requests for quotes (Thumbtack): a customer's job request, the providers it
was sent to (invitations), their quotes and the questions ops ask per category.

A hired quote becomes an order of mode ``quote`` (``orders/processes/quote.py``);
from then on the order, its money and its time are the orders', payments' and
scheduling apps'. Amounts are integer minor units of ``currency``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Category, Listing
from doorstep.core.ids import PublicIdField
from doorstep.core.money import Money
from doorstep.orders.models import Order


def request_photo_storage():
    """Photos of a job are private: the customer, the providers it was sent to
    and ops see them, through ``quotes.views.photo``."""
    from django.core.files.storage import storages

    return storages["documents"]


class CategoryQuestion(models.Model):
    """A question ops ask customers who request quotes in a category ("How many
    rooms?"), in the three languages. Asked for the category and its
    subcategories."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        CHOICE = "choice", _("One of a list")

    public_id = PublicIdField(prefix="qsn")
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="quote_questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    label_en = models.CharField(_("question (English)"), max_length=200)
    label_zh_hans = models.CharField(
        _("question (Simplified Chinese)"), max_length=200, blank=True
    )
    label_zh_hant = models.CharField(
        _("question (Traditional Chinese)"), max_length=200, blank=True
    )
    # For a choice: [{"value": "1", "en": "1 room", "zh_hans": "…", "zh_hant": "…"}]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("quote question")
        verbose_name_plural = _("quote questions")
        ordering = ["category", "position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _localized(self, "label")

    def choice_label(self, value: str) -> str:
        for choice in self.choices:
            if str(choice.get("value")) == str(value):
                return _localized_dict(choice) or str(value)
        return str(value)


def _suffix() -> str:
    language = (get_language() or "en").lower()
    if language.startswith("zh"):
        return "zh_hant" if language in {"zh-hant", "zh-tw", "zh-hk"} else "zh_hans"
    return "en"


def _localized(obj, field: str) -> str:
    suffix = _suffix()
    return getattr(obj, f"{field}_{suffix}", "") or getattr(obj, f"{field}_en")


def _localized_dict(choice: dict) -> str:
    return str(choice.get(_suffix()) or choice.get("en") or "")


class JobRequest(models.Model):
    """A job a customer wants done and asks quotes for: sent to up to N
    matching providers (or, from an on-quote listing, to that provider only).

    ``status`` moves only through ``quotes.services``: open (quotes welcome)
    → hired (a quote was accepted; its order exists) — or cancelled by the
    customer, or expired at ``expires_at`` with nobody hired.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HIRED = "hired", _("Hired")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class TimeOfDay(models.TextChoices):
        MORNING = "morning", _("Morning (8–12)")
        AFTERNOON = "afternoon", _("Afternoon (12–17)")
        EVENING = "evening", _("Evening (17–21)")

    public_id = PublicIdField(prefix="req")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="job_requests"
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="job_requests"
    )
    # Asked of one provider through their on-quote listing; empty: matched.
    listing = models.ForeignKey(
        Listing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="job_requests",
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what needs doing"), max_length=3000)
    address = models.CharField(_("address"), max_length=255)
    latitude = models.FloatField()
    longitude = models.FloatField()
    city = models.CharField(max_length=60)
    time_zone = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)
    wanted_from = models.DateField(_("from"))
    wanted_until = models.DateField(_("until"))
    # Empty: any time of day.
    times_of_day = models.JSONField(_("times of day"), default=list, blank=True)
    budget_amount = models.PositiveIntegerField(_("budget"), null=True, blank=True)
    # {question public id: answer}, as the customer gave them.
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    # How many providers it may go to, fixed when it was posted.
    invitations_limit = models.PositiveSmallIntegerField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=100, blank=True, default="")
    # What the first request with ``idempotency_key`` asked for (a digest).
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("job request")
        verbose_name_plural = _("job requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="job_request_idempotency_key_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(wanted_until__gte=models.F("wanted_from")),
                name="job_request_wanted_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quotes:request", args=[self.public_id])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def budget(self) -> Money | None:
        if self.budget_amount is None:
            return None
        return Money(self.budget_amount, self.currency)


class JobRequestPhoto(models.Model):
    """A photo of the job: re-encoded without metadata, in private storage."""

    public_id = PublicIdField(prefix="rqp")
    request = models.ForeignKey(
        JobRequest, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        storage=request_photo_storage, upload_to="requests/%Y/%m/"
    )
    thumbnail = models.ImageField(
        storage=request_photo_storage, upload_to="requests/%Y/%m/thumbs/"
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.public_id


class Invitation(models.Model):
    """A request sent to one provider (through one of their listings in the
    category): they quote or decline by ``respond_by``, or it lapses."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for a quote")
        QUOTED = "quoted", _("Quoted")
        DECLINED = "declined", _("Declined")
        LAPSED = "lapsed", _("Not answered in time")
        CLOSED = "closed", _("Closed before an answer")

    public_id = PublicIdField(prefix="inv")
    request = models.ForeignKey(
        JobRequest, on_delete=models.CASCADE, related_name="invitations"
    )
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.PROTECT, related_name="quote_invitations"
    )
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField()
    # Why this provider, for ops: the ranking score and the distance.
    score = models.FloatField(default=0)
    distance_km = models.FloatField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    sent_at = models.DateTimeField()
    respond_by = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["rank"]
        indexes = [
            models.Index(fields=["provider", "status", "-sent_at"]),
            models.Index(fields=["status", "respond_by"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "provider"], name="one_invitation_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def response_minutes(self) -> int | None:
        if self.answered_at is None:
            return None
        return int((self.answered_at - self.sent_at).total_seconds() // 60)


class Quote(models.Model):
    """A provider's price for a request: fixed, or an hourly rate with an
    estimate of the hours; what is included, start times from their calendar,
    valid until a date. One revision each way: the customer may counter once
    (``counter_*``), the provider may revise once (``revised_at``; the terms
    before it kept in ``previous_*``). Hiring always takes the provider's
    current terms.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        HIRED = "hired", _("Hired")
        NOT_CHOSEN = "not_chosen", _("Not chosen")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    class Pricing(models.TextChoices):
        FIXED = "fixed", _("Fixed price")
        HOURLY = "hourly", _("Hourly rate")

    class LeadFee(models.TextChoices):
        NONE = "", _("No lead fee")
        CHARGED = "charged", _("Charged")
        REFUNDED = "refunded", _("Refunded (not opened in time)")

    public_id = PublicIdField(prefix="quo")
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, related_name="quote"
    )
    request = models.ForeignKey(
        JobRequest, on_delete=models.CASCADE, related_name="quotes"
    )
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.PROTECT, related_name="quotes"
    )
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.SENT, db_index=True
    )
    pricing = models.CharField(_("pricing"), max_length=6, choices=Pricing.choices)
    # The whole job (fixed) or one hour (hourly).
    amount = models.PositiveIntegerField(_("price"))
    currency = models.CharField(max_length=3)
    hours = models.PositiveSmallIntegerField(
        _("estimated hours"), null=True, blank=True
    )
    duration_minutes = models.PositiveIntegerField(_("time on the job (minutes)"))
    included = models.TextField(_("what is included"), max_length=2000)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    # Start times offered (ISO 8601 instants, UTC), free on the provider's
    # calendar when the quote was sent; the customer hires at one of them.
    start_times = models.JSONField(default=list)
    valid_until = models.DateTimeField(_("valid until"))
    sent_at = models.DateTimeField()
    # The customer's one counter-offer.
    counter_amount = models.PositiveIntegerField(null=True, blank=True)
    counter_message = models.TextField(max_length=2000, blank=True)
    countered_at = models.DateTimeField(null=True, blank=True)
    # The provider's one revision, and the price before it.
    revised_at = models.DateTimeField(null=True, blank=True)
    previous_amount = models.PositiveIntegerField(null=True, blank=True)
    previous_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    # When the customer first opened it (a lead fee is refunded if never).
    read_at = models.DateTimeField(null=True, blank=True)
    lead_fee_amount = models.PositiveIntegerField(default=0)
    lead_fee = models.CharField(
        max_length=8, choices=LeadFee.choices, default=LeadFee.NONE, blank=True
    )
    order = models.OneToOneField(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quote",
    )

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["sent_at", "pk"]
        indexes = [
            models.Index(fields=["provider", "-sent_at"]),
            models.Index(fields=["lead_fee", "read_at", "sent_at"]),
        ]
        constraints = [
            # Exactly one hired quote per request, whatever the concurrency.
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="hired"),
                name="one_hired_quote_per_request",
            ),
            models.CheckConstraint(
                condition=Q(pricing="fixed", hours__isnull=True)
                | Q(pricing="hourly", hours__isnull=False),
                name="quote_hours_only_when_hourly",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def price(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def job_amount(self) -> int:
        """What the job costs before the service fee: the fixed price, or the
        rate times the estimated hours."""
        return self.amount * (self.hours or 1)

    @property
    def job_price(self) -> Money:
        return Money(self.job_amount, self.currency)

    @property
    def previous_job_amount(self) -> int | None:
        if self.previous_amount is None:
            return None
        return self.previous_amount * (self.previous_hours or 1)

    @property
    def counter(self) -> Money | None:
        if self.counter_amount is None:
            return None
        return Money(self.counter_amount, self.currency)
