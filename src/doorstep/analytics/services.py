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
