"""Lighthouse's SEO audits on the home, search, listing, provider and landing
pages (see ``audits.audit_seo``), and the structured data each page carries."""

import pytest

from doorstep.reviews.reputation import counted_reviews
from doorstep.seo.tests.audits import audit_seo, json_ld_of, parse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", [None, "en", "zh-hans", "zh-hant"])
def test_every_audited_page_passes_in_every_language(client, market, language):
    pages = [
        "/",
        "/search/",
        f"/services/{market.reviewed.public_id}/",
        f"/services/{market.unreviewed.public_id}/",
        f"/providers/{market.reviewed.provider.public_id}/",
        "/shanghai/",
        "/shanghai/deep-cleaning/",
    ]
    for path in pages:
        query = {"lang": language} if language else {}
        page = audit_seo(client.get(path, query), path=path)
        canonical = next(
            link["href"] for link in page.links if link.get("rel") == "canonical"
        )
        # Each language version is canonical for itself
        if language:
            assert canonical == f"http://testserver{path}?lang={language}"
            assert page.html_lang == language
        else:
            assert canonical == f"http://testserver{path}"


def test_hreflang_alternates_name_every_language(client, market):
    page = parse(client.get("/shanghai/deep-cleaning/").content.decode())
    alternates = {
        link["hreflang"]: link["href"]
        for link in page.links
        if link.get("rel") == "alternate"
    }
    base = "http://testserver/shanghai/deep-cleaning/"
    assert alternates == {
        "en": f"{base}?lang=en",
        "zh-Hans": f"{base}?lang=zh-hans",
        "zh-Hant": f"{base}?lang=zh-hant",
        "x-default": base,
    }


def test_search_with_filters_is_canonical_to_the_bare_search(client, market):
    response = client.get("/search/", {"category": "deep-cleaning", "lang": "en"})
    page = audit_seo(response, path="/search/")
    canonical = next(
        link["href"] for link in page.links if link.get("rel") == "canonical"
    )
    assert canonical == "http://testserver/search/?lang=en"


def test_meta_descriptions_are_per_page(client, market):
    def description(path: str) -> str:
        return parse(client.get(path).content.decode()).meta("description")[0]

    home = description("/")
    others = {
        description("/search/"),
        description(f"/services/{market.reviewed.public_id}/"),
        description(f"/providers/{market.reviewed.provider.public_id}/"),
        description("/shanghai/deep-cleaning/"),
    }
    assert home not in others
    assert len(others) == 4
    assert "Deep Cleaning in Shanghai" in description("/shanghai/deep-cleaning/")


def test_listing_is_a_service_with_offer_and_rating_from_real_reviews(client, market):
    listing = market.reviewed
    page = parse(client.get(f"/services/{listing.public_id}/").content.decode())
    (service,) = json_ld_of(page, "Service")
    assert service["name"] == listing.title
    assert service["url"] == f"http://testserver/services/{listing.public_id}/"
    # Minor units (30000 fen) as a major-unit decimal
    assert service["offers"]["price"] == "300.00"
    assert service["offers"]["priceCurrency"] == "CNY"
    assert service["provider"] == {
        "@type": "Person",
        "@id": f"http://testserver/providers/{listing.provider.public_id}/",
        "name": "Mei Chen",
        "url": f"http://testserver/providers/{listing.provider.public_id}/",
    }
    assert service["areaServed"] == {"@type": "City", "name": "Shanghai"}
    # Two public reviews (5★, 4★); the one still in its window does not count
    real = counted_reviews().filter(listing=listing).count()
    assert real == 2
    assert service["aggregateRating"]["reviewCount"] == real
    assert service["aggregateRating"]["ratingValue"] == 4.5


def test_no_aggregate_rating_without_reviews(client, market):
    listing = market.unreviewed
    page = parse(client.get(f"/services/{listing.public_id}/").content.decode())
    (service,) = json_ld_of(page, "Service")
    assert "aggregateRating" not in service
    assert service["offers"]["price"] == "120.50"
    provider = parse(
        client.get(f"/providers/{listing.provider.public_id}/").content.decode()
    )
    (business,) = json_ld_of(provider, "LocalBusiness")
    assert "aggregateRating" not in business


def test_provider_page_is_a_local_business(client, market):
    provider = market.reviewed.provider
    page = parse(client.get(f"/providers/{provider.public_id}/").content.decode())
    (business,) = json_ld_of(page, "LocalBusiness")
    assert business["name"] == "Mei Chen"
    # The served city, never the provider's own address
    assert business["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Shanghai",
    }
    rating = business["aggregateRating"]
    assert rating["reviewCount"] == counted_reviews().filter(provider=provider).count()
    assert (rating["worstRating"], rating["bestRating"]) == (1, 5)


def test_a_draft_preview_has_no_structured_data(client, market):
    client.force_login(market.draft.provider.user)
    page = parse(client.get(f"/services/{market.draft.public_id}/").content.decode())
    assert page.meta("robots") == ["noindex"]
    assert not page.json_ld


def test_json_ld_cannot_close_its_script_element(client, market):
    listing = market.unreviewed
    listing.title = "Clean </script><script>alert(1)</script>"
    listing.save(update_fields=["title"])
    html = client.get(f"/services/{listing.public_id}/").content.decode()
    page = parse(html)
    (service,) = json_ld_of(page, "Service")
    assert service["name"] == listing.title
    assert "<script>alert(1)" not in html
