"""Outgoing webhooks: endpoints integrators register, the deliveries made for
them from the outbox, and each attempt to send one (the delivery log)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import PublicIdField
from doorstep.events.models import Event


class Scope(models.TextChoices):
    """Whose events an endpoint receives."""

    # Events about the owner's own orders, reviews, quotes and payouts.
    OWN = "own", _("My own events")
    # Every event of the chosen types (ops only).
    MARKETPLACE = "marketplace", _("The whole marketplace")


class DisabledReason(models.TextChoices):
    OWNER = "owner", _("Turned off by its owner")
    GONE = "gone", _("The receiver answered 410 Gone")
    FAILING = "failing", _("Every delivery failed for days")
    OPS = "ops", _("Turned off by the operator")


class Endpoint(models.Model):
    public_id = PublicIdField(prefix="whe")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.OWN)
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # Event types (see ``catalogue``); a family wildcard such as ``order.*``
    # matches every type of the family; empty: every type.
    event_types = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(
        max_length=16, choices=DisabledReason.choices, blank=True
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    # ``whsec_<base64>``: shown to the owner once, when made or rotated.
    secret = models.CharField(max_length=100)
    # The secret before the last rotation: still signs until it expires, so
    # receivers can switch without losing a delivery.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Failures since the last 2xx: what automatic disabling reads.
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-public_id"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.url}"

    def secrets_at(self, moment) -> list[str]:
        """The secrets that sign a message sent at ``moment``: the current one,
        and the previous one during its overlap."""
        signing = [self.secret]
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > moment
        ):
            signing.append(self.previous_secret)
        return signing


class Delivery(models.Model):
    """One message to one endpoint: made once per (endpoint, event); sent until
    a 2xx, a 410, or the retry schedule runs out. Its body is fixed when made,
    so every attempt (and a replay) sends the same bytes with the same id."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not sent: the endpoint was turned off")

    public_id = PublicIdField(prefix="msg")
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # None for a test message sent from the settings page or the API.
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event_type = models.CharField(max_length=80)
    body = models.TextField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender holds the delivery until then (claimed with a conditional
    # UPDATE), so a task and the sweep never send it twice at once.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-public_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="one_webhook_delivery_per_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.event_type}"


class Attempt(models.Model):
    """One try at sending a delivery: the delivery log."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response_body = models.TextField(blank=True)  # the first 2 KB
    manual = models.BooleanField(default=False)  # a replay asked for by a person

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
