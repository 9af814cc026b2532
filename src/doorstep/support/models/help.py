"""The help centre: articles the operator writes in every supported language,
grouped in sections, for customers, providers or everyone."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import localized
from doorstep.core.ids import PublicIdField


class HelpArticle(models.Model):
    """One answer to one question, in English, Simplified and Traditional
    Chinese. Operator-written content lives in per-language columns (as
    ``catalog.Category`` does): a page in a language without its text shows the
    English one. Bodies are Markdown, rendered with raw HTML escaped."""

    class Section(models.TextChoices):
        # In the order the help centre shows them.
        GETTING_STARTED = "getting_started", _("Getting started")
        BOOKING = "booking", _("Booking and changes")
        PAYMENTS = "payments", _("Payments and refunds")
        DURING_THE_JOB = "during_the_job", _("On the day")
        PROBLEMS = "problems", _("When something goes wrong")
        ACCOUNT = "account", _("Your account and safety")
        PROVIDING = "providing", _("Working as a provider")
        EARNINGS = "earnings", _("Earnings and payouts")

    class Audience(models.TextChoices):
        ALL = "all", _("Everyone")
        CUSTOMERS = "customers", _("Customers")
        PROVIDERS = "providers", _("Providers")

    public_id = PublicIdField(prefix="hlp")
    slug = models.SlugField(_("address"), unique=True, max_length=80)
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    audience = models.CharField(
        _("for"), max_length=10, choices=Audience.choices, default=Audience.ALL
    )
    position = models.PositiveSmallIntegerField(_("position in its section"), default=0)
    title_en = models.CharField(_("title (English)"), max_length=160)
    title_zh_hans = models.CharField(
        _("title (Simplified Chinese)"), max_length=160, blank=True
    )
    title_zh_hant = models.CharField(
        _("title (Traditional Chinese)"), max_length=160, blank=True
    )
    body_en = models.TextField(_("text (English)"))
    body_zh_hans = models.TextField(_("text (Simplified Chinese)"), blank=True)
    body_zh_hant = models.TextField(_("text (Traditional Chinese)"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")
        ordering = ["section", "position", "slug"]
        indexes = [
            models.Index(
                fields=["section", "position"],
                condition=models.Q(is_published=True),
                name="help_published_by_section",
            )
        ]

    def __str__(self) -> str:
        return self.title_en

    def get_absolute_url(self) -> str:
        return reverse("support:help_article", args=[self.slug])

    @property
    def title(self) -> str:
        return self.localized("title")

    @property
    def body(self) -> str:
        return self.localized("body")

    def localized(self, field: str, language: str | None = None) -> str:
        return localized(self, field, language)
