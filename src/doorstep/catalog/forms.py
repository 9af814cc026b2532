"""Forms of the provider dashboard. They parse what a provider types (prices in
major units, as people write them) into what the services take; the rules live
in ``services.py``."""

from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_name
from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing, PricingModel
from doorstep.catalog.queries import category_tree
from doorstep.catalog.services import MAX_ADD_ONS_PER_LISTING, AddOnDraft
from doorstep.core.geo import MAX_RADIUS_KM
from doorstep.core.money import BABEL_LOCALES, Money, known_currencies

# Offered first in the currency list; any ISO code the listing already uses is
# added so that an API-made listing stays editable here.
COMMON_CURRENCIES = ("CNY", "TWD", "HKD", "USD")
CURRENCY_BY_TIME_ZONE = {
    "Asia/Shanghai": "CNY",
    "Asia/Taipei": "TWD",
    "Asia/Hong_Kong": "HKD",
}


def default_currency(provider: ProviderProfile) -> str:
    """A sensible first guess for a new listing: the money where the provider is."""
    return CURRENCY_BY_TIME_ZONE.get(provider.time_zone, settings.DOORSTEP_CURRENCY)


def to_minor_units(value: Decimal, currency: str) -> int:
    """``Decimal("120.5")`` CNY → 12050; ``ValueError`` for too many decimals."""
    return Money.from_major(value, currency).amount


def to_major_units(amount: int | None, currency: str) -> Decimal | None:
    if amount is None or currency not in known_currencies():
        return None
    return Money(amount, currency).major


def _currency_choices(current: str | None = None) -> list[tuple[str, str]]:
    codes = list(COMMON_CURRENCIES)
    if current and current not in codes and current in known_currencies():
        codes.append(current)
    locale = BABEL_LOCALES.get((get_language() or "en").lower(), "en_US")
    return [
        (code, f"{code} · {get_currency_name(code, locale=locale)}") for code in codes
    ]


def _category_choices() -> list[tuple[str, Any]]:
    """Leaf categories grouped under their roots, so the select shows the tree."""
    choices: list[tuple[str, Any]] = [("", _("Choose a category"))]
    for root in category_tree():
        if root.children:
            choices.append(
                (
                    root.category.name,
                    [
                        (child.category.public_id, child.category.name)
                        for child in root.children
                    ],
                )
            )
        else:
            choices.append((root.category.public_id, root.category.name))
    return choices


def _languages() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class ListingForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        help_text=_("What customers get, e.g. “Deep cleaning, 2-bedroom flat”."),
    )
    category = forms.ChoiceField(label=_("Category"))
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What is included, what customers should prepare, what is not."),
    )
    pricing_model = forms.ChoiceField(
        label=_("Pricing"),
        choices=PricingModel.choices,
        initial=PricingModel.FIXED,
        widget=forms.RadioSelect,
    )
    # Required unless the service is on quote (see ``__init__``).
    price = forms.DecimalField(
        label=_("Price"),
        min_value=0,
        max_digits=12,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("For the whole job, or for one hour with an hourly rate."),
    )
    currency = forms.ChoiceField(label=_("Currency"))
    min_hours = forms.IntegerField(
        label=_("Minimum hours"),
        min_value=1,
        max_value=24,
        initial=1,
        help_text=_("The shortest booking you accept at an hourly rate."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=15,
        max_value=24 * 60,
        initial=60,
        widget=forms.NumberInput(attrs={"step": 15}),
        help_text=_("How long the job usually takes; used to plan your calendar."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you offer this service in"),
        choices=_languages,
        widget=forms.CheckboxSelectMultiple,
    )
    service_radius_km = forms.DecimalField(
        label=_("Service radius (km)"),
        min_value=Decimal("0.5"),
        max_value=int(MAX_RADIUS_KM),
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        help_text=_("How far from your base you travel for this service."),
    )
    instant_book = forms.BooleanField(
        label=_("Customers can book instantly, without waiting for you to accept"),
        required=False,
    )
    response_window_hours = forms.IntegerField(
        label=_("Hours you take to answer a request"),
        min_value=1,
        max_value=72,
        initial=12,
    )
    # Paying later (``payments.after_service``); ops may still switch either
    # off for the category or everywhere.
    offers_pay_after_service = forms.BooleanField(
        label=_("Customers may pay after the service (their saved card is charged)"),
        required=False,
    )
    offers_cash = forms.BooleanField(
        label=_("Customers may pay you in cash on completion"),
        required=False,
        help_text=_(
            "The platform's commission and the service fee on cash jobs are "
            "taken from your next earnings."
        ),
    )

    def __init__(self, *args: Any, currency: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The pricing script hides what does not apply; the server ignores it.
        pricing = self.data.get("pricing_model") if self.is_bound else None
        if pricing == PricingModel.QUOTE:
            self.fields["price"].required = False
        if pricing is not None and pricing != PricingModel.HOURLY:
            self.fields["min_hours"].required = False
        self.fields["category"].choices = _category_choices()
        self.fields["currency"].choices = _currency_choices(
            currency or self.initial.get("currency")
        )

    @classmethod
    def initial_for(cls, listing: Listing) -> dict[str, Any]:
        return {
            "title": listing.title,
            "category": listing.category.public_id,
            "description": listing.description,
            "pricing_model": listing.pricing_model,
            "price": to_major_units(listing.price_amount, listing.currency),
            "currency": listing.currency,
            "min_hours": listing.min_hours,
            "duration_minutes": listing.duration_minutes,
            "languages": listing.languages,
            "service_radius_km": listing.service_radius_km,
            "instant_book": listing.instant_book,
            "response_window_hours": listing.response_window_hours,
            "offers_pay_after_service": listing.offers_pay_after_service,
            "offers_cash": listing.offers_cash,
        }

    @classmethod
    def initial_for_provider(cls, provider: ProviderProfile) -> dict[str, Any]:
        known = {code for code, _name in settings.LANGUAGES}
        return {
            "pricing_model": PricingModel.FIXED,
            "currency": default_currency(provider),
            "languages": [code for code in provider.languages if code in known],
            "service_radius_km": provider.service_radius_km,
            "min_hours": 1,
            "duration_minutes": 60,
            "response_window_hours": 12,
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        price, currency = cleaned.get("price"), cleaned.get("currency")
        cleaned["price_amount"] = None
        if cleaned.get("pricing_model") == PricingModel.QUOTE:
            return cleaned
        if price is not None and currency:
            try:
                cleaned["price_amount"] = to_minor_units(price, currency)
            except ValueError:
                self.add_error(
                    "price",
                    _("Too many decimal places for %(currency)s.")
                    % {"currency": currency},
                )
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("price", None)
        if data.get("min_hours") is None:
            data["min_hours"] = 1
        return data


class AddOnForm(forms.Form):
    id = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Add-on"), max_length=100)
    price = forms.DecimalField(
        label=_("Price"),
        min_value=0,
        max_digits=12,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    extra_minutes = forms.IntegerField(
        label=_("Extra minutes"), min_value=0, max_value=8 * 60, required=False
    )

    def __init__(self, *args: Any, currency: str = "USD", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        price = cleaned.get("price")
        if price is not None:
            try:
                cleaned["price_amount"] = to_minor_units(price, self.currency)
            except ValueError:
                self.add_error(
                    "price",
                    _("Too many decimal places for %(currency)s.")
                    % {"currency": self.currency},
                )
        return cleaned

    def draft(self) -> AddOnDraft:
        return AddOnDraft(
            id=self.cleaned_data.get("id") or "",
            name=self.cleaned_data["name"],
            price_amount=self.cleaned_data["price_amount"],
            extra_minutes=self.cleaned_data.get("extra_minutes") or 0,
        )


AddOnFormSet = forms.formset_factory(
    AddOnForm,
    extra=2,
    can_delete=True,
    max_num=MAX_ADD_ONS_PER_LISTING,
    validate_max=True,
)


def add_on_initial(listing: Listing) -> list[dict[str, Any]]:
    return [
        {
            "id": add_on.public_id,
            "name": add_on.name,
            "price": to_major_units(add_on.price_amount, listing.currency),
            "extra_minutes": add_on.extra_minutes,
        }
        for add_on in listing.add_ons.all()
    ]


class PhotoForm(forms.Form):
    # A plain file field: whether it is an image is for ``photos.process_photo``
    # to decide, by decoding it.
    photo = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": "image/jpeg,image/png,image/webp",
                "data-photo-preview": "photo-preview",
            }
        ),
        help_text=_("JPEG, PNG or WebP, up to 8 MB. Your first photo is the cover."),
    )
    alt_text = forms.CharField(
        label=_("What the photo shows"),
        max_length=200,
        required=False,
        help_text=_("Helps customers who use a screen reader."),
    )
