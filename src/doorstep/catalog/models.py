"""What can be bought: the category tree, providers' listings and the platform's
own fixed-price catalogue services."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.core.geo import MAX_RADIUS_KM, cell_of
from doorstep.core.ids import PublicIdField
from doorstep.core.money import Money

# Commission is in basis points (1/100 of a percent) so it stays an integer.
DEFAULT_COMMISSION_BPS = 2000
_LANGUAGE_SUFFIX = {"zh-hans": "zh_hans", "zh-hant": "zh_hant"}


def localized(instance: models.Model, field: str, language: str | None = None) -> str:
    """``instance.<field>_<language>`` for the given (or active) language, falling
    back to English. Operator-edited content (category names, catalogue titles)
    lives in per-language columns because gettext catalogues are fixed at deploy."""
    language = (language or get_language() or "en").lower()
    suffix = _LANGUAGE_SUFFIX.get(language, "en")
    return getattr(instance, f"{field}_{suffix}") or getattr(instance, f"{field}_en")


class Category(models.Model):
    """A node of the service category tree, named in every supported language,
    with the service standard customers can expect and the platform's commission."""

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
    standard_en = models.TextField(_("service standard (English)"), blank=True)
    standard_zh_hans = models.TextField(
        _("service standard (Simplified Chinese)"), blank=True
    )
    standard_zh_hant = models.TextField(
        _("service standard (Traditional Chinese)"), blank=True
    )
    warranty_days = models.PositiveSmallIntegerField(
        _("warranty (days)"), default=0, validators=[MaxValueValidator(3650)]
    )
    commission_bps = models.PositiveSmallIntegerField(
        _("commission (basis points)"),
        default=DEFAULT_COMMISSION_BPS,
        validators=[MaxValueValidator(5000)],
        help_text=_("The platform's share of each order: 1500 means 15%."),
    )
    # Ops may keep a category to paying up front (a trade where cash or a
    # charge after the job has gone wrong too often); see
    # ``payments.after_service.timings_for``.
    allows_pay_after_service = models.BooleanField(
        _("customers may pay after the service"), default=True
    )
    allows_cash = models.BooleanField(_("customers may pay in cash"), default=True)
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

    @property
    def standard(self) -> str:
        return self.localized("standard")

    def localized(self, field: str, language: str | None = None) -> str:
        return localized(self, field, language)


class PricingModel(models.TextChoices):
    FIXED = "fixed", _("Fixed price")
    HOURLY = "hourly", _("Hourly rate")
    QUOTE = "quote", _("On quote")


class PaymentTiming(models.TextChoices):
    """When the customer pays for an order (chosen at checkout among those the
    listing offers: ``payments.after_service.timings_for``)."""

    # Authorised at booking, captured at acceptance: the default.
    PAY_NOW = "pay_now", _("Pay now")
    # Nothing held at booking; the saved card is charged on completion.
    AFTER_SERVICE = "after_service", _("Pay after the service")
    # Nothing through the gateway: the customer pays the provider in cash.
    CASH = "cash", _("Cash on completion")


class ListingQuerySet(models.QuerySet):
    def not_archived(self) -> "ListingQuerySet":
        """Listings their provider has not deleted (see ``Listing.archived_at``)."""
        return self.filter(archived_at__isnull=True)


class Listing(models.Model):
    """A service a provider offers: what, for how much, where, and how to book it.

    ``price_amount`` is in the currency's minor units: the whole job for a fixed
    price, one hour for an hourly rate, empty for "on quote". Location is the
    provider's base for this service plus a radius; ``h3_cell`` indexes the base.
    Reputation fields are caches kept current by the services that change reviews
    and orders.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        PAUSED = "paused", _("Paused")

    public_id = PublicIdField(prefix="lst")
    provider = models.ForeignKey(
        ProviderProfile, on_delete=models.CASCADE, related_name="listings"
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="listings"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    pricing_model = models.CharField(
        _("pricing"), max_length=8, choices=PricingModel.choices
    )
    price_amount = models.PositiveIntegerField(_("price"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    min_hours = models.PositiveSmallIntegerField(
        _("minimum hours"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(24 * 60)],
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    h3_cell = models.BigIntegerField(db_index=True, editable=False)
    service_radius_km = models.DecimalField(
        _("service radius (km)"),
        max_digits=5,
        decimal_places=1,
        default=10,
        validators=[MinValueValidator(0.5), MaxValueValidator(MAX_RADIUS_KM)],
    )
    instant_book = models.BooleanField(_("instant booking"), default=False)
    # The provider's offer of paying later; paying now is always offered.
    offers_pay_after_service = models.BooleanField(
        _("customers may pay after the service"), default=False
    )
    offers_cash = models.BooleanField(
        _("customers may pay you in cash"),
        default=False,
        help_text=_(
            "The platform's commission and the service fee on cash jobs are "
            "taken from your next earnings."
        ),
    )
    response_window_hours = models.PositiveSmallIntegerField(
        _("hours to answer a request"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    promoted_until = models.DateTimeField(null=True, blank=True, editable=False)
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    rating_mean = models.FloatField(default=0.0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the provider deletes a listing that orders refer to: it is kept
    # (paused) for their history and receipts, and gone for everyone else.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ListingQuerySet.as_manager()

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["provider", "status"]),
            # The ops search: titles by their start, in any case.
            models.Index(Lower("title"), name="listing_title_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(pricing_model="quote", price_amount__isnull=True)
                | (~Q(pricing_model="quote") & Q(price_amount__isnull=False)),
                name="listing_price_matches_pricing_model",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def price(self) -> Money | None:
        if self.price_amount is None:
            return None
        return Money(self.price_amount, self.currency)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_promoted(self) -> bool:
        return self.promoted_until is not None and self.promoted_until > timezone.now()

    def payment_timings(self) -> list[str]:
        """The ``PaymentTiming``s a customer may choose: paying now always;
        after the service and cash when the provider offers them, the category
        allows them and the operator has not switched them off everywhere
        (``DOORSTEP_PAYMENT_TIMINGS``)."""
        enabled = {
            str(timing)
            for timing in getattr(
                settings, "DOORSTEP_PAYMENT_TIMINGS", PaymentTiming.values
            )
        }
        category = self.category if self.category_id else None
        timings = [PaymentTiming.PAY_NOW.value]
        if (
            self.offers_pay_after_service
            and PaymentTiming.AFTER_SERVICE.value in enabled
            and (category is None or category.allows_pay_after_service)
        ):
            timings.append(PaymentTiming.AFTER_SERVICE.value)
        if (
            self.offers_cash
            and PaymentTiming.CASH.value in enabled
            and (category is None or category.allows_cash)
        ):
            timings.append(PaymentTiming.CASH.value)
        return timings

    def locate(self, latitude: float, longitude: float) -> None:
        self.latitude, self.longitude = latitude, longitude
        self.h3_cell = cell_of(latitude, longitude)


class ListingAddOn(models.Model):
    """An optional extra on a listing (inside the fridge, an extra hour, a frame)."""

    public_id = PublicIdField(prefix="add")
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="add_ons"
    )
    name = models.CharField(_("name"), max_length=100)
    price_amount = models.PositiveIntegerField(_("price"))
    extra_minutes = models.PositiveIntegerField(
        _("extra time (minutes)"), default=0, validators=[MaxValueValidator(8 * 60)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("add-on")
        verbose_name_plural = _("add-ons")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class ListingPhoto(models.Model):
    """A photo of a listing, re-encoded without metadata, with a thumbnail."""

    public_id = PublicIdField(prefix="pho")
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(upload_to="listings/%Y/%m/")
    thumbnail = models.ImageField(upload_to="listings/%Y/%m/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt_text = models.CharField(_("description"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.alt_text or self.public_id


class CatalogueService(models.Model):
    """A fixed-price service the platform itself sells and dispatches to providers
    (the Urban Company model), named in every language like categories."""

    public_id = PublicIdField(prefix="svc")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="catalogue_services"
    )
    title_en = models.CharField(_("title (English)"), max_length=120)
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=120)
    title_zh_hant = models.CharField(_("title (Traditional Chinese)"), max_length=120)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_zh_hans = models.TextField(
        _("description (Simplified Chinese)"), blank=True
    )
    description_zh_hant = models.TextField(
        _("description (Traditional Chinese)"), blank=True
    )
    price_amount = models.PositiveIntegerField(_("price"))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        default=120,
        validators=[MinValueValidator(15), MaxValueValidator(24 * 60)],
    )
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("catalogue service")
        verbose_name_plural = _("catalogue services")
        ordering = ["category", "title_en"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)
