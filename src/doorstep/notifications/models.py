"""What people are told: in-app notifications, their e-mail and SMS deliveries, and
each person's choice of channel per kind.

A notification is made from one domain event for one person; the unique key
``(event, recipient, kind)`` is what makes processing the same event twice harmless.
A delivery is one attempt-tracked send over one channel; it is marked sent under a
row lock, so a duplicate task finds it sent and sends nothing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import PublicIdField
from doorstep.events.models import Event


class Kind(models.TextChoices):
    """What a notification is about; preferences are chosen per kind."""

    BOOKING_REQUEST = "booking_request", _("New bookings and booking requests")
    BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmed")
    BOOKING_DECLINED = "booking_declined", _("Booking declined or expired")
    ORDER_CANCELLED = "order_cancelled", _("Booking cancelled")
    PROVIDER_ON_THE_WAY = "provider_on_the_way", _("Provider on the way")
    REMINDER = "reminder", _("Reminder before the job")
    JOB_DONE = "job_done", _("Job done, waiting for your confirmation")
    ORDER_UPDATE = "order_update", _("Other order updates")
    NEW_MESSAGE = "new_message", _("New messages")
    REVIEW = "review", _("Reviews")
    PAYOUT = "payout", _("Payouts")
    OPS_ALERT = "ops_alert", _("Operations alerts (periodic jobs, reconcile)")
    VERIFICATION = "verification", _("Verification, documents and badges")
    STANDARDS = "standards", _("Warnings, penalties, suspensions and appeals")
    POLICY = "policy", _("Changes to the terms and privacy policy")
    JOB_OFFER = "job_offer", _("Job offers from the platform")
    AGENCY = "agency", _("Your agency: invitations, staff and jobs")
    SUPPORT_REPLY = "support_reply", _("Answers to your support requests")
    FOLLOW_UP_SURVEY = "follow_up_survey", _("How did it go? Surveys after a job")
    DISPUTE_UPDATE = "dispute_update", _("Disputes: claims, offers and decisions")
    QUOTE_UPDATE = "quote_update", _("Requests for quotes: new requests, quotes, hires")
    REWARDS = "rewards", _("Rewards: friends who joined, credit and points earned")
    PLAN = "plan", _("Your plan: renewals, failed payments and changes")


class Channel(models.TextChoices):
    """Channels beside the in-app list, which every notification always goes to."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Notification(models.Model):
    """One thing one person is told, in their language, made from one event."""

    public_id = PublicIdField(prefix="ntf")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-public_id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            # The bell counts these on every page, every 30 seconds.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "kind"],
                name="one_notification_per_event_recipient_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One notification sent (or being retried) over e-mail or SMS."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # When the next try is due (pending only); the sweep picks up overdue ones.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_pending_due",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                name="one_delivery_per_notification_channel",
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} ({self.status})"


class NotificationPreference(models.Model):
    """A person's choice for one kind on one channel. No row: the default applies
    (see ``doorstep.notifications.preferences``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    enabled = models.BooleanField()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"],
                name="one_preference_per_user_kind_channel",
            )
        ]

    def __str__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"{self.user_id} {self.kind} {self.channel} {state}"
