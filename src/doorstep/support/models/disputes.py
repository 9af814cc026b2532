"""A dispute about an order (Airbnb's Resolution Center): one side opens it
with a reason and evidence, the other side is asked first (accept the claim,
offer a partial refund, or reject it), and what the two cannot agree on goes to
ops, who decide any split. The money moves through ``payments.flows``; the
decision and its reason stay here.

The order's messages, events and delivery photos are evidence too: they are
read live from the order on the dispute's page (read-only), never copied."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import PublicIdField


def evidence_storage():
    """The private storage (``STORAGES["documents"]``): outside MEDIA, no URL;
    photos are streamed by ``support.dispute_views.evidence_photo`` to the
    parties and ops only."""
    from django.core.files.storage import storages

    return storages["documents"]


class Dispute(models.Model):
    class Side(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        PROVIDER = "provider", _("Provider")

    class Category(models.TextChoices):
        NOT_DONE = "not_done", _("The work was not done, or not all of it")
        POOR_QUALITY = "poor_quality", _("The quality was poor")
        DAMAGE = "damage", _("Something was damaged")
        OVERCHARGED = "overcharged", _("I was charged more than agreed")
        NOT_PAID = "not_paid", _("The work was done but is not being paid")
        CONDUCT = "conduct", _("Behaviour during the job")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        # The other side has until ``respond_by`` to answer.
        AWAITING_RESPONSE = "awaiting_response", _("Waiting for the other side")
        # The other side offered a partial refund; the opener has until
        # ``respond_by`` to take it.
        OFFER_MADE = "offer_made", _("Offer made")
        ESCALATED = "escalated", _("With our support team")
        SETTLED = "settled", _("Settled by agreement")  # final
        DECIDED = "decided", _("Decided by our support team")  # final

    class Outcome(models.TextChoices):
        # A free redo (``redo_order``) can join any of these: the outcome says
        # where the money went, ``refund_amount`` how much.
        FULL_REFUND = "full_refund", _("Full refund")
        PARTIAL_REFUND = "partial_refund", _("Partial refund")
        NO_REFUND = "no_refund", _("No refund: the provider is paid")

    class Escalation(models.TextChoices):
        REJECTED = "rejected", _("The claim was rejected")
        OFFER_DECLINED = "offer_declined", _("The offer was declined")
        NO_RESPONSE = "no_response", _("Nobody answered in time")

    OPEN_STATUSES = (Status.AWAITING_RESPONSE, Status.OFFER_MADE, Status.ESCALATED)

    public_id = PublicIdField(prefix="dsp")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="dispute"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opener_side = models.CharField(max_length=8, choices=Side.choices)
    category = models.CharField(_("reason"), max_length=16, choices=Category.choices)
    statement = models.TextField(_("what happened"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_RESPONSE
    )
    # The order's state when the dispute was opened: delivered (the money is
    # still held) or completed (it was released; a refund takes it back).
    order_state_at_opening = models.CharField(max_length=20)
    # What the customer paid for the order and may have back, fixed at opening.
    paid_amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    respond_by = models.DateTimeField(null=True, blank=True)
    response_statement = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    offer_amount = models.PositiveBigIntegerField(null=True, blank=True)
    # With a redo offer, the time the provider offered to come back, free.
    offer_redo_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation = models.CharField(max_length=16, choices=Escalation.choices, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    refund_amount = models.PositiveBigIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(blank=True)
    penalised = models.BooleanField(default=False)
    # The free redo agreed or decided (``support.redo``): a new order at no
    # charge, beside whatever refund ``refund_amount`` says.
    redo_order = models.OneToOneField(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redo_for_dispute",
    )
    # When the periodic job found the redo did not happen (the provider
    # cancelled it or did not come) and opened a ticket for the customer.
    redo_failed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "escalated_at"], name="dispute_queue"),
            models.Index(fields=["status", "respond_by"], name="dispute_due"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def responder_side(self) -> str:
        return (
            self.Side.PROVIDER
            if self.opener_side == self.Side.CUSTOMER
            else self.Side.CUSTOMER
        )

    @property
    def claimed_refund(self) -> int:
        """What accepting the opener's claim refunds: all of it when the
        customer complains, nothing when the provider asks to be paid."""
        return self.paid_amount if self.opener_side == self.Side.CUSTOMER else 0


class DisputeEvidence(models.Model):
    """A statement, a photo or both, from one side (or a note from ops, seen
    by both sides)."""

    class Side(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        PROVIDER = "provider", _("Provider")
        OPS = "ops", _("Support team")

    public_id = PublicIdField(prefix="dse")
    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="evidence"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(max_length=8, choices=Side.choices)
    statement = models.TextField(blank=True)
    photo = models.ImageField(
        storage=evidence_storage, upload_to="disputes/%Y/%m/", blank=True
    )
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.public_id
