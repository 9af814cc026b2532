"""The settings forms: they parse what ops type (percentages, numbers); the
services check ranges and save."""

from decimal import Decimal

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import Category
from doorstep.core.money import Money, minor_units
from doorstep.marketplace import policy
from doorstep.marketplace.models import MarketplaceSettings
from doorstep.marketplace.policy import FIGURES, Policy, Unit


def percent_of(bps: int) -> Decimal:
    """1250 → 12.5, 2000 → 20 (never 2E+1, which a form field would show)."""
    value = Decimal(bps) / 100
    return (
        value.quantize(Decimal(1))
        if value == value.to_integral()
        else value.normalize()
    )


def bps_of(percent: Decimal) -> int:
    return int((percent * 100).to_integral_value())


def _percent_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


class BrandingForm(forms.Form):
    name = forms.CharField(label=_("Marketplace name"), max_length=60, required=False)
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_(
            "A JPEG, PNG or WebP image; it is resized and its metadata removed."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp"}
        ),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    primary_colour = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "#0f766e", "size": 8}),
    )
    accent_colour = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "#b45309", "size": 8}),
    )

    def __init__(self, *args, default_name: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = _("Empty: %(name)s (from the environment).") % {
            "name": default_name
        }
        colour_help = _("# and six hexadecimal digits; empty: the built-in colour.")
        self.fields["primary_colour"].help_text = colour_help
        self.fields["accent_colour"].help_text = colour_help

    @staticmethod
    def initial_from(row: MarketplaceSettings) -> dict[str, object]:
        return {
            "name": row.name,
            "primary_colour": row.primary_colour,
            "accent_colour": row.accent_colour,
        }


def show_figure(unit: str, value: int) -> str:
    if unit == Unit.PERCENT:
        return f"{number_format(percent_of(value))}%"
    labels = {
        Unit.HOURS: _("%(value)s h"),
        Unit.MINUTES: _("%(value)s min"),
        Unit.DAYS: _("%(value)s days"),
    }
    label = labels.get(unit)
    return str(label % {"value": value}) if label else str(value)


class PolicyForm(forms.Form):
    """One optional field per policy figure: empty means the environment's
    default. Percentages are typed as percentages and stored as basis points."""

    def __init__(self, *args, defaults: Policy, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for figure in FIGURES:
            default = show_figure(figure.unit, getattr(defaults, figure.name))
            help_text = _("Empty: %(default)s (from the environment).") % {
                "default": default
            }
            if figure.unit == Unit.PERCENT:
                field = _percent_field(
                    label=figure.label, required=False, help_text=help_text
                )
            else:
                field = forms.IntegerField(
                    label=figure.label, required=False, help_text=help_text
                )
            self.fields[figure.name] = field

    @staticmethod
    def initial_from(row: MarketplaceSettings) -> dict[str, object]:
        initial: dict[str, object] = {}
        for figure in FIGURES:
            value = getattr(row, figure.name)
            if value is not None and figure.unit == Unit.PERCENT:
                value = percent_of(value)
            initial[figure.name] = value
        return initial

    def values(self) -> dict[str, int | None]:
        """The figures in stored units (basis points for percentages)."""
        values: dict[str, int | None] = {}
        for figure in FIGURES:
            value = self.cleaned_data.get(figure.name)
            if value is not None and figure.unit == Unit.PERCENT:
                value = bps_of(value)
            values[figure.name] = value
        return values


class CurrencyAmountsForm(forms.Form):
    """The money figures for each currency the marketplace counts in, typed in
    that currency's major units; empty: the figure scaled to the currency
    (``policy.amount_in``), shown as the help text."""

    def __init__(self, *args, currencies: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currencies = currencies
        current = policy.current()
        for figure in policy.money_figures():
            for currency in currencies:
                places = minor_units(currency)
                scaled = Money(
                    policy.scaled(getattr(current, figure.name), currency), currency
                )
                self.fields[self.key(figure.name, currency)] = forms.DecimalField(
                    label=f"{figure.label} · {currency}",
                    required=False,
                    min_value=0,
                    max_digits=18,
                    decimal_places=places,
                    widget=forms.NumberInput(
                        attrs={
                            "step": str(Decimal(1).scaleb(-places)),
                            "inputmode": "decimal",
                        }
                    ),
                    help_text=_("Empty: %(amount)s %(currency)s (scaled).")
                    % {"amount": number_format(scaled.major), "currency": currency},
                )

    @staticmethod
    def key(name: str, currency: str) -> str:
        return f"{name}__{currency}"

    @classmethod
    def initial_from(cls, row: MarketplaceSettings) -> dict[str, object]:
        return {
            cls.key(name, currency): Money(int(amount), currency).major
            for name, amounts in (row.currency_amounts or {}).items()
            for currency, amount in amounts.items()
        }

    def values(self) -> dict[str, dict[str, int | None]]:
        """Each figure's amounts in minor units (``None``: back to scaling)."""
        values: dict[str, dict[str, int | None]] = {}
        for figure in policy.money_figures():
            for currency in self.currencies:
                value = self.cleaned_data.get(self.key(figure.name, currency))
                values.setdefault(figure.name, {})[currency] = (
                    None if value is None else Money.from_major(value, currency).amount
                )
        return values


class CityForm(forms.Form):
    slug = forms.CharField(label=_("Slug"), max_length=60)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    name_zh_hans = forms.CharField(
        label=_("Name (Simplified Chinese)"), max_length=100, required=False
    )
    name_zh_hant = forms.CharField(
        label=_("Name (Traditional Chinese)"), max_length=100, required=False
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=3, help_text=_("ISO 4217, e.g. CNY.")
    )
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, help_text=_("e.g. Asia/Shanghai.")
    )
    latitude = forms.FloatField(label=_("Centre latitude"))
    longitude = forms.FloatField(label=_("Centre longitude"))
    radius_km = forms.IntegerField(
        label=_("Radius (km)"),
        initial=50,
        help_text=_("How far from the centre a place still counts as this city."),
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, required=False)
    is_active = forms.BooleanField(label=_("Served"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The slug is how links name the city: it stays.
            del self.fields["slug"]
        else:
            del self.fields["position"]


class CategoryForm(forms.Form):
    slug = forms.CharField(label=_("Slug"), max_length=80)
    parent = forms.ChoiceField(label=_("Under"), required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    name_zh_hans = forms.CharField(label=_("Name (Simplified Chinese)"), max_length=100)
    name_zh_hant = forms.CharField(
        label=_("Name (Traditional Chinese)"), max_length=100
    )
    commission = _percent_field(
        label=_("Commission"),
        help_text=_("The platform's share of each order in this category, in %."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_(
            "Inactive: search, the category tree and new services no longer offer "
            "it or anything under it."
        ),
    )

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]
            del self.fields["parent"]
        else:
            del self.fields["is_active"]
            self.fields["parent"].choices = [("", _("— top level —"))] + [
                (category.public_id, category.name)
                for category in Category.objects.filter(parent__isnull=True)
            ]

    @staticmethod
    def initial_from(category: Category) -> dict[str, object]:
        return {
            "name_en": category.name_en,
            "name_zh_hans": category.name_zh_hans,
            "name_zh_hant": category.name_zh_hant,
            "commission": percent_of(category.commission_bps),
            "is_active": category.is_active,
        }


class ExchangeRateForm(forms.Form):
    """One rate for estimates: one unit of ``base`` is worth ``rate`` of
    ``quote``."""

    base = forms.CharField(
        label=_("From currency"), max_length=3, help_text=_("For example JPY.")
    )
    quote = forms.CharField(
        label=_("To currency"), max_length=3, help_text=_("For example CNY.")
    )
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=20,
        decimal_places=10,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("What one unit of the first currency is worth in the second."),
    )
    reason = forms.CharField(
        label=_("Why (for the audit trail)"), max_length=255, required=False
    )
