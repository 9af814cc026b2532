"""Public catalogue pages: a listing as customers see it.

The provider dashboard (creating and editing listings) has its own views; this
module only shows.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from doorstep.accounts.models import ProviderProfile, User
from doorstep.analytics.services import record_listing_view
from doorstep.catalog.models import Listing, PricingModel
from doorstep.catalog.queries import service_area_centre
from doorstep.core.errors import DomainError
from doorstep.core.money import Money
from doorstep.orders.queries import listing_staff
from doorstep.promotions.services import count_click, visitor_key
from doorstep.recommendations.queries import customer_point, similar_listings
from doorstep.recommendations.services import record_visit
from doorstep.reviews.views import listing_section
from doorstep.search.params import SearchHit, SearchParams, Sort
from doorstep.search.queries import search_listings

RELATED_LISTINGS = 4
RELATED_RADIUS_KM = 25.0
OG_DESCRIPTION_LENGTH = 200


def _is_public(listing: Listing) -> bool:
    return (
        listing.is_published
        and listing.provider.status == ProviderProfile.Status.ACTIVE
    )


def _displayable_listing(public_id: str, user: User | AnonymousUser) -> Listing:
    """The listing for its public page. Drafts, paused listings and listings of
    suspended providers are not found, except by their owner, who previews them."""
    listing = (
        Listing.objects.not_archived()
        .select_related("provider__user", "category__parent")
        .prefetch_related("photos", "add_ons")
        .filter(public_id=public_id)
        .first()
    )
    if listing is None:
        raise Http404
    is_owner = user.is_authenticated and listing.provider.user_id == user.pk
    if not (_is_public(listing) or is_owner):
        raise Http404
    return listing


def _related(listing: Listing) -> list[SearchHit]:
    """Other listings in the same category near this one, best rated first."""
    params = SearchParams(
        category=listing.category.slug,
        latitude=listing.latitude,
        longitude=listing.longitude,
        radius_km=RELATED_RADIUS_KM,
        sort=Sort.RATING,
        limit=RELATED_LISTINGS + 1,
    )
    try:
        results = search_listings(params, language=get_language())
    except DomainError:
        return []
    hits = [hit for hit in results.hits if hit.public_id != listing.public_id]
    return hits[:RELATED_LISTINGS]


def _similar(request: HttpRequest, listing: Listing) -> list[SearchHit]:
    """Similar services the viewer can book where they are (their saved
    address; for anyone else, this listing's area)."""
    if not _is_public(listing):
        return []
    point = None
    if request.user.is_authenticated:
        point = customer_point(request.user)
    point = point or (listing.latitude, listing.longitude)
    return similar_listings(listing_id=listing.pk, point=point, limit=RELATED_LISTINGS)


def _description(listing: Listing) -> str:
    """The text a shared link shows under the title."""
    text = " ".join(listing.description.split()) or listing.category.description
    if not text:
        price = listing.price.format(get_language()) if listing.price else None
        text = " · ".join([listing.category.name, price or _("On quote")])
    if len(text) > OG_DESCRIPTION_LENGTH:
        text = text[: OG_DESCRIPTION_LENGTH - 1].rstrip() + "…"
    return text


@require_GET
def listing_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """A listing as customers see it (its owner also previews drafts here)."""
    listing = _displayable_listing(public_id, request.user)
    if (
        request.GET.get("from") == "search"
        and request.GET.get("promoted") == "1"
        and listing.is_promoted
    ):
        # Opened from a results page where it showed as promoted (in its
        # promotion's scope): a click for the promotion's report and budget.
        count_click(
            listing_id=listing.pk,
            visitor=visitor_key(
                user_id=request.user.pk,
                session_key=request.session.session_key,
                address=request.META.get("REMOTE_ADDR", ""),
            ),
            user=request.user,
        )
    if _is_public(listing) and request.user.pk != listing.provider.user_id:
        # A customer's view, for the provider's insights (views → bookings).
        record_listing_view(listing_id=listing.pk, provider_id=listing.provider_id)
        if request.user.is_authenticated:
            # The customer's own history, for their recommendations.
            record_visit(customer=request.user, listing_id=listing.pk)
    photos = list(listing.photos.all())
    add_ons = [
        (add_on, Money(add_on.price_amount, listing.currency))
        for add_on in listing.add_ons.all()
    ]
    minimum_price = None
    if listing.pricing_model == PricingModel.HOURLY and listing.price is not None:
        minimum_price = Money(
            listing.price.amount * listing.min_hours, listing.currency
        )
    area_latitude, area_longitude = service_area_centre(listing)
    similar = _similar(request, listing)
    canonical_url = request.build_absolute_uri(
        reverse("catalog:listing", args=[listing.public_id])
    )
    context = {
        "listing": listing,
        "provider": listing.provider,
        "category": listing.category,
        "photos": photos,
        "add_ons": add_ons,
        "minimum_price": minimum_price,
        "is_preview": not _is_public(listing),
        "area_latitude": area_latitude,
        "area_longitude": area_longitude,
        "similar": similar,
        "related": [] if similar else _related(listing),
        "review_section": listing_section(request, listing),
        "serving_staff": listing_staff(listing),
        "canonical_url": canonical_url,
        "map_tile_url": settings.DOORSTEP_MAP_TILE_URL,
        "map_attribution": settings.DOORSTEP_MAP_ATTRIBUTION,
        "share_description": _description(listing),
        # The drawn preview (title, rating, price, first photo), in this
        # page's language; none for a preview only its owner sees.
        "share_image_url": None
        if not _is_public(listing)
        else request.build_absolute_uri(
            reverse("web:share_listing", args=[listing.public_id])
            + f"?lang={get_language()}"
        ),
    }
    return render(request, "catalog/listing_detail.html", context)
