"""Every filter of the query service, and who search never shows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing, PricingModel
from doorstep.core.errors import DomainError
from doorstep.search.indexing import index_listing, index_provider
from doorstep.search.tests.helpers import all_pages, found, search, titles
from tests.factories import (
    SHANGHAI,
    TAIPEI,
    make_category,
    make_listing,
    make_provider,
)

pytestmark = pytest.mark.django_db


def test_drafts_paused_listings_and_suspended_providers_are_invisible():
    published = make_listing(title="Visible")
    draft = make_listing(title="Draft", status=Listing.Status.DRAFT)
    paused = make_listing(title="Paused", status=Listing.Status.PAUSED)
    suspended = make_provider(status=ProviderProfile.Status.SUSPENDED)
    hidden = make_listing(title="Suspended", provider=suspended)

    shown = all_pages()

    assert published.pk in shown
    assert {draft.pk, paused.pk, hidden.pk}.isdisjoint(shown)


def test_pausing_a_listing_or_suspending_its_provider_removes_it():
    listing = make_listing(title="Window cleaning")
    assert found(listing, q="window")

    listing.status = Listing.Status.PAUSED
    listing.save()
    index_listing(listing)
    assert not found(listing, q="window")

    listing.status = Listing.Status.PUBLISHED
    listing.save()
    index_listing(listing)
    assert found(listing, q="window")

    listing.provider.status = ProviderProfile.Status.SUSPENDED
    listing.provider.save()
    index_provider(listing.provider)
    assert not found(listing, q="window")


def test_listings_in_an_inactive_category_are_invisible():
    category = make_category("seasonal")
    listing = make_listing(category=category)
    category.is_active = False
    category.save()

    index_listing(listing)

    assert not found(listing)
    with pytest.raises(DomainError):
        search(category="seasonal")


def test_category_filter_includes_descendants():
    repairs = make_category("repairs")
    ac = make_category("ac-repair", parent=repairs)
    ac_split = make_category("split-units", parent=ac)
    other = make_category("beauty")
    in_root = make_listing(category=repairs, title="Handyman")
    in_child = make_listing(category=ac, title="AC repair")
    in_grandchild = make_listing(category=ac_split, title="Split unit repair")
    outside = make_listing(category=other, title="Manicure")

    assert set(all_pages(category="repairs")) == {
        in_root.pk,
        in_child.pk,
        in_grandchild.pk,
    }
    assert set(all_pages(category="ac-repair")) == {in_child.pk, in_grandchild.pk}
    assert outside.pk in all_pages(category="beauty")


def test_unknown_category_is_a_field_error():
    make_category("repairs")

    with pytest.raises(DomainError) as raised:
        search(category="no-such-thing")

    assert raised.value.status == 400
    assert "category" in raised.value.fields


def test_price_range_keeps_its_currency_and_drops_quotes():
    cheap = make_listing(title="Cheap", price=5000)
    mid = make_listing(title="Mid", price=15000)
    dear = make_listing(title="Dear", price=50000)
    make_listing(title="Quote", pricing_model=PricingModel.QUOTE)
    make_listing(title="Dollars", price=15000, currency="USD")

    results = search(price_min="100", price_max="200", currency="CNY")
    assert titles(results) == ["Mid"]

    assert set(all_pages(price_min="100", currency="CNY")) == {mid.pk, dear.pk}
    assert set(all_pages(price_max="150", currency="CNY")) == {cheap.pk, mid.pk}
    assert set(all_pages(price_min="50", price_max="50", currency="CNY")) == {cheap.pk}


def test_hourly_prices_are_compared_per_hour():
    hourly = make_listing(
        title="Hourly", pricing_model=PricingModel.HOURLY, price=8000, min_hours=3
    )
    make_listing(title="Fixed", price=24000)

    assert all_pages(price_max="100", currency="CNY") == [hourly.pk]


def test_min_rating_verified_instant_and_language():
    good = make_listing(title="Good", rating_count=10, rating_mean=4.8)
    make_listing(title="Poor", rating_count=10, rating_mean=3.1)
    make_listing(title="Unrated")
    verified = make_listing(provider=make_provider(verified=True), title="Verified")
    instant = make_listing(title="Instant", instant_book=True)
    chinese = make_listing(
        provider=make_provider(languages=["zh-hans"]), title="Speaks Chinese"
    )
    listing_language = make_listing(title="Listed in Chinese", languages=["zh-hans"])

    assert all_pages(min_rating="4.5") == [good.pk]
    assert all_pages(verified="true") == [verified.pk]
    assert all_pages(instant="1") == [instant.pk]
    assert set(all_pages(language="zh-hans")) == {chinese.pk, listing_language.pk}


def test_radius_keeps_bases_within_the_distance_and_reports_it():
    near = make_listing(title="Near", at=(31.2304, 121.4837))  # ~0.95 km east
    far = make_listing(title="Far", at=(31.2304, 121.6737))  # ~19 km east
    make_listing(title="Taipei", at=TAIPEI)

    results = search(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_km=5)

    assert titles(results) == ["Near"]
    assert results.hits[0].distance_km == pytest.approx(0.95, abs=0.01)
    assert set(all_pages(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_km=25)) == {
        near.pk,
        far.pk,
    }


def test_serves_keeps_listings_whose_own_area_covers_the_point():
    # 30 km away with a 40 km area: serves the point, though far.
    travels = make_listing(title="Travels", at=(31.2304, 121.7890), radius_km=40)
    # 3 km away with a 2 km area: close, but does not come this far.
    stays = make_listing(title="Stays home", at=(31.2304, 121.5052), radius_km=2)
    local = make_listing(title="Local", at=(31.2304, 121.4800), radius_km=5)

    served = set(all_pages(lat=SHANGHAI[0], lng=SHANGHAI[1], serves="1"))

    assert served == {travels.pk, local.pk}
    assert stays.pk not in served
    # An explicit radius still limits how far the base may be.
    assert set(
        all_pages(lat=SHANGHAI[0], lng=SHANGHAI[1], serves="1", radius_km=10)
    ) == {local.pk}


def test_promoted_flag_follows_the_clock():
    now = timezone.now()
    running = make_listing(title="Running", promoted_until=now + timedelta(days=1))
    ended = make_listing(title="Ended", promoted_until=now - timedelta(days=1))

    flags = {hit.listing_id: hit.is_promoted for hit in search().hits}

    assert flags == {running.pk: True, ended.pk: False}


def test_a_hit_carries_everything_a_card_shows():
    category = make_category("deep-cleaning", name_en="Deep cleaning")
    provider = make_provider(verified=True, display_name="Spotless Co")
    listing = make_listing(
        title="Deep clean",
        category=category,
        provider=provider,
        price=12000,
        rating_count=12,
        rating_mean=4.5,
        instant_book=True,
        radius_km=Decimal("7.5"),
    )

    hit = search(lat=SHANGHAI[0], lng=SHANGHAI[1]).hits[0]

    assert hit.public_id == listing.public_id
    assert hit.category_slug == "deep-cleaning"
    assert hit.category_name == "Deep cleaning"
    assert (hit.provider_name, hit.provider_verified) == ("Spotless Co", True)
    assert hit.provider_public_id == provider.public_id
    assert (hit.price.amount, hit.price.currency) == (12000, "CNY")
    assert (hit.rating_mean, hit.rating_count) == (4.5, 12)
    assert hit.distance_km == pytest.approx(0.0, abs=1e-6)
    assert hit.instant_book is True
    assert hit.thumbnail_url is None
