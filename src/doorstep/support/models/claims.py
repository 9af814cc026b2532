"""Claims after a service: the warranty (the provider puts right what is not
right, within the category's warranty days after completion) and the platform
guarantee (the platform pays for damage, up to a cap, reported within a window
after the service). Both are decided by ops when the parties do not settle."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import PublicIdField
from doorstep.core.money import Money


def claim_storage():
    """Claim photos are private (a customer's home): the documents storage,
    outside MEDIA, served only through the access-checked view."""
    from django.core.files.storage import storages

    return storages["documents"]


class WarrantyClaim(models.Model):
    class Status(models.TextChoices):
        FILED = "filed", _("Waiting for the provider")
        REDO_OFFERED = "redo_offered", _("Redo offered")  # a time, for the customer
        REDO_BOOKED = "redo_booked", _("Redo booked")  # the free order exists
        REDONE = "redone", _("Redone")  # the free order was completed
        ESCALATED = "escalated", _("With our team")  # declined or unanswered
        REFUNDED = "refunded", _("Refunded")  # ops refunded part or all
        REJECTED = "rejected", _("Rejected")  # ops found no fault

    # Still waiting for someone (the provider, the customer or ops).
    OPEN_STATUSES = (Status.FILED, Status.REDO_OFFERED, Status.ESCALATED)

    public_id = PublicIdField(prefix="wcl")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="warranty_claims"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.FILED
    )
    description = models.TextField(_("what is wrong"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)
    # The provider's deadline to offer a redo or decline
    # (``DOORSTEP_WARRANTY_RESPONSE_DAYS``); unanswered, ops take it.
    respond_by = models.DateTimeField()
    offered_starts_at = models.DateTimeField(null=True, blank=True)
    provider_note = models.TextField(blank=True, max_length=2000)
    answered_at = models.DateTimeField(null=True, blank=True)
    redo_order = models.OneToOneField(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warranty_claim_redone",
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_reason = models.CharField(max_length=40, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(blank=True, max_length=2000)
    refund_amount = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="warranty_claim_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["filed", "redo_offered", "escalated"]),
                name="one_open_warranty_claim_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def refund(self) -> Money:
        return Money(self.refund_amount, self.order.currency)


class GuaranteeClaim(models.Model):
    class Status(models.TextChoices):
        FILED = "filed", _("Being reviewed")
        APPROVED = "approved", _("Approved and paid")
        REJECTED = "rejected", _("Rejected")

    public_id = PublicIdField(prefix="gcl")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="guarantee_claims"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.FILED
    )
    description = models.TextField(_("what was damaged"), max_length=4000)
    claimed_amount = models.PositiveIntegerField(_("amount claimed"))
    approved_amount = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="guarantee_claim_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_amount__lte=models.F("claimed_amount")),
                name="guarantee_approved_within_claimed",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="filed"),
                name="one_open_guarantee_claim_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.status})"

    @property
    def claimed(self) -> Money:
        return Money(self.claimed_amount, self.currency)

    @property
    def approved(self) -> Money:
        return Money(self.approved_amount, self.currency)


class ClaimPhoto(models.Model):
    """A photo of what is wrong or damaged: re-encoded without metadata, in
    private storage, shown only to the claim's parties and ops."""

    public_id = PublicIdField(prefix="clp")
    warranty_claim = models.ForeignKey(
        WarrantyClaim,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
    )
    guarantee_claim = models.ForeignKey(
        GuaranteeClaim,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
    )
    image = models.ImageField(storage=claim_storage, upload_to="claims/%Y/%m/")
    thumbnail = models.ImageField(
        storage=claim_storage, upload_to="claims/%Y/%m/thumbs/"
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(warranty_claim__isnull=True)
                ^ Q(guarantee_claim__isnull=True),
                name="claim_photo_of_one_claim",
            )
        ]

    def __str__(self) -> str:
        return self.public_id
