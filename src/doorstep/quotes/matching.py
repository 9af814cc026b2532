"""Who a job request goes to: the one place that says so.

A provider is matched when one of their published listings is in the request's
category (or one of its subcategories) and its service area reaches the pin,
nothing mandatory for the category is missing from their documents (the
trust app's requirements, as for publishing a listing, when the operator
requires verified documents), they are not the customer, and
their calendar has a start time free in the wanted dates and times of day.
They are ranked as search ranks listings without text — reputation (the shrunk
rating), responsiveness (median minutes to answer) and nearness, the same
weights from ``search.ranking`` — and the best ``limit`` are invited, one
listing each (an on-quote listing before a priced one, then the best scored).

Availability is the costliest check (a calendar read per provider), so it runs
on the best-ranked candidates only, in rank order, until ``limit`` are found.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog.models import Category, Listing, PricingModel
from doorstep.core.errors import DomainError
from doorstep.core.geo import MAX_RADIUS_KM, distance_km
from doorstep.scheduling.slots import bookable_slots
from doorstep.search import ranking
from doorstep.search.categories import load_categories, subtree_ids
from doorstep.trust.queries import providers_meeting_requirements

KM_PER_DEGREE = 111.32
# Local hours of each time of day a customer may ask for ([start, end)).
TIMES_OF_DAY = {"morning": (8, 12), "afternoon": (12, 17), "evening": (17, 21)}


@dataclass(frozen=True)
class Match:
    listing: Listing
    distance_km: float
    score: float

    @property
    def provider(self) -> ProviderProfile:
        return self.listing.provider


def score_of(listing: Listing, distance: float) -> float:
    """Reputation + responsiveness + nearness, as ``search.ranking`` weighs
    them (promotion plays no part: an invitation is not an advert)."""
    rating = ranking.reputation(
        mean=listing.rating_mean,
        count=listing.rating_count,
        prior=ranking.PLATFORM_PRIOR_MEAN,
    )
    static = ranking.static_score(
        rating_score=rating,
        median_response_minutes=listing.provider.median_response_minutes,
    )
    nearness = 1.0 / (1.0 + (distance / ranking.DISTANCE_HALF_KM) ** 2)
    return static + ranking.W_DISTANCE * nearness


def _category_ids(category: Category) -> set[int]:
    return subtree_ids(load_categories(), category.pk) | {category.pk}


def _nearby(category: Category, latitude: float, longitude: float):
    """Published listings in the category whose base lies within the largest
    service radius of the pin (a box the indexes can use), providers loaded."""
    lat_span = MAX_RADIUS_KM / KM_PER_DEGREE
    lng_span = MAX_RADIUS_KM / (
        KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01)
    )
    return (
        Listing.objects.not_archived()
        .filter(
            status=Listing.Status.PUBLISHED,
            category_id__in=_category_ids(category),
            provider__status=ProviderProfile.Status.ACTIVE,
            latitude__range=(latitude - lat_span, latitude + lat_span),
            longitude__range=(longitude - lng_span, longitude + lng_span),
        )
        .select_related("provider", "category")
    )


def ranked_candidates(
    *,
    category: Category,
    latitude: float,
    longitude: float,
    customer: User,
    listing: Listing | None = None,
) -> list[Match]:
    """Every provider who serves the category at the pin and is verified for
    it, best first, with the listing they would quote through."""
    if listing is not None:
        listings = [listing]
    else:
        listings = list(_nearby(category, latitude, longitude))
    best: dict[int, Match] = {}
    for item in listings:
        if item.provider.user_id == customer.pk:
            continue
        distance = distance_km(latitude, longitude, item.latitude, item.longitude)
        if distance > float(item.service_radius_km):
            continue
        match = Match(
            listing=item, distance_km=distance, score=score_of(item, distance)
        )
        current = best.get(item.provider_id)
        if current is None or _preference(match) > _preference(current):
            best[item.provider_id] = match
    if not best:
        return []
    if settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS:
        verified = providers_meeting_requirements(
            [match.provider for match in best.values()], category
        )
    else:
        verified = set(best)
    return sorted(
        (match for match in best.values() if match.provider.pk in verified),
        key=lambda match: (-match.score, match.listing.pk),
    )


def _preference(match: Match) -> tuple[bool, float]:
    return (match.listing.pricing_model == PricingModel.QUOTE, match.score)


def free_start_times(
    listing: Listing,
    *,
    wanted_from: date,
    wanted_until: date,
    times_of_day: list[str],
    zone: ZoneInfo,
    now: datetime | None = None,
) -> list[datetime]:
    """The listing's bookable start times in the wanted dates (dates in
    ``zone``, the request's) and times of day, earliest first."""
    try:
        slots = bookable_slots(
            listing=listing,
            start_date=wanted_from,
            end_date=wanted_until,
            viewer_tz=zone,
            now=now,
        )
    except DomainError:
        return []
    return [
        slot.starts_at
        for slot in slots
        if _in_times_of_day(slot.local_starts_at, times_of_day)
    ]


def _in_times_of_day(local: datetime, times_of_day: list[str]) -> bool:
    if not times_of_day:
        return True
    return any(
        TIMES_OF_DAY[name][0] <= local.hour < TIMES_OF_DAY[name][1]
        for name in times_of_day
        if name in TIMES_OF_DAY
    )


def match_providers(
    *,
    category: Category,
    latitude: float,
    longitude: float,
    customer: User,
    wanted_from: date,
    wanted_until: date,
    times_of_day: list[str],
    zone: ZoneInfo,
    limit: int,
    listing: Listing | None = None,
    now: datetime | None = None,
) -> list[Match]:
    """The providers to invite, best first, never more than ``limit``."""
    chosen: list[Match] = []
    for match in ranked_candidates(
        category=category,
        latitude=latitude,
        longitude=longitude,
        customer=customer,
        listing=listing,
    ):
        if len(chosen) >= limit:
            break
        if free_start_times(
            match.listing,
            wanted_from=wanted_from,
            wanted_until=wanted_until,
            times_of_day=times_of_day,
            zone=zone,
            now=now,
        ):
            chosen.append(match)
    return chosen
