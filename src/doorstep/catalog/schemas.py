"""The shapes of the catalogue API. Money goes in and out as
``{"amount": <integer minor units>, "currency": "CNY"}``; ids are public ids."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from doorstep.accounts.schemas import (
    LanguageCode,
    Latitude,
    Longitude,
    ServiceRadius,
)
from doorstep.api.schemas import InputSchema, MoneyOut, PatchSchema, PublicId
from doorstep.catalog.models import (
    Category,
    Listing,
    ListingAddOn,
    ListingPhoto,
    PricingModel,
)
from doorstep.catalog.services import MAX_PRICE_AMOUNT
from doorstep.core.errors import DomainError
from doorstep.core.money import known_currencies

# A Literal rather than ``Listing.Status``: ninja names an enum's schema by its
# class name, and every other model's "Status" would share the name.
ListingStatus = Literal[tuple(Listing.Status.values)]

# Customers see where a provider works, not where they live: public coordinates
# are rounded to about a kilometre.
PUBLIC_COORDINATE_DECIMALS = 2


def _check_currency(value: str) -> str:
    if value not in known_currencies():
        raise ValueError(_("Enter a currency code such as CNY, TWD or USD."))
    return value


def _currency_codes() -> list[str]:
    return sorted(known_currencies())


def _text(*, max_length: int, required: bool = True) -> StringConstraints:
    return StringConstraints(
        strip_whitespace=True, min_length=1 if required else 0, max_length=max_length
    )


Currency = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, max_length=3),
    AfterValidator(_check_currency),
    # Lower case is accepted too; the document lists the codes as written.
    Field(json_schema_extra=lambda schema: schema.update(enum=_currency_codes())),
]
MinorUnits = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_PRICE_AMOUNT,
        description="In the currency's minor units: 12000 CNY is ¥120.00.",
    ),
]
CategoryRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    Field(description="A category's id (cat_…) or slug; must be a leaf category."),
]
Title = Annotated[str, _text(max_length=120)]
Description = Annotated[str, _text(max_length=5000, required=False)]
AddOnName = Annotated[str, _text(max_length=100)]
MinHours = Annotated[int, Field(ge=1, le=24)]
DurationMinutes = Annotated[int, Field(ge=15, le=24 * 60)]
ExtraMinutes = Annotated[int, Field(ge=0, le=8 * 60)]
ResponseWindowHours = Annotated[int, Field(ge=1, le=72)]
ListingLanguages = Annotated[list[LanguageCode], Field(max_length=10)]


# --- Money --------------------------------------------------------------------------


class MoneyIn(InputSchema):
    amount: MinorUnits
    currency: Currency


def listing_money(
    price: MoneyIn | None,
    currency: str | None,
    *,
    required: bool,
    pricing_model: str | None = None,
) -> dict[str, Any]:
    """The service's ``price_amount``/``currency`` from a body's ``price`` and
    ``currency`` (the latter alone for a listing "on quote").

    How the two fields depend on each other and on ``pricing_model`` is a rule the
    schema does not state, so breaking it is a 422 (``price_required``,
    ``currency_mismatch``) naming the field."""
    money: dict[str, Any] = {}
    if price is not None:
        if currency is not None and currency != price.currency:
            message = _("The currency does not match the price's currency.")
            raise DomainError(
                "currency_mismatch", message, fields={"currency": [message]}
            )
        money = {"price_amount": price.amount, "currency": price.currency}
    elif currency is not None and not (
        required and pricing_model != PricingModel.QUOTE
    ):
        money = {"currency": currency}
    elif required:
        if pricing_model == PricingModel.QUOTE:
            field, message = "currency", _("Give the currency you will quote in.")
        else:
            field, message = "price", _("Enter a price, or choose “on quote”.")
        raise DomainError("price_required", message, fields={field: [message]})
    return money


# --- Listings -----------------------------------------------------------------------


class ListingIn(InputSchema):
    category: CategoryRef
    title: Title
    description: Description = ""
    pricing_model: PricingModel
    price: MoneyIn | None = Field(
        None, description="Required unless the pricing model is `quote`."
    )
    currency: Currency | None = Field(
        None, description="Only for a service on quote; otherwise the price's."
    )
    min_hours: MinHours = 1
    duration_minutes: DurationMinutes = 60
    languages: ListingLanguages | None = Field(
        None, description="Default: the languages you speak."
    )
    latitude: Latitude | None = Field(None, description="Default: your base.")
    longitude: Longitude | None = None
    service_radius_km: ServiceRadius | None = Field(
        None, description="Default: your provider profile's radius."
    )
    instant_book: bool = False
    response_window_hours: ResponseWindowHours = 12
    offers_pay_after_service: bool = False
    offers_cash: bool = False

    def service_arguments(self) -> dict[str, Any]:
        fields = self.model_dump(exclude={"price", "currency"})
        money = listing_money(
            self.price, self.currency, required=True, pricing_model=self.pricing_model
        )
        return {**fields, **money}


class ListingPatchIn(PatchSchema):
    category: CategoryRef | None = None
    title: Title | None = None
    description: Description | None = None
    pricing_model: PricingModel | None = None
    price: MoneyIn | None = None
    currency: Currency | None = None
    min_hours: MinHours | None = None
    duration_minutes: DurationMinutes | None = None
    languages: ListingLanguages | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    service_radius_km: ServiceRadius | None = None
    instant_book: bool | None = None
    response_window_hours: ResponseWindowHours | None = None
    offers_pay_after_service: bool | None = None
    offers_cash: bool | None = None

    def service_arguments(self) -> dict[str, Any]:
        fields = self.model_dump(exclude_unset=True, exclude={"price", "currency"})
        return {**fields, **listing_money(self.price, self.currency, required=False)}


class CategoryOut(Schema):
    id: PublicId
    slug: str
    name: str


class AddOnOut(Schema):
    id: PublicId
    name: str
    price: MoneyOut
    extra_minutes: int
    position: int

    @staticmethod
    def resolve_price(add_on: ListingAddOn) -> dict[str, Any]:
        return {"amount": add_on.price_amount, "currency": add_on.listing.currency}


class PhotoOut(Schema):
    id: PublicId
    url: str
    thumbnail_url: str
    width: int
    height: int
    alt_text: str
    position: int

    @staticmethod
    def resolve_url(photo: ListingPhoto) -> str:
        return photo.image.url

    @staticmethod
    def resolve_thumbnail_url(photo: ListingPhoto) -> str:
        return photo.thumbnail.url


class RatingOut(Schema):
    count: int
    mean: float | None = Field(description="Null until the first review.")


def _category(listing: Listing) -> Category:
    return listing.category


def _price(listing: Listing) -> dict[str, Any] | None:
    return None if listing.price is None else listing.price.as_json()


def _rating(listing: Listing) -> dict[str, Any]:
    count = listing.rating_count
    return {"count": count, "mean": round(listing.rating_mean, 2) if count else None}


class _ListingBaseOut(Schema):
    """What the owner's and the public view of a listing share."""

    id: PublicId
    status: ListingStatus
    title: str
    description: str
    category: CategoryOut
    pricing_model: PricingModel
    price: MoneyOut | None
    currency: str
    min_hours: int
    duration_minutes: int
    languages: list[str]
    instant_book: bool
    payment_timings: list[str] = Field(
        description="How a customer may pay, for `POST /orders` `payment_timing`: "
        "`pay_now` always; `after_service`, `cash` when offered."
    )
    add_ons: list[AddOnOut]
    photos: list[PhotoOut]
    rating: RatingOut
    promoted: bool
    published_at: datetime | None

    @staticmethod
    def resolve_category(listing: Listing) -> Category:
        return _category(listing)

    @staticmethod
    def resolve_payment_timings(listing: Listing) -> list[str]:
        return listing.payment_timings()

    @staticmethod
    def resolve_price(listing: Listing) -> dict[str, Any] | None:
        return _price(listing)

    @staticmethod
    def resolve_add_ons(listing: Listing) -> list[ListingAddOn]:
        return list(listing.add_ons.all())

    @staticmethod
    def resolve_photos(listing: Listing) -> list[ListingPhoto]:
        return list(listing.photos.all())

    @staticmethod
    def resolve_rating(listing: Listing) -> dict[str, Any]:
        return _rating(listing)

    @staticmethod
    def resolve_promoted(listing: Listing) -> bool:
        return listing.is_promoted


class ListingOut(_ListingBaseOut):
    """A listing as its owner sees it: everything, exact location included."""

    latitude: float
    longitude: float
    service_radius_km: float
    response_window_hours: int
    created_at: datetime
    updated_at: datetime


class ProviderCardOut(Schema):
    id: PublicId
    display_name: str
    verified: bool
    completed_jobs: int
    median_response_minutes: int | None
    years_experience: int

    @staticmethod
    def resolve_verified(provider: Any) -> bool:
        return provider.is_verified


class ServiceAreaOut(Schema):
    latitude: float = Field(description="Rounded to about a kilometre.")
    longitude: float
    radius_km: float


class PublicListingOut(_ListingBaseOut):
    """A listing as customers see it: the area served, never the exact base."""

    area: ServiceAreaOut
    provider: ProviderCardOut

    @staticmethod
    def resolve_area(listing: Listing) -> dict[str, float]:
        return {
            "latitude": round(listing.latitude, PUBLIC_COORDINATE_DECIMALS),
            "longitude": round(listing.longitude, PUBLIC_COORDINATE_DECIMALS),
            "radius_km": float(listing.service_radius_km),
        }


# --- Add-ons and photos -------------------------------------------------------------


class AddOnIn(InputSchema):
    name: AddOnName
    price: MoneyIn
    extra_minutes: ExtraMinutes = 0


class AddOnPatchIn(PatchSchema):
    name: AddOnName | None = None
    price: MoneyIn | None = None
    extra_minutes: ExtraMinutes | None = None
    position: Annotated[int, Field(ge=0, le=1000)] | None = None

    def service_arguments(self) -> dict[str, Any]:
        fields = self.model_dump(exclude_unset=True, exclude={"price"})
        if self.price is not None:
            fields.update(price_amount=self.price.amount, currency=self.price.currency)
        return fields


class PhotoOrderIn(InputSchema):
    ids: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        max_length=20, description="Every photo id of the listing, cover first."
    )


class ListingStatusQuery(Schema):
    status: ListingStatus | None = None
