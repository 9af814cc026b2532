"""schema.org structured data (JSON-LD) built from real data only.

Each builder returns a plain dict; :func:`templatetags.seo.json_ld` writes it
into the page. Absolute URLs come from the request, like the canonical link.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.http import HttpRequest
from django.urls import reverse

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing, PricingModel
from doorstep.catalog.queries import service_area_centre
from doorstep.marketplace.queries import city_near
from doorstep.reviews.queries import Summary, listing_summary, provider_summary

CONTEXT = "https://schema.org"
BEST_RATING = 5
WORST_RATING = 1
DESCRIPTION_LENGTH = 300
# Stars are whole numbers, their mean is shown with one decimal; two in the data.
RATING_DECIMALS = 2


def aggregate_rating(summary: Summary) -> dict | None:
    """The rating of public reviews, or ``None`` when there are none: search
    engines must never be told of a rating nobody gave."""
    if summary.count <= 0:
        return None
    return {
        "@type": "AggregateRating",
        "ratingValue": round(summary.mean, RATING_DECIMALS),
        "reviewCount": summary.count,
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
    }


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > DESCRIPTION_LENGTH:
        text = text[: DESCRIPTION_LENGTH - 1].rstrip() + "…"
    return text


def _area(latitude: float, longitude: float, radius_km: Decimal | float) -> dict:
    """Where a provider works: their served city by name, else a circle around
    the rounded centre customers already see (never the base itself)."""
    city = city_near(latitude, longitude)
    if city is not None:
        return {"@type": "City", "name": city.name}
    return {
        "@type": "GeoCircle",
        "geoMidpoint": {
            "@type": "GeoCoordinates",
            "latitude": round(latitude, 2),
            "longitude": round(longitude, 2),
        },
        "geoRadius": str(Decimal(radius_km) * 1000),
    }


def _provider_ref(request: HttpRequest, provider: ProviderProfile) -> dict:
    """The provider as a service names it: an agency is a business, anyone else
    a person."""
    return {
        "@type": "LocalBusiness" if provider.agency_id else "Person",
        "@id": provider_url(request, provider),
        "name": provider.display_name,
        "url": provider_url(request, provider),
    }


def provider_url(request: HttpRequest, provider: ProviderProfile) -> str:
    return request.build_absolute_uri(
        reverse("reviews:provider", args=[provider.public_id])
    )


def listing_url(request: HttpRequest, listing: Listing) -> str:
    return request.build_absolute_uri(
        reverse("catalog:listing", args=[listing.public_id])
    )


def _offer(request: HttpRequest, listing: Listing) -> dict | None:
    """The price in major units as a string ("300.00": no float rounding); an
    hourly rate says so; a listing "on quote" has no offer."""
    price = listing.price
    if price is None or listing.pricing_model == PricingModel.QUOTE:
        return None
    offer = {
        "@type": "Offer",
        "price": str(price.major),
        "priceCurrency": price.currency,
        "url": listing_url(request, listing),
        "availability": "https://schema.org/InStock",
    }
    if listing.pricing_model == PricingModel.HOURLY:
        offer["priceSpecification"] = {
            "@type": "UnitPriceSpecification",
            "price": str(price.major),
            "priceCurrency": price.currency,
            "unitCode": "HUR",  # UN/CEFACT: one hour
        }
    return offer


def service(request: HttpRequest, listing: Listing) -> dict:
    """A listing as a ``Service``."""
    latitude, longitude = service_area_centre(listing)
    data = {
        "@context": CONTEXT,
        "@type": "Service",
        "@id": listing_url(request, listing) + "#service",
        "name": listing.title,
        "url": listing_url(request, listing),
        "serviceType": listing.category.name,
        "provider": _provider_ref(request, listing.provider),
        "areaServed": _area(latitude, longitude, listing.service_radius_km),
    }
    description = _short(listing.description or listing.category.description)
    if description:
        data["description"] = description
    offer = _offer(request, listing)
    if offer is not None:
        data["offers"] = offer
    rating = aggregate_rating(listing_summary(listing))
    if rating is not None:
        data["aggregateRating"] = rating
    return data


def local_business(request: HttpRequest, provider: ProviderProfile) -> dict:
    """A provider's public page as a ``LocalBusiness``. The address is the
    served city only: a provider's base is often their home."""
    latitude = round(provider.latitude, 2)
    longitude = round(provider.longitude, 2)
    data = {
        "@context": CONTEXT,
        "@type": "LocalBusiness",
        "@id": provider_url(request, provider),
        "name": provider.display_name,
        "url": provider_url(request, provider),
        "areaServed": _area(latitude, longitude, provider.service_radius_km),
    }
    city = city_near(latitude, longitude)
    if city is not None:
        data["address"] = {"@type": "PostalAddress", "addressLocality": city.name}
    if provider.bio:
        data["description"] = _short(provider.bio)
    if provider.photo:
        data["image"] = request.build_absolute_uri(provider.photo.url)
    rating = aggregate_rating(provider_summary(provider))
    if rating is not None:
        data["aggregateRating"] = rating
    return data


def breadcrumb_list(request: HttpRequest, crumbs: Sequence[tuple[str, str]]) -> dict:
    """``(name, path)`` pairs, the first the home page, the last this page."""
    return {
        "@context": CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": name,
                "item": request.build_absolute_uri(path),
            }
            for position, (name, path) in enumerate(crumbs, start=1)
        ],
    }


def item_list(request: HttpRequest, items: Sequence[tuple[str, str]]) -> dict:
    """The listings a landing page shows, in order, as ``(name, path)`` pairs."""
    return {
        "@context": CONTEXT,
        "@type": "ItemList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": name,
                "url": request.build_absolute_uri(path),
            }
            for position, (name, path) in enumerate(items, start=1)
        ],
    }
