"""Issued documents and the counters that number them.

A document is issued once and never changes: its lines, totals and PDF are a
snapshot of what was true when it was issued (a correction is a credit note
that references it). ``subject`` says what it is about
(``receipt:pay_…``), unique, so issuing for the same subject twice gives the
same document.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.core.ids import PublicIdField
from doorstep.orders.models import Order

# The issuer of everything the platform itself issues. A provider issuing its
# own documents later would be ``provider:<public id>``.
PLATFORM_ISSUER = "platform"


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    FEE_INVOICE = "fee_invoice", _("Fee invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    STATEMENT = "statement", _("Monthly statement")


# Kinds the customer receives; the rest go to providers.
CUSTOMER_KINDS = frozenset({DocumentKind.RECEIPT, DocumentKind.CREDIT_NOTE})


def document_storage():
    """The private storage (``STORAGES["documents"]``): outside MEDIA, no URL;
    a document is only ever streamed through a view that checks who asks."""
    from django.core.files.storage import storages

    return storages["documents"]


class DocumentCounter(models.Model):
    """The last number given in one issuer's series. Locked
    (``select_for_update``) by the transaction that issues a document, so the
    numbers are gapless: a transaction that fails rolls its number back."""

    issuer = models.CharField(max_length=40)
    series = models.CharField(max_length=20)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "series"], name="one_counter_per_issuer_series"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.series}: {self.last_number}"


class Document(models.Model):
    """One issued document. Append-only; amounts in minor units of
    ``currency`` (a document is always in one currency)."""

    public_id = PublicIdField(prefix="fdoc")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    issuer = models.CharField(max_length=40, default=PLATFORM_ISSUER)
    series = models.CharField(max_length=20)
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=120, unique=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="issued_documents",
    )
    # Set on documents addressed to a provider (fee invoices, statements).
    recipient_provider = models.ForeignKey(
        ProviderProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_documents",
    )
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_documents",
    )
    # A credit note corrects this document.
    credits = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)  # inclusive
    currency = models.CharField(max_length=3)
    # [{"code": "service", "label": "Home cleaning", "amount": 10000}, …] in the
    # recipient's language as issued.
    lines = models.JSONField(default=list)
    # The figures under the lines, same shape: "total", "tax", or a statement's
    # "opening", "earnings", …, "closing".
    totals = models.JSONField(default=list)
    total_amount = models.BigIntegerField()
    # Printed under the figures ("Paid with Visa ending in 4242").
    notes = models.JSONField(default=list)
    # Who issued it and to whom, as printed (names and addresses change later).
    issuer_details = models.JSONField(default=dict)
    recipient_details = models.JSONField(default=dict)
    language = models.CharField(max_length=10)
    time_zone = models.CharField(max_length=64)
    issued_at = models.DateTimeField(db_index=True)
    pdf = models.FileField(storage=document_storage, upload_to="invoicing/%Y/%m/")

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "series", "number"],
                name="one_document_per_issuer_series_number",
            ),
            models.CheckConstraint(
                condition=~Q(kind="credit_note") | Q(credits__isnull=False),
                name="credit_note_references_its_original",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient_user", "-issued_at"]),
            models.Index(fields=["recipient_provider", "-issued_at"]),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        """ "DS-2026-000123": the series and the number, as printed."""
        return f"{self.series}-{self.number:06d}"

    @property
    def filename(self) -> str:
        return f"{self.display_number}.pdf"
