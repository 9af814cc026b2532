"""A ticket: someone asking the platform for help (a customer or a provider,
about an order, a payment, their account or anything), and the conversation
with ops that answers it."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
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

    class Rating(models.TextChoices):
        GOOD = "good", _("Good, I'm satisfied")
        BAD = "bad", _("Bad, I'm unsatisfied")

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
    queue = models.ForeignKey(
        "support.SupportQueue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("queue"),
    )
    # The SLA timers (``support.ticket_sla``): due from the policy of the
    # ticket's priority, and when the periodic check found each broken.
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField(
        _("rating"), max_length=4, choices=Rating.choices, blank=True
    )
    rating_comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "priority"], name="ticket_queue"),
            models.Index(fields=["requester", "-created_at"], name="ticket_requester"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("support:ticket", args=[self.public_id])

    @property
    def is_active(self) -> bool:
        """Not yet solved or closed: its clocks run."""
        return self.status in ACTIVE_STATUSES

    @property
    def is_breached(self) -> bool:
        return bool(self.first_response_breached_at or self.resolution_breached_at)

    def can_be_rated(self) -> bool:
        return self.status in (self.Status.SOLVED, self.Status.CLOSED)

    def sla_target(self) -> tuple[str, datetime | None]:
        """The clock that runs now: ``("first_response", due)`` until the team
        answered, ``("resolution", due)`` after, ``("", None)`` once solved."""
        if not self.is_active:
            return "", None
        if self.first_response_at is None:
            return "first_response", self.first_response_due
        return "resolution", self.resolution_due


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


class SupportQueue(models.Model):
    """Where tickets wait for the team that answers them ("Payments",
    "Providers", "General"). A new ticket goes to the first queue, by
    ``position``, that takes its topic (``topics``; empty: every topic) from
    its kind of requester (``requesters``)."""

    class Requesters(models.TextChoices):
        ANYONE = "anyone", _("Anyone")
        PROVIDERS = "providers", _("Providers")
        CUSTOMERS = "customers", _("Customers")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_zh_hans = models.CharField(
        _("name in Simplified Chinese"), max_length=80, blank=True
    )
    name_zh_hant = models.CharField(
        _("name in Traditional Chinese"), max_length=80, blank=True
    )
    topics = models.JSONField(_("topics"), default=list, blank=True)
    requesters = models.CharField(
        _("from"), max_length=10, choices=Requesters.choices, default="anyone"
    )
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name_for(get_language())

    def name_for(self, language: str | None) -> str:
        """The name in ``language`` (a Django language code), English where
        that translation is missing: ops read the queues in their language."""
        name = {
            "zh-hans": self.name_zh_hans,
            "zh-hant": self.name_zh_hant,
        }.get((language or "").lower(), "")
        return name or self.name

    def takes(self, *, topic: str, is_provider: bool) -> bool:
        if self.topics and topic not in self.topics:
            return False
        if self.requesters == self.Requesters.PROVIDERS:
            return is_provider
        if self.requesters == self.Requesters.CUSTOMERS:
            return not is_provider
        return True


class SlaPolicy(models.Model):
    """The service levels promised per priority: the first answer and the
    solution within so many minutes of opening (calendar time, business-hours
    agnostic). Ops edit them; a change applies to tickets opened or
    re-prioritised afterwards."""

    priority = models.CharField(
        _("priority"), max_length=8, choices=Ticket.Priority.choices, unique=True
    )
    first_response_minutes = models.PositiveIntegerField(_("first response within"))
    resolution_minutes = models.PositiveIntegerField(_("solved within"))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.get_priority_display()


def attachment_storage():
    """Ticket attachments are private like providers' documents: outside MEDIA,
    served only through ``support.ticket_views.attachment``."""
    from django.core.files.storage import storages

    return storages["documents"]


class TicketAttachment(models.Model):
    """A file the requester (or ops) added to a ticket: a photo or a PDF,
    checked and stored as ``trust.files.process_document`` keeps documents."""

    public_id = PublicIdField(prefix="tka")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        TicketMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(storage=attachment_storage, upload_to="tickets/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class CannedReply(models.Model):
    """A ready answer ops insert into a reply, written in the three languages;
    the requester's language is the one inserted."""

    title = models.CharField(_("title"), max_length=120)
    body_en = models.TextField(_("text in English"))
    body_zh_hans = models.TextField(_("text in Simplified Chinese"), blank=True)
    body_zh_hant = models.TextField(_("text in Traditional Chinese"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title

    def body_for(self, language: str) -> str:
        """The text in ``language`` (a Django language code), English where
        that translation is missing."""
        body = {
            "zh-hans": self.body_zh_hans,
            "zh-hant": self.body_zh_hant,
        }.get((language or "").lower(), "")
        return body or self.body_en


ACTIVE_STATUSES = (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.WAITING)
