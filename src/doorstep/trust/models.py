"""Trust and safety: what the platform has checked about a provider, and what it
holds them to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.core.ids import PublicIdField
from doorstep.trust import check_models  # noqa: F401 - the badges work's models


class BadgeKind(models.TextChoices):
    """The trust signals customers see. ``LICENSED`` is per category."""

    ID_VERIFIED = "id_verified", _("ID verified")
    BACKGROUND_CHECKED = "background_checked", _("Background checked")
    LICENSED = "licensed", _("Licensed")
    HEALTH_CERTIFICATE = "health_certificate", _("Health certificate")
    TOP_PROVIDER = "top_provider", _("Top provider")


class ProviderBadge(models.Model):
    """One trust signal held by a provider, from when it was granted until it
    expires or is revoked. History is kept: a badge that lapses gets
    ``revoked_at`` and a renewal is a new row."""

    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="badges"
    )
    kind = models.CharField(max_length=24, choices=BadgeKind.choices)
    # For LICENSED (and any badge that holds for one category only).
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)
    # What earned it, for ops: "document:doc_…", "check:bgc_…", "rule:top_provider".
    source = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("provider badge")
        verbose_name_plural = _("provider badges")
        constraints = [
            # Two partial constraints, as SQLite has no NULLS NOT DISTINCT.
            models.UniqueConstraint(
                fields=["provider", "kind"],
                condition=Q(revoked_at__isnull=True, category__isnull=True),
                name="one_live_badge_per_kind",
            ),
            models.UniqueConstraint(
                fields=["provider", "kind", "category"],
                condition=Q(revoked_at__isnull=True, category__isnull=False),
                name="one_live_badge_per_kind_and_category",
            ),
        ]
        indexes = [models.Index(fields=["kind", "revoked_at"], name="badge_kind")]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{label} ({self.category})" if self.category_id else str(label)


# --- Onboarding: what ops require, and what providers hand in -----------------------


class DocumentType(models.Model):
    """A kind of document ops may ask providers for (ID card, health certificate
    健康证, electrician licence…), named in every language because operators add
    their own without a deploy."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=100)
    has_number = models.BooleanField(_("has a document number"), default=True)
    has_expiry = models.BooleanField(_("expires"), default=False)
    # What approving one gives the provider; LICENSED holds for one category.
    grants_badge = models.CharField(
        _("badge it grants"), max_length=24, choices=BadgeKind.choices, blank=True
    )

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from doorstep.catalog.models import localized

        return localized(self, "name")

    @property
    def per_category(self) -> bool:
        """A licence is for one trade: the document names its category."""
        return self.grants_badge == BadgeKind.LICENSED


class DocumentRequirement(models.Model):
    """Ops ask for ``document_type`` from providers of ``category`` (and its
    sub-categories; every category when empty) in ``region`` (a city slug, see
    ``trust.regions``; everywhere when blank)."""

    document_type = models.ForeignKey(
        DocumentType, on_delete=models.CASCADE, related_name="requirements"
    )
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    region = models.CharField(_("region"), max_length=64, blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "category", "region"],
                name="one_requirement_per_type_category_region",
            )
        ]

    def __str__(self) -> str:
        where = self.category or _("every category")
        return f"{self.document_type} · {where} · {self.region or '*'}"


class ApplicationStatus(models.TextChoices):
    """Where a provider stands in onboarding."""

    # Filling in: uploading documents, not yet handed to ops.
    APPLYING = "applying", _("Applying")
    # Waiting for ops to review.
    SUBMITTED = "submitted", _("Submitted")
    # Ops asked for something else; the provider sees why and resubmits.
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ProviderApplication(models.Model):
    """A provider's onboarding, one per provider. Becoming a provider stays
    instant; this is what lets them publish where documents are required."""

    public_id = PublicIdField(prefix="apl")
    provider = models.OneToOneField(
        ProviderProfile, on_delete=models.CASCADE, related_name="application"
    )
    status = models.CharField(
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.APPLYING,
    )
    # The last decision's reason, which the provider sees.
    reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("provider application")
        verbose_name_plural = _("provider applications")
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="application_queue")
        ]

    def __str__(self) -> str:
        return f"{self.provider} ({self.get_status_display()})"

    def can_submit(self) -> bool:
        return self.status in (
            ApplicationStatus.APPLYING,
            ApplicationStatus.CHANGES_REQUESTED,
            ApplicationStatus.APPROVED,
        )

    def can_decide(self) -> bool:
        return self.status == ApplicationStatus.SUBMITTED


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    # A newer upload of the same document took its place.
    REPLACED = "replaced", _("Replaced")


def document_storage():
    """The private storage (``STORAGES["documents"]``): outside MEDIA, no URL."""
    from django.core.files.storage import storages

    return storages["documents"]


class ProviderDocument(models.Model):
    """One uploaded document. The file lives in private storage and is served
    only through ``trust.views.document_file``; it is deleted by the retention
    job some days after rejection or account closure (``file_deleted_at``)."""

    public_id = PublicIdField(prefix="doc")
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="documents"
    )
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="documents"
    )
    # Only for per-category documents (a licence).
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # An agency's staff member's document (``provider`` is then the agency's
    # provider profile): it counts for that staff member only, never for the
    # agency, and grants no badge.
    staff = models.ForeignKey(
        "accounts.StaffMember",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    status = models.CharField(
        max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    number = models.CharField(_("document number"), max_length=64, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    file = models.FileField(storage=document_storage, upload_to="documents/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    review_reason = models.TextField(blank=True)
    uploaded_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The smallest "days before expiry" reminder sent (30, then 7), so the
    # daily job sends each once.
    reminded_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # When it stopped counting (rejected, replaced or expired): retention runs
    # from here.
    retired_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("provider document")
        verbose_name_plural = _("provider documents")
        indexes = [
            models.Index(fields=["status", "expires_on"], name="document_expiry"),
            models.Index(fields=["provider", "status"], name="document_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} · {self.provider}"

    @property
    def redacted_number(self) -> str:
        """The number as screens show it: only its last four characters."""
        if not self.number:
            return ""
        visible = self.number[-4:] if len(self.number) > 6 else self.number[-2:]
        return "****" + visible


from doorstep.trust.standards_models import *  # noqa: E402, F403  (standards enforcement)
