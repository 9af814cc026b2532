"""The operator's settings: what the marketplace is called and looks like, the
cities it serves, and the money and policy figures that override the
environment's defaults — edited by ops at ``/ops/settings/``, effective on the
next request in every process without a restart (see ``state``)."""

from django.conf import settings
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import localized
from doorstep.core.geo import MAX_RADIUS_KM

HEX_COLOUR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # and six hexadecimal digits.")
)
SINGLETON_ID = 1


class MarketplaceSettings(models.Model):
    """The one settings row (``pk`` 1, made by the data migration).

    Empty fields fall back to the environment's defaults (``DOORSTEP_SITE_NAME``,
    ``DOORSTEP_SERVICE_FEE_BPS``…), so a fresh install behaves as configured and
    ops override only what they change. ``version`` grows with every change,
    cities included: processes that keep a copy of anything derived from these
    settings compare it with the version they built it from.
    """

    name = models.CharField(_("marketplace name"), max_length=60, blank=True)
    logo = models.FileField(_("logo"), upload_to="marketplace/", blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, blank=True, validators=[HEX_COLOUR]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, blank=True, validators=[HEX_COLOUR]
    )
    # Money and policy: null means "the environment's default".
    service_fee_bps = models.PositiveIntegerField(
        _("customer service fee (basis points)"), null=True, blank=True
    )
    default_commission_bps = models.PositiveIntegerField(
        _("default commission (basis points)"), null=True, blank=True
    )
    cancellation_free_hours = models.PositiveIntegerField(
        _("free cancellation until (hours before the start)"), null=True, blank=True
    )
    cancellation_fee_bps = models.PositiveIntegerField(
        _("late cancellation fee (basis points)"), null=True, blank=True
    )
    cancellation_provider_share_bps = models.PositiveIntegerField(
        _("provider's share of a cancellation fee (basis points)"),
        null=True,
        blank=True,
    )
    no_show_grace_minutes = models.PositiveIntegerField(
        _("no-show grace (minutes)"), null=True, blank=True
    )
    clearing_days = models.PositiveIntegerField(
        _("clearing period (days)"), null=True, blank=True
    )
    min_payout = models.PositiveIntegerField(
        _("minimum payout (minor units)"), null=True, blank=True
    )
    quote_invitations = models.PositiveIntegerField(
        _("providers a request for quotes goes to"), null=True, blank=True
    )
    quote_answer_hours = models.PositiveIntegerField(
        _("hours a provider has to quote"), null=True, blank=True
    )
    quote_lead_fee = models.PositiveIntegerField(
        _("lead fee per quote (minor units)"), null=True, blank=True
    )
    promotion_day_price = models.PositiveIntegerField(
        _("promotion price per day (minor units)"), null=True, blank=True
    )
    # The amounts above (minor units) for one currency where a plain scaling
    # would not fit: {"min_payout": {"JPY": 1000}} (see ``policy.amount_in``).
    currency_amounts = models.JSONField(
        _("amounts per currency"), default=dict, blank=True
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("marketplace settings")
        verbose_name_plural = _("marketplace settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=SINGLETON_ID), name="marketplace_one_settings_row"
            )
        ]

    def __str__(self) -> str:
        return str(_("Marketplace settings"))


class City(models.Model):
    """A city the marketplace serves: where search offers a quick pick, what
    money is counted in there and which clock its people read."""

    slug = models.SlugField(unique=True, max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(
        _("name (Simplified Chinese)"), max_length=100, blank=True
    )
    name_zh_hant = models.CharField(
        _("name (Traditional Chinese)"), max_length=100, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3)
    time_zone = models.CharField(_("time zone"), max_length=64)
    latitude = models.FloatField(
        _("centre latitude"),
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("centre longitude"),
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    radius_km = models.PositiveIntegerField(
        _("radius (km)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(int(MAX_RADIUS_KM))],
        help_text=_("How far from the centre a place still counts as this city."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("served"), default=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class ExchangeRate(models.Model):
    """A rate ops entered for showing an amount in another currency: one
    ``base`` is worth ``rate`` of ``quote``. Only ever used for an estimate
    that says so (``marketplace.rates.estimate``), never for money that moves
    or for a figure of the ledger. Rows are never changed: a new rate is a new
    row, and the newest row of a pair is the one in use."""

    base = models.CharField(_("from currency"), max_length=3)
    quote = models.CharField(_("to currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=10)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        indexes = [models.Index(fields=["base", "quote", "-entered_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gt=0), name="marketplace_rate_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(base=models.F("quote")),
                name="marketplace_rate_two_currencies",
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate_text} {self.quote}"

    @property
    def rate_text(self) -> str:
        """The rate without trailing zeros or an exponent: "0.048", "20"."""
        return format(self.rate.normalize(), "f")
