"""A ticket: someone asking the platform for help (a customer or a provider,
about an order, a payment, their account or anything), and the conversation
with ops that answers it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import PublicIdField


class Ticket(models.Model):
    class Topic(models.TextChoices):
        ORDER = "order", _("An order")
        PAYMENT = "payment", _("A payment or a payout")
        ACCOUNT = "account", _("My account")
        OTHER = "other", _("Something else")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        NEW = "new", _("New")  # nobody from the team has answered yet
        OPEN = "open", _("Open")  # the team is on it
        WAITING = "waiting", _("Waiting for you")  # the team asked the requester
        SOLVED = "solved", _("Solved")  # answered; reopens if the requester writes
        CLOSED = "closed", _("Closed")  # final

    class Source(models.TextChoices):
        WEB = "web", _("Web or app")
        SURVEY = "survey", _("Follow-up survey")  # a low score after a service
        SYSTEM = "system", _("Raised by the platform")
        OPS = "ops", _("Opened by the team")

    public_id = PublicIdField(prefix="tkt")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets"
    )
    subject = models.CharField(_("subject"), max_length=200)
    topic = models.CharField(
        _("about"), max_length=12, choices=Topic.choices, default=Topic.OTHER
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.NEW
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "priority"], name="ticket_queue"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester"),
        ]

    def __str__(self) -> str:
        return self.subject


class TicketMessage(models.Model):
    """One message of the conversation. ``is_internal``: a note between ops,
    never shown to the requester."""

    public_id = PublicIdField(prefix="tkm")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"
