"""The terms of service and the privacy policy, version by version, and who
accepted which version when.

A version is never edited once published: a change is a new row with the next
number, so what a person agreed to stays readable at its own address. A
*material* version asks everyone to accept again; an editorial one (a typo, a
clearer sentence) does not.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import PublicIdField


class Document(models.TextChoices):
    TERMS = "terms", _("Terms of service")
    PRIVACY = "privacy", _("Privacy policy")


# Field suffix per interface language; English is the fallback.
LANGUAGE_FIELDS = {"en": "en", "zh-hans": "zh_hans", "zh-hant": "zh_hant"}


class PolicyVersion(models.Model):
    public_id = PublicIdField(prefix="pol")
    document = models.CharField(_("document"), max_length=10, choices=Document.choices)
    number = models.PositiveIntegerField(_("version"))
    material = models.BooleanField(
        _("material change"),
        help_text=_(
            "Everyone must accept this version again. Leave unticked for an "
            "editorial fix that does not change anyone's rights."
        ),
    )
    body_en = models.TextField(_("text (English)"))
    body_zh_hans = models.TextField(_("text (Simplified Chinese)"), blank=True)
    body_zh_hant = models.TextField(_("text (Traditional Chinese)"), blank=True)
    summary_en = models.CharField(_("what changed (English)"), max_length=500)
    summary_zh_hans = models.CharField(
        _("what changed (Simplified Chinese)"), max_length=500, blank=True
    )
    summary_zh_hant = models.CharField(
        _("what changed (Traditional Chinese)"), max_length=500, blank=True
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    # Who published it is also in the audit trail; accounts are closed, not
    # deleted, so this stays set in practice.
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="one_policy_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_document_display()} v{self.number}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse(
            "legal:version", kwargs={"document": self.document, "number": self.number}
        )

    def _in(self, prefix: str, language: str | None) -> str:
        suffix = LANGUAGE_FIELDS.get((language or "").lower(), "en")
        return getattr(self, f"{prefix}_{suffix}") or getattr(self, f"{prefix}_en")

    def body_in(self, language: str | None) -> str:
        """The text in ``language``, or in English where it has none."""
        return self._in("body", language)

    def summary_in(self, language: str | None) -> str:
        return self._in("summary", language)


class PolicyAcceptance(models.Model):
    """One person accepting one version. Kept after the account closes: it is
    the record that the person agreed (the row names no one once they have
    gone; the address is stored only as a keyed hash)."""

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        WEB = "web", _("Website")
        API = "api", _("API")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="policy_acceptances",
    )
    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_hash = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)

    class Meta:
        verbose_name = _("policy acceptance")
        verbose_name_plural = _("policy acceptances")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "version"], name="one_acceptance_per_user_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.version}"
