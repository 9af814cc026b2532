"""robots.txt, the sitemap index and the sitemaps per language."""

import re
from urllib.robotparser import RobotFileParser
from xml.etree import ElementTree

import pytest

pytestmark = pytest.mark.django_db
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
DIRECTIVE = re.compile(r"^(User-agent|Allow|Disallow|Sitemap): \S+$")


def _locs(response) -> list[str]:
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own XML
    return [loc.text for loc in root.iterfind(".//sm:loc", NS)]


def test_robots_txt_is_valid_and_keeps_crawlers_out_of_private_pages(client, market):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    # Every line is a directive Lighthouse's robots-txt audit knows
    for line in lines:
        assert DIRECTIVE.match(line), line
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    robots = RobotFileParser()
    robots.parse(lines)
    public = [
        "/",
        "/search/",
        "/shanghai/",
        "/shanghai/deep-cleaning/",
        f"/services/{market.reviewed.public_id}/",
        f"/providers/{market.reviewed.provider.public_id}/",
        "/help/",
    ]
    for path in public:
        assert robots.can_fetch("Googlebot", f"http://testserver{path}"), path
    private = [
        "/ops/",
        "/api/v1/me",
        "/accounts/login/",
        "/dashboard/services/",
        "/orders/",
        "/messages/",
        "/provider/wallet/",
    ]
    for path in private:
        assert not robots.can_fetch("Googlebot", f"http://testserver{path}"), path


def test_the_index_lists_one_sitemap_per_kind_and_language(client, market):
    locs = _locs(client.get("/sitemap.xml"))
    for language in ("en", "zh-hans", "zh-hant"):
        for kind in ("pages", "cities", "landings", "listings", "providers"):
            assert f"http://testserver/sitemap-{kind}-{language}.xml" in locs
    assert len(locs) == 15


def test_sitemaps_list_what_customers_can_open_in_that_language(client, market):
    listings = _locs(client.get("/sitemap-listings-zh-hans.xml"))
    assert f"http://testserver/services/{market.reviewed.public_id}/?lang=zh-hans" in (
        listings
    )
    assert (
        f"http://testserver/services/{market.unreviewed.public_id}/?lang=zh-hans"
        in (listings)
    )
    # Not the suspended provider's listing, not the draft
    assert not [url for url in listings if market.suspended.public_id in url]
    assert not [url for url in listings if market.draft.public_id in url]
    assert len(listings) == 2

    providers = _locs(client.get("/sitemap-providers-en.xml"))
    assert sorted(providers) == sorted(
        f"http://testserver/providers/{listing.provider.public_id}/?lang=en"
        for listing in (market.reviewed, market.unreviewed)
    )


def test_landing_sitemap_has_only_landings_with_providers(client, market):
    landings = _locs(client.get("/sitemap-landings-zh-hant.xml"))
    assert sorted(landings) == [
        "http://testserver/shanghai/cleaning/?lang=zh-hant",
        "http://testserver/shanghai/deep-cleaning/?lang=zh-hant",
    ]
    cities = _locs(client.get("/sitemap-cities-en.xml"))
    assert cities == ["http://testserver/shanghai/?lang=en"]
    pages = _locs(client.get("/sitemap-pages-en.xml"))
    assert pages == ["http://testserver/?lang=en", "http://testserver/search/?lang=en"]


def test_a_suspended_providers_landing_disappears(client, market):
    # Given every deep-cleaning provider in Shanghai but the suspended one leaves
    from doorstep.accounts.models import ProviderProfile
    from doorstep.search.indexing import index_provider

    for listing in (market.reviewed, market.unreviewed):
        provider = listing.provider
        provider.status = ProviderProfile.Status.SUSPENDED
        provider.save(update_fields=["status"])
        index_provider(provider)
    # Then no landing is in the sitemap and the landing page lists nobody
    assert _locs(client.get("/sitemap-landings-en.xml")) == []
    html = client.get("/shanghai/deep-cleaning/").content.decode()
    assert market.reviewed.title not in html
    assert market.suspended.title not in html


def test_unknown_section_is_404(client, market):
    assert client.get("/sitemap-listings-fr.xml").status_code == 404


def test_lang_parameter_chooses_the_language_without_storing_it(client, market):
    response = client.get("/shanghai/deep-cleaning/", {"lang": "zh-hans"})
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert response["Content-Language"] == "zh-hans"
    assert "深度清洁" in html  # the category's Simplified Chinese name
    # Nothing is remembered: the next page without ?lang= is in English again
    assert "django_language" not in response.cookies
    assert '<html lang="en"' in client.get("/").content.decode()
    # And an unknown language is ignored
    assert '<html lang="en"' in client.get("/", {"lang": "fr"}).content.decode()
