"""What a search asks and what it answers: the contract between the query service
(``search.queries``), the web page and the API.

:func:`parse_search_params` turns a query string (``request.GET``) into a validated
:class:`SearchParams`, or raises ``DomainError`` with a message per field. Both the
web page and ``GET /api/v1/services`` call it, so both refuse the same bad input
with the same words.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.errors import DomainError
from doorstep.core.geo import MAX_RADIUS_KM
from doorstep.core.money import Money, known_currencies
from doorstep.trust.models import BadgeKind

MAX_QUERY_LENGTH = 100
MAX_LIMIT = 50
DEFAULT_LIMIT = 20
DEFAULT_RADIUS_KM = 25.0
MIN_RADIUS_KM = 0.1


class Sort(models.TextChoices):
    RELEVANCE = "relevance", gettext_lazy("Best match")
    DISTANCE = "distance", gettext_lazy("Nearest")
    RATING = "rating", gettext_lazy("Top rated")
    PRICE_LOW = "price_asc", gettext_lazy("Price: low to high")
    PRICE_HIGH = "price_desc", gettext_lazy("Price: high to low")


@dataclass(frozen=True)
class SearchParams:
    text: str = ""
    category: str | None = None  # a category slug; includes its descendants
    latitude: float | None = None
    longitude: float | None = None
    # With a point: the listing's base within this. None with ``serves_point``
    # and no radius asked for: then only the listings' own radii limit the search.
    radius_km: float | None = None
    serves_point: bool = False  # with a point: only listings whose area covers it
    price_min: int | None = None  # minor units of ``currency``
    price_max: int | None = None
    currency: str | None = None
    min_rating: float | None = None
    verified_only: bool = False
    # Badge kinds (trust.models.BadgeKind) the provider must hold, all of them.
    badges: tuple[str, ...] = ()
    instant_book_only: bool = False
    language: str | None = None  # a language the provider speaks
    sort: Sort = Sort.RELEVANCE
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def required_badges(self) -> tuple[str, ...]:
        """The badges a provider must hold: those asked for, and "ID verified"
        for ``verified`` (a verified provider is one holding that badge)."""
        kinds = set(self.badges)
        if self.verified_only:
            kinds.add(BadgeKind.ID_VERIFIED.value)
        return tuple(sorted(kinds))


@dataclass(frozen=True)
class SearchHit:
    listing_id: int
    public_id: str
    title: str
    category_slug: str
    category_name: str
    provider_public_id: str
    provider_name: str
    provider_verified: bool
    pricing_model: str
    price: Money | None
    distance_km: float | None
    rating_mean: float
    rating_count: int
    latitude: float
    longitude: float
    thumbnail_url: str | None
    instant_book: bool
    is_promoted: bool
    # The provider's live badge kinds, in display order.
    badges: tuple[str, ...] = ()
    score: float = 0.0  # the "best match" score (search.ranking); 0 for other sorts
    rating_score: float = 0.0  # the shrunk rating that "Top rated" sorts by


@dataclass(frozen=True)
class FacetCount:
    key: str
    label: str
    count: int


@dataclass
class SearchResults:
    hits: list[SearchHit]
    next_cursor: str | None
    # "category": the top-level categories, or the chosen one then its children
    # (keys are slugs); "price": bands keyed "<min>-<max>" in minor units of
    # ``price_currency``, both ends inclusive, the last one "<min>-".
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    total: int = 0
    # Counting stops at a limit (queries.COUNT_LIMIT): then ``total`` is that
    # limit, ``total_exact`` is false and the page can say "1,000+".
    total_exact: bool = True
    price_currency: str | None = None


def _error(fields: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_search",
        _("Some search filters are not valid."),
        status=400,
        fields=fields,
    )


def _float(
    raw: str, name: str, errors: dict, *, low: float, high: float
) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        errors.setdefault(name, []).append(_("Enter a number."))
        return None
    if not math.isfinite(value) or not low <= value <= high:
        errors.setdefault(name, []).append(
            _("Enter a number between %(low)s and %(high)s.")
            % {"low": low, "high": high}
        )
        return None
    return value


def _price(raw: str, name: str, currency: str, errors: dict) -> int | None:
    try:
        value = Money.from_major(Decimal(raw), currency)
    except (InvalidOperation, ValueError):
        errors.setdefault(name, []).append(_("Enter a price like 120 or 99.50."))
        return None
    if value.amount < 0:
        errors.setdefault(name, []).append(_("A price cannot be negative."))
        return None
    if value.amount > 10**12:
        errors.setdefault(name, []).append(_("That price is too large."))
        return None
    return value.amount


_TRUE = {"1", "true", "on", "yes"}


def parse_search_params(query: Mapping[str, str]) -> SearchParams:
    """Validate a query string. Prices arrive in major units (``price_min=99.5``)
    and leave in minor units. Unknown keys are ignored (tracking parameters)."""
    errors: dict[str, list[str]] = {}

    def get(key: str) -> str:
        return (query.get(key) or "").strip()

    text = " ".join(get("q").split())
    if len(text) > MAX_QUERY_LENGTH:
        errors["q"] = [
            _("Keep the search under %(count)d characters.")
            % {"count": MAX_QUERY_LENGTH}
        ]

    latitude = longitude = radius = None
    if get("lat") or get("lng"):
        latitude = _float(get("lat"), "lat", errors, low=-90, high=90)
        longitude = _float(get("lng"), "lng", errors, low=-180, high=180)
        if not get("lat") or not get("lng"):
            errors.setdefault("lat", []).append(_("Give both latitude and longitude."))
    if get("radius_km"):
        radius = _float(
            get("radius_km"), "radius_km", errors, low=MIN_RADIUS_KM, high=MAX_RADIUS_KM
        )
        if not (get("lat") and get("lng")):
            errors.setdefault("radius_km", []).append(
                _("A radius needs a location (lat and lng).")
            )
    elif latitude is not None and longitude is not None and get("serves") not in _TRUE:
        # "Serves this address" is limited by each listing's own service radius;
        # a default radius on the base would hide providers who travel far.
        radius = DEFAULT_RADIUS_KM

    currency = get("currency").upper() or None
    if currency and currency not in known_currencies():
        errors["currency"] = [_("Unknown currency.")]
        currency = None
    price_min = price_max = None
    if get("price_min") or get("price_max"):
        price_currency = currency or settings.DOORSTEP_CURRENCY
        if get("price_min"):
            price_min = _price(get("price_min"), "price_min", price_currency, errors)
        if get("price_max"):
            price_max = _price(get("price_max"), "price_max", price_currency, errors)
        if price_min is not None and price_max is not None and price_min > price_max:
            errors.setdefault("price_max", []).append(
                _("The highest price must not be below the lowest.")
            )
        currency = price_currency

    min_rating = None
    if get("min_rating"):
        min_rating = _float(get("min_rating"), "min_rating", errors, low=0, high=5)

    # ``badges=id_verified,top_provider`` (the API), or the key repeated (the
    # web form's checkboxes).
    raw_badges = (
        query.getlist("badges") if hasattr(query, "getlist") else [get("badges")]
    )
    badges = tuple(
        sorted(
            {
                kind.strip()
                for raw in raw_badges
                for kind in raw.split(",")
                if kind.strip()
            }
        )
    )
    if any(kind not in BadgeKind.values for kind in badges) or len(badges) > 10:
        errors["badges"] = [_("Unknown badge.")]
        badges = ()

    category = get("category") or None
    if category and (len(category) > 80 or not category.replace("-", "").isalnum()):
        errors["category"] = [_("Unknown category.")]

    language = get("language") or None
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        errors["language"] = [_("Unknown language.")]

    sort_raw = get("sort")
    if sort_raw and sort_raw not in Sort.values:
        errors["sort"] = [_("Unknown sort order.")]
    sort = Sort(sort_raw) if sort_raw in Sort.values else None
    if sort is None:
        sort = (
            Sort.RELEVANCE
            if text
            else (Sort.DISTANCE if latitude is not None else Sort.RATING)
        )
    if sort == Sort.DISTANCE and (latitude is None or longitude is None):
        errors.setdefault("sort", []).append(_("Sorting by distance needs a location."))

    limit = DEFAULT_LIMIT
    if get("limit"):
        if not get("limit").isdigit() or not 1 <= int(get("limit")) <= MAX_LIMIT:
            errors["limit"] = [
                _("Ask for between 1 and %(max)d results.") % {"max": MAX_LIMIT}
            ]
        else:
            limit = int(get("limit"))

    cursor = get("cursor") or None
    if cursor and len(cursor) > 200:
        errors["cursor"] = [_("This page link is not valid.")]

    if errors:
        raise _error(errors)
    return SearchParams(
        text=text,
        category=category,
        latitude=latitude,
        longitude=longitude,
        radius_km=radius,
        serves_point=get("serves") in _TRUE,
        price_min=price_min,
        price_max=price_max,
        currency=currency,
        min_rating=min_rating,
        verified_only=get("verified") in _TRUE,
        badges=badges,
        instant_book_only=get("instant") in _TRUE,
        language=language,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
