"""Trust and safety: what the platform has checked about a provider, and what it
holds them to."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile


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


from doorstep.trust.standards_models import *  # noqa: E402, F403  (standards enforcement)
