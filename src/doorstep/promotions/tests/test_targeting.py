"""A promotion limited to cities and categories is promoted only in searches
in that scope: a point within one of its cities, a category at or below one
of its categories. Elsewhere the listing is ranked and labelled as any other,
and its impressions are not counted."""

import pytest

from doorstep.core.errors import DomainError
from doorstep.marketplace.models import City
from doorstep.promotions.models import Promotion, PromotionDay
from doorstep.promotions.services import buy_promotion
from doorstep.search.tests.helpers import search
from tests.factories import SHANGHAI, TAIPEI, make_category, make_listing

pytestmark = pytest.mark.django_db


def _city(slug: str, at: tuple[float, float]) -> City:
    city, _created = City.objects.update_or_create(
        slug=slug,
        defaults={
            "name_en": slug.title(),
            "currency": "CNY",
            "time_zone": "Asia/Shanghai",
            "latitude": at[0],
            "longitude": at[1],
            "radius_km": 50,
            "is_active": True,
        },
    )
    return city


def _flags(results) -> dict[int, bool]:
    return {hit.listing_id: hit.is_promoted for hit in results.hits}


@pytest.fixture
def world():
    cleaning = make_category("cleaning")
    windows = make_category("windows", parent=cleaning)
    ovens = make_category("ovens", parent=cleaning)
    shanghai, taipei = _city("shanghai", SHANGHAI), _city("taipei", TAIPEI)
    listing = make_listing(title="Window cleaning", category=windows, at=SHANGHAI)
    make_listing(title="Oven cleaning", category=ovens, at=SHANGHAI)
    return {
        "listing": listing,
        "cleaning": cleaning,
        "windows": windows,
        "shanghai": shanghai,
        "taipei": taipei,
    }


def _promote(listing, **targets) -> Promotion:
    return buy_promotion(
        user=listing.provider.user, listing_id=listing.public_id, days=3, **targets
    )


def test_a_city_targeted_promotion_is_promoted_only_near_that_city(world):
    listing = world["listing"]
    _promote(listing, cities=["shanghai"])
    near = {"lat": SHANGHAI[0], "lng": SHANGHAI[1], "sort": "relevance"}
    assert _flags(search(**near))[listing.pk] is True
    # a search with no place is not in the city's scope
    assert _flags(search(sort="relevance"))[listing.pk] is False
    assert _flags(search(sort="price_asc"))[listing.pk] is False


def test_a_promotion_for_another_city_is_not_promoted_here(world):
    listing = world["listing"]
    _promote(listing, cities=["taipei"])
    results = search(lat=SHANGHAI[0], lng=SHANGHAI[1], sort="relevance")
    assert _flags(results)[listing.pk] is False


def test_a_category_target_covers_its_subtree_only(world):
    listing = world["listing"]
    _promote(listing, categories=["cleaning"])
    assert _flags(search(category="cleaning"))[listing.pk] is True
    assert _flags(search(category="windows"))[listing.pk] is True
    assert _flags(search(sort="relevance"))[listing.pk] is False


def test_a_narrow_category_target_is_not_promoted_in_its_parent(world):
    listing = world["listing"]
    _promote(listing, categories=["windows"])
    assert _flags(search(category="windows"))[listing.pk] is True
    assert _flags(search(category="cleaning"))[listing.pk] is False


def test_cities_and_categories_both_apply(world):
    listing = world["listing"]
    _promote(listing, cities=["shanghai"], categories=["windows"])
    here = {"lat": SHANGHAI[0], "lng": SHANGHAI[1]}
    assert _flags(search(category="windows", **here))[listing.pk] is True
    assert _flags(search(category="windows"))[listing.pk] is False
    assert _flags(search(category="cleaning", **here))[listing.pk] is False


def test_an_untargeted_promotion_beside_a_targeted_one_keeps_it_promoted(world):
    listing = world["listing"]
    _promote(listing, cities=["taipei"])
    # a daily budget runs beside it (a second fixed-days one would wait its turn)
    _promote(
        listing, mode=Promotion.Mode.DAILY_BUDGET, daily_budget=500, cost_per_click=50
    )
    assert _flags(search(sort="relevance"))[listing.pk] is True


def test_out_of_scope_pages_count_no_impressions(world, client):
    listing = world["listing"]
    _promote(listing, cities=["taipei"])
    assert client.get("/search/", {"sort": "relevance"}).status_code == 200
    assert client.get("/api/v1/services", {"sort": "relevance"}).status_code == 200
    assert not PromotionDay.objects.exists()


def test_unknown_targets_are_refused_and_nothing_is_bought(world):
    listing = world["listing"]
    with pytest.raises(DomainError) as refused:
        _promote(listing, cities=["atlantis"], categories=["nope"])
    # Well-formed slugs the marketplace lacks: a rule no schema can state.
    assert (refused.value.code, refused.value.status) == ("unknown_target", 422)
    assert set(refused.value.fields) == {"cities", "categories"}
    assert not Promotion.objects.exists()


def test_scope_is_read_in_four_queries_however_many_promotions(
    world, django_assert_num_queries
):
    from django.utils import timezone

    from doorstep.promotions.queries import hidden_promoted_listings

    listing = world["listing"]
    other = make_listing(title="Carpet cleaning", category=world["windows"])
    _promote(listing, cities=["taipei"])
    _promote(other, cities=["shanghai"])

    with django_assert_num_queries(4):
        hidden = hidden_promoted_listings(
            now=timezone.now(),
            point=SHANGHAI,
            category_path=[world["cleaning"].pk],
        )

    # out of its city; the other is in its own
    assert hidden == {listing.pk}
