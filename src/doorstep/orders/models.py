"""Orders, their lines, their history and their timers."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile, StaffMember
from doorstep.catalog.models import Listing, PaymentTiming
from doorstep.core.ids import PublicIdField
from doorstep.core.money import Money
from doorstep.orders.process import Actor
from doorstep.orders.states import RESCHEDULABLE_STATES


class BuyingMode(models.TextChoices):
    BOOK_PROVIDER = "book_provider", _("Book a provider")
    DISPATCH = "dispatch", _("Platform dispatch")
    QUOTE = "quote", _("Request for quotes")


def new_start_code() -> str:
    return f"{secrets.randbelow(10_000):04d}"


class Order(models.Model):
    """A customer's purchase of one service at one time and place.

    ``state`` moves only through ``orders.engine.apply_transition`` following the
    process of ``mode``. Amounts are integer minor units of ``currency``.
    """

    public_id = PublicIdField(prefix="ord")
    mode = models.CharField(max_length=20, choices=BuyingMode.choices)
    state = models.CharField(_("status"), max_length=24, db_index=True)
    state_changed_at = models.DateTimeField()
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    provider = models.ForeignKey(
        ProviderProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    listing = models.ForeignKey(
        Listing, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    address = models.CharField(_("address"), max_length=255)
    latitude = models.FloatField()
    longitude = models.FloatField()
    notes = models.TextField(_("notes for the provider"), blank=True, max_length=2000)
    currency = models.CharField(max_length=3)
    # The price breakdown as the customer saw it (``orders.pricing``): the lines'
    # sum, the service fee, platform-funded discounts, the tax included, and what
    # the card is charged. Stored so every page and the payment read one figure.
    subtotal_amount = models.PositiveIntegerField()
    service_fee_amount = models.PositiveIntegerField(default=0)
    discount_amount = models.PositiveIntegerField(default=0)
    # Of the discount, what the provider pays for (their own promotion): it
    # comes off their earnings, not the platform's promotions budget.
    provider_discount_amount = models.PositiveIntegerField(default=0)
    tax_amount = models.PositiveIntegerField(default=0)
    # Whether ``tax_amount`` is contained in the prices (tax-inclusive region,
    # or no tax) or added on top of them (tax-exclusive region): see
    # ``orders.pricing.order_total`` and the tax lines in ``taxes.OrderTax``.
    prices_include_tax = models.BooleanField(default=True)
    total_amount = models.PositiveIntegerField()
    respond_by = models.DateTimeField(null=True, blank=True)
    start_code = models.CharField(max_length=4, default=new_start_code, editable=False)
    cancellation_fee_amount = models.PositiveIntegerField(default=0)
    cancelled_by = models.CharField(
        max_length=10, choices=Actor.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=100, blank=True, default="")
    # What the first request with ``idempotency_key`` asked for (a digest), so a
    # repeat with other parameters is refused instead of answered with this order.
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")
    hours = models.PositiveSmallIntegerField(
        _("hours booked"), null=True, blank=True, help_text=_("Hourly services only.")
    )
    # When the customer pays (``catalog.PaymentTiming``), chosen at checkout.
    payment_timing = models.CharField(
        _("payment"),
        max_length=16,
        choices=PaymentTiming.choices,
        default=PaymentTiming.PAY_NOW,
    )
    # Paid after the service: the charge of the saved card failed, and the
    # customer may pay on the pay page until then; later it is for ops to
    # collect (``payments.after_service``).
    payment_due_by = models.DateTimeField(null=True, blank=True)
    # Cash on completion: when the provider confirmed the cash was received.
    cash_received_at = models.DateTimeField(null=True, blank=True)
    # A free redo under the warranty of ``redo_of`` (``support.redo``): price
    # 0, booked without a payment (the process's ``book_redo``).
    redo_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redos",
    )

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["customer", "-starts_at"]),
            models.Index(fields=["provider", "starts_at"]),
            # Ops queues of orders in one state, oldest first (disputes).
            models.Index(
                fields=["state", "state_changed_at"], name="order_state_since"
            ),
            # Analytics recomputes a day of orders by the day they were placed.
            models.Index(fields=["created_at"], name="order_created_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_idempotency_key_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="order_ends_after_it_starts",
            ),
            # ``orders.pricing.order_total``: the tax is added only where
            # prices do not include it.
            models.CheckConstraint(
                condition=Q(
                    prices_include_tax=True,
                    total_amount=models.F("subtotal_amount")
                    + models.F("service_fee_amount")
                    - models.F("discount_amount"),
                )
                | Q(
                    prices_include_tax=False,
                    total_amount=models.F("subtotal_amount")
                    + models.F("service_fee_amount")
                    - models.F("discount_amount")
                    + models.F("tax_amount"),
                ),
                name="order_total_obeys_the_price_formula",
            ),
            models.CheckConstraint(
                condition=Q(provider_discount_amount__lte=models.F("discount_amount")),
                name="order_provider_discount_within_discount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", args=[self.public_id])

    @property
    def subtotal(self) -> Money:
        """The provider's price (what the provider's screens show)."""
        return Money(self.subtotal_amount, self.currency)

    @property
    def total(self) -> Money:
        """What the customer pays: the price, the service fee, less discounts."""
        return Money(self.total_amount, self.currency)

    @property
    def process(self):
        from doorstep.orders.processes import process_for

        return process_for(self.mode)

    @property
    def state_label(self) -> str:
        return str(self.process.state(self.state).label)

    @property
    def is_terminal(self) -> bool:
        return self.process.state(self.state).terminal

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def can_reschedule(self) -> bool:
        """Either side may ask to move the job until it starts."""
        return self.state in RESCHEDULABLE_STATES


class OrderLine(models.Model):
    """One priced line of an order: the service, an add-on, a fee."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("Service")
        ADD_ON = "add_on", _("Add-on")
        FEE = "fee", _("Fee")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.CharField(max_length=200)
    unit_amount = models.PositiveIntegerField()
    quantity = models.PositiveSmallIntegerField(default=1)
    amount = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=models.F("unit_amount") * models.F("quantity")),
                name="order_line_amount_is_unit_times_quantity",
            )
        ]

    def __str__(self) -> str:
        return self.description


class OrderEvent(models.Model):
    """An applied transition: who moved the order from where to where, and when.
    Append-only; the order's timeline and audit trail."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    actor = models.CharField(max_length=10, choices=Actor.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_state} → {self.to_state}"


class OrderTimer(models.Model):
    """A durable timer: fires its transition once, at or after ``due_at``, unless
    the order left the state that armed it (then it is cancelled)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="timers")
    name = models.CharField(max_length=40)
    armed_in_state = models.CharField(max_length=24)
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True),
                name="order_timer_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.due_at:%Y-%m-%d %H:%M}"


class RescheduleRequest(models.Model):
    """One side's proposal to move an order to another time; the other side
    accepts (the order and its time claim move together) or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    public_id = PublicIdField(prefix="rsc")
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="reschedule_requests"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    proposed_by = models.CharField(max_length=10, choices=Actor.choices)
    proposed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    previous_starts_at = models.DateTimeField()
    # Asked for inside the free-cancellation window by the customer: the
    # cancellation policy's fee applies (charged by the payments app).
    is_late = models.BooleanField(default=False)
    fee_amount = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="pending"),
                name="one_pending_reschedule_per_order",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="reschedule_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class OrderPhoto(models.Model):
    """A before/after photo the provider attached when delivering: re-encoded
    without metadata (no GPS of the customer's home), with a thumbnail."""

    public_id = PublicIdField(prefix="oph")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="orders/%Y/%m/")
    thumbnail = models.ImageField(upload_to="orders/%Y/%m/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.public_id
