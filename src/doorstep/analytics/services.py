"""Writes of analytics: recording a search, privacy-safe."""

from datetime import datetime

from django.utils import timezone

from doorstep.analytics.models import SearchRecord
from doorstep.analytics.rollups import Slicer


def record_search(
    *,
    results: int,
    category: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    city: str = "",
    now: datetime | None = None,
) -> SearchRecord:
    """Note that a search ran and how many results it found. Keeps no text, no
    person and no exact place: only the category slug, the served city and the
    analytics H3 cell (~5 km²) of the point searched around. Counted into
    ``DailySearchFacts`` by the periodic refresh and the rebuild."""
    place_city, cell = Slicer().place(latitude, longitude)
    return SearchRecord.objects.create(
        created_at=now or timezone.now(),
        category=category[:80],
        city=(city or place_city)[:60],
        cell=cell,
        results=max(0, results),
    )


def record_listing_view(*, listing_id: int, provider_id: int) -> None:
    """Count one view of a listing's page today (for the provider's insights).
    Safe under concurrency: an atomic increment of the day's row."""
    from django.db import IntegrityError, transaction
    from django.db.models import F

    from doorstep.analytics.models import ListingViewDay
    from doorstep.analytics.rollups import today

    day = today()
    updated = ListingViewDay.objects.filter(listing_id=listing_id, day=day).update(
        views=F("views") + 1
    )
    if updated:
        return
    try:
        with transaction.atomic():
            ListingViewDay.objects.create(
                listing_id=listing_id, provider_id=provider_id, day=day, views=1
            )
    except IntegrityError:  # another request created it first
        ListingViewDay.objects.filter(listing_id=listing_id, day=day).update(
            views=F("views") + 1
        )


def record_search_results(params, results) -> SearchRecord | None:
    """Record a search the search page or API just answered (``search``'s
    ``SearchParams`` and ``SearchResults``); further pages of the same search
    (a ``cursor``) are not new searches."""
    if getattr(params, "cursor", None):
        return None
    return record_search(
        results=results.total if results.total else len(results.hits),
        category=params.category or "",
        latitude=params.latitude,
        longitude=params.longitude,
    )
