"""Searches are recorded privacy-safe (no text, no person, no exact place) and
counted into the daily search facts; listing views are counted per day."""

import pytest

from doorstep.analytics import rollups
from doorstep.analytics.models import ListingViewDay, SearchRecord
from doorstep.analytics.queries import Period, Slice, metric_series
from doorstep.analytics.services import record_listing_view
from tests.factories import make_listing

pytestmark = pytest.mark.django_db

SHANGHAI = (31.2304, 121.4737)


def test_a_search_through_the_api_is_recorded_without_its_text(client):
    listing = make_listing(at=SHANGHAI)
    slug = listing.category.slug

    found = client.get(
        "/api/v1/services",
        {"category": slug, "lat": "31.23", "lng": "121.47"},
    )
    nothing = client.get("/api/v1/services", {"category": slug, "q": "my secret"})
    client.get("/api/v1/services", {"category": slug, "cursor": "x"})

    assert found.status_code == 200
    assert nothing.status_code == 200
    records = list(SearchRecord.objects.order_by("pk"))
    assert [record.results for record in records] == [1, 0]
    assert records[0].category == slug
    assert records[0].city == "shanghai"
    assert records[0].cell == rollups.analytics_cell(31.23, 121.47)
    assert "secret" not in str(list(SearchRecord.objects.values()))


def test_searches_and_zero_results_by_day():
    make_listing(at=SHANGHAI)
    for results in (0, 3, 0, 7):
        SearchRecord.objects.create(
            created_at=rollups.timezone.now(),
            category="c",
            city="shanghai",
            results=results,
        )
    day = rollups.today()
    rollups.refresh_recent()

    period = Period(day, day)
    assert metric_series("searches", period=period).totals[0].value == 4
    assert metric_series("zero_result_rate", period=period).totals[0].value == 0.5
    in_city = metric_series("searches", period=period, slice=Slice(city="elsewhere"))
    assert in_city.totals[0].value == 0


def test_listing_views_are_counted_per_day():
    listing = make_listing()

    for _ in range(3):
        record_listing_view(listing_id=listing.pk, provider_id=listing.provider_id)

    row = ListingViewDay.objects.get()
    assert (row.listing_id, row.views, row.day) == (listing.pk, 3, rollups.today())
