"""What a promotion earned: impressions when a results page shows it, clicks
when it is opened from one, bookings of the listing while it ran."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.promotions.models import PromotionDay
from doorstep.promotions.queries import promotion_reports
from doorstep.promotions.services import buy_promotion
from doorstep.search.tests.helpers import search
from tests.factories import make_listing, make_order

pytestmark = pytest.mark.django_db


def test_impressions_clicks_and_bookings_are_counted_per_promotion(client):
    # given a promoted listing and a plain one
    listing = make_listing(title="Window cleaning")
    make_listing(title="Oven cleaning")
    promotion = buy_promotion(
        user=listing.provider.user, listing_id=listing.public_id, days=3
    )
    # when two results pages show it (the web page and the API)
    page = client.get("/search/", {"sort": "relevance"})
    assert f"/services/{listing.public_id}/?from=search" in page.content.decode()
    assert client.get("/api/v1/services", {"sort": "relevance"}).status_code == 200
    # and a customer opens it from the results, another directly
    client.get(f"/services/{listing.public_id}/?from=search")
    client.get(f"/services/{listing.public_id}/")
    # and books it once
    make_order(listing=listing, starts_in=timedelta(days=2))
    # then the report has two impressions, one click, one booking
    (report,) = promotion_reports(listing)
    assert report.promotion == promotion
    assert (report.impressions, report.clicks, report.bookings) == (2, 1, 1)
    # kept as one row per day
    assert PromotionDay.objects.filter(promotion=promotion).count() == 1


def test_a_search_alone_writes_nothing_for_unpromoted_hits():
    make_listing()
    search(sort="relevance")
    assert not PromotionDay.objects.exists()


def test_bookings_before_the_promotion_do_not_count():
    listing = make_listing()
    make_order(listing=listing, starts_in=timedelta(days=2))
    buy_promotion(user=listing.provider.user, listing_id=listing.public_id, days=1)
    (report,) = promotion_reports(listing)
    assert report.bookings == 0
    assert report.promotion.ends_at > timezone.now()
