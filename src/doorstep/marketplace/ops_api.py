"""The operator's settings for ops in the API: name, logo and colours, fees and
policy figures, exchange rates for estimates, cities and categories, through
the same services as the pages under ``/ops/settings/``
(``marketplace.services``), which check the ops role (``MANAGE_SETTINGS``),
validate every field and write the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else). Reads need the
settings role too, as the pages do.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, StrictInt, WithJsonSchema

from doorstep.api.schemas import InputSchema, PatchSchema
from doorstep.backoffice.access import (
    OpsPermission,
    require_back_office,
    require_ops_permission,
)
from doorstep.catalog.models import Category
from doorstep.core.errors import NotFound
from doorstep.marketplace import policy, queries, rates, services
from doorstep.marketplace.models import City, ExchangeRate
from doorstep.marketplace.state import settings_row

router = Router(tags=["settings (ops)"])

_COLOUR = "`#` and six hexadecimal digits; empty: the built-in colour."
_REASON = Field(default="", max_length=255, description="For the audit trail.")


def _settings_ops(request: HttpRequest):
    """The caller, if they may read the operator's settings (as the pages)."""
    actor = require_back_office(request)
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    return actor


# --- Name, logo and colours --------------------------------------------------------


class BrandingIn(InputSchema):
    name: str = Field(
        default="", max_length=200, description="Empty: `DOORSTEP_SITE_NAME`."
    )
    primary_colour: str = Field(default="", max_length=20, description=_COLOUR)
    accent_colour: str = Field(default="", max_length=20, description=_COLOUR)
    remove_logo: bool = Field(default=False, description="Back to the built-in mark.")
    reason: str = _REASON


class BrandingOut(Schema):
    name: str = Field(description="As set; empty: the environment's name.")
    shown_name: str = Field(description="What pages and e-mails call the marketplace.")
    logo_url: str = Field(description="Empty: the built-in mark.")
    primary_colour: str
    accent_colour: str
    version: int = Field(description="Grows with every settings change.")


def _branding_out() -> BrandingOut:
    row = settings_row()
    shown = queries.branding()
    return BrandingOut(
        name=row.name,
        shown_name=shown.name,
        logo_url=shown.logo_url,
        primary_colour=row.primary_colour,
        accent_colour=row.accent_colour,
        version=shown.version,
    )


@router.get(
    "/ops/settings/branding",
    response=BrandingOut,
    summary="The marketplace's name, logo and colours (ops)",
)
def ops_branding(request: HttpRequest) -> BrandingOut:
    _settings_ops(request)
    return _branding_out()


@router.put(
    "/ops/settings/branding",
    response=BrandingOut,
    summary="Set the marketplace's name and colours (ops)",
    description="As the branding page: every page shows it on the next request. "
    "The logo stays unless `remove_logo` (upload one with "
    "`POST /ops/settings/branding/logo`). Audited.",
)
def ops_set_branding(request: HttpRequest, payload: BrandingIn) -> BrandingOut:
    actor = require_back_office(request)
    services.update_branding(
        actor=actor,
        name=payload.name,
        primary_colour=payload.primary_colour,
        accent_colour=payload.accent_colour,
        remove_logo=payload.remove_logo,
        reason=payload.reason,
    )
    return _branding_out()


@router.post(
    "/ops/settings/branding/logo",
    response=BrandingOut,
    summary="Upload the marketplace's logo (ops)",
    description="`multipart/form-data` with the image in `logo` (JPEG, PNG or "
    "WebP); stored re-encoded without metadata. The name and colours stay. "
    "Audited.",
)
def ops_set_logo(request: HttpRequest, logo: File[UploadedFile]) -> BrandingOut:
    actor = require_back_office(request)
    row = settings_row()
    services.update_branding(
        actor=actor,
        name=row.name,
        primary_colour=row.primary_colour,
        accent_colour=row.accent_colour,
        logo=logo,
    )
    return _branding_out()


# --- Fees and policies -------------------------------------------------------------


class PolicyFigureOut(Schema):
    name: str
    label: str
    unit: str = Field(
        description="`percent` (stored as basis points), `hours`, `minutes`, "
        "`days`, `minor_units` or `count`."
    )
    low: int = Field(description="The least value ops may set, in stored units.")
    high: int
    override: int | None = Field(description="Set by ops; null: the default.")
    default: int = Field(description="The environment's default.")
    in_force: int


class FeesOut(Schema):
    figures: list[PolicyFigureOut]
    currency_amounts: dict[str, dict[str, int]] = Field(
        description="Money figures set for single currencies, in that currency's "
        'minor units: `{"min_payout": {"JPY": 1000}}`; others are scaled.'
    )


def _fees_out() -> FeesOut:
    row = settings_row()
    defaults, current = policy.defaults(), policy.current()
    return FeesOut(
        figures=[
            PolicyFigureOut(
                name=figure.name,
                label=str(figure.label),
                unit=figure.unit,
                low=figure.low,
                high=figure.high,
                override=getattr(row, figure.name),
                default=getattr(defaults, figure.name),
                in_force=getattr(current, figure.name),
            )
            for figure in policy.FIGURES
        ],
        currency_amounts=row.currency_amounts or {},
    )


class FeesIn(InputSchema):
    figures: dict[str, StrictInt | None] = Field(
        description="Figures to change, by name, in stored units (basis points "
        "for percentages); null: back to the default. Figures left out stay."
    )
    reason: str = _REASON


class CurrencyAmountsIn(InputSchema):
    amounts: dict[str, dict[str, StrictInt | None]] = Field(
        description="`{figure: {currency: minor units}}` for money figures; "
        "null: back to the scaled figure. Amounts left out stay."
    )
    reason: str = _REASON


@router.get(
    "/ops/settings/fees",
    response=FeesOut,
    summary="Fees and policy figures (ops)",
)
def ops_fees(request: HttpRequest) -> FeesOut:
    _settings_ops(request)
    return _fees_out()


@router.patch(
    "/ops/settings/fees",
    response=FeesOut,
    summary="Change fees and policy figures (ops)",
    description="As the fees page: new prices use them now; existing orders keep "
    "theirs. Nothing is saved if one figure is unknown or out of its range. "
    "Audited.",
)
def ops_change_fees(request: HttpRequest, payload: FeesIn) -> FeesOut:
    actor = require_back_office(request)
    services.update_policy(actor=actor, values=payload.figures, reason=payload.reason)
    return _fees_out()


@router.patch(
    "/ops/settings/fees/currency-amounts",
    response=FeesOut,
    summary="Set money figures for single currencies (ops)",
    description="As the fees page's amounts per currency. Nothing is saved if one "
    "is not a money figure, not a currency or out of range. Audited.",
)
def ops_change_currency_amounts(
    request: HttpRequest, payload: CurrencyAmountsIn
) -> FeesOut:
    actor = require_back_office(request)
    services.update_currency_amounts(
        actor=actor, values=payload.amounts, reason=payload.reason
    )
    return _fees_out()


# --- Exchange rates for estimates ---------------------------------------------------


class ExchangeRateIn(InputSchema):
    base: str = Field(min_length=1, max_length=3, description="ISO 4217, e.g. JPY.")
    quote: str = Field(min_length=1, max_length=3, description="ISO 4217, e.g. CNY.")
    rate: Annotated[
        Decimal,
        Field(allow_inf_nan=False),
        # A JSON number (a string is refused: see InputSchema), not pydantic's
        # "number or numeric string" for a Decimal.
        WithJsonSchema(
            {
                "type": "number",
                "description": "What one unit of `base` is worth in `quote`; "
                "above zero, at most 10 decimal places.",
            }
        ),
    ]
    reason: str = _REASON


class ExchangeRateOut(Schema):
    id: str
    base: str
    quote: str
    rate: str = Field(description="Exact, as a decimal string.")
    entered_at: datetime


class ExchangeRatesOut(Schema):
    items: list[ExchangeRateOut]


def _rate_out(row: ExchangeRate) -> ExchangeRateOut:
    return ExchangeRateOut(
        id=str(row.pk),
        base=row.base,
        quote=row.quote,
        rate=row.rate_text,
        entered_at=row.entered_at,
    )


@router.get(
    "/ops/settings/exchange-rates",
    response=ExchangeRatesOut,
    summary="The exchange rates in use for estimates (ops)",
    description="The newest rate of each pair, by pair.",
)
def ops_exchange_rates(request: HttpRequest) -> ExchangeRatesOut:
    _settings_ops(request)
    return ExchangeRatesOut(items=[_rate_out(row) for row in rates.current_rates()])


@router.post(
    "/ops/settings/exchange-rates",
    response={201: ExchangeRateOut},
    summary="Enter an exchange rate for estimates (ops)",
    description="A new rate of the pair (earlier ones stay as history); only "
    "ever used for estimates that say so. Audited.",
)
def ops_set_exchange_rate(request: HttpRequest, payload: ExchangeRateIn):
    actor = require_back_office(request)
    row = services.set_exchange_rate(
        actor=actor,
        base=payload.base,
        quote=payload.quote,
        rate=payload.rate,
        reason=payload.reason,
    )
    return Status(201, _rate_out(row))


# --- Cities ------------------------------------------------------------------------


class CityIn(InputSchema):
    slug: str = Field(min_length=1, max_length=60, description="e.g. hong-kong.")
    name_en: str = Field(min_length=1, max_length=100)
    name_zh_hans: str = Field(default="", max_length=100)
    name_zh_hant: str = Field(default="", max_length=100)
    currency: str = Field(min_length=1, max_length=3, description="ISO 4217.")
    time_zone: str = Field(
        min_length=1, max_length=64, description="e.g. Asia/Shanghai."
    )
    latitude: float = Field(ge=-90, le=90, description="Of the centre.")
    longitude: float = Field(ge=-180, le=180)
    radius_km: int = Field(
        default=50, ge=1, le=100_000, description="How far the city reaches."
    )
    is_active: bool = Field(default=True, description="Served.")


class CityChangeIn(PatchSchema):
    name_en: str | None = Field(default=None, min_length=1, max_length=100)
    name_zh_hans: str | None = Field(default=None, max_length=100)
    name_zh_hant: str | None = Field(default=None, max_length=100)
    currency: str | None = Field(default=None, min_length=1, max_length=3)
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    radius_km: int | None = Field(default=None, ge=1, le=100_000)
    position: int | None = Field(default=None, ge=0, le=32767)
    is_active: bool | None = None


class CityOut(Schema):
    slug: str = Field(description="The city's id.")
    name_en: str
    name_zh_hans: str
    name_zh_hant: str
    currency: str
    time_zone: str
    latitude: float
    longitude: float
    radius_km: int
    position: int
    is_active: bool


class CitiesOut(Schema):
    items: list[CityOut]


def _city_out(city: City) -> CityOut:
    fields = {field: getattr(city, field) for field in services.CITY_FIELDS}
    return CityOut(slug=city.slug, **fields)


@router.get(
    "/ops/settings/cities",
    response=CitiesOut,
    summary="The cities, served or not (ops)",
    description="In the operator's order.",
)
def ops_cities(request: HttpRequest) -> CitiesOut:
    _settings_ops(request)
    return CitiesOut(items=[_city_out(city) for city in City.objects.all()])


@router.post(
    "/ops/settings/cities",
    response={201: CityOut},
    summary="Add a city (ops)",
    description="Placed last. Audited.",
)
def ops_add_city(request: HttpRequest, payload: CityIn):
    actor = require_back_office(request)
    city = services.add_city(actor=actor, **payload.model_dump())
    return Status(201, _city_out(city))


@router.get(
    "/ops/settings/cities/{slug}",
    response=CityOut,
    summary="A city (ops)",
)
def ops_city(request: HttpRequest, slug: str) -> CityOut:
    _settings_ops(request)
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise NotFound("not_found", _("Not found."))
    return _city_out(city)


@router.patch(
    "/ops/settings/cities/{slug}",
    response=CityOut,
    summary="Change a city (ops)",
    description="Its names, currency, time zone, centre, radius, position or "
    "whether it is served; the slug stays. Audited.",
)
def ops_change_city(request: HttpRequest, slug: str, payload: CityChangeIn) -> CityOut:
    actor = require_back_office(request)
    city = services.update_city(
        actor=actor, slug=slug, **payload.model_dump(exclude_unset=True)
    )
    return _city_out(city)


# --- Categories --------------------------------------------------------------------


class CategoryIn(InputSchema):
    slug: str = Field(min_length=1, max_length=80, description="e.g. deep-cleaning.")
    parent: str = Field(
        default="", max_length=40, description="A category's id; empty: top level."
    )
    name_en: str = Field(min_length=1, max_length=100)
    name_zh_hans: str = Field(min_length=1, max_length=100)
    name_zh_hant: str = Field(min_length=1, max_length=100)
    commission_bps: int = Field(
        ge=0, le=100_000, description="The platform's share, 1250 = 12.5%."
    )


class CategoryChangeIn(PatchSchema):
    name_en: str | None = Field(default=None, min_length=1, max_length=100)
    name_zh_hans: str | None = Field(default=None, min_length=1, max_length=100)
    name_zh_hant: str | None = Field(default=None, min_length=1, max_length=100)
    commission_bps: int | None = Field(default=None, ge=0, le=100_000)
    is_active: bool | None = Field(
        default=None,
        description="false: search, the category tree and new services no longer "
        "offer it or anything under it.",
    )


class CategoryMoveIn(InputSchema):
    direction: Literal["up", "down"] = Field(
        description="Swap with the previous (`up`) or next sibling."
    )


class OpsCategoryOut(Schema):
    id: str
    slug: str
    parent: str | None = Field(description="The parent's id; null: top level.")
    name_en: str
    name_zh_hans: str
    name_zh_hant: str
    commission_bps: int
    position: int = Field(description="Among its siblings.")
    is_active: bool


class OpsCategoriesOut(Schema):
    items: list[OpsCategoryOut]


def _category_out(category: Category) -> OpsCategoryOut:
    return OpsCategoryOut(
        id=category.public_id,
        slug=category.slug,
        parent=category.parent.public_id if category.parent_id else None,
        name_en=category.name_en,
        name_zh_hans=category.name_zh_hans,
        name_zh_hant=category.name_zh_hant,
        commission_bps=category.commission_bps,
        position=category.position,
        is_active=category.is_active,
    )


def _category(category_id: str) -> Category:
    category = (
        Category.objects.select_related("parent").filter(public_id=category_id).first()
    )
    if category is None:
        raise NotFound("not_found", _("Not found."))
    return category


@router.get(
    "/ops/settings/categories",
    response=OpsCategoriesOut,
    summary="Every category, active or not (ops)",
    description="Top-level ones first, then each parent's children; "
    "siblings in their order.",
)
def ops_categories(request: HttpRequest) -> OpsCategoriesOut:
    _settings_ops(request)
    found = Category.objects.select_related("parent").order_by(
        F("parent__position").asc(nulls_first=True),
        F("parent__slug").asc(nulls_first=True),
        "position",
        "slug",
    )
    return OpsCategoriesOut(items=[_category_out(category) for category in found])


@router.post(
    "/ops/settings/categories",
    response={201: OpsCategoryOut},
    summary="Add a category (ops)",
    description="Last among its siblings. Audited.",
)
def ops_add_category(request: HttpRequest, payload: CategoryIn):
    actor = require_back_office(request)
    category = services.add_category(
        actor=actor,
        slug=payload.slug,
        parent_id=payload.parent or None,
        name_en=payload.name_en,
        name_zh_hans=payload.name_zh_hans,
        name_zh_hant=payload.name_zh_hant,
        commission_bps=payload.commission_bps,
    )
    return Status(201, _category_out(category))


@router.get(
    "/ops/settings/categories/{category_id}",
    response=OpsCategoryOut,
    summary="A category (ops)",
)
def ops_category(request: HttpRequest, category_id: str) -> OpsCategoryOut:
    _settings_ops(request)
    return _category_out(_category(category_id))


@router.patch(
    "/ops/settings/categories/{category_id}",
    response=OpsCategoryOut,
    summary="Change a category (ops)",
    description="Its names, commission or whether it is offered; existing "
    "listings and orders keep it. Audited.",
)
def ops_change_category(
    request: HttpRequest, category_id: str, payload: CategoryChangeIn
) -> OpsCategoryOut:
    actor = require_back_office(request)
    category = services.update_category(
        actor=actor, category_id=category_id, **payload.model_dump(exclude_unset=True)
    )
    return _category_out(category)


@router.post(
    "/ops/settings/categories/{category_id}/move",
    response=OpsCategoryOut,
    summary="Move a category among its siblings (ops)",
    description="The first one moved up (or the last down) stays. Audited.",
)
def ops_move_category(
    request: HttpRequest, category_id: str, payload: CategoryMoveIn
) -> OpsCategoryOut:
    actor = require_back_office(request)
    category = services.move_category(
        actor=actor, category_id=category_id, up=payload.direction == "up"
    )
    return _category_out(category)
