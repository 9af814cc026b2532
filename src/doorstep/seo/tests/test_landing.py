"""Landing pages by city and category: real providers from the search query,
404 for slugs that name nothing."""

import pytest

from doorstep.seo.tests.audits import json_ld_of, parse

pytestmark = pytest.mark.django_db


def test_landing_lists_visible_listings_best_rated_first(client, market):
    # When a visitor opens the Shanghai deep-cleaning landing page
    response = client.get("/shanghai/deep-cleaning/")
    # Then it lists the two listings of active providers, the reviewed one first
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(market.reviewed.title) < html.index(market.unreviewed.title)
    # And never the suspended provider's listing nor the draft
    assert market.suspended.title not in html
    assert market.draft.title not in html
    # And each card links to its listing and shows its price and rating
    assert f'href="/services/{market.reviewed.public_id}/"' in html
    assert "¥300.00" in html
    assert "¥120.50" in html
    assert "Rated 4.5 out of 5 from 2 reviews" in html
    # And the H1 names the category and the city
    assert "<h1>Deep Cleaning in Shanghai</h1>" in html


def test_parent_category_landing_includes_its_children(client, market):
    html = client.get("/shanghai/cleaning/").content.decode()
    assert market.reviewed.title in html
    assert market.unreviewed.title in html


def test_landing_links_siblings_breadcrumbs_and_the_full_search(client, market):
    page = parse(client.get("/shanghai/deep-cleaning/").content.decode())
    hrefs = {attrs["href"] for attrs, _text in page.anchors}
    # The parent category in the same city, and the city page
    assert "/shanghai/cleaning/" in hrefs
    assert "/shanghai/" in hrefs
    # No link to an empty landing (tutoring has no provider in Shanghai)
    assert "/shanghai/tutoring/" not in hrefs
    assert any(h.startswith("/search/?category=deep-cleaning&") for h in hrefs)
    # Breadcrumbs: Home › Shanghai › Cleaning › Deep Cleaning, as JSON-LD too
    (crumbs,) = json_ld_of(page, "BreadcrumbList")
    assert [item["name"] for item in crumbs["itemListElement"]] == [
        "Home",
        "Shanghai",
        "Cleaning",
        "Deep Cleaning",
    ]
    assert crumbs["itemListElement"][-1]["item"] == (
        "http://testserver/shanghai/deep-cleaning/"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/atlantis/deep-cleaning/",  # no such city
        "/shanghai/space-travel/",  # no such category
        "/atlantis/",
    ],
)
def test_unknown_slugs_are_404(client, market, path):
    assert client.get(path).status_code == 404


def test_an_inactive_category_has_no_landing(client, market):
    market.deep_cleaning.is_active = False
    market.deep_cleaning.save(update_fields=["is_active"])
    assert client.get("/shanghai/deep-cleaning/").status_code == 404


def test_an_empty_landing_is_not_indexed(client, market):
    # Both slugs exist, but nobody teaches in Shanghai yet
    response = client.get("/shanghai/tutoring/")
    assert response.status_code == 200
    page = parse(response.content.decode())
    assert page.meta("robots") == ["noindex"]
    assert not json_ld_of(page, "ItemList")


def test_existing_routes_are_not_shadowed(client, market):
    # /search/ and /help/ are one-segment paths the city pattern would match
    assert client.get("/search/").templates[0].name == "search/search.html"
    assert client.get("/help/").status_code == 200


def test_city_page_lists_the_categories_with_providers(client, market):
    response = client.get("/shanghai/")
    assert response.status_code == 200
    page = parse(response.content.decode())
    hrefs = {attrs["href"] for attrs, _text in page.anchors}
    assert {"/shanghai/cleaning/", "/shanghai/deep-cleaning/"} <= hrefs
    assert "/shanghai/tutoring/" not in hrefs
    # Other cities are linked, an empty city's page is not indexed
    assert "/taipei/" in hrefs
    taipei = parse(client.get("/taipei/").content.decode())
    assert taipei.meta("robots") == ["noindex"]
