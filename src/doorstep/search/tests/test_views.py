"""The search page: filters that live in the URL, the htmx partials, result cards,
empty states and friendly 400s — against the real query service."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from doorstep.catalog.models import PricingModel
from doorstep.web.tests.test_page_hygiene import assert_no_inline_code
from tests.factories import (
    SHANGHAI,
    TAIPEI,
    make_category,
    make_listing,
    make_provider,
)

pytestmark = pytest.mark.django_db

NEAR_SHANGHAI = {"lat": str(SHANGHAI[0]), "lng": str(SHANGHAI[1])}
HTMX_FILTER = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "search-results"}
HTMX_MORE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "load-more"}


def _near(latitude: float, longitude: float, km_north: float) -> tuple[float, float]:
    return (latitude + km_north / 111.2, longitude)


@pytest.fixture
def cleaning():
    root = make_category("cleaning", name_en="Cleaning", name_zh_hans="清洁")
    return make_category(
        "deep-cleaning", parent=root, name_en="Deep cleaning", name_zh_hans="深度清洁"
    )


@pytest.fixture
def repairs():
    return make_category("repairs", name_en="Repairs", name_zh_hans="维修")


@pytest.fixture
def listings(cleaning, repairs):
    """Three cleaning services and a repair around Shanghai, one in Taipei."""
    verified = make_provider(verified=True, display_name="Spotless Mei")
    return {
        "cheap": make_listing(
            provider=verified,
            category=cleaning,
            title="Deep cleaning, small flat",
            price=19900,
            at=_near(*SHANGHAI, 1.2),
            instant_book=True,
        ),
        "dear": make_listing(
            category=cleaning,
            title="Deep cleaning, whole villa",
            price=120000,
            at=_near(*SHANGHAI, 3),
        ),
        "hourly": make_listing(
            category=cleaning,
            title="Cleaning by the hour",
            price=6000,
            pricing_model=PricingModel.HOURLY,
            at=_near(*SHANGHAI, 0.4),
        ),
        "repair": make_listing(
            category=repairs,
            title="Air-conditioner repair",
            pricing_model=PricingModel.QUOTE,
            at=_near(*SHANGHAI, 2),
        ),
        "taipei": make_listing(category=cleaning, title="Deep cleaning", at=TAIPEI),
    }


def _get(client, params: dict | None = None, **headers):
    return client.get(reverse("search:search"), params or {}, **headers)


def _html(response) -> str:
    return response.content.decode()


def _input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*\bname="{name}".*?</select>', html, re.S)
    option = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return option.group(1) if option else None


def _checked(html: str, name: str) -> bool:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    return tag is not None and " checked" in tag.group(0)


# --- The full page ------------------------------------------------------------------


def test_the_page_lists_nearby_matches_with_a_map(client, listings):
    response = _get(client, {"q": "cleaning", **NEAR_SHANGHAI})

    assert response.status_code == 200
    assert response.templates[0].name == "search/search.html"
    html = _html(response)
    assert "Deep cleaning, small flat" in html
    assert "Deep cleaning, whole villa" in html
    assert "Air-conditioner repair" not in html  # not cleaning
    assert html.count("data-map-hit") == 3  # not the one in Taipei
    # the heading says what and where; Shanghai is the active quick pick
    assert "“cleaning” near Shanghai" in unescape(html)
    assert re.search(r'aria-current="true">Shanghai<', html)
    # the map is a container the script fills from the cards' data
    assert 'data-map="results"' in html
    assert f'data-tile-url="{settings.DOORSTEP_MAP_TILE_URL}"' in unescape(html)
    assert "web/map.js" in html
    # Leaflet is not loaded with the page: map.js fetches it when the map shows
    assert re.search(r'data-leaflet-js="[^"]*vendor/leaflet/leaflet\.js"', html)
    assert re.search(r'data-leaflet-css="[^"]*vendor/leaflet/leaflet\.css"', html)
    assert not re.search(r"<script[^>]*leaflet", html)
    assert not re.search(r"<link[^>]*leaflet", html)


def test_filters_round_trip_through_the_url(client, listings):
    query = {
        "q": "deep cleaning",
        "category": "deep-cleaning",
        **NEAR_SHANGHAI,
        "radius_km": "10",
        "serves": "1",
        "price_min": "100",
        "price_max": "1500",
        "currency": "CNY",
        "min_rating": "4",
        "verified": "1",
        "instant": "1",
        "language": "zh-hans",
        "sort": "price_asc",
    }

    html = _html(_get(client, query))

    # every control shows the value the URL gave it
    assert _input_value(html, "q") == "deep cleaning"
    assert _input_value(html, "category") == "deep-cleaning"
    assert _input_value(html, "lat") == query["lat"]
    assert _input_value(html, "lng") == query["lng"]
    assert _input_value(html, "price_min") == "100"
    assert _input_value(html, "price_max") == "1500"
    assert _input_value(html, "currency") == "CNY"
    assert _selected(html, "radius_km") == "10"
    assert _selected(html, "min_rating") == "4"
    assert _selected(html, "language") == "zh-hans"
    assert _selected(html, "sort") == "price_asc"
    for name in ("serves", "verified", "instant"):
        assert _checked(html, name), name
    # links that change one filter keep all the others
    link = re.search(r'href="([^"]*)"[^>]*>Taipei<', html).group(1)
    linked = parse_qs(urlsplit(unescape(link)).query)
    assert linked["lat"] == ["25.0478"]
    for key in ("q", "category", "price_max", "verified", "instant", "sort"):
        assert linked[key] == [query[key]], key


def test_the_form_is_an_htmx_form_that_pushes_its_url(client, listings):
    html = _html(_get(client, {"q": "cleaning"}))

    form = re.search(r'<form id="search-form"[^>]*>', html, re.S).group(0)
    assert f'action="{reverse("search:search")}"' in form
    assert 'method="get"' in form
    assert f'hx-get="{reverse("search:search")}"' in form
    assert 'hx-push-url="true"' in form
    assert 'hx-target="#search-results"' in form


def test_a_city_from_the_home_page_becomes_coordinates(client):
    response = _get(client, {"q": "cleaning", "city": "shanghai", "location": "x"})

    assert response.status_code == 302
    target = urlsplit(response.url)
    assert target.path == reverse("search:search")
    assert parse_qs(target.query) == {
        "q": ["cleaning"],
        "lat": ["31.2304"],
        "lng": ["121.4737"],
    }


def test_anywhere_from_the_home_page_just_drops_the_city(client):
    response = _get(client, {"q": "cleaning", "city": ""})

    assert response.status_code == 302
    assert response.url == reverse("search:search") + "?q=cleaning"


# --- htmx ----------------------------------------------------------------------------


def test_an_htmx_filter_change_gets_results_and_filters_without_the_layout(
    client, listings
):
    response = _get(client, {"q": "cleaning", **NEAR_SHANGHAI}, **HTMX_FILTER)

    assert response.status_code == 200
    assert response.templates[0].name == "search/_swap.html"
    html = _html(response)
    assert "<html" not in html
    assert "<header" not in html
    assert "Deep cleaning, small flat" in html
    # the filters and the search bar come out of band, with fresh counts
    assert '<div id="filters-body" hx-swap-oob="innerHTML">' in html
    assert '<div id="search-bar-body" hx-swap-oob="innerHTML">' in html
    assert '<span id="filter-count" hx-swap-oob="innerHTML">' in html
    # the count is announced through a live region that stays on the page
    status = re.search(
        r'<p id="results-status" hx-swap-oob="innerHTML">(.*?)</p>', html, re.S
    )
    assert status.group(1).strip() == "3 services found"
    assert 'class="facet__count">3<' in html
    # caches keep the page and the partial apart
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client, listings):
    response = _get(
        client,
        {"q": "cleaning"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )

    assert _html(response).startswith("<!doctype html>")


def test_load_more_appends_the_next_page_by_cursor(client, listings):
    first = _html(_get(client, {"q": "cleaning", **NEAR_SHANGHAI, "limit": "2"}))
    titles = set(re.findall(r'data-title="([^"]+)"', first))
    assert len(titles) == 2
    more = re.search(
        r'<li class="result-list__more" id="load-more">.*?</li>', first, re.S
    )
    next_url = unescape(re.search(r'hx-get="([^"]+)"', more.group(0)).group(1))
    assert "cursor=" in next_url
    assert "q=cleaning" in next_url

    response = client.get(next_url, **HTMX_MORE)

    assert response.status_code == 200
    html = _html(response)
    assert html.lstrip().startswith('<li class="result-list__item">')
    assert "results-head" not in html
    assert (
        set(re.findall(r'data-title="([^"]+)"', html))
        == {
            "Deep cleaning, whole villa",
            "Cleaning by the hour",
            "Deep cleaning, small flat",
        }
        - titles
    )
    assert 'id="load-more"' not in html  # that was the last page


def test_without_script_the_cursor_link_shows_the_next_page(client, listings):
    first = _html(_get(client, {"q": "cleaning", **NEAR_SHANGHAI, "limit": "2"}))
    next_url = unescape(
        re.search(r'id="load-more">\s*<a[^>]*href="([^"]+)"', first).group(1)
    )

    html = _html(client.get(next_url))

    assert html.startswith("<!doctype html>")
    assert html.count("data-map-hit") == 1
    assert "Back to the first results" in html


# --- Result cards ---------------------------------------------------------------------


def test_a_card_shows_everything_needed_to_choose(client, listings):
    html = unescape(_html(_get(client, {"q": "small flat", **NEAR_SHANGHAI})))

    card = re.search(r'<article class="result-card.*?</article>', html, re.S).group(0)
    assert "Deep cleaning, small flat" in card
    assert "Deep cleaning" in card  # category
    assert "Spotless Mei" in card
    assert "ID verified" in card
    assert "Instant book" in card
    assert "1.2 km away" in card
    assert "New" in card  # no reviews yet
    assert "From <strong>CN¥199.00</strong>" in card
    assert listings["cheap"].public_id in card  # the link to the listing page
    assert 'class="result-card__placeholder"' in card  # no photo yet


def test_hourly_and_quote_prices_say_their_unit(client, listings):
    html = unescape(_html(_get(client, {**NEAR_SHANGHAI, "radius_km": "5"})))

    assert "<strong>CN¥60.00</strong> / hour" in html
    assert "<strong>On quote</strong>" in html


def test_a_rated_listing_shows_its_stars_and_count(client, cleaning):
    make_listing(
        category=cleaning, title="Rated cleaning", rating_mean=4.84, rating_count=12
    )

    html = _html(_get(client, {"q": "rated"}))

    assert '<strong class="rating__mean" aria-hidden="true">4.8</strong>' in html
    assert "(12)" in html
    assert "Rated 4.8 out of 5 from 12 reviews" in html


def test_promoted_results_are_labelled(client, cleaning):
    make_listing(
        category=cleaning,
        title="Promoted cleaning",
        promoted_until=timezone.now() + timedelta(days=3),
    )
    make_listing(category=cleaning, title="Plain cleaning")

    html = _html(_get(client, {"q": "cleaning"}))

    promoted = re.search(
        r'<article class="result-card result-card--promoted".*?</article>', html, re.S
    ).group(0)
    assert "Promoted cleaning" in promoted
    assert '<span class="badge badge--promoted">Promoted</span>' in promoted
    assert html.count("badge--promoted") == 1


def test_prices_follow_the_language(client, listings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    html = unescape(_html(_get(client, {"q": "small flat", **NEAR_SHANGHAI})))

    assert "<strong>¥199.00</strong>" in html
    assert '<html lang="zh-hans"' in html


def test_a_chinese_title_is_shown_as_written(client, cleaning):
    make_listing(category=cleaning, title="家庭保洁服务")

    html = _html(_get(client, {"q": "保洁"}))

    assert "家庭保洁服务" in html


# --- Facets and empty states ----------------------------------------------------------


def test_facets_count_categories_and_price_bands(client, listings):
    html = unescape(_html(_get(client, NEAR_SHANGHAI)))

    categories = re.findall(
        r'<span class="facet__label">([^<]+)</span><span class="facet__count">(\d+)<',
        html,
    )
    assert ("Cleaning", "3") in categories
    assert ("Repairs", "1") in categories
    bands = re.search(r'aria-label="Price bands">(.*?)</ul>', html, re.S).group(1)
    assert "price_max=" in bands
    assert "currency=CNY" in bands


def test_choosing_a_price_band_selects_it(client, listings):
    html = unescape(_html(_get(client, {**NEAR_SHANGHAI, "radius_km": "5"})))
    bands = re.search(r'aria-label="Price bands">(.*?)</ul>', html, re.S).group(1)
    first = re.search(r'href="([^"]+)"', bands).group(1)

    html = _html(client.get(first))

    assert re.search(r'class="facet facet--selected" href="[^"]*price_m', html)


def test_no_match_offers_ways_out(client, listings):
    query = {"q": "cleaning", **NEAR_SHANGHAI, "radius_km": "2", "verified": "1"}
    query["q"] = "villa"

    html = unescape(_html(_get(client, query)))

    assert "No services match this search yet." in html
    assert "Clear the filters" in html
    wider = re.search(r'href="([^"]+)"[^>]*>Search a wider area<', html).group(1)
    assert parse_qs(urlsplit(wider).query)["radius_km"] == ["10"]
    assert "Search without the words" in html


def test_an_empty_search_without_a_place_suggests_a_city(client):
    html = _html(_get(client))

    assert "Pick a city above to see who is nearby." in html


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"price_max": "-5"}, "price_max", "A price cannot be negative."),
        ({"price_min": "cheap"}, "price_min", "Enter a price like 120 or 99.50."),
        (
            {"price_min": "500", "price_max": "100"},
            "price_max",
            "The highest price must not be below the lowest.",
        ),
        ({"lat": "999", "lng": "121"}, "lat", "Enter a number between -90 and 90."),
        ({"lat": "31.2", "lng": "abc"}, "lng", "Enter a number."),
        ({"lat": "31.2"}, "lat", "Give both latitude and longitude."),
        (
            {**NEAR_SHANGHAI, "radius_km": "0"},
            "radius_km",
            "Enter a number between 0.1 and 200.0.",
        ),
        (
            {**NEAR_SHANGHAI, "radius_km": "100000"},
            "radius_km",
            "Enter a number between 0.1 and 200.0.",
        ),
        ({"q": "x" * 101}, "q", "Keep the search under 100 characters."),
        ({"category": "../../etc/passwd"}, "category", "Unknown category."),
        ({"min_rating": "9"}, "min_rating", "Enter a number between 0 and 5."),
        ({"language": "klingon"}, "language", "Unknown language."),
        ({"sort": "'; DROP TABLE listings;--"}, "sort", "Unknown sort order."),
        ({"sort": "distance"}, "sort", "Sorting by distance needs a location."),
    ],
)
def test_bad_input_is_a_400_with_the_message_beside_the_field(
    client, listings, query, field, message
):
    response = _get(client, query)

    assert response.status_code == 400
    html = unescape(_html(response))
    errors = re.search(rf'<ul class="errorlist" id="{field}-error">(.*?)</ul>', html)
    assert errors is not None, html
    assert message in errors.group(1)
    assert "Some search filters are not valid." in html
    assert "data-map-hit" not in html
    assert_no_inline_code(_html(response))


def test_a_bad_filter_marks_its_control_invalid_and_keeps_what_was_typed(client):
    html = _html(_get(client, {"price_max": "-5", "q": "cleaning"}))

    tag = re.search(r'<input id="price-max"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag
    assert 'aria-describedby="price_max-error"' in tag
    assert 'value="-5"' in tag
    assert _input_value(html, "q") == "cleaning"


def test_bad_input_over_htmx_is_a_400_partial(client):
    response = _get(client, {"price_max": "-5"}, **HTMX_FILTER)

    assert response.status_code == 400
    html = _html(response)
    assert "<html" not in html
    assert 'id="price_max-error"' in html


def test_an_unknown_but_well_formed_category_is_never_a_500(client, listings):
    response = _get(client, {"category": "no-such-category"})

    assert response.status_code in (200, 400)
    assert "data-map-hit" not in _html(response)


def test_a_forged_cursor_is_a_friendly_400(client, listings):
    response = _get(client, {"q": "cleaning", "cursor": "not-a-real-cursor"})

    assert response.status_code == 400
    assert "Some search filters are not valid." in _html(response)


@pytest.mark.parametrize(
    "text", ["' OR 1=1 --", '"; DROP TABLE catalog_listing; --', "clean*", "NEAR(a b)"]
)
def test_text_that_looks_like_an_injection_is_just_text(client, listings, text):
    response = _get(client, {"q": text})

    assert response.status_code == 200
    assert _input_value(_html(response), "q") == text


def test_user_text_is_escaped(client):
    response = _get(client, {"q": "<script>alert(1)</script>"})

    html = _html(response)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Page hygiene ---------------------------------------------------------------------


def test_the_page_runs_under_the_content_security_policy(client, listings):
    response = _get(client, {"q": "cleaning", **NEAR_SHANGHAI})

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "https://tile.openstreetmap.org" in policy.split("img-src")[1].split(";")[0]
    assert_no_inline_code(_html(response))


def test_one_address_searching_too_fast_gets_the_429_page(client, settings):
    settings.DOORSTEP_RATE_LIMITS = {
        **settings.DOORSTEP_RATE_LIMITS,
        "search_per_ip": "2/m",
    }
    for _attempt in range(2):
        assert client.get(reverse("search:search"), {"q": "clean"}).status_code == 200

    response = client.get(reverse("search:search"), {"q": "clean"})

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
