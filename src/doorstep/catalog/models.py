"""What can be bought: the category tree (listings come with the catalogue issue)."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import PublicIdField


class Category(models.Model):
    """A node of the service category tree, named in every supported language.

    Names live in columns rather than in gettext catalogues because operators edit
    them at run time in the back office.
    """

    public_id = PublicIdField(prefix="cat")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    slug = models.SlugField(unique=True, max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=100)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_zh_hans = models.TextField(
        _("description (Simplified Chinese)"), blank=True
    )
    description_zh_hant = models.TextField(
        _("description (Traditional Chinese)"), blank=True
    )
    icon = models.CharField(_("icon"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def description(self) -> str:
        return self.localized("description")

    def localized(self, field: str, language: str | None = None) -> str:
        """The field in the given (or active) language, falling back to English."""
        language = (language or get_language() or "en").lower()
        suffix = {"zh-hans": "zh_hans", "zh-hant": "zh_hant"}.get(language, "en")
        return getattr(self, f"{field}_{suffix}") or getattr(self, f"{field}_en")
