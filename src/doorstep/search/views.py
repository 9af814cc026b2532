"""The search page: filters in the URL, results with facets, and a map.

Every filter is a query-string parameter exactly as :func:`parse_search_params`
reads it, so a search is a link that can be shared. The page is one GET form;
with htmx, changing a filter swaps the filters and the results in place (the map
stays and moves its markers) and "Load more" appends the next page by cursor.
Without JavaScript the same form submits and the same page renders.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from doorstep.analytics.services import record_search_results
from doorstep.catalog.models import Category
from doorstep.core.errors import DomainError
from doorstep.core.geo import MAX_RADIUS_KM
from doorstep.core.money import Money
from doorstep.marketplace import queries as marketplace_queries
from doorstep.promotions.services import count_impressions
from doorstep.search.params import (
    DEFAULT_RADIUS_KM,
    SearchParams,
    SearchResults,
    Sort,
    parse_search_params,
)
from doorstep.search.queries import search_listings
from doorstep.trust.badge_queries import badge_filter_choices
from doorstep.web.ratelimit import rate_setting

# The parameters the form owns; anything else in the URL (tracking tags) is ignored.
FILTER_KEYS = (
    "q",
    "category",
    "lat",
    "lng",
    "radius_km",
    "serves",
    "price_min",
    "price_max",
    "currency",
    "min_rating",
    "verified",
    "badges",
    "instant",
    "language",
    "sort",
)
# A convenience for forms without script (the home page): ``city=shanghai`` is
# answered with a redirect to the same search at that city's lat/lng.
CITY_PARAM = "city"
RADIUS_CHOICES_KM = (2, 5, 10, 25, 50, 100)
MIN_RATING_CHOICES = ("3", "4", "4.5")
# A point this close to a quick-pick city's centre is that city (about 1 km).
CITY_TOLERANCE_DEGREES = 0.01
# Partials are chosen by the element htmx swaps (its HX-Target header).
RESULTS_TARGET = "search-results"
MORE_TARGET = "load-more"


@dataclass(frozen=True)
class City:
    slug: str
    name: str
    latitude: float
    longitude: float
    url: str = ""
    is_active: bool = False


@dataclass(frozen=True)
class FacetLink:
    key: str
    label: str
    count: int
    url: str
    is_selected: bool


def search_cities() -> list[City]:
    """The quick picks: the cities the marketplace serves (ops edit them at
    ``/ops/settings/cities/``)."""
    return [
        City(
            slug=city.slug,
            name=city.name,
            latitude=city.latitude,
            longitude=city.longitude,
        )
        for city in marketplace_queries.cities()
    ]


def _search_url(query: QueryDict | dict, **changes: object) -> str:
    """The search page URL for ``query`` with some parameters changed (``None``
    removes one). Empty values and the cursor are dropped: a changed search
    starts again from its first page."""
    values = {key: _value(query, key) for key in FILTER_KEYS}
    for key, value in changes.items():
        values[key] = "" if value is None else str(value)
    encoded = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if values[key]:
            encoded[key] = values[key]
    base = reverse("search:search")
    return f"{base}?{encoded.urlencode()}" if encoded else base


def _value(query: QueryDict | dict, key: str) -> str:
    """A parameter's value; the badge checkboxes repeat their key, joined here."""
    if key == "badges" and hasattr(query, "getlist"):
        return ",".join(v.strip() for v in query.getlist(key) if v.strip())
    return (query.get(key) or "").strip()


def _city_redirect(request: HttpRequest) -> HttpResponse | None:
    slug = request.GET.get(CITY_PARAM)
    if slug is None:
        return None
    city = next((c for c in search_cities() if c.slug == slug), None)
    changes: dict[str, object] = {}
    if city is not None:
        changes = {"lat": city.latitude, "lng": city.longitude}
    return redirect(_search_url(request.GET, **changes))


def _major(amount: int, currency: str) -> str:
    """Minor units as a plain number for an input box: 30000 CNY → "300"."""
    value = Money(amount, currency).major
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def _price_band_links(
    query: QueryDict, params: SearchParams | None, facets: list, currency: str
) -> list[FacetLink]:
    """Price bands arrive keyed "<min>-<max>" in minor units (either end may be
    empty); each becomes a link that sets price_min/price_max in major units."""
    links = []
    current = (params.price_min, params.price_max) if params else (None, None)
    for facet in facets:
        low_raw, _sep, high_raw = facet.key.partition("-")
        try:
            low = int(low_raw) if low_raw else None
            high = int(high_raw) if high_raw else None
        except ValueError:
            continue
        links.append(
            FacetLink(
                key=facet.key,
                label=facet.label,
                count=facet.count,
                url=_search_url(
                    query,
                    price_min=_major(low, currency) if low is not None else None,
                    price_max=_major(high, currency) if high is not None else None,
                    currency=currency,
                ),
                is_selected=current == (low, high),
            )
        )
    return links


def _category_links(
    query: QueryDict, params: SearchParams | None, facets: list
) -> list[FacetLink]:
    selected = params.category if params else None
    return [
        FacetLink(
            key=facet.key,
            label=facet.label,
            count=facet.count,
            url=_search_url(query, category=facet.key),
            is_selected=facet.key == selected,
        )
        for facet in facets
    ]


def _display_currency(params: SearchParams | None, results: SearchResults) -> str:
    """The currency prices are typed in: the one asked for, else the one most
    results are priced in, else the site's."""
    if params and params.currency:
        return params.currency
    counts: dict[str, int] = {}
    for hit in results.hits:
        if hit.price is not None:
            counts[hit.price.currency] = counts.get(hit.price.currency, 0) + 1
    if counts:
        return max(counts, key=counts.get)
    return settings.DOORSTEP_CURRENCY


def _location(query: QueryDict, params: SearchParams | None) -> dict[str, object]:
    has_point = bool(params and params.has_point)
    cities = []
    active = None
    for city in search_cities():
        is_active = has_point and (
            abs(params.latitude - city.latitude) < CITY_TOLERANCE_DEGREES
            and abs(params.longitude - city.longitude) < CITY_TOLERANCE_DEGREES
        )
        city = City(
            slug=city.slug,
            name=city.name,
            latitude=city.latitude,
            longitude=city.longitude,
            url=_search_url(query, lat=city.latitude, lng=city.longitude),
            is_active=is_active,
        )
        cities.append(city)
        if is_active:
            active = city
    radius = params.radius_km if has_point else None
    radius_choices = sorted({*RADIUS_CHOICES_KM, *([radius] if radius else [])})
    return {
        "has_point": has_point,
        "cities": cities,
        "active_city": active,
        "radius_km": radius,
        "radius_choices": radius_choices,
        "clear_url": _search_url(
            query, lat=None, lng=None, radius_km=None, serves=None, sort=None
        ),
    }


def _wider_url(query: QueryDict, params: SearchParams | None) -> str | None:
    if not params or not params.has_point:
        return None
    radius = params.radius_km or DEFAULT_RADIUS_KM
    if radius >= MAX_RADIUS_KM:
        return None
    wider = min(MAX_RADIUS_KM, max(radius * 2, 10))
    return _search_url(query, radius_km=f"{wider:g}", serves=None)


def _category_name(params: SearchParams | None, facets: list) -> str | None:
    if not params or not params.category:
        return None
    for facet in facets:
        if facet.key == params.category:
            return facet.label
    category = Category.objects.filter(slug=params.category).first()
    return category.name if category else None


def _active_filter_count(params: SearchParams | None) -> int:
    if params is None:
        return 0
    return sum(
        [
            params.category is not None,
            params.price_min is not None or params.price_max is not None,
            params.min_rating is not None,
            params.verified_only,
            bool(params.badges),
            params.instant_book_only,
            params.language is not None,
        ]
    )


def _heading(
    query: QueryDict, category_name: str | None, location: dict[str, object]
) -> str:
    """What the results are, in words: "“cleaning” near Shanghai"."""
    text = (query.get("q") or "").strip()[:60]
    if text:
        what = _("“%(query)s”") % {"query": text}
    else:
        what = category_name or _("Services")
    city = location["active_city"]
    if city is not None:
        return _("%(what)s near %(place)s") % {"what": what, "place": city.name}
    if location["has_point"]:
        return _("%(what)s near the chosen point") % {"what": what}
    return what


@require_GET
@ratelimit(key="ip", rate=rate_setting("search_per_ip"), block=True)
def search(request: HttpRequest) -> HttpResponse:
    """The search page, or with htmx only the part that changed (see module doc)."""
    city_redirect = _city_redirect(request)
    if city_redirect is not None:
        return city_redirect

    errors: dict[str, list[str]] = {}
    params: SearchParams | None = None
    results = SearchResults(hits=[], next_cursor=None)
    try:
        params = parse_search_params(request.GET)
        results = search_listings(params, language=get_language())
        count_impressions(
            listing_ids=[hit.listing_id for hit in results.hits if hit.is_promoted]
        )
        record_search_results(params, results)
    except DomainError as error:
        errors = dict(error.fields) or {"__all__": [error.message]}

    query = request.GET
    facets = results.facets or {}
    location = _location(query, params)
    category_name = _category_name(params, facets.get("category", []))
    currency = _display_currency(params, results)
    next_url = None
    if results.next_cursor:
        next_query = query.copy()
        next_query["cursor"] = results.next_cursor
        next_url = f"{reverse('search:search')}?{next_query.urlencode()}"
    context = {
        "params": params,
        "values": {key: _value(query, key) for key in FILTER_KEYS},
        "badge_choices": badge_filter_choices(),
        "errors": errors,
        # Messages for parameters without a control of their own (cursor, limit).
        "general_errors": [
            message
            for key, messages in errors.items()
            if key not in FILTER_KEYS
            for message in messages
        ],
        "results": results,
        "hits": results.hits,
        # Links to a listing say they came from here (a promotion's clicks).
        "from_search": True,
        "next_url": next_url,
        "is_first_page": not (params and params.cursor),
        "category_name": category_name,
        "heading": _heading(query, category_name, location),
        "category_links": _category_links(query, params, facets.get("category", [])),
        "price_links": _price_band_links(
            query, params, facets.get("price", []), currency
        ),
        "currency": currency,
        "location": location,
        "sort_choices": [
            (value, label)
            for value, label in Sort.choices
            if value != Sort.DISTANCE or (params and params.has_point)
        ],
        "min_rating_choices": MIN_RATING_CHOICES,
        "languages": settings.LANGUAGES,
        "active_filter_count": _active_filter_count(params),
        "clear_filters_url": _search_url(
            {key: query.get(key, "") for key in ("q", "lat", "lng", "radius_km")}
        ),
        "clear_category_url": _search_url(query, category=None),
        "first_page_url": _search_url(query),
        "clear_text_url": _search_url(query, q=None, sort=None)
        if query.get("q")
        else None,
        "wider_url": _wider_url(query, params),
        "map_tile_url": settings.DOORSTEP_MAP_TILE_URL,
        "map_attribution": settings.DOORSTEP_MAP_ATTRIBUTION,
    }
    template = "search/search.html"
    if request.htmx and not request.htmx.history_restore_request:
        if request.htmx.target == MORE_TARGET:
            template = "search/_more.html"
        elif request.htmx.target == RESULTS_TARGET:
            template = "search/_swap.html"
    response = render(request, template, context, status=400 if errors else 200)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
