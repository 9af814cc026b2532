"""GET /api/v1/services and /api/v1/categories: anonymous, shaped, and 400 for
bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.api.testing import API, assert_problem
from tests.factories import SHANGHAI, make_category, make_listing, make_provider

pytestmark = pytest.mark.django_db

SERVICES = f"{API}/services"


def test_anyone_can_search_and_gets_the_documented_shape(client):
    category = make_category("cleaning", name_en="Cleaning", name_zh_hans="保洁")
    provider = make_provider(verified=True, display_name="Spotless")
    listing = make_listing(
        title="Deep cleaning",
        category=category,
        provider=provider,
        price=12000,
        rating_count=3,
        rating_mean=4.67,
        promoted_until=timezone.now() + timedelta(days=1),
    )

    response = client.get(
        SERVICES, {"q": "cleaning", "lat": SHANGHAI[0], "lng": SHANGHAI[1]}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 1
    assert body["total_exact"] is True
    assert body["next"] is None
    (item,) = body["items"]
    assert item["id"] == listing.public_id
    assert item["title"] == "Deep cleaning"
    assert item["category"] == {"slug": "cleaning", "name": "Cleaning"}
    assert item["provider"] == {
        "id": provider.public_id,
        "name": "Spotless",
        "verified": True,
    }
    assert item["pricing_model"] == "fixed"
    assert item["price"] == {"amount": 12000, "currency": "CNY"}
    assert item["distance_km"] == 0.0
    assert item["rating"]["mean"] == 4.67
    assert item["rating"]["count"] == 3
    assert 1 <= item["rating"]["score"] <= 5
    assert item["location"] == {"lat": SHANGHAI[0], "lng": SHANGHAI[1]}
    assert item["thumbnail_url"] is None
    assert item["instant_book"] is False
    assert item["promoted"] is True
    assert body["facets"]["category"] == [
        {"key": "cleaning", "label": "Cleaning", "count": 1}
    ]
    assert body["facets"]["price"] == [
        {"key": "10000-19999", "label": "CN¥100 to CN¥200", "count": 1}
    ]
    assert body["facets"]["price_currency"] == "CNY"


def test_names_follow_the_request_language(client):
    category = make_category("cleaning", name_en="Cleaning", name_zh_hans="保洁")
    make_listing(category=category)

    body = client.get(SERVICES, HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert body["items"][0]["category"]["name"] == "保洁"


def test_pages_follow_next(client):
    created = {make_listing().public_id for _ in range(3)}

    first = client.get(SERVICES, {"limit": 2, "sort": "rating"}).json()
    second = client.get(
        SERVICES, {"limit": 2, "sort": "rating", "cursor": first["next"]}
    ).json()

    assert second["next"] is None
    assert {item["id"] for item in first["items"] + second["items"]} == created


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"lat": "abc", "lng": "121"}, "lat"),
        ({"lat": "91", "lng": "121"}, "lat"),
        ({"lat": "31", "lng": "121", "radius_km": "0"}, "radius_km"),
        ({"lat": "31", "lng": "121", "radius_km": "10000"}, "radius_km"),
        ({"price_min": "-5"}, "price_min"),
        ({"category": "no-such-category"}, "category"),
        ({"q": "x" * 101}, "q"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"sort": "distance"}, "sort"),
        ({"limit": "500"}, "limit"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field(client, query, field):
    make_category("cleaning")

    response = client.get(SERVICES, query)

    body = assert_problem(response, 400)
    assert field in body["errors"], body


@pytest.mark.parametrize(
    "hostile", ['"', "*", "NEAR(", "OR", ")", "'", "\\", "%", "--", "' OR 1=1 --"]
)
def test_injection_attempts_are_plain_searches(client, hostile):
    make_listing(title="Cleaning")

    response = client.get(SERVICES, {"q": hostile})

    assert response.status_code == 200, response.content


def test_categories_are_a_localized_tree(client):
    root = make_category("repairs", name_en="Repairs", name_zh_hant="維修")
    make_category("ac-repair", parent=root, name_en="Air conditioning")
    hidden = make_category("retired")
    hidden.is_active = False
    hidden.save()

    english = client.get(f"{API}/categories").json()
    chinese = client.get(f"{API}/categories", HTTP_ACCEPT_LANGUAGE="zh-hant").json()

    assert [node["slug"] for node in english] == ["repairs"]
    assert english[0]["children"][0]["name"] == "Air conditioning"
    assert english[0]["children"][0]["children"] == []
    assert chinese[0]["name"] == "維修"


def test_one_address_searching_too_fast_gets_a_429_problem(client, settings):
    settings.DOORSTEP_RATE_LIMITS = {
        **settings.DOORSTEP_RATE_LIMITS,
        # Per hour, not minute: three searches on a busy machine can straddle
        # a minute's window edge, where the count starts again.
        "search_per_ip": "2/h",
    }
    for _attempt in range(2):
        assert client.get(f"{API}/services", {"q": "clean"}).status_code == 200

    response = client.get(f"{API}/services", {"q": "clean"})

    assert_problem(response, 429, "rate_limited")
    other = client.get(f"{API}/services", {"q": "clean"}, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200
