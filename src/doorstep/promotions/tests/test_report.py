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
    link = f"/services/{listing.public_id}/?from=search&amp;promoted=1"
    assert link in page.content.decode()
    assert client.get("/api/v1/services", {"sort": "relevance"}).status_code == 200
    # and a customer opens it from the results, another directly
    client.get(f"/services/{listing.public_id}/?from=search&promoted=1")
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


def test_per_day_figures_of_a_daily_budget(settings):
    # given a daily budget at 100 a click, shown 4 times, clicked twice, booked once
    from doorstep.promotions.models import Promotion
    from doorstep.promotions.queries import (
        own_promotions_days_csv,
        promotion_days,
        totals_by_currency,
    )
    from doorstep.promotions.services import count_click, count_impressions

    listing = make_listing()
    promotion = buy_promotion(
        user=listing.provider.user,
        listing_id=listing.public_id,
        days=5,
        mode=Promotion.Mode.DAILY_BUDGET,
        daily_budget=1_000,
        cost_per_click=100,
    )
    for _ in range(4):
        count_impressions(listing_ids=[listing.pk])
    count_click(listing_id=listing.pk, visitor="a")
    count_click(listing_id=listing.pk, visitor="b")
    make_order(listing=listing, starts_in=timedelta(days=2))
    # then one day: CTR 2/4, spend 200, 200 per booking
    (day,) = promotion_days(promotion)
    assert (day.impressions, day.clicks, day.bookings) == (4, 2, 1)
    assert day.click_through_rate == 0.5
    assert day.spend.amount == 200
    assert day.cost_per_booking.amount == 200
    (report,) = promotion_reports(listing)
    assert (report.spend.amount, report.cost_per_booking.amount) == (200, 200)
    (total,) = totals_by_currency([report])
    assert (total.currency, total.spend.amount, total.bookings) == ("CNY", 200, 1)
    # and the CSV has that line
    lines = own_promotions_days_csv(listing).splitlines()
    assert lines[0].startswith("promotion,mode,day,impressions,clicks")
    assert lines[1].split(",") == [
        promotion.public_id,
        "daily_budget",
        day.day.isoformat(),
        "4",
        "2",
        "0.5000",
        "1",
        "2.00",
        "2.00",
        "CNY",
    ]


def test_a_fixed_days_report_spreads_the_price_over_the_paid_days(settings):
    from doorstep.promotions.queries import promotion_days
    from doorstep.promotions.services import cancel_promotion

    settings.DOORSTEP_PROMOTION_DAY_PRICE = 300
    listing = make_listing()
    promotion = buy_promotion(
        user=listing.provider.user, listing_id=listing.public_id, days=3
    )
    days = promotion_days(promotion)
    assert sum(day.spend.amount for day in days) == 900
    assert {day.spend.amount for day in days} == {300}
    # cancelled at once: 2 whole days refunded, one day's price left
    cancel_promotion(user=listing.provider.user, promotion_id=promotion.public_id)
    promotion.refresh_from_db()
    assert sum(day.spend.amount for day in promotion_days(promotion)) == 300
    (report,) = promotion_reports(listing)
    assert (report.spend.amount, report.refunded.amount) == (300, 600)
