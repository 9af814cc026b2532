"""Taxes by region: which cities form a tax region, how prices are shown there
(tax included or added on top), the rules in force over time, and the tax
lines each order was charged (read by receipts and invoices).

Rates are basis points (600 = 6%); amounts are integer minor units of the
order's currency. The arithmetic is in ``taxes.rates``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.ids import PublicIdField
from doorstep.marketplace.models import City
from doorstep.orders.models import Order

MAX_RATE_BPS = 10_000


class TaxRegion(models.Model):
    """Cities that share one tax regime. A city is in at most one region; an
    order in a city of no region carries no tax."""

    public_id = PublicIdField(prefix="txr")
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    cities = models.ManyToManyField(
        City, through="TaxRegionCity", related_name="+", blank=True
    )
    prices_include_tax = models.BooleanField(
        _("prices include tax"),
        default=True,
        help_text=_(
            "Shown tax-inclusive (the price contains the tax) or tax-exclusive "
            "(the tax on the service is added to the total)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tax region")
        verbose_name_plural = _("tax regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TaxRegionCity(models.Model):
    region = models.ForeignKey(TaxRegion, on_delete=models.CASCADE)
    # One region per city, held by the database.
    city = models.OneToOneField(City, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.region_id}:{self.city_id}"


class TaxRule(models.Model):
    """One tax of a region (``name`` is what receipts say, e.g. "VAT"), in
    force from ``valid_from`` until just before ``valid_until`` (open-ended
    when empty). Rules are never edited in place: a new rate is a new rule
    and the old one is given an end."""

    public_id = PublicIdField(prefix="txl")
    region = models.ForeignKey(
        TaxRegion, on_delete=models.PROTECT, related_name="rules"
    )
    name = models.CharField(_("name on receipts"), max_length=40)
    rate_bps = models.PositiveIntegerField(
        _("rate (basis points)"), help_text=_("600 means 6%.")
    )
    on_service = models.BooleanField(_("applies to the service price"), default=False)
    on_platform_fees = models.BooleanField(
        _("applies to the platform's fees (commission and service fee)"),
        default=False,
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tax rule")
        verbose_name_plural = _("tax rules")
        ordering = ["region", "valid_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_bps__gt=0) & Q(rate_bps__lte=MAX_RATE_BPS),
                name="tax_rule_rate_in_range",
            ),
            models.CheckConstraint(
                condition=Q(on_service=True) | Q(on_platform_fees=True),
                name="tax_rule_applies_to_something",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="tax_rule_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.rate_percent}"

    @property
    def rate_percent(self) -> str:
        return f"{self.rate_bps / 100:g}%"


class TaxBase(models.TextChoices):
    """What a tax line is levied on."""

    SERVICE = "service", _("service")
    SERVICE_FEE = "service_fee", _("service fee")
    COMMISSION = "commission", _("commission")


class OrderTax(models.Model):
    """One tax line of an order: written with the order for the service and
    the service fee (what the customer sees), and at release for the
    commission (what the provider sees). ``amount`` is contained in
    ``base_amount`` when ``inclusive``, added on top of it otherwise."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="taxes")
    region = models.ForeignKey(TaxRegion, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(
        TaxRule, on_delete=models.PROTECT, null=True, related_name="+"
    )
    base = models.CharField(max_length=20, choices=TaxBase.choices)
    name = models.CharField(max_length=40)
    rate_bps = models.PositiveIntegerField()
    inclusive = models.BooleanField()
    base_amount = models.PositiveBigIntegerField()
    amount = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["order", "base"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.name} {self.base} {self.amount}"
