"""Conversations between a customer and a provider, their messages, who has read
what, and the flags ops review when someone keeps trying to take a deal elsewhere."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing
from doorstep.core.ids import PublicIdField

MAX_MESSAGE_LENGTH = 2000


class Conversation(models.Model):
    """A customer and a provider talking: about a listing before booking (an
    inquiry, ``order`` empty) or about one order (``order`` set; one per order).

    ``last_message_at`` is stored for the inbox's order and is updated in the same
    transaction as the message that moves it.
    """

    public_id = PublicIdField(prefix="cnv")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="customer_conversations",
    )
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.PROTECT, related_name="conversations"
    )
    listing = models.ForeignKey(
        Listing,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conversation",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "listing"],
                condition=Q(order__isnull=True),
                name="one_inquiry_per_customer_and_listing",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    def get_absolute_url(self) -> str:
        return reverse("messaging:conversation", args=[self.public_id])

    @property
    def is_inquiry(self) -> bool:
        return self.order_id is None

    def is_party(self, user) -> bool:
        return user is not None and user.pk in (self.customer_id, self.provider.user_id)

    def other_party_name(self, user) -> str:
        if user is not None and user.pk == self.customer_id:
            return self.provider.display_name
        return str(self.customer)


class Message(models.Model):
    """One message. ``body`` is what the parties see (contact details masked
    before the deal is confirmed); ``original_body`` keeps what the sender typed
    only when something was masked, for ops reviewing a flag — never shown to
    the other party or returned by the API."""

    public_id = PublicIdField(prefix="msg")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("message"), max_length=MAX_MESSAGE_LENGTH, blank=True)
    original_body = models.TextField(blank=True, editable=False)
    masked = models.BooleanField(default=False, editable=False)
    masked_kinds = models.JSONField(default=list, blank=True, editable=False)
    # The sender asked to pay or deal off the platform: warned, delivered, flagged.
    off_platform = models.BooleanField(default=False, editable=False)
    attachment = models.ImageField(upload_to="messages/%Y/%m/", blank=True)
    attachment_thumbnail = models.ImageField(
        upload_to="messages/%Y/%m/thumbs/", blank=True
    )
    attachment_width = models.PositiveIntegerField(null=True, blank=True)
    attachment_height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(body="") | ~Q(attachment=""),
                name="message_has_text_or_attachment",
            )
        ]

    def __str__(self) -> str:
        return self.public_id


class ReadReceipt(models.Model):
    """How far one party has read one conversation: unread counts and "Seen"."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="receipts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    last_read_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="one_receipt_per_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id}"


class MessageFlag(models.Model):
    """A sender ops should look at, for one reason: ``count`` incidents so far
    (masked messages, requests to pay off the platform, bookings whose notes or
    address carried either). One open flag per sender and reason; ops dismiss
    or confirm it (and a new one opens if the sender carries on).

    ``last_message`` or ``order`` says where the latest incident is; ``excerpt``
    keeps what the sender typed there, for ops only."""

    class Reason(models.TextChoices):
        CONTACT_DETAILS = "contact_details", _("Repeatedly shared contact details")
        OFF_PLATFORM = "off_platform", _("Asked to pay or deal off the platform")
        BOOKING_TEXT = (
            "booking_text",
            _("Contact details or an off-platform request in a booking"),
        )

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        DISMISSED = "dismissed", _("Dismissed")
        CONFIRMED = "confirmed", _("Confirmed")

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=32, choices=Reason.choices)
    count = models.PositiveIntegerField(default=0)
    last_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    excerpt = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.CharField(max_length=500, blank=True)
    sender_warned = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("message flag")
        verbose_name_plural = _("message flags")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "reason"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_flag_per_sender_and_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender_id}: {self.reason} ×{self.count}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
