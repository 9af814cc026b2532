"""Facet counts follow the filters; price bands are links that select them."""

import pytest

from doorstep.catalog.models import PricingModel
from doorstep.search.facets import band_bounds, price_band
from doorstep.search.tests.helpers import all_pages, search
from tests.factories import make_category, make_listing

pytestmark = pytest.mark.django_db


def facet_counts(results, name):
    return {facet.key: facet.count for facet in results.facets[name]}


def test_top_level_categories_count_their_whole_subtree():
    repairs = make_category("repairs", name_en="Repairs")
    ac = make_category("ac-repair", parent=repairs)
    cleaning = make_category("cleaning", name_en="Cleaning")
    make_listing(category=repairs)
    make_listing(category=ac)
    make_listing(category=ac)
    make_listing(category=cleaning)

    results = search()

    assert facet_counts(results, "category") == {"repairs": 3, "cleaning": 1}
    labels = {facet.key: facet.label for facet in results.facets["category"]}
    assert labels["repairs"] == "Repairs"


def test_a_chosen_category_shows_itself_then_its_children():
    repairs = make_category("repairs")
    ac = make_category("ac-repair", parent=repairs)
    plumbing = make_category("plumbing", parent=repairs)
    make_listing(category=repairs)
    make_listing(category=ac)
    make_listing(category=plumbing)
    make_listing(category=plumbing)

    facets = search(category="repairs").facets["category"]

    assert [(f.key, f.count) for f in facets] == [
        ("repairs", 4),
        ("ac-repair", 1),
        ("plumbing", 2),
    ]


def test_facets_follow_the_other_filters():
    cleaning = make_category("cleaning")
    make_listing(category=cleaning, title="Window cleaning")
    make_listing(category=cleaning, title="Deep cleaning")
    make_listing(category=make_category("repairs"), title="Window repair")

    assert facet_counts(search(q="window"), "category") == {
        "cleaning": 1,
        "repairs": 1,
    }
    assert facet_counts(search(q="cleaning"), "category") == {"cleaning": 2}


def test_price_bands_count_exactly_what_their_filter_returns():
    for amount in (1000, 4999, 5000, 9999, 25000, 250000):
        make_listing(price=amount)
    make_listing(pricing_model=PricingModel.QUOTE)

    results = search()

    assert results.price_currency == "CNY"
    assert facet_counts(results, "price") == {
        "0-4999": 2,
        "5000-9999": 2,
        "20000-49999": 1,
        "100000-": 1,
    }
    for facet in results.facets["price"]:
        low, _sep, high = facet.key.partition("-")
        query = {"price_min": int(low) / 100, "currency": "CNY"}
        if high:
            query["price_max"] = int(high) / 100
        assert len(all_pages(**query)) == facet.count


def test_price_bands_scale_with_the_currency():
    assert price_band(None, "CNY") == -1
    assert band_bounds(1, "USD") == (5000, 9999)
    assert band_bounds(1, "JPY") == (5000, 9999)  # ¥5,000 to ¥9,999: no decimals
    assert band_bounds(5, "CNY") == (100000, None)


def test_the_commonest_currency_gets_the_bands_unless_one_is_asked_for():
    make_listing(price=5000, currency="USD")
    make_listing(price=5000, currency="CNY")
    make_listing(price=7000, currency="CNY")

    assert search().price_currency == "CNY"
    assert search(currency="USD").price_currency == "USD"
    assert facet_counts(search(currency="USD"), "price") == {"5000-9999": 1}
